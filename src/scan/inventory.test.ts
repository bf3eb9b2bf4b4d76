import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectInventory } from './collect.js';
import type { Package } from '../core/types.js';
import type { AnalyzedFile, WalkResult } from '../walker/types.js';

function dpkgRoot(t: { after(fn: () => void): void }, n: number): string {
  const root = mkdtempSync(join(tmpdir(), 'pc-inventory-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'etc'));
  mkdirSync(join(root, 'var', 'lib', 'dpkg'), { recursive: true });
  writeFileSync(join(root, 'etc', 'os-release'), 'ID=debian\nVERSION_ID=12\n');
  let status = '';
  for (let i = 0; i < n; i++) status += `Package: pkg-${i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0.${i}-1\n\n`;
  writeFileSync(join(root, 'var', 'lib', 'dpkg', 'status'), status);
  return root;
}

test('an inventory past its package cap keeps the cap and reports a limit-exceeded gap (fails closed)', async (t) => {
  const root = dpkgRoot(t, 12);
  const inv = await collectInventory(`dir:${root}`, { maxPackages: 5 });
  assert.equal(inv.packages.length, 5);
  const gap = inv.gaps.find((g) => g.kind === 'coverage-gap' && g.reason === 'limit-exceeded');
  assert.ok(gap && gap.kind === 'coverage-gap');
  assert.match(gap.detail, /12 packages found, more than the 5 an inventory holds; 7 were not inventoried/);
  const all = await collectInventory(`dir:${root}`);
  assert.equal(all.packages.length, 12);
  assert.equal(all.gaps.length, 0);
  // completed in place: distro-stamped purls and layers
  assert.match(all.packages[0]!.purl, /^pkg:deb\/debian\/pkg-0@1\.0\.0-1\?arch=amd64&distro=debian-12$/);
  assert.equal(all.packages[0]!.layer?.index, 0);
});

test('a package.json larger than the npm analyzer accepts is a file-too-large gap, not read into memory', async (t) => {
  const root = dpkgRoot(t, 1);
  const dir = join(root, 'usr', 'lib', 'node_modules', 'huge');
  mkdirSync(dir, { recursive: true });
  // 21 MiB: over MAX_PACKAGE_JSON_BYTES (20 MiB), under the walker's general cap
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'huge', version: '1.0.0', description: 'x'.repeat(21 * 1024 * 1024) }));
  const inv = await collectInventory(`dir:${root}`);
  assert.equal(inv.packages.some((p) => p.name === 'huge'), false);
  const gap = inv.gaps.find((g) => g.kind === 'coverage-gap' && g.reason === 'file-too-large');
  assert.ok(gap && gap.kind === 'coverage-gap', JSON.stringify(inv.gaps));
  assert.equal(gap.subject, '/usr/lib/node_modules/huge/package.json');
  assert.match(gap.detail, /more than the 20971520 analyzer npm-installed accepts/);
});

test('first-layer attribution: the biggest file keyed by lookup gives the same layers as keying every file', async () => {
  const { buildInventory } = await import('./inventory.js');
  const { oneLocation, NO_LICENSES } = await import('../core/compact.js');
  const L = [0, 1, 2].map((index) => ({ index, diffId: `sha256:${String(index).repeat(64)}` }));
  const deb = (name: string, version: string, locations: Package['locations']): Package => ({
    name, version, type: 'deb', purl: `pkg:deb/debian/${name}@${version}?arch=amd64`, arch: 'amd64', licenses: NO_LICENSES, locations, foundBy: 'dpkg',
  });
  const file = (path: string, layer: (typeof L)[number], effective: boolean, pkgs: [string, string][]): AnalyzedFile => {
    const locations = oneLocation(path, layer);
    return { path, layer, analyzer: 'dpkg', effective, facts: pkgs.map(([n, v]) => ({ kind: 'package' as const, pkg: deb(n, v, locations) })) };
  };
  const image = {
    ref: { input: 'dir:/x', transport: 'dir' as const }, repoTags: [], annotations: {}, platform: { os: 'linux', architecture: 'amd64' },
    config: { env: [], labels: {}, exposedPorts: [], history: [], diffIds: L.map((l) => l.diffId) }, layers: L,
    openLayer: () => Promise.reject(new Error('not used')), close: () => Promise.resolve(),
  };
  const big: [string, string][] = Array.from({ length: 50 }, (_, i) => [`p${i}`, '1']);
  const walk = (files: AnalyzedFile[]): WalkResult => ({ files, analyzers: [], problems: [], stats: { layers: 3, entries: 0, bytes: 0, analyzedFiles: files.length, cachedLayers: 0, notDownloaded: 0, recordedLayers: 0 } });
  // the big status file (layer 2, effective) repeats a and p3 from an overwritten status.d file of layer 0
  let inv = buildInventory(image, walk([file('/var/lib/dpkg/status.d/a', L[0]!, false, [['a', '1'], ['p3', '1']]), file('/var/lib/dpkg/status', L[2]!, true, [...big, ['a', '1']])]));
  const layerOf = (name: string) => inv.packages.find((p) => p.name === name)?.layer?.index;
  assert.deepEqual([layerOf('a'), layerOf('p3'), layerOf('p4')], [0, 0, 2]);
  // the big file overwritten (layer 0), a small effective one in layer 1 repeats p7: first seen in layer 0
  inv = buildInventory(image, walk([file('/var/lib/dpkg/status', L[0]!, false, big), file('/var/lib/dpkg/status.d/p7', L[1]!, true, [['p7', '1'], ['q', '1']])]));
  assert.deepEqual([layerOf('p7'), layerOf('q'), layerOf('p4')], [0, 1, undefined]);
  // packages share their file's location list and the image's distro object
  inv = buildInventory(image, walk([file('/var/lib/dpkg/status', L[1]!, true, big), { path: '/etc/os-release', layer: L[0]!, analyzer: 'os-release', effective: true, facts: [{ kind: 'os', os: { family: 'debian', name: 'Debian', versionId: '12', source: '/etc/os-release' } }] }]));
  assert.equal(inv.packages[0]!.locations, inv.packages[1]!.locations);
  assert.equal(inv.packages[0]!.distro, inv.packages[1]!.distro);
  assert.equal(inv.packages[0]!.purl, 'pkg:deb/debian/p0@1?arch=amd64&distro=debian-12');
});
