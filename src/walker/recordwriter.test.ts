// RecordWriter: entries are compressed as they complete, in order; one held for a later outcome (the
// malware worker's) holds back those after it until released; the result is the record LayerCache seals and reads back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sha } from '../source/testkit.js';
import { LayerCache } from './layercache.js';
import { RECORD_FORMAT, type EntryRecord } from './record.js';
import { RecordWriter } from './recordwriter.js';

const key = sha('writer-key').slice(7);
const diffId = sha('writer-layer');

function entry(i: number): EntryRecord {
  return { n: `srv/d${i % 13}/f${i}.txt`, t: 'file', s: i, m: 0o644 };
}

test('entries filled in after the next was added, or released late, are written as they ended up, in order', async () => {
  const store = new LayerCache(mkdtempSync(join(tmpdir(), 'portcullis-recordwriter-')));
  const w = new RecordWriter(key, diffId);
  const entries: EntryRecord[] = [];
  const held: EntryRecord[] = [];
  // enough entries for several pieces of compressed text
  for (let i = 0; i < 6000; i++) {
    const e = entry(i);
    entries.push(e);
    w.add(e);
    // the walker fills the entry it just added while it reads the file
    e.r = { len: i };
    if (i % 1000 === 7) {
      w.hold(e);
      held.push(e);
    }
  }
  // outcomes arrive after the walk moved on (and after entries behind them were added)
  for (const [k, e] of held.entries()) {
    e.r!.sinks = { malware: k };
    w.release(e);
  }
  assert.equal(await store.putWritten(w, 4096), undefined);
  const back = await store.get(key, diffId);
  assert.deepEqual(back, { format: RECORD_FORMAT, diffId, bytes: 4096, entries });
  assert.deepEqual(back!.entries[7]!.r, { len: 7, sinks: { malware: 0 } });
});

test('finish() refuses a record with an entry still held; an abandoned writer stores nothing', async () => {
  const w = new RecordWriter(key, diffId);
  const e = entry(1);
  w.add(e);
  w.hold(e);
  w.add(entry(2));
  await assert.rejects(w.finish(10), /2 entries still wait for an outcome/);
  const store = new LayerCache(mkdtempSync(join(tmpdir(), 'portcullis-recordwriter-')));
  const a = new RecordWriter(key, diffId);
  a.add(entry(3));
  a.abandon();
  assert.match((await store.putWritten(a, 1)) ?? '', /./, 'an abandoned writer cannot be stored');
  assert.equal(await store.get(key, diffId), undefined);
  assert.equal(store.stats.writes, 0);
});

test('a header line (key, format, diff_id, bytes, count), then the entries gzip\'d one ASCII JSON line each; names outside ASCII read back the same', async () => {
  const w = new RecordWriter(key, diffId);
  const names = ['caf\u00e9', '\u{1F600}', 'lone\ud800', 'nul\u0000', 'quote"back\\slash', 'new\nline'];
  for (const n of names) w.add({ n, t: 'file', s: 0, m: 0 });
  const [header, ...gzipped] = await w.finish(77);
  assert.deepEqual(JSON.parse(header!.toString('latin1')), { key, format: RECORD_FORMAT, diffId, bytes: 77, entries: names.length });
  assert.equal(header!.at(-1), 0x0a);
  const text = gunzipSync(Buffer.concat(gzipped));
  assert.ok(text.every((b) => b < 0x80), 'ASCII only');
  const lines = text.toString('latin1').split('\n');
  assert.equal(lines.pop(), '', 'every line ends');
  assert.deepEqual(
    lines.map((l) => (JSON.parse(l) as EntryRecord).n),
    names,
  );
});
