// GNU sparse files in PAX layers: the real name (GNU.sparse.name) and size are restored and the content
// rebuilt with its holes, as GNU tar and Go's archive/tar do, so a sparse /var/lib/dpkg/status is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Analyzer, FileInput, ResolvedImage } from '../core/types.js';
import { sha, tempDir } from '../source/testkit.js';
import { dpkgAnalyzer } from '../analyzers/os/dpkg/index.js';
import { expandSparse, sparseInfo } from './sparse.js';
import { walkImage } from './index.js';

function memImage(layer: Buffer): ResolvedImage {
  const diffId = sha(layer);
  return {
    ref: { input: 'mem.tar', transport: 'docker-archive', path: 'mem.tar' },
    repoTags: [],
    annotations: {},
    platform: { os: 'linux', architecture: 'amd64' },
    config: { env: [], labels: {}, exposedPorts: [], history: [], diffIds: [diffId] },
    layers: [{ index: 0, diffId }],
    async openLayer() {
      return { kind: 'tar', stream: Readable.from([layer]) };
    },
    async close() {},
  };
}

const STATUS = 'Package: sparse-pkg\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n\n';

/** A layer written by GNU tar with --sparse in the given PAX sparse version; undefined without GNU tar. */
function gnuSparseLayer(version: '1.0' | '0.1'): { layer: Buffer; original: Buffer } | undefined {
  if (spawnSync('tar', ['--version']).stdout?.toString().includes('GNU tar') !== true) return undefined;
  const dir = tempDir();
  try {
    const f = join(dir, 'root/var/lib/dpkg/status');
    mkdirSync(join(dir, 'root/var/lib/dpkg'), { recursive: true });
    writeFileSync(f, STATUS);
    truncateSync(f, 3 * 1024 * 1024); // a hole after the stanza
    appendFileSync(f, '\n\nPackage: after-hole\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.0-1\n');
    const r = spawnSync('tar', ['--sparse', '--format=pax', `--sparse-version=${version}`, '-cf', join(dir, 'l.tar'), '-C', join(dir, 'root'), 'var']);
    assert.equal(r.status, 0, r.stderr?.toString());
    return { layer: readFileSync(join(dir, 'l.tar')), original: readFileSync(f) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const version of ['1.0', '0.1'] as const) {
  test(`GNU tar --sparse --format=pax (sparse ${version}): real name and bytes restored, dpkg status read`, async (t) => {
    const built = gnuSparseLayer(version);
    if (!built) {
      t.skip('SKIPPED: GNU tar is not installed');
      return;
    }
    assert.ok(built.layer.includes(Buffer.from('GNUSparseFile')) || built.layer.includes(Buffer.from('GNU.sparse.map')), 'tar wrote a sparse entry');
    assert.ok(built.layer.length < built.original.length, 'the hole is not stored');
    const seen: FileInput[] = [];
    const probe: Analyzer = { name: 'probe', version: 1, required: (p) => p === '/var/lib/dpkg/status', analyze: async (f) => (seen.push(f), []) };
    const r = await walkImage(memImage(built.layer), [probe, dpkgAnalyzer]);
    assert.deepEqual(r.problems, []);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.entry.size, built.original.length);
    assert.ok(seen[0]!.content.equals(built.original), 'holes read as zeros, data where it was');
    const names = r.files.flatMap((f) => f.facts.flatMap((x) => (x.kind === 'package' ? [x.pkg.name] : []))).sort();
    assert.deepEqual(names, ['after-hole', 'sparse-pkg']);
    // a cap below the real size: the walker's file-too-large gap, with the real size
    const capped = await walkImage(memImage(built.layer), [probe], { limits: { maxFileBytes: 1024 * 1024 } });
    assert.deepEqual(capped.problems.map((p) => `${p.reason} ${p.subject}`), ['file-too-large /var/lib/dpkg/status']);
    assert.match(capped.problems[0]!.detail, new RegExp(`^${built.original.length} bytes`));
  });
}

test('sparse maps from hostile archives: refused with a one-line reason, never misread', () => {
  const s10 = (realSize: number) => sparseInfo({ 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 'a/b', 'GNU.sparse.realsize': String(realSize) })!;
  const block = (map: string, data: string) => Buffer.concat([Buffer.from(map), Buffer.alloc(512 - map.length), Buffer.from(data)]);
  assert.deepEqual(s10(10), { version: '1.0', realSize: 10, name: 'a/b' });
  assert.equal(expandSparse(block('1\n2\n3\n', 'abc'), s10(8), 100)!.toString('latin1'), '\0\0abc\0\0\0');
  assert.equal(expandSparse(block('0\n', ''), s10(4), 100)!.length, 4);
  assert.equal(expandSparse(block('1\n0\n3\n', 'abc'), s10(3), 2), undefined, 'over the cap: not read');
  const bad: [Buffer, number, RegExp][] = [
    [block('2\n0\n4\n2\n2\n', 'abcdef'), 10, /overlap or are out of order/],
    [block('1\n8\n4\n', 'abcd'), 10, /beyond the real size/],
    [block('1\n0\n9\n', 'abc'), 10, /fewer bytes than the map describes/],
    [Buffer.from('1\n0'), 10, /truncated or malformed map/],
    [Buffer.from('x\n'), 10, /map count "x" is not a size/],
    [Buffer.from('99999999999\n'), 10, /regions in the map, more than/],
    [Buffer.from('1'.repeat(30) + '\n'), 10, /truncated or malformed map/],
  ];
  for (const [data, size, re] of bad) assert.throws(() => expandSparse(data, s10(size), 100), re);
  // 0.1: the map in the header
  const s01 = sparseInfo({ 'GNU.sparse.map': '2,2,6,1', 'GNU.sparse.size': '8', 'GNU.sparse.name': 'x' })!;
  assert.equal(expandSparse(Buffer.from('abc'), s01, 100)!.toString('latin1'), '\0\0ab\0\0c\0');
  assert.throws(() => sparseInfo({ 'GNU.sparse.map': '1,2,3', 'GNU.sparse.size': '8' }), /not offset,size pairs/);
  // 0.0: repeated records a key-value PAX reader cannot keep apart; other versions
  assert.throws(() => expandSparse(Buffer.from('ab'), sparseInfo({ 'GNU.sparse.offset': '0', 'GNU.sparse.numbytes': '2', 'GNU.sparse.size': '4' })!, 100), /0\.0 format .* cannot be read/);
  assert.throws(() => sparseInfo({ 'GNU.sparse.major': '2', 'GNU.sparse.minor': '0', 'GNU.sparse.realsize': '1' }), /unsupported GNU sparse format 2\.0/);
  assert.throws(() => sparseInfo({ 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.realsize': '1e9' }), /not a size/);
  assert.equal(sparseInfo({ path: 'x' }), undefined);
  assert.equal(sparseInfo(undefined), undefined);
});
