import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PortcullisError } from '../core/errors.js';
import { selectPolicies } from './select.js';
import { policy } from './testdata/synthetic.js';

test('selectPolicies: pipelines and images both must match; absent = any; sorted by name', () => {
  const ps = [
    policy('prod', {}, { pipelines: ['release-*', 'prod'], images: ['registry.example.com/shop/**'] }),
    policy('dev', {}, { pipelines: ['dev-*'] }),
    policy('all-shop', {}, { images: ['registry.example.com/shop/**'] }),
    policy('everything', {}),
  ];
  const names = (pipeline: string, img: string) => selectPolicies(ps, pipeline, img).map((p) => p.metadata.name);
  assert.deepEqual(names('release-7', 'registry.example.com/shop/orders-api:1'), ['all-shop', 'everything', 'prod']);
  assert.deepEqual(names('prod', 'registry.example.com/shop/orders-api@sha256:' + 'a'.repeat(64)), ['all-shop', 'everything', 'prod']);
  assert.deepEqual(names('release-7', 'registry.example.com/other/x:1'), ['everything']);
  assert.deepEqual(names('dev-1', 'alpine:3'), ['dev', 'everything']);
  assert.deepEqual(names('prerelease-1', 'registry.example.com/shop/a:1'), ['all-shop', 'everything'], 'pipelines are anchored');
});

test('selectPolicies: default fallback and NO_POLICY', () => {
  const ps = [policy('prod', {}, { pipelines: ['prod'] }), policy('default', {}, { pipelines: ['never'] })];
  assert.deepEqual(selectPolicies(ps, 'ci', 'alpine').map((p) => p.metadata.name), ['default']);
  assert.throws(
    () => selectPolicies([ps[0]!], 'ci', 'alpine:3'),
    (e) => e instanceof PortcullisError && e.code === 'NO_POLICY' && e.message.includes('docker.io/library/alpine:3') && e.message.includes('prod'),
  );
  assert.throws(() => selectPolicies([], 'ci', 'alpine'), (e) => e instanceof PortcullisError && e.code === 'NO_POLICY');
});
