import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readRpmDb } from './analyzer.js';
import { adler32, readNdb } from './ndb.js';
import { RPM_TAG, RpmHeader } from './header.js';
import { asRow, LAYER, parseExpected, pseudoRandom, testdata } from './test-support.js';

test('adler32 known values', () => {
  assert.equal(adler32(Buffer.from('Wikipedia')), 0x11e60398);
  assert.equal(adler32(Buffer.alloc(0)), 1);
  // long input exercises the modulo folding; value from Python's zlib.adler32(b'\xff' * 100000)
  assert.equal(adler32(Buffer.alloc(100000, 0xff)), 0x149a302c);
});

test('real ndb Packages.db written by rpm 4.18 (--enable-ndb): matches rpm\'s listing', () => {
  const warnings: string[] = [];
  const r = readRpmDb(testdata('Packages.db'), '/usr/lib/sysimage/rpm/Packages.db', LAYER, (m) => warnings.push(m));
  assert.deepEqual(warnings, []);
  assert.equal(r.format, 'ndb');
  assert.equal(r.records, 3);
  assert.equal(r.skipped, 1);
  const expected = parseExpected(testdata('Packages.db.expected.tsv').toString()).filter((e) => e.name !== 'gpg-pubkey');
  assert.deepEqual(r.packages.map(asRow), expected);
});

/** Slot table entries of the fixture: [offset of slot, pkgidx, blkoff, blkcnt]. */
function slots(buf: Buffer): [number, number, number, number][] {
  const out: [number, number, number, number][] = [];
  const end = buf.readUInt32LE(12) * 4096;
  for (let p = 32; p < end; p += 16) {
    if (buf.readUInt32LE(p + 8) !== 0) out.push([p, buf.readUInt32LE(p + 4), buf.readUInt32LE(p + 8), buf.readUInt32LE(p + 12)]);
  }
  return out;
}

function names(buf: Buffer, w: string[]): string[] {
  return readNdb(buf, (m) => w.push(m)).map((r) => RpmHeader.parse(r.blob).getString(RPM_TAG.NAME)!).sort();
}

test('hostile ndb: bad magic, version, short file, no slot pages', () => {
  const good = testdata('Packages.db');
  const w: string[] = [];
  const bad = Buffer.from(good);
  bad.write('XpmP', 0, 'latin1');
  assert.deepEqual(readNdb(bad, (m) => w.push(m)), []);
  assert.match(w.pop()!, /bad magic/);
  const ver = Buffer.from(good);
  ver.writeUInt32LE(3, 4);
  assert.deepEqual(readNdb(ver, (m) => w.push(m)), []);
  assert.match(w.pop()!, /unsupported version 3/);
  assert.deepEqual(readNdb(good.subarray(0, 20), (m) => w.push(m)), []);
  assert.match(w.pop()!, /too short/);
  const zero = Buffer.from(good);
  zero.writeUInt32LE(0, 12);
  assert.deepEqual(readNdb(zero, (m) => w.push(m)), []);
  assert.match(w.pop()!, /no slot pages/);
});

test('hostile ndb: truncated file keeps whole blobs only', () => {
  const good = testdata('Packages.db');
  const s = slots(good);
  const last = s.reduce((a, b) => (b[2] > a[2] ? b : a));
  const cut = good.subarray(0, last[2] * 16 + 40);
  const w: string[] = [];
  const got = names(cut, w);
  assert.equal(got.length, 2);
  assert.ok(w.some((m) => /outside the file/.test(m)), w.join('\n'));
  // cut inside the slot page itself
  const w2: string[] = [];
  assert.deepEqual(names(good.subarray(0, 100), w2), []);
  assert.match(w2[0]!, /truncated file/);
});

test('hostile ndb: huge slot page count, slots pointing anywhere, bad slot magic, duplicates', () => {
  const good = testdata('Packages.db');
  const s = slots(good);
  let w: string[] = [];
  const huge = Buffer.from(good);
  huge.writeUInt32LE(0xffffffff, 12);
  names(huge, w);
  assert.match(w[0]!, /truncated file/);

  const far = Buffer.from(good);
  far.writeUInt32LE(0xffffffff, s[0]![0] + 8);
  far.writeUInt32LE(0xffffffff, s[0]![0] + 12);
  w = [];
  assert.equal(names(far, w).length, 2);
  assert.ok(w.some((m) => /outside the file/.test(m)));

  const intoSlots = Buffer.from(good);
  intoSlots.writeUInt32LE(2, s[0]![0] + 8);
  w = [];
  assert.equal(names(intoSlots, w).length, 2);
  assert.ok(w.some((m) => /outside the file/.test(m)));

  const magic = Buffer.from(good);
  magic.writeUInt32LE(0, s[1]![0]);
  w = [];
  assert.equal(names(magic, w).length, 2);
  assert.ok(w.some((m) => /bad magic; skipped/.test(m)));

  const dup = Buffer.from(good);
  dup.writeUInt32LE(s[0]![1], s[1]![0] + 4);
  w = [];
  assert.equal(names(dup, w).length, 2);
  assert.ok(w.some((m) => /more than one slot/.test(m)));

  const noIdx = Buffer.from(good);
  noIdx.writeUInt32LE(0, s[2]![0] + 4);
  w = [];
  assert.equal(names(noIdx, w).length, 2);
  assert.ok(w.some((m) => /without a package index/.test(m)));
});

test('hostile ndb: blob head, length, tail and checksum are all checked', () => {
  const good = testdata('Packages.db');
  const [, , blkoff, blkcnt] = slots(good)[0]!;
  const start = blkoff * 16;
  const cases: [string, (b: Buffer) => void, RegExp][] = [
    ['head magic', (b) => b.write('XXXX', start, 'latin1'), /bad blob header/],
    ['head pkgidx', (b) => b.writeUInt32LE(999, start + 4), /bad blob header/],
    ['length', (b) => b.writeUInt32LE(0x7fffffff, start + 12), /larger than its/],
    ['tail magic', (b) => b.write('XXXX', start + blkcnt * 16 - 4, 'latin1'), /bad blob tail/],
    ['tail length', (b) => b.writeUInt32LE(1, start + blkcnt * 16 - 8), /bad blob tail/],
    ['checksum', (b) => (b[start + 40] = b[start + 40]! ^ 0x01), /checksum mismatch/],
  ];
  for (const [what, patch, re] of cases) {
    const b = Buffer.from(good);
    patch(b);
    const w: string[] = [];
    assert.equal(names(b, w).length, 2, what);
    assert.ok(w.some((m) => re.test(m)), `${what}: ${w.join('\n')}`);
  }
});

test('hostile ndb: random bytes after a valid file header', () => {
  const good = testdata('Packages.db');
  const rnd = pseudoRandom(7);
  for (let i = 0; i < 50; i++) {
    const b = Buffer.concat([good.subarray(0, 32), rnd(4096 * (1 + (i % 4)))]);
    for (let p = 32; p < 4096; p += 16) if (i % 2) b.write('Slot', p, 'latin1');
    const w: string[] = [];
    // no random blob can pass the head, tail and adler32 checks: nothing is read, and it is said
    assert.deepEqual(readNdb(b, (m) => w.push(m)), [], `round ${i}`);
    assert.ok(w.length > 0, `round ${i}: random slots give warnings`);
    assert.ok(w.every((m) => m.length < 300 && !m.includes('\n')), `round ${i}: warnings are bounded single lines`);
  }
});
