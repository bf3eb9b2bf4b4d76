// Issue 11, inventory half: every analyzer ends complete/partial/failed, partial and failed files are
// analyzer-error gaps, and what is absent (no OS, an unsupported OS, a missing package database) is a
// gap, never a clean inventory. Each root is written into a private temp dir and read as `dir:`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { CoverageGapFinding } from '../src/core/types.js';
import type { Inventory } from '../src/core/report.js';
import { collectInventory } from '../src/scan/collect.js';
import { findingKeys } from '../src/policy/exceptions.js';
import { tempDir, writeTree } from '../src/source/testkit.js';
import { makeElf } from '../src/analyzers/lang/binfmt/testdata/synth.js';
import { makeZip, pomProps } from '../src/analyzers/lang/java/testdata/zipwriter.js';

const ALMA = 'ID="almalinux"\nNAME="AlmaLinux"\nVERSION_ID="9.4"\nPRETTY_NAME="AlmaLinux 9.4 (Seafoam Ocelot)"\n';
const DEBIAN = 'ID=debian\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\n';
const ALPINE = 'ID=alpine\nNAME="Alpine Linux"\nVERSION_ID=3.19.1\n';
const STANZA = (name: string, extra = ''): string => `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n${extra}\n`;
const RPMDB = readFileSync(new URL('../src/analyzers/os/rpm/testdata/rpmdb.sqlite', import.meta.url));

async function inventoryOf(files: Record<string, Buffer | string>, prepare?: (root: string) => void): Promise<Inventory> {
  const root = tempDir();
  try {
    writeTree(root, files);
    prepare?.(root);
    return await collectInventory(`dir:${root}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function gaps(inv: Inventory): CoverageGapFinding[] {
  return inv.gaps.filter((g): g is CoverageGapFinding => g.kind === 'coverage-gap');
}

function brief(inv: Inventory): string[] {
  return gaps(inv).map((g) => `${g.reason} ${g.subject}`).sort();
}

function state(inv: Inventory, analyzer: string): string | undefined {
  return inv.analyzers.find((a) => a.analyzer === analyzer)?.state;
}

test('AlmaLinux root with a garbage, truncated or hostile rpmdb.sqlite: rpm failed, a gap, never 0 packages and clean', async () => {
  const garbage = await inventoryOf({ 'etc/os-release': ALMA, 'var/lib/rpm/rpmdb.sqlite': 'SQLite format 3\0' + 'x'.repeat(5000) });
  assert.equal(garbage.packages.length, 0);
  assert.deepEqual(brief(garbage), ['analyzer-error /var/lib/rpm/rpmdb.sqlite']);
  assert.match(gaps(garbage)[0]!.detail, /^analyzer rpm failed: /);
  assert.equal(state(garbage, 'rpm'), 'failed');
  assert.ok(garbage.analyzers.find((a) => a.analyzer === 'rpm')!.reasons!.every((r) => r.startsWith('/var/lib/rpm/rpmdb.sqlite: ')));

  const truncated = await inventoryOf({ 'etc/os-release': ALMA, 'var/lib/rpm/rpmdb.sqlite': RPMDB.subarray(0, 5000) });
  assert.deepEqual(brief(truncated), ['analyzer-error /var/lib/rpm/rpmdb.sqlite']);
  assert.notEqual(state(truncated, 'rpm'), 'complete');

  const good = await inventoryOf({ 'etc/os-release': ALMA, 'var/lib/rpm/rpmdb.sqlite': RPMDB });
  assert.equal(good.packages.length, 2);
  assert.deepEqual(brief(good), []);
  assert.equal(state(good, 'rpm'), 'complete');

  // a WAL beside it with frames that were never checkpointed: said not to be read
  const wal = Buffer.alloc(32 + 24 + 4096);
  wal.writeUInt32BE(0x377f0682, 0);
  wal.writeUInt32BE(4096, 8);
  const withWal = await inventoryOf({ 'etc/os-release': ALMA, 'var/lib/rpm/rpmdb.sqlite': RPMDB, 'var/lib/rpm/rpmdb.sqlite-wal': wal });
  assert.equal(withWal.packages.length, 2);
  assert.deepEqual(brief(withWal), ['analyzer-error /var/lib/rpm/rpmdb.sqlite-wal']);
  assert.equal(state(withWal, 'rpm'), 'partial');
});

test('skipped dpkg stanzas and apk records, an empty database: partial or failed, each a gap', async () => {
  const deb = await inventoryOf({ 'etc/os-release': DEBIAN, 'var/lib/dpkg/status': STANZA('good') + 'Package: nover\nStatus: install ok installed\n\n' });
  assert.deepEqual(deb.packages.map((p) => p.name), ['good']);
  assert.deepEqual(brief(deb), ['analyzer-error /var/lib/dpkg/status']);
  assert.match(gaps(deb)[0]!.detail, /analyzer dpkg partial: stanza at line 6 \(nover\): no Version field; skipped/);
  const empty = await inventoryOf({ 'etc/os-release': DEBIAN, 'var/lib/dpkg/status': '\n' });
  assert.deepEqual(brief(empty), ['analyzer-error /var/lib/dpkg/status']);
  assert.equal(state(empty, 'dpkg'), 'failed');
  const apk = await inventoryOf({ 'etc/os-release': ALPINE, 'lib/apk/db/installed': 'P:musl\nV:1.2.4-r2\nA:x86_64\n\nP:broken\n\n' });
  assert.deepEqual(apk.packages.map((p) => p.name), ['musl']);
  assert.deepEqual(brief(apk), ['analyzer-error /lib/apk/db/installed']);
  assert.equal(state(apk, 'apk'), 'partial');
});

test('unparsable lockfiles, Java nesting limits, UPX-packed executables: analyzer-error gaps naming the file', async () => {
  let jar = makeZip([{ name: 'META-INF/maven/g/a/pom.properties', data: pomProps('g', 'a', '1.0') }]);
  for (let i = 0; i < 10; i++) jar = makeZip([{ name: `lib/level${i}.jar`, data: jar, method: 0 }]);
  const upx = makeElf([{ name: '.data', vaddr: 0x1000, data: Buffer.alloc(2048) }]);
  upx.write('UPX!', 0xec, 'latin1');
  const inv = await inventoryOf(
    {
      'etc/os-release': DEBIAN,
      'var/lib/dpkg/status': STANZA('base-files'),
      'srv/app/package-lock.json': '{"lockfileVersion": 3, "packages": {',
      'srv/app/poetry.lock': '[[package]\nname = ',
      'opt/app/deep.jar': jar,
      'usr/local/bin/packed': upx,
    },
    (root) => chmodSync(join(root, 'usr/local/bin/packed'), 0o755),
  );
  assert.deepEqual(brief(inv), ['analyzer-error /opt/app/deep.jar', 'analyzer-error /srv/app/package-lock.json', 'analyzer-error /srv/app/poetry.lock', 'analyzer-error /usr/local/bin/packed']);
  assert.equal(state(inv, 'npm-lockfile'), 'failed');
  assert.equal(state(inv, 'java-archive'), 'partial');
  assert.equal(state(inv, 'go-binary'), 'failed');
  const deep = gaps(inv).find((g) => g.subject === '/opt/app/deep.jar')!;
  assert.match(deep.detail, /nested deeper than 8 archives; not read/);
});

test('what is absent is not clean: no OS, an unsupported OS, a missing, dangling or non-file package database', async () => {
  const plain = await inventoryOf({ 'srv/app/index.html': '<p>hi</p>' });
  assert.deepEqual(brief(plain), ['os-unknown os-release']);
  const osGap = gaps(plain)[0]!;
  assert.ok(findingKeys(osGap).includes('os-unknown'), 'an exception can name the gap by its reason');
  assert.match(osGap.remediation!, /scratch, distroless static/);

  for (const id of ['arch', 'gentoo']) {
    const inv = await inventoryOf({ 'etc/os-release': `ID=${id}\nNAME="${id}"\n`, [id === 'arch' ? 'var/lib/pacman/local/x/desc' : 'var/db/pkg/x/y/CONTENTS']: 'x' });
    assert.deepEqual(brief(inv), ['os-unknown os-release'], id);
    assert.match(gaps(inv)[0]!.title, new RegExp(`operating system ${id} not supported`));
  }

  const noDpkg = await inventoryOf({ 'etc/os-release': DEBIAN });
  assert.deepEqual(brief(noDpkg), ['package-db-missing /var/lib/dpkg/status or /var/lib/dpkg/status.d/*']);
  assert.ok(findingKeys(gaps(noDpkg)[0]!).includes('package-db-missing'));
  const noRpm = await inventoryOf({ 'etc/os-release': ALMA });
  assert.deepEqual(gaps(noRpm).map((g) => g.reason), ['package-db-missing']);
  const noApk = await inventoryOf({ 'etc/os-release': ALPINE });
  assert.deepEqual(gaps(noApk).map((g) => g.reason), ['package-db-missing']);

  const distroless = await inventoryOf({ 'etc/os-release': DEBIAN, 'var/lib/dpkg/status.d/base-files': STANZA('base-files').replace('Status: install ok installed\n', '') });
  assert.deepEqual(brief(distroless), []);
  assert.deepEqual(distroless.packages.map((p) => p.name), ['base-files']);

  const dangling = await inventoryOf({ 'etc/os-release': DEBIAN }, (root) => {
    mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true });
    symlinkSync('/nowhere/status', join(root, 'var/lib/dpkg/status'));
  });
  assert.deepEqual(brief(dangling), ['analyzer-error /var/lib/dpkg/status', 'package-db-missing /var/lib/dpkg/status or /var/lib/dpkg/status.d/*']);
  assert.match(gaps(dangling).find((g) => g.reason === 'analyzer-error')!.detail, /dangling link/);

  const fifo = await inventoryOf({ 'etc/os-release': DEBIAN }, (root) => {
    mkdirSync(join(root, 'var/lib/dpkg'), { recursive: true });
    const r = spawnSync('mkfifo', [join(root, 'var/lib/dpkg/status')]);
    assert.equal(r.status, 0, 'mkfifo');
  });
  assert.deepEqual(brief(fifo), ['package-db-missing /var/lib/dpkg/status or /var/lib/dpkg/status.d/*']);
});
