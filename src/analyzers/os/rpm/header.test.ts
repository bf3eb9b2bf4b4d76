import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ARRAY_MAX, HeaderError, RPM_TAG, RPM_TYPE, RpmHeader } from './header.js';
import { readSqlite } from './sqlite.js';
import { buildHeader, patchEntry, pseudoRandom, testdata } from './test-support.js';

const sample = (): Buffer =>
  buildHeader({
    [RPM_TAG.NAME]: { type: RPM_TYPE.STRING, value: 'demo' },
    [RPM_TAG.VERSION]: { type: RPM_TYPE.STRING, value: '1.0' },
    [RPM_TAG.EPOCH]: { type: RPM_TYPE.INT32, value: [7] },
    [RPM_TAG.LICENSE]: { type: RPM_TYPE.STRING, value: 'MIT' },
    [RPM_TAG.BASENAMES]: { type: RPM_TYPE.STRING_ARRAY, value: ['a', 'b'] },
    [RPM_TAG.DIRINDEXES]: { type: RPM_TYPE.INT32, value: [0, 0] },
    [RPM_TAG.DIRNAMES]: { type: RPM_TYPE.STRING_ARRAY, value: ['/x/'] },
    1004: { type: RPM_TYPE.I18NSTRING, value: 'summary in C' },
    5000: { type: RPM_TYPE.INT8, value: [1, 255] },
    5001: { type: RPM_TYPE.INT16, value: [65535, 2] },
    5002: { type: RPM_TYPE.INT64, value: [2 ** 40 + 3] },
    5003: { type: RPM_TYPE.BIN, value: Buffer.from([0xde, 0xad]) },
  });

test('reads a header blob written by rpm 4.18 (from the committed sqlite fixture)', () => {
  const rows = readSqlite(testdata('rpmdb.sqlite'), (m) => assert.fail(m));
  const names = rows.map((r) => RpmHeader.parse(r.blob).getString(RPM_TAG.NAME)).sort();
  assert.deepEqual(names, ['gpg-pubkey', 'tiny-lib', 'tiny-tool']);
  const tool = rows.map((r) => RpmHeader.parse(r.blob)).find((h) => h.getString(RPM_TAG.NAME) === 'tiny-tool')!;
  assert.equal(tool.getInt(RPM_TAG.EPOCH), 2);
  assert.equal(tool.getString(RPM_TAG.VERSION), '1.2.3');
  assert.equal(tool.getString(RPM_TAG.RELEASE), '4.el9');
  assert.deepEqual(tool.getStringArray(RPM_TAG.BASENAMES), ['tiny-tool.conf', 'tiny-tool', 'tiny-tool', 'README']);
  // the immutable region tag is there, as in every installed header
  assert.ok(tool.has(RPM_TAG.HEADERIMMUTABLE));
});

test('every data type: INT8/16/32/64, STRING, STRING_ARRAY, I18NSTRING, BIN', () => {
  const h = RpmHeader.parse(sample());
  assert.equal(h.getString(RPM_TAG.NAME), 'demo');
  assert.equal(h.getInt(RPM_TAG.EPOCH), 7);
  assert.deepEqual(h.getStringArray(RPM_TAG.BASENAMES), ['a', 'b']);
  assert.equal(h.getString(1004), 'summary in C');
  assert.deepEqual(h.getIntArray(5000), [1, 255]);
  assert.deepEqual(h.getIntArray(5001), [65535, 2]);
  assert.deepEqual(h.getIntArray(5002), [2 ** 40 + 3]);
  assert.deepEqual([...h.getBin(5003)!], [0xde, 0xad]);
  assert.equal(h.getString(9999), undefined);
  assert.deepEqual(h.getStringArray(RPM_TAG.NAME), ['demo']);
});

test('a later entry for the same tag wins (dribble entries after the region)', () => {
  const blob = buildHeader({
    [RPM_TAG.NAME]: { type: RPM_TYPE.STRING, value: 'first' },
    [RPM_TAG.VERSION]: { type: RPM_TYPE.STRING, value: 'second' },
  });
  const h = RpmHeader.parse(patchEntry(blob, 1, 0, RPM_TAG.NAME));
  assert.equal(h.getString(RPM_TAG.NAME), 'second');
});

test('hostile intro: short blob, zero or huge entry counts, data length beyond the blob', () => {
  assert.throws(() => RpmHeader.parse(Buffer.alloc(7)), HeaderError);
  const b = sample();
  const withIntro = (il: number, dl: number): Buffer => {
    const c = Buffer.from(b);
    c.writeUInt32BE(il >>> 0, 0);
    c.writeUInt32BE(dl >>> 0, 4);
    return c;
  };
  assert.throws(() => RpmHeader.parse(withIntro(0, 10)), /bad index entry count 0/);
  assert.throws(() => RpmHeader.parse(withIntro(0xffffffff, 10)), /bad index entry count/);
  assert.throws(() => RpmHeader.parse(withIntro(0x10000, 10)), /bad index entry count/);
  assert.throws(() => RpmHeader.parse(withIntro(12, 0xffffffff)), /bad data length/);
  assert.throws(() => RpmHeader.parse(withIntro(12, 0x0ffffff0)), /blob has/);
  assert.throws(() => RpmHeader.parse(withIntro(5000, 16)), /blob has/);
  // truncated by one byte
  assert.throws(() => RpmHeader.parse(b.subarray(0, b.length - 1)), /blob has/);
});

test('hostile entries: offset outside the store, negative offset, unterminated string, huge counts, wrong type', () => {
  const b = sample();
  // entry 0 is NAME (tag 1000), entry 2 is EPOCH (INT32), entry 4 is LICENSE ... sorted by tag
  const h1 = RpmHeader.parse(patchEntry(b, 0, 2, 100000));
  assert.throws(() => h1.getString(RPM_TAG.NAME), /outside the data store/);
  const h2 = RpmHeader.parse(patchEntry(b, 0, 2, -8));
  assert.throws(() => h2.getString(RPM_TAG.NAME), /outside the data store/);
  // string whose NUL is gone: the last byte of the store is made non-zero and the entry points there
  const c = Buffer.from(b);
  c[c.length - 1] = 0x41;
  const dl = c.readUInt32BE(4);
  const h3 = RpmHeader.parse(patchEntry(c, 0, 2, dl - 1));
  assert.throws(() => h3.getString(RPM_TAG.NAME), /unterminated string/);
  // BASENAMES with more strings than bytes left, or 4 billion: refused before reading any
  const basenamesIdx = RpmHeader.parse(b).tags().indexOf(RPM_TAG.BASENAMES);
  const h4 = RpmHeader.parse(patchEntry(b, basenamesIdx, 3, 100000));
  assert.throws(() => h4.getStringArray(RPM_TAG.BASENAMES), /cannot fit/);
  const h4b = RpmHeader.parse(patchEntry(b, basenamesIdx, 3, 0xffffffff));
  assert.throws(() => h4b.getStringArray(RPM_TAG.BASENAMES), /more than the \d+ accepted/);
  // DIRINDEXES with a count beyond the store, or 1 billion: refused before allocating
  const diIdx = RpmHeader.parse(b).tags().indexOf(RPM_TAG.DIRINDEXES);
  const h5 = RpmHeader.parse(patchEntry(b, diIdx, 3, 100000));
  assert.throws(() => h5.getIntArray(RPM_TAG.DIRINDEXES), /overrun/);
  const h5b = RpmHeader.parse(patchEntry(b, diIdx, 3, 0x40000000));
  assert.throws(() => h5b.getIntArray(RPM_TAG.DIRINDEXES), /more than the \d+ accepted/);
  // an INT32 tag at a misaligned offset
  const epIdx = RpmHeader.parse(b).tags().indexOf(RPM_TAG.EPOCH);
  const off = RpmHeader.parse(b).entry(RPM_TAG.EPOCH)!.offset;
  assert.throws(() => RpmHeader.parse(patchEntry(b, epIdx, 2, off + 1)).getInt(RPM_TAG.EPOCH), /misaligned/);
  // reading a string tag as an integer, and an unknown type
  assert.throws(() => RpmHeader.parse(b).getInt(RPM_TAG.NAME), /unexpected type/);
  assert.throws(() => RpmHeader.parse(patchEntry(b, 0, 1, 77)).getString(RPM_TAG.NAME), /unexpected type 77/);
  // count 0
  assert.throws(() => RpmHeader.parse(patchEntry(b, 0, 3, 0)).getString(RPM_TAG.NAME), /count 0/);
  // BIN longer than the store
  const binIdx = RpmHeader.parse(b).tags().indexOf(5003);
  assert.throws(() => RpmHeader.parse(patchEntry(b, binIdx, 3, 0x7fffffff)).getBin(5003), /overrun/);
});

test('random bytes and random corruption of a real blob: only HeaderError, never anything else', () => {
  const rnd = pseudoRandom(12345);
  const real = readSqlite(testdata('rpmdb.sqlite'), () => {}).map((r) => r.blob);
  const readAll = (blob: Buffer): void => {
    let h: RpmHeader;
    try {
      h = RpmHeader.parse(blob);
    } catch (e) {
      assert.ok(e instanceof HeaderError, String(e));
      return;
    }
    for (const tag of h.tags()) {
      for (const f of [() => h.getString(tag), () => h.getStringArray(tag), () => h.getIntArray(tag), () => h.getBin(tag)]) {
        try {
          f();
        } catch (e) {
          assert.ok(e instanceof HeaderError, String(e));
        }
      }
    }
  };
  for (let i = 0; i < 300; i++) readAll(rnd(1 + (rnd(1)[0]! * 4)));
  for (let i = 0; i < 300; i++) {
    const b = Buffer.from(real[i % real.length]!);
    const flips = rnd(8);
    for (let j = 0; j < 8; j += 2) {
      const pos = ((flips[j]! << 8) | flips[j + 1]!) % Math.min(b.length, 512);
      b[pos] = rnd(1)[0]!;
    }
    readAll(b);
  }
});

test('arrays larger than ARRAY_MAX are refused even when the bytes are there', () => {
  // one STRING_ARRAY entry whose count is ARRAY_MAX + 1 over as many NUL bytes (all empty strings)
  const n = ARRAY_MAX + 1;
  const blob = Buffer.alloc(8 + 16 + n);
  blob.writeUInt32BE(1, 0);
  blob.writeUInt32BE(n, 4);
  blob.writeUInt32BE(RPM_TAG.BASENAMES, 8);
  blob.writeUInt32BE(RPM_TYPE.STRING_ARRAY, 12);
  blob.writeInt32BE(0, 16);
  blob.writeUInt32BE(n, 20);
  const h = RpmHeader.parse(blob);
  assert.throws(() => h.getStringArray(RPM_TAG.BASENAMES), /more than the 2097152 accepted/);
  const ints = Buffer.from(blob);
  ints.writeUInt32BE(RPM_TYPE.INT8, 12);
  assert.throws(() => RpmHeader.parse(ints).getIntArray(RPM_TAG.BASENAMES), /more than the 2097152 accepted/);
  // exactly ARRAY_MAX is fine
  const ok = Buffer.from(blob);
  ok.writeUInt32BE(ARRAY_MAX, 20);
  assert.equal(RpmHeader.parse(ok).getStringArray(RPM_TAG.BASENAMES)!.length, ARRAY_MAX);
});
