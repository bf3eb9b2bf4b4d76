// Reading a layer record back: its seal and header are checked before anything is inflated; its entries
// come a batch at a time, each checked as it is parsed, before the stream ends; a record damaged, foreign,
// of another format or inconsistent inside its seal is refused and removed, never trusted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sha } from '../source/testkit.js';
import { LayerCache } from './layercache.js';
import { RECORD_FORMAT, type EntryRecord, type LayerRecord } from './record.js';
import { RecordRejected } from './recordreader.js';
import { resealRecord } from './testkit.js';

const diffId = sha('reader-layer');
const key = sha('reader-key').slice(7);

function entries(n: number): EntryRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    n: `usr/share/doc/pkg-${i % 97}/f${i}${i % 5 === 0 ? '\u00e9' : ''}.txt`,
    t: 'file' as const,
    s: i,
    m: 0o644,
    ...(i % 3 === 0 ? { r: { len: i, runs: ['probe', { a: 'other', f: `[{"i":${i}}]` }], sinks: { secrets: i } } } : {}),
  }));
}

async function stored(rec: LayerRecord): Promise<{ store: LayerCache; path: string }> {
  const d = mkdtempSync(join(tmpdir(), 'portcullis-recordreader-'));
  const store = new LayerCache(d);
  assert.equal(await store.put(key, rec), undefined);
  return { store, path: join(d, `${key}.rec`) };
}

/** Every batch of the record under `key`, or the error that ended them (with the batches before it). */
async function drain(store: LayerCache): Promise<{ batches: EntryRecord[][]; error?: unknown }> {
  const rec = await store.open(key, diffId);
  assert.ok(rec, 'opened');
  const batches: EntryRecord[][] = [];
  try {
    for await (const b of rec.batches()) batches.push(b);
  } catch (error) {
    return { batches, error };
  }
  return { batches };
}

test('a record round-trips entry by entry: in order, in several bounded batches, a line longer than a chunk too', async () => {
  const all = entries(20_000);
  all[4321]!.r = { len: 1, runs: [{ a: 'probe', f: JSON.stringify(['x'.repeat(300_000)]) }] };
  const { store } = await stored({ format: RECORD_FORMAT, diffId, bytes: 1234, entries: all });
  const rec = await store.open(key, diffId);
  assert.equal(rec?.bytes, 1234);
  const { batches, error } = await drain(store);
  assert.equal(error, undefined);
  assert.ok(batches.length > 10, `${batches.length} batches`);
  // a batch is the lines of one inflated chunk (64 KiB) and the end of a line begun before it
  for (const b of batches) assert.ok(b.some((e) => e.n === all[4321]!.n) || JSON.stringify(b).length < 2 * 64 * 1024, `a batch of ${b.length}`);
  assert.deepEqual(batches.flat(), all);
  assert.deepEqual(await store.get(key, diffId), { format: RECORD_FORMAT, diffId, bytes: 1234, entries: all });
  assert.equal(store.stats.hits, 3);
});

test('entries come before the stream ends: a bad entry near the end is found after the first batches, and the record is removed and refused', async () => {
  const { store, path } = await stored({ format: RECORD_FORMAT, diffId, bytes: 1, entries: entries(20_000) });
  resealRecord(path, (_h, lines) => (lines[lines.length - 2] = JSON.stringify({ n: 'f', t: 'file', s: -1, m: 0 })));
  const { batches, error } = await drain(store);
  assert.ok(error instanceof RecordRejected, String(error));
  assert.match(error.message, /damaged .*not an entry.*removed/);
  assert.ok(batches.length > 10 && batches.flat().length < 20_000, 'the first batches came before the bad line was inflated');
  assert.equal(existsSync(path), false, 'removed');
  assert.deepEqual([store.stats.hits, store.stats.rejected], [0, 1]);
  // refused for the rest of the run, even once rewritten (by this walk's cold read, or anyone): a walk done again reads the layer
  await store.put(key, { format: RECORD_FORMAT, diffId, bytes: 1, entries: entries(3) });
  assert.equal(await store.open(key, diffId), undefined);
  assert.equal(store.stats.misses, 1);
  assert.deepEqual((await new LayerCache(join(path, '..')).get(key, diffId))?.entries, entries(3), 'another run reads it');
});

test('damaged, foreign or old records are refused before anything is inflated, and removed', async () => {
  const rec: LayerRecord = { format: RECORD_FORMAT, diffId, bytes: 7, entries: entries(50) };
  const { store, path } = await stored(rec);
  const good = readFileSync(path);
  const seal = (body: Buffer): Buffer => Buffer.concat([body, createHash('sha256').update(body).digest()]);
  const other = await stored({ ...rec, diffId: sha('another layer') });
  const damages: [string, () => void][] = [
    ['truncated', () => truncateSync(path, Math.floor(good.length / 2))],
    ['a flipped bit in the entries', () => writeFileSync(path, Buffer.from(good).fill(good[good.length - 100]! ^ 1, good.length - 100, good.length - 99))],
    ['a flipped bit in the header', () => writeFileSync(path, Buffer.from(good).fill(good[20]! ^ 4, 20, 21))],
    ["another key's record under this key", () => writeFileSync(path, readFileSync(join(other.path)))],
    ['sealed again under another key', () => resealRecord(path, (h) => (h.key = sha('x').slice(7)))],
    ['sealed again for another diff_id', () => resealRecord(path, (h) => (h.diffId = sha('x')))],
    ['an older record format in the header', () => resealRecord(path, (h) => (h.format = RECORD_FORMAT - 1))],
    ['no bytes count', () => resealRecord(path, (h) => delete h.bytes)],
    ['the layout before format 3: one JSON document', () => writeFileSync(path, seal(Buffer.concat([Buffer.from('PCLLAYER1\n'), gzipSync(JSON.stringify({ key, record: { ...rec, format: 2 } }))])))],
    ['no header line', () => writeFileSync(path, seal(Buffer.concat([Buffer.from('PCLLAYER2\n'), Buffer.alloc(8192, 0x20)])))],
  ];
  for (const [what, damage] of damages) {
    writeFileSync(path, good);
    damage();
    const rejected = store.stats.rejected;
    assert.equal(await store.open(key, diffId), undefined, what);
    assert.equal(store.stats.rejected, rejected + 1, what);
    assert.equal(existsSync(path), false, `${what}: removed`);
  }
  writeFileSync(path, good);
  assert.deepEqual(await store.get(key, diffId), rec, 'the good one still reads');
});

test('sealed but inconsistent inside: refused as its entries are read, and removed', async () => {
  const rec: LayerRecord = { format: RECORD_FORMAT, diffId, bytes: 7, entries: entries(50) };
  const edits: [string, (h: Record<string, unknown>, lines: string[]) => void, RegExp][] = [
    ['one entry fewer than counted', (_h, l) => void l.pop(), /49 entries where its header counts 50/],
    ['one more', (_h, l) => void l.push(l[0]!), /more entries than the 50/],
    ['a line not JSON', (_h, l) => (l[7] = '{"n":'), /does not parse/],
    ['two entries on a line', (_h, l) => (l[7] = `${l[7]},${l[8]}`), /does not parse/],
    ['an empty line', (_h, l) => (l[7] = ''), /does not parse/],
    ['an entry of the wrong shape', (_h, l) => (l[7] = JSON.stringify({ ...JSON.parse(l[7]!), x: { a: 1 } })), /not an entry/],
    ['an entry whose read record is of the wrong shape', (_h, l) => (l[9] = JSON.stringify({ ...JSON.parse(l[9]!), r: { runs: 'probe' } })), /not an entry/],
  ];
  for (const [what, edit, why] of edits) {
    const { store, path } = await stored(rec);
    resealRecord(path, edit);
    const { error } = await drain(store);
    assert.ok(error instanceof RecordRejected, `${what}: ${String(error)}`);
    assert.match(error.message, why, what);
    assert.equal(existsSync(path), false, `${what}: removed`);
  }
  // a last line without its newline, and entries that do not inflate (sealed all the same)
  for (const [what, gz] of [
    ['an unfinished last line', gzipSync('{"n":"a","t":"file","s":1,"m":0}\n{"n":"b"')],
    ['not gzip', Buffer.from('{"n":"a","t":"file","s":1,"m":0}\n')],
  ] as const) {
    const { store, path } = await stored(rec);
    const header = Buffer.from(`${JSON.stringify({ key, format: RECORD_FORMAT, diffId, bytes: 7, entries: 2 })}\n`);
    const body = Buffer.concat([Buffer.from('PCLLAYER2\n'), header, gz]);
    writeFileSync(path, Buffer.concat([body, createHash('sha256').update(body).digest()]));
    const { error } = await drain(store);
    assert.ok(error instanceof RecordRejected, `${what}: ${String(error)}`);
    assert.equal(existsSync(path), false, `${what}: removed`);
  }
});

test('entries are written as ASCII JSON lines (other characters escaped); lines in UTF-8 still read', async () => {
  const rec: LayerRecord = { format: RECORD_FORMAT, diffId, bytes: 7, entries: ['caf\u00e9', '\u{1F600}', 'lone\ud800', 'nul\u0000', 'new\nline'].map((n) => ({ n, t: 'file' as const, s: 1, m: 0 })) };
  const { store, path } = await stored(rec);
  let lines: string[] = [];
  resealRecord(path, (_h, l) => void (lines = [...l]));
  assert.equal(lines.length, 5);
  assert.ok(lines.every((l) => /^[\x20-\x7e]*$/.test(l)), 'one printable ASCII line per entry');
  assert.deepEqual(await store.get(key, diffId), rec);
  resealRecord(path, (_h, l) => l.splice(0, l.length, ...rec.entries.map((e) => JSON.stringify(e))));
  assert.deepEqual(await store.get(key, diffId), rec);
});
