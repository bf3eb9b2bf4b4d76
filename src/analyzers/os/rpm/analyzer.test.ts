import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnalyzerContext, EntryInfo, FileInput } from '../../../core/types.js';
import { DEFAULT_LIMITS } from '../../../walker/types.js';
import { analyzers } from '../../registry.js';
import { MAX_WARNINGS_PER_FILE, RPMDB_PATHS, readRpmDb, rpmAnalyzer, walFrames } from './analyzer.js';
import { asRow, LAYER, parseExpected, TESTDATA, testdata } from './test-support.js';

const entry = (path: string, type: EntryInfo['type'] = 'file'): EntryInfo => ({ path, type, size: 1, mode: 0o644 });

function ctx(warnings: string[]): AnalyzerContext {
  return { layer: LAYER, warn: (m) => warnings.push(m), limits: DEFAULT_LIMITS };
}

function input(path: string, content: Buffer): FileInput {
  return { path, entry: entry(path), content, layer: LAYER };
}

test('registered, and asks only for the rpm database files', () => {
  assert.ok(analyzers.includes(rpmAnalyzer));
  for (const p of RPMDB_PATHS) assert.equal(rpmAnalyzer.required(p, entry(p)), true, p);
  // links are resolved by the walker (a dangling one fails the analyzer); the WAL is asked for to say whether it holds anything
  assert.equal(rpmAnalyzer.required('/var/lib/rpm/Packages', entry('/var/lib/rpm/Packages', 'symlink')), true);
  assert.equal(rpmAnalyzer.required('/var/lib/rpm/rpmdb.sqlite-wal', entry('/var/lib/rpm/rpmdb.sqlite-wal')), true);
  assert.equal(rpmAnalyzer.required('/var/lib/rpm/Packages', entry('/var/lib/rpm/Packages', 'dir')), false);
  for (const p of ['/var/lib/rpm/Name', '/var/lib/rpm/Packages.bak', '/x/var/lib/rpm/Packages', '/var/lib/rpm/Packages-wal', '/var/lib/rpm/rpmdb.sqlite-shm', 'var/lib/rpm/Packages']) {
    assert.equal(rpmAnalyzer.required(p, entry(p)), false, p);
  }
});

for (const [file, path] of [
  ['rpmdb.sqlite', '/var/lib/rpm/rpmdb.sqlite'],
  ['Packages.db', '/usr/lib/sysimage/rpm/Packages.db'],
  ['Packages.le.bdb', '/var/lib/rpm/Packages'],
  ['Packages.be.bdb', '/var/lib/rpm/Packages'],
] as const) {
  test(`analyze(${file}): package facts with every field`, async () => {
    const warnings: string[] = [];
    const facts = await rpmAnalyzer.analyze(input(path, testdata(file)), ctx(warnings));
    assert.deepEqual(warnings, []);
    assert.equal(facts.length, 2);
    const pkgs = facts.map((f) => (f.kind === 'package' ? f.pkg : assert.fail(f.kind)));
    assert.deepEqual(
      pkgs.map((p) => p.name),
      ['tiny-lib', 'tiny-tool'],
    );
    const tool = pkgs[1]!;
    assert.deepEqual(
      { ...tool, files: undefined },
      {
        name: 'tiny-tool',
        version: '1.2.3-4.el9',
        type: 'rpm',
        purl: 'pkg:rpm/almalinux/tiny-tool@1.2.3-4.el9?arch=x86_64&epoch=2',
        arch: 'x86_64',
        epoch: 2,
        licenses: ['MIT AND (Apache-2.0 OR BSD-3-Clause)'],
        source: { name: 'tiny-tool', version: '1.2.3-4.el9' },
        modularityLabel: 'tiny:1.2:9040020240101:abcdef12',
        locations: [{ path, layer: LAYER }],
        foundBy: 'rpm',
        confidence: 'high',
        metadata: { vendor: 'AlmaLinux', sourceRpm: 'tiny-tool-1.2.3-4.el9.src.rpm' },
        files: undefined,
      },
    );
    assert.deepEqual(tool.files, ['/etc/tiny-tool.conf', '/usr/bin/tiny-tool', '/usr/share/doc/tiny-tool', '/usr/share/doc/tiny-tool/README']);
    const lib = pkgs[0]!;
    assert.equal(lib.purl, 'pkg:rpm/fedora/tiny-lib@0.9-1.fc40?arch=noarch');
    assert.equal(lib.epoch, undefined);
    assert.equal(lib.modularityLabel, undefined);
    assert.equal(lib.files!.length, 124);
    assert.ok(lib.files!.includes('/usr/share/tiny-lib/data/file-with-a-longish-name-120.txt'));
  });
}

test('unknown content, empty file: the analyzer failed on it, no facts', async () => {
  for (const content of [Buffer.alloc(0), Buffer.from('hello world, not an rpm database')]) {
    const warnings: string[] = [];
    const fails: string[] = [];
    const facts = await rpmAnalyzer.analyze(input('/var/lib/rpm/Packages', content), { ...ctx(warnings), fail: (m) => fails.push(m), partial: (m) => warnings.push(`partial ${m}`) });
    assert.deepEqual(facts, []);
    assert.deepEqual(warnings, []);
    assert.equal(fails.length, 1);
    assert.match(fails[0]!, /^not an rpm database in a known format/);
  }
});

test('a flood of bad records is summarised after the first warnings', () => {
  // an ndb file whose one slot page is full of slots with broken magic: 254 problems
  const b = Buffer.alloc(4096);
  b.write('RpmP', 0, 'latin1');
  b.writeUInt32LE(1, 12);
  const warnings: string[] = [];
  const r = readRpmDb(b, '/var/lib/rpm/Packages.db', LAYER, (m) => warnings.push(m));
  assert.deepEqual(r.packages, []);
  assert.equal(warnings.length, MAX_WARNINGS_PER_FILE + 1);
  // 254 broken slots, then "no package could be read"
  assert.equal(warnings.at(-1), `/var/lib/rpm/Packages.db: ${255 - MAX_WARNINGS_PER_FILE} more warnings not shown`);
});

test('broken header blobs inside a valid database: per-record warnings, other records kept', () => {
  const good = Buffer.from(testdata('Packages.le.bdb'));
  // every header of this fixture is stored off-page: corrupt the index count at the start of the first
  // overflow chain (an overflow page with no previous page) to 0xffffffff
  let patched = false;
  for (let pg = 1; pg * 4096 < good.length && !patched; pg++) {
    const p = pg * 4096;
    if (good[p + 25] === 7 && good.readUInt32LE(p + 12) === 0) {
      good.writeUInt32BE(0xffffffff, p + 26);
      patched = true;
    }
  }
  assert.ok(patched);
  const warnings: string[] = [];
  const r = readRpmDb(good, '/var/lib/rpm/Packages', LAYER, (m) => warnings.push(m));
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /record \d+: bad index entry count 4294967295; skipped/);
  assert.ok(r.packages.length >= 1 && r.packages.length < 2 + 1);
});

const TOOLS = ['rpm', 'rpmbuild', 'sqlite3', 'gpg'];
function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

test('regenerated with the rpm tool now: our reading equals rpm -qa on every freshly written database', (t) => {
  const missing = TOOLS.filter((x) => !have(x));
  if (missing.length) {
    const msg = `SKIPPED: ${missing.join(', ')} not installed (Debian packages rpm, sqlite3, gpg)`;
    console.log(msg);
    t.skip(msg);
    return;
  }
  const out = mkdtempSync(join(tmpdir(), 'portcullis-rpm-'));
  try {
    const r = spawnSync('bash', [join(TESTDATA, 'make-fixtures.sh'), out], { encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    const dbs = ['rpmdb.sqlite', 'Packages.db', 'Packages.le.bdb', 'Packages.be.bdb'].filter((f) => existsSync(join(out, f)));
    for (const line of r.stdout.split('\n').filter((l) => l.startsWith('SKIPPED'))) console.log(line);
    assert.ok(dbs.includes('rpmdb.sqlite'));
    for (const f of dbs) {
      const warnings: string[] = [];
      const got = readRpmDb(readFileSync(join(out, f)), '/var/lib/rpm/' + f, LAYER, (m) => warnings.push(m));
      assert.deepEqual(warnings, [], f);
      const expected = parseExpected(readFileSync(join(out, f + '.expected.tsv'), 'utf8'));
      assert.equal(expected.length, 3, f);
      assert.deepEqual(got.packages.map(asRow), expected.filter((e) => e.name !== 'gpg-pubkey'), f);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('rpmdb.sqlite-wal: frames not checkpointed are said not to be read (partial); an empty WAL is fine', async () => {
  const wal = Buffer.alloc(32 + 2 * (24 + 4096));
  wal.writeUInt32BE(0x377f0682, 0);
  wal.writeUInt32BE(4096, 8);
  assert.equal(walFrames(wal), 2);
  assert.equal(walFrames(Buffer.alloc(0)), 0);
  assert.equal(walFrames(wal.subarray(0, 32)), 0);
  assert.equal(walFrames(Buffer.from('x'.repeat(100))), 1, 'not a WAL we know: assumed to hold something');
  const partials: string[] = [];
  const facts = await rpmAnalyzer.analyze(input('/var/lib/rpm/rpmdb.sqlite-wal', wal), { ...ctx([]), partial: (m) => partials.push(m) });
  assert.deepEqual(facts, []);
  assert.match(partials[0]!, /write-ahead log with 2 frame\(s\) not checkpointed into rpmdb.sqlite; not read/);
  const none: string[] = [];
  await rpmAnalyzer.analyze(input('/usr/lib/sysimage/rpm/rpmdb.sqlite-wal', Buffer.alloc(0)), { ...ctx([]), partial: (m) => none.push(m) });
  assert.deepEqual(none, []);
});
