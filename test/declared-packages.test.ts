// Inventory accuracy on a generated image: what is installed is listed; what lockfiles only declare is not
// (a Debian package's development lockfile, lockfile entries the installed tree does not hold), unless
// --include-declared, which lists them marked `declaredOnly`. A lockfile with no installed tree beside it
// still describes what is installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dockerArchive, makeTar, tempDir, type TarEntry } from '../src/source/testkit.js';
import type { ScanReport } from '../src/core/report.js';
import { cli } from './helpers/cli.js';

const lock = (deps: Record<string, string>) =>
  JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'p', version: '1.0.0' }, ...Object.fromEntries(Object.entries(deps).map(([n, v]) => [`node_modules/${n}`, { version: v }])) } });
const pkgJson = (name: string, version: string) => JSON.stringify({ name, version });

const DPKG_STATUS = [
  'Package: node-debug',
  'Status: install ok installed',
  'Version: 4.3.4+~cs4.1.7-1',
  'Architecture: all',
  'Source: node-debug',
  '',
  '',
].join('\n');

async function image(dir: string): Promise<string> {
  const base: TarEntry[] = [
    { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12"\n' },
    { name: 'var/lib/dpkg/status', content: DPKG_STATUS },
    // Debian ships the upstream project's development lockfiles inside its node packages
    { name: 'var/lib/dpkg/info/node-debug.list', content: '/usr/share/nodejs/debug\n/usr/share/nodejs/debug/package.json\n/usr/share/nodejs/debug/package-lock.json\n/usr/share/nodejs/debug/pnpm-lock.yaml\n' },
    { name: 'usr/share/nodejs/debug/package.json', content: pkgJson('debug', '4.3.4') },
    { name: 'usr/share/nodejs/debug/package-lock.json', content: lock({ mocha: '10.2.0', xo: '0.54.0' }) },
    { name: 'usr/share/nodejs/debug/pnpm-lock.yaml', content: "lockfileVersion: '6.0'\npackages:\n  /sinon@15.0.0:\n    dev: true\n" },
  ];
  const app: TarEntry[] = [
    // installed with --omit=dev: the lockfile lists a dev dependency the tree does not hold
    { name: 'srv/app/package-lock.json', content: lock({ ms: '2.1.3', jest: '29.0.0' }) },
    { name: 'srv/app/node_modules/ms/package.json', content: pkgJson('ms', '2.1.3') },
    // no node_modules beside this one: the lockfile is the best description of what is installed
    { name: 'opt/tool/package-lock.json', content: lock({ lodash: '4.17.21' }) },
  ];
  const file = join(dir, 'image.tar');
  writeFileSync(file, await dockerArchive([await makeTar(base), await makeTar(app)]));
  return file;
}

const npmIds = (r: ScanReport) =>
  r.inventory.packages.filter((p) => p.type === 'npm').map((p) => `${p.name}@${p.version}${p.declaredOnly ? ` (${p.declaredOnly})` : ''}`).sort();

test('sbom lists installed npm packages; lockfiles owned by OS packages and entries the tree lacks are declared only', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const archive = await image(dir);

  const plain = await cli(['sbom', '--quiet', '--format', 'json', `docker-archive:${archive}`]);
  assert.equal(plain.code, 0, plain.stderr);
  const report = JSON.parse(plain.stdout) as ScanReport;
  // Debian's node-debug is the OS package (its /usr/share/nodejs tree is not a node_modules tree)
  assert.ok(report.inventory.packages.some((p) => p.type === 'deb' && p.name === 'node-debug'));
  assert.deepEqual(npmIds(report), ['lodash@4.17.21', 'ms@2.1.3']);

  const all = await cli(['sbom', '--quiet', '--format', 'json', '--include-declared', `docker-archive:${archive}`]);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(npmIds(JSON.parse(all.stdout) as ScanReport), [
    'jest@29.0.0 (not-installed)',
    'lodash@4.17.21',
    'mocha@10.2.0 (os-package)',
    'ms@2.1.3',
    'sinon@15.0.0 (os-package)',
    'xo@0.54.0 (os-package)',
  ]);
});

test('--include-declared is a display key a repository config may set (it only adds packages)', async () => {
  const { isSecurityKey, CONFIG_KEYS } = await import('../src/cli/config.js');
  assert.ok(CONFIG_KEYS.includes('include-declared'));
  assert.equal(isSecurityKey('include-declared'), false);
});
