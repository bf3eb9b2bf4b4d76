// Policies on the real orders-api image inventory (../shared fixtures): image-level controls only
// (no advisory DB needed). Skips visibly when ../shared is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedOrSkip } from '../core/shared.js';
import type { ScanReport } from '../core/report.js';
import { collectInventory } from '../scan/collect.js';
import { evaluate, imageOf } from './evaluate.js';
import { policy, set, exc } from './testdata/synthetic.js';

test('orders-api image: root user, labels, denied packages and licenses, package exceptions by source name', async (t) => {
  const path = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!path) return;
  const inventory = await collectInventory(path, {});
  const now = new Date('2026-11-29T10:00:00Z');
  const report: ScanReport = {
    schemaVersion: '1',
    scanner: { name: 'portcullis', version: 'test' },
    createdAt: now.toISOString(),
    inventory,
    findings: inventory.gaps,
    db: { schemaVersion: 1, builtAt: now.toISOString(), sources: [], ecosystems: [] },
  };
  const image = imageOf(report);
  assert.deepEqual({ name: image.name, tag: image.tag }, { name: 'docker.io/shop/orders-api', tag: '1.4.2' });
  const p = policy('prod', {
    user: { forbidRoot: true },
    labels: { required: ['org.opencontainers.image.source', 'org.opencontainers.image.revision'] },
    packages: { deny: ['curl', 'pkg:npm/minimist', 'pkg:deb/debian/libssh2-*'] },
    licenses: { deny: ['BSD-3-Clause'] },
    coverage: { onGap: 'warn' },
  }, { images: ['docker.io/shop/**'] });
  const d = evaluate(report, [p], set(), { pipeline: 'release-1', image, now });
  const by = (c: string) => d.violations.filter((v) => v.control === c);
  assert.equal(d.verdict, 'fail');
  assert.equal(by('user.forbidRoot').length, 1, 'the image has no USER');
  assert.deepEqual(by('labels.required').map((v) => v.message), ['required label org.opencontainers.image.revision is missing']);
  const denied = by('packages.deny').map((v) => v.message.split(' ')[1]).sort();
  assert.deepEqual(denied, ['curl', 'libssh2-1', 'minimist']);
  assert.ok(by('licenses.deny').some((v) => v.message.includes('buffer-equal-constant-time')), 'npm BSD-3-Clause package');

  // exceptions: by purl, by deb source name (libssh2 → libssh2-1), by image ref with docker.io normalisation
  const d2 = evaluate(report, [p], set([
    exc({ id: 'E0', finding: 'package-denied', package: 'pkg:npm/minimist', scope: { repository: 'shop/orders-api' } }),
    exc({ id: 'E1', finding: 'package-denied', package: 'libssh2', scope: { repository: 'shop/orders-api' } }),
    exc({ id: 'E2', finding: 'root-user', scope: { image: 'shop/orders-api:1.4.2' } }),
    exc({ id: 'E3', finding: 'root-user', scope: { repository: 'registry.example.com/shop/orders-api' } }),
  ]), { pipeline: 'release-1', image, now });
  assert.ok(!d2.violations.some((v) => v.control === 'packages.deny' && /minimist|libssh2/.test(v.message)));
  assert.equal(d2.violations.filter((v) => v.control === 'user.forbidRoot').length, 0);
  assert.deepEqual([...new Set(d2.suppressed.map((s) => s.ruleId))].sort(), ['E0', 'E1', 'E2']);
});
