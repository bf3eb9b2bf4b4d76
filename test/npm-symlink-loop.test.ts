// Hostile: a symlink loop inside node_modules (pnpm-style links gone wrong, or planted). Neither the
// directory walk (dir:) nor the layer walk (docker-archive) follows it; each real package is listed once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectInventory } from '../src/scan/collect.js';
import { dockerArchive, makeTar } from '../src/source/testkit.js';

const pkgJson = (name: string, version: string) => JSON.stringify({ name, version, license: 'MIT' });

test('dir: a node_modules symlink loop is not followed', async () => {
  const root = mkdtempSync(join(tmpdir(), 'portcullis-npm-loop-'));
  const app = join(root, 'srv', 'app');
  mkdirSync(join(app, 'node_modules', 'a', 'node_modules', 'b'), { recursive: true });
  writeFileSync(join(app, 'node_modules', 'a', 'package.json'), pkgJson('a', '1.0.0'));
  writeFileSync(join(app, 'node_modules', 'a', 'node_modules', 'b', 'package.json'), pkgJson('b', '2.0.0'));
  symlinkSync('../../..', join(app, 'node_modules', 'a', 'node_modules', 'loop')); // → node_modules/a/.. = node_modules
  symlinkSync('.', join(app, 'node_modules', 'self'));
  const inv = await collectInventory(`dir:${root}`);
  const npm = inv.packages.filter((p) => p.type === 'npm').map((p) => `${p.name}@${p.version} ${p.locations[0]?.path}`);
  assert.deepEqual(npm.sort(), ['a@1.0.0 /srv/app/node_modules/a/package.json', 'b@2.0.0 /srv/app/node_modules/a/node_modules/b/package.json']);
});

test('docker-archive: the same loop as tar symlink entries', async () => {
  const layer = await makeTar([
    { name: 'srv/app/node_modules/a/package.json', content: pkgJson('a', '1.0.0') },
    { name: 'srv/app/node_modules/a/node_modules/b/package.json', content: pkgJson('b', '2.0.0') },
    { name: 'srv/app/node_modules/a/node_modules/loop', type: 'symlink', linkname: '../../..' },
    { name: 'srv/app/node_modules/self', type: 'symlink', linkname: '.' },
    { name: 'srv/app/node_modules/self2', type: 'symlink', linkname: 'self2' },
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-npm-loop-'));
  const archive = join(dir, 'img.tar');
  writeFileSync(archive, await dockerArchive([layer]));
  const inv = await collectInventory(`docker-archive:${archive}`);
  const npm = inv.packages.filter((p) => p.type === 'npm').map((p) => `${p.name}@${p.version}`);
  assert.deepEqual(npm.sort(), ['a@1.0.0', 'b@2.0.0']);
});
