import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Package } from '../core/types.js';
import { osOwnedDeclarations } from './declared.js';

const layer = { index: 0, digest: 'sha256:0', diffId: 'sha256:0' } as unknown as Package['locations'][0]['layer'];
const pkg = (name: string, foundBy: string, owned: boolean): Package => ({
  name,
  version: '1.0.0',
  type: 'npm',
  purl: `pkg:npm/${name}@1.0.0`,
  licenses: [],
  locations: [{ path: `/x/${name}`, layer }],
  foundBy,
  ...(owned ? { ownedBy: { name: 'node-x', purl: 'pkg:deb/debian/node-x@1' } } : {}),
});

test('packages of declaring analyzers whose file an OS package owns are declared only', () => {
  const rule = osOwnedDeclarations(new Set(['npm-lockfile']));
  const pkgs = [pkg('a', 'npm-lockfile', true), pkg('b', 'npm-lockfile', false), pkg('c', 'npm-installed', true)];
  assert.deepEqual(rule(pkgs, {}).map((p) => p.name), ['b', 'c']);
  const all = rule(pkgs, { includeDeclared: true });
  assert.deepEqual(all.map((p) => `${p.name}:${p.declaredOnly ?? ''}`), ['a:os-package', 'b:', 'c:']);
});
