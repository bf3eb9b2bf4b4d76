import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectInventory } from './collect.js';

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
