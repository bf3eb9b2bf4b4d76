// The layer analysis cache: replay through the walker gives the walk a cold pass gives (facts, statuses,
// problems, overlay, links, content checks' outcomes); the store verifies on read, evicts the least
// recently used records to its cap, writes atomically, and keeps blob → diff_id maps it can trust.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Analyzer, EntryInfo, FileInput, LayerRef, LayerStream, ResolvedImage } from '../core/types.js';
import { Readable } from 'node:stream';
import { PortcullisError, isPortcullisError } from '../core/errors.js';
import { makeTar, sha } from '../source/testkit.js';
import { LayerCache, RecordRejected, walkImage, type EntryObserver, type WalkCache, type WalkResult } from './index.js';
import { checkEntry, RECORD_FORMAT, type LayerRecord } from './record.js';
import { memImage, resealRecord } from './testkit.js';

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'layercache-test-'));
}

/** Reads what it is given; warns, goes partial and throws on cue (by content). */
const probe: Analyzer = {
  name: 'probe',
  version: 1,
  maxFileBytes: 64,
  required: (p: string) => p.endsWith('.conf'),
  async analyze(f: FileInput, ctx) {
    const text = f.content.toString('utf8');
    if (text.includes('warn')) ctx.warn(`odd line in ${f.path}`);
    if (text.includes('partial')) ctx.partial?.(`${f.path}: half read`);
    if (text.includes('throw')) throw new Error(`cannot parse ${f.path}`);
    return [{ kind: 'package', pkg: { name: text.trim(), version: '1', type: 'npm', purl: `pkg:npm/${text.trim()}@1`, licenses: [], locations: [{ path: f.path, layer: f.layer }], foundBy: 'probe' } }];
  },
};

/** A content check that counts bytes per file and keeps a log (what a secrets or malware check keeps). */
function counter(log: string[]): EntryObserver {
  return {
    name: 'counter',
    onEntry(entry: EntryInfo, layer: LayerRef) {
      log.push(`entry ${layer.index} ${entry.path} ${entry.type}`);
      if (entry.type !== 'file') return undefined;
      let n = 0;
      let out: unknown;
      return {
        write: (c: Buffer) => void (n += c.length),
        end: () => void log.push(`file ${entry.path} ${(out = n)}`),
        abort: (why: string) => void log.push(`abort ${entry.path} ${why}`),
        save: () => out,
        restore: (v: unknown) => void log.push(`file ${entry.path} ${String(v)}`),
      };
    },
  };
}

async function layers(): Promise<Buffer[]> {
  return [
    await makeTar([
      { name: 'etc/a.conf', content: 'alpha' },
      { name: 'etc/warn.conf', content: 'warn beta' },
      { name: 'usr/lib/real.conf', content: 'gamma partial' },
      { name: 'etc/link.conf', type: 'symlink', linkname: '../usr/lib/real.conf' },
      { name: 'etc/big.conf', content: 'x'.repeat(100) },
      { name: '../escape.conf', content: 'hostile' },
    ]),
    await makeTar([
      { name: 'etc/.wh.a.conf', content: '' },
      { name: 'etc/bad.conf', content: 'throw' },
      { name: 'opt/data.bin', content: 'z'.repeat(5000) },
    ]),
  ];
}

function image(bufs: Buffer[]): ResolvedImage {
  return { ...memImage(bufs), layerIdentity: 'diff-id' };
}

async function walk(img: ResolvedImage, cache: WalkCache | undefined): Promise<{ r: WalkResult; log: string[] }> {
  const log: string[] = [];
  const r = await walkImage(img, [probe], { observers: [counter(log)], ...(cache ? { cache } : {}) });
  return { r, log };
}

function comparable(r: WalkResult): unknown {
  const { cachedLayers: _c, notDownloaded: _n, recordedLayers: _r, ...stats } = r.stats;
  return { ...r, stats };
}

test('a replayed walk equals the cold walk: facts, statuses, problems, effective flags, links, check outcomes', async () => {
  const img = image(await layers());
  const plain = await walk(img, undefined);
  const cache: WalkCache = { store: new LayerCache(dir()), salt: ['test'] };
  const cold = await walk(img, cache);
  assert.equal(cold.r.stats.cachedLayers, 0);
  assert.equal(cache.store.stats.writes, 2);
  assert.equal(cold.r.stats.recordedLayers, 2);
  const warm = await walk(img, cache);
  assert.equal(warm.r.stats.cachedLayers, 2);
  assert.equal(warm.r.stats.recordedLayers, 0);
  assert.deepEqual(comparable(cold.r), comparable(plain.r));
  assert.deepEqual(JSON.stringify(comparable(warm.r)), JSON.stringify(comparable(cold.r)));
  assert.deepEqual(warm.log, cold.log);
  // the walk has something to compare: a warning, a partial, a throw, a link, a whiteout, a file over the cap, a hostile name
  const st = cold.r.analyzers.find((a) => a.analyzer === 'probe')!;
  assert.equal(st.state, 'failed');
  assert.ok(st.warnings.length === 1 && (st.reasons ?? []).length >= 3, JSON.stringify(st));
  assert.ok(cold.r.files.some((f) => f.path === '/etc/link.conf' && f.facts.length === 1));
  assert.ok(cold.r.files.some((f) => f.path === '/etc/a.conf' && !f.effective));
  assert.ok(cold.r.problems.some((p) => p.reason === 'file-too-large'));
  assert.ok(cold.r.problems.some((p) => p.reason === 'layer-unreadable' && p.subject.includes('escape')));
  // facts point at this walk's layer, not a copy from the recorded one
  const pkg = warm.r.files.find((f) => f.path === '/etc/warn.conf')!;
  const fact = pkg.facts[0]!;
  assert.ok(fact.kind === 'package' && fact.pkg.locations[0]!.layer === pkg.layer);
});

test('a replayed layer counts only once its bytes were verified in this run: a failed check fails the walk', async () => {
  const img = image(await layers());
  const cache: WalkCache = { store: new LayerCache(dir()), salt: ['verify'] };
  await walk(img, cache);
  // a source that can check a layer without a stream: asked for every replayed layer, never opened
  const asked: string[] = [];
  let opened = 0;
  const checking: ResolvedImage = {
    ...img,
    openLayer: async (d) => (opened++, img.openLayer(d)),
    verifyLayer: async (d) => void asked.push(d),
  };
  const warm = await walk(checking, cache);
  assert.equal(warm.r.stats.cachedLayers, 2);
  assert.deepEqual(asked.sort(), img.layers.map((l) => l.diffId).sort());
  assert.equal(opened, 0);
  // the first layer's bytes do not match: the walk fails with that error, whatever the replays found
  const forged: ResolvedImage = {
    ...img,
    verifyLayer: async (d) => {
      if (d === img.layers[0]!.diffId) throw new PortcullisError('DIGEST_MISMATCH', 'layer 1: diff_id: digest mismatch');
    },
  };
  await assert.rejects(walk(forged, cache), (e: Error) => isPortcullisError(e) && e.code === 'DIGEST_MISMATCH');
  // no verifyLayer: the layer's stream is drained, and its failure fails the walk
  const failing: ResolvedImage = {
    ...img,
    openLayer: async () => ({
      kind: 'tar',
      stream: new Readable({
        read() {
          this.destroy(new PortcullisError('DIGEST_MISMATCH', 'stream: diff_id: digest mismatch'));
        },
      }),
    }),
  };
  await assert.rejects(walk(failing, cache), (e: Error) => isPortcullisError(e) && e.code === 'DIGEST_MISMATCH');
});

test('a layer hashed apart from its walk (openLayerUnchecked) counts, and is recorded, only once its check passed', async () => {
  const img = image(await layers());
  const reference = await walk(img, undefined);
  // checks that settle when the test says: the walk must not return, nor a record be stored, before
  const settle = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  const apart = (): ResolvedImage => ({
    ...img,
    openLayer: async () => assert.fail('every layer is opened unchecked'),
    async openLayerUnchecked(d) {
      const content = await img.openLayer(d);
      assert.equal(content.kind, 'tar');
      const checked = new Promise<void>((resolve, reject) => settle.set(d, { resolve, reject }));
      return { stream: (content as { stream: LayerStream }).stream, checked };
    },
  });
  const d = dir();
  const cache: WalkCache = { store: new LayerCache(d), salt: ['apart'] };
  const records = (): string[] => readdirSync(d).filter((n) => n.endsWith('.rec'));
  let returned = false;
  const run = walk(apart(), cache).finally(() => (returned = true));
  while (settle.size < 2) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(returned, false, 'both layers walked, neither checked: the walk waits');
  assert.deepEqual(records(), [], 'and stores no record');
  for (const s of settle.values()) s.resolve();
  assert.deepEqual(comparable((await run).r), comparable(reference.r));
  assert.equal(records().length, 2);
  // a check that fails fails the walk, whatever the walk found, and its layer is not recorded
  settle.clear();
  const d2 = dir();
  const failing = walk(apart(), { store: new LayerCache(d2), salt: ['apart'] });
  while (settle.size < 2) await new Promise((r) => setTimeout(r, 5));
  settle.get(img.layers[1]!.diffId)!.resolve();
  settle.get(img.layers[0]!.diffId)!.reject(new PortcullisError('DIGEST_MISMATCH', 'layer 1: diff_id: digest mismatch'));
  await assert.rejects(failing, (e: Error) => isPortcullisError(e) && e.code === 'DIGEST_MISMATCH');
  const stored = readdirSync(d2).filter((n) => n.endsWith('.rec')).map((n) => readFileSync(join(d2, n), 'latin1'));
  assert.ok(!stored.some((r) => r.includes(img.layers[0]!.diffId)), 'the forged layer has no record');
});

test('another key (analyzer version, salt) misses; a check without save() leaves its layers unrecorded', async () => {
  const img = image(await layers());
  const store = new LayerCache(dir());
  await walk(img, { store, salt: ['a'] });
  const other = await walkImage(img, [{ ...probe, version: 2 }], { cache: { store, salt: ['a'] } });
  assert.equal(other.stats.cachedLayers, 0);
  const salted = await walkImage(img, [probe], { cache: { store, salt: ['b'] } });
  assert.equal(salted.stats.cachedLayers, 0);
  const store2 = new LayerCache(dir());
  const notes: string[] = [];
  const noSave: EntryObserver = { name: 'live', onEntry: (e) => (e.type === 'file' ? { write() {}, end() {}, abort() {} } : undefined) };
  await walkImage(img, [probe], { observers: [noSave], cache: { store: store2, salt: [], onNote: (m) => notes.push(m) } });
  assert.equal(store2.stats.writes, 0);
  assert.ok(notes.some((n) => /not stored/.test(n)), notes.join('\n'));
});

test('an image without a verified layer identity (dir:, test fakes) is never cached', async () => {
  const store = new LayerCache(dir());
  const r = await walkImage(memImage(await layers()), [probe], { cache: { store, salt: [] } });
  assert.equal(store.stats.writes + store.stats.misses, 0);
  assert.equal(r.stats.cachedLayers, 0);
});

function record(n: number): LayerRecord {
  return { format: RECORD_FORMAT, diffId: sha(String(n)), bytes: 1, entries: [{ n: `f${n}`, t: 'file', s: 1, m: 0o644, r: { sinks: { x: 'y'.repeat(2000 + n) } } }] };
}

test('store: a record of many entries reads back equal', async () => {
  const store = new LayerCache(dir());
  const entries = Array.from({ length: 4501 }, (_, i) => ({ n: `d${i % 7}/f${i}\u00e9"\\`, t: 'file' as const, s: i, m: 0o644, ...(i % 3 === 0 ? { r: { len: i, runs: [{ a: 'probe', f: `[{"i":${i}}]` }] } } : {}) }));
  for (const rec of [{ format: RECORD_FORMAT, diffId: sha('many'), bytes: 123, entries }, { format: RECORD_FORMAT, diffId: sha('none'), bytes: 0, entries: [] }]) {
    const key = sha(rec.diffId).slice(7);
    assert.equal(await store.put(key, rec), undefined);
    assert.deepEqual(await store.get(key, rec.diffId), rec);
  }
});

/** The path of the record `d` holds for the layer `diffId` (its header names it). */
function recordOf(d: string, diffId: string): string {
  const name = readdirSync(d).find((n) => n.endsWith('.rec') && readFileSync(join(d, n), 'latin1').split('\n', 2)[1]!.includes(`"diffId":"${diffId}"`));
  assert.ok(name, `a record of ${diffId}`);
  return join(d, name);
}

test('a damaged, foreign or old record is a miss: the layer is read as without the cache, and its record rewritten', async () => {
  const img = image(await layers());
  const d = dir();
  const cache: WalkCache = { store: new LayerCache(d), salt: ['damage'] };
  const cold = await walk(img, cache);
  const path = recordOf(d, img.layers[0]!.diffId);
  const good = readFileSync(path);
  const other = readFileSync(recordOf(d, img.layers[1]!.diffId));
  const damages: [string, () => void][] = [
    ['truncated', () => writeFileSync(path, good.subarray(0, good.length - 40))],
    ['a flipped bit', () => writeFileSync(path, Buffer.from(good).fill(good[good.length - 60]! ^ 1, good.length - 60, good.length - 59))],
    ["another key's record", () => writeFileSync(path, other)],
    ['sealed again for another diff_id', () => resealRecord(path, (h) => (h.diffId = img.layers[1]!.diffId))],
    ['an older format', () => resealRecord(path, (h) => (h.format = RECORD_FORMAT - 1))],
  ];
  for (const [what, damage] of damages) {
    damage();
    const warm = await walk(img, cache);
    assert.equal(warm.r.stats.cachedLayers, 1, what);
    assert.deepEqual(JSON.stringify(comparable(warm.r)), JSON.stringify(comparable(cold.r)), what);
    assert.deepEqual(warm.log, cold.log, what);
    assert.deepEqual(readFileSync(path), good, `${what}: rewritten`);
  }
  assert.equal(cache.store.stats.rejected, damages.length);
});

/** A layer whose record is several batches long: many small files the probe reads. */
async function manyFiles(): Promise<Buffer> {
  return makeTar(Array.from({ length: 1500 }, (_, i) => ({ name: `srv/data/d${i % 31}/a-file-with-a-longer-name-${i}.conf`, content: `pkg${i}` })));
}

test('a record found bad part-way through its replay leaves nothing of it: the walk stops, the record is removed, a walk done again reads the layer', async () => {
  const [first, last] = await layers();
  const img = image([first!, await manyFiles(), last!]);
  const d = dir();
  const cache: WalkCache = { store: new LayerCache(d), salt: ['part-way'] };
  const plain = await walk(img, undefined);
  const cold = await walk(img, cache);
  const path = recordOf(d, img.layers[1]!.diffId);
  const good = readFileSync(path);
  // sealed, so only a line's shape tells: its size as a string, near the end
  resealRecord(path, (_h, lines) => (lines[1400] = JSON.stringify({ ...JSON.parse(lines[1400]!), s: '5' })));
  const failed: string[] = [];
  await assert.rejects(walkImage(img, [probe], { observers: [counter(failed)], cache }), (e: Error) => e instanceof RecordRejected && /damaged .*removed/.test(e.message));
  assert.ok(failed.some((x) => x.startsWith('entry 1 ')) && !failed.some((x) => x.startsWith('entry 2 ')), 'part of the layer was replayed before the bad line was decoded');
  assert.equal(existsSync(path), false, 'removed');
  const again = await walk(img, cache);
  assert.equal(again.r.stats.cachedLayers, 2);
  assert.deepEqual(JSON.stringify(comparable(again.r)), JSON.stringify(comparable(cold.r)));
  assert.deepEqual(comparable(again.r), comparable(plain.r));
  assert.deepEqual(again.log, cold.log);
  assert.deepEqual(readFileSync(path), good, 'rewritten');
});

test('store: verified on read, LRU eviction to the cap, no temp files left', async () => {
  const d = dir();
  const store = new LayerCache(d, 64 * 1024);
  const key = (n: number): string => sha(`k${n}`).slice(7);
  for (let i = 0; i < 3; i++) assert.equal(await store.put(key(i), record(i)), undefined);
  assert.deepEqual((await store.get(key(1), sha('1')))?.entries[0]?.n, 'f1');
  // the diff_id is part of what is checked
  assert.equal(await store.get(key(1), sha('2')), undefined);
  assert.equal(store.stats.rejected, 1);
  // eviction: the least recently used go first (mtime; a hit refreshes it)
  const files = (): string[] => readdirSync(d).filter((n) => n.endsWith('.rec')).sort();
  for (let i = 0; i < 3; i++) assert.equal(await store.put(key(i), record(i)), undefined);
  const old = new Date(Date.now() - 3600_000);
  for (let i = 0; i < 3; i++) utimesSync(join(d, `${key(i)}.rec`), new Date(old.getTime() + i * 1000), new Date(old.getTime() + i * 1000));
  await store.get(key(0), sha('0'));
  const size = readFileSync(join(d, `${key(0)}.rec`)).length;
  const small = new LayerCache(d, size * 2 + 10);
  await small.evict();
  assert.deepEqual(files(), [key(0), key(2)].map((k) => `${k}.rec`).sort());
  assert.equal(small.stats.evicted, 1);
  assert.deepEqual(readdirSync(d).filter((n) => n.endsWith('.tmp')), []);
  // a record too large for the cap is refused, not stored
  assert.match((await new LayerCache(d, 1024).put(key(9), record(9))) ?? '', /not stored/);
});

test('store: a run counts the directory at its first write, then adds what it writes; over the cap, it counts and evicts again', async () => {
  const d = dir();
  const key = (n: number): string => sha(`w${n}`).slice(7);
  // sizes of the records this test writes, from a cache without a cap
  const sizeOf = async (n: number): Promise<number> => {
    const probe = dir();
    await new LayerCache(probe).put(key(n), record(n));
    return statSync(join(probe, `${key(n)}.rec`)).size;
  };
  const one = await sizeOf(0);
  // another job's file, written after this run counted: not seen until a count
  const cap = one * 5.5;
  const store = new LayerCache(d, cap);
  assert.equal(await store.put(key(0), record(0)), undefined);
  writeFileSync(join(d, `${key(90)}.rec`), Buffer.alloc(one));
  utimesSync(join(d, `${key(90)}.rec`), new Date(0), new Date(0));
  for (let i = 1; i <= 4; i++) assert.equal(await store.put(key(i), record(i)), undefined);
  assert.ok(existsSync(join(d, `${key(90)}.rec`)), 'not counted again: what this run wrote is under the cap');
  assert.equal(store.stats.evicted, 0);
  // the sixth record takes what this run wrote over the cap: counted, the oldest removed until it fits
  assert.equal(await store.put(key(5), record(5)), undefined);
  assert.equal(existsSync(join(d, `${key(90)}.rec`)), false, 'the other job\'s older file went first');
  assert.equal(store.stats.evicted, 2);
  const total = readdirSync(d).filter((n) => n.endsWith('.rec')).reduce((n, f) => n + statSync(join(d, f)).size, 0);
  assert.ok(total <= cap, `${total} bytes held`);
  // layers' records stored at once share one count
  const together = new LayerCache(dir());
  let counts = 0;
  const evict = together.evict.bind(together);
  together.evict = async () => {
    counts++;
    await evict();
  };
  assert.deepEqual(await Promise.all([10, 11, 12, 13, 14, 15].map((n) => together.put(key(n), record(n)))), Array(6).fill(undefined));
  assert.equal(counts, 1);
});

test('store: garbage, empty and hostile files are ignored, never thrown', async () => {
  const d = dir();
  const store = new LayerCache(d);
  const key = sha('x').slice(7);
  for (const junk of [Buffer.alloc(0), Buffer.from('PCLLAYER2\n'), Buffer.from('not a record at all, but long enough to hold a digest.....'), Buffer.alloc(4096, 0xff)]) {
    writeFileSync(join(d, `${key}.rec`), junk);
    assert.equal(await store.get(key, sha('x')), undefined);
  }
  assert.equal(store.stats.rejected, 4);
  await assert.rejects(store.get('../../etc/passwd', sha('x')), /bad key/);
  assert.match((await store.put('../x', record(1))) ?? '', /bad key/);
});

test('store: blob → diff_id maps are checked on read', async () => {
  const d = dir();
  const store = new LayerCache(d);
  const blob = sha('blob');
  await store.putBlob(blob, sha('layer'));
  assert.equal(await store.blobDiffId(blob), sha('layer'));
  assert.equal(await store.blobDiffId(sha('other')), undefined);
  const path = join(d, 'blobs', blob.replace(':', '-'));
  writeFileSync(path, readFileSync(path, 'utf8').replace(sha('layer'), sha('evil')));
  assert.equal(await store.blobDiffId(blob), undefined, 'an edited map fails its checksum');
  await store.putBlob('sha256:../../x', sha('layer'));
  assert.equal(await store.blobDiffId('sha256:../../x'), undefined);
});

test('record shape: a run may be an analyzer name alone, sinks are an object by check name; anything else is refused', () => {
  // each entry is checked as it is decoded (recordreader.ts); an older format is refused by the header (recordreader.test.ts)
  const entry = (r: unknown): unknown => ({ n: 'f', t: 'file', s: 1, m: 0o644, r });
  assert.ok(checkEntry(entry({ runs: ['dpkg', { a: 'npm', f: '[]', c: [[0, 'warned']] }], sinks: { malware: 1, secrets: -2 } })));
  for (const bad of [{ runs: [7] }, { runs: [{ a: 'npm' }] }, { runs: 'dpkg' }, { sinks: [['malware', 1]] }, { sinks: null }, { sinks: 'x' }]) {
    assert.equal(checkEntry(entry(bad)), false, JSON.stringify(bad));
  }
});
