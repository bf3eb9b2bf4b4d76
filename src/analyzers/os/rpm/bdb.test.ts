import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sharedOrSkip } from '../../../core/shared.js';
import { readRpmDb } from './analyzer.js';
import { readBdbHash } from './bdb.js';
import { RPM_TAG, RpmHeader } from './header.js';
import { asRow, LAYER, parseExpected, pseudoRandom, testdata } from './test-support.js';

const PAGE = 4096;

test('real Berkeley DB from Trivy testdata (Packages_epoch.bdb): one package, as rpm reads it', (t) => {
  const p = sharedOrSkip(t, 'fixtures/third-party/packages/rpm/Packages_epoch.bdb');
  if (!p) return;
  const warnings: string[] = [];
  const r = readRpmDb(readFileSync(p), '/var/lib/rpm/Packages', LAYER, (m) => warnings.push(m));
  assert.deepEqual(warnings, []);
  assert.equal(r.format, 'bdb');
  // Truth from Debian's rpm 4.18 reading a copy (bdb_ro backend):
  //   rpm --dbpath DIR --define '_db_backend bdb_ro' -qa --qf \
  //     '%{NAME}|%{EPOCH}|%{VERSION}|%{RELEASE}|%{ARCH}|%{LICENSE}|%{SOURCERPM}|%{VENDOR}|%{MODULARITYLABEL}|[%{FILENAMES},]\n'
  //   => hello|1|0.0.1|rls|x86_64|GPL|hello-0.0.1-rls.src.rpm|(none)|(none)|/usr/bin/hello.sh,
  assert.equal(r.packages.length, 1);
  const pkg = r.packages[0]!;
  assert.equal(pkg.name, 'hello');
  assert.equal(pkg.version, '0.0.1-rls');
  assert.equal(pkg.epoch, 1);
  assert.equal(pkg.arch, 'x86_64');
  assert.deepEqual(pkg.licenses, ['GPL']);
  assert.deepEqual(pkg.source, { name: 'hello', version: '0.0.1-rls' });
  assert.deepEqual(pkg.files, ['/usr/bin/hello.sh']);
  assert.equal(pkg.modularityLabel, undefined);
  assert.equal(pkg.purl, 'pkg:rpm/hello@0.0.1-rls?arch=x86_64&epoch=1');
});

for (const order of ['le', 'be'] as const) {
  test(`real Berkeley DB hash file, ${order === 'le' ? 'little' : 'big'}-endian, with overflow pages: matches rpm's listing`, () => {
    const warnings: string[] = [];
    const r = readRpmDb(testdata(`Packages.${order}.bdb`), '/var/lib/rpm/Packages', LAYER, (m) => warnings.push(m));
    assert.deepEqual(warnings, []);
    assert.equal(r.records, 3);
    assert.equal(r.skipped, 1); // gpg-pubkey
    const expected = parseExpected(testdata(`Packages.${order}.bdb.expected.tsv`).toString()).filter((e) => e.name !== 'gpg-pubkey');
    assert.deepEqual(r.packages.map(asRow), expected);
  });
}

/** The page numbers of a given type in a bdb image. */
function pagesOfType(buf: Buffer, type: number): number[] {
  const out: number[] = [];
  for (let i = 0; i * PAGE < buf.length; i++) if (buf[i * PAGE + 25] === type) out.push(i);
  return out;
}

function names(buf: Buffer, warnings: string[]): string[] {
  return readBdbHash(buf, (m) => warnings.push(m))
    .map((r) => RpmHeader.parse(r.blob).getString(RPM_TAG.NAME)!)
    .sort();
}

test('hostile bdb: bad metadata magic, btree, bad page size, encrypted, checksummed, too short', () => {
  const good = testdata('Packages.le.bdb');
  const w: string[] = [];
  const bad = Buffer.from(good);
  bad.writeUInt32LE(0xdeadbeef, 12);
  assert.deepEqual(readBdbHash(bad, (m) => w.push(m)), []);
  assert.match(w.pop()!, /bad metadata magic/);
  const btree = Buffer.from(good);
  btree.writeUInt32LE(0x053162, 12);
  assert.deepEqual(readBdbHash(btree, (m) => w.push(m)), []);
  assert.match(w.pop()!, /btree/);
  const ps = Buffer.from(good);
  ps.writeUInt32LE(1000, 20);
  assert.deepEqual(readBdbHash(ps, (m) => w.push(m)), []);
  assert.match(w.pop()!, /bad page size 1000/);
  const enc = Buffer.from(good);
  enc[24] = 1;
  assert.deepEqual(readBdbHash(enc, (m) => w.push(m)), []);
  assert.match(w.pop()!, /encrypted/);
  const ck = Buffer.from(good);
  ck[26] = 1;
  assert.deepEqual(readBdbHash(ck, (m) => w.push(m)), []);
  assert.match(w.pop()!, /page checksums/);
  assert.deepEqual(readBdbHash(good.subarray(0, 100), (m) => w.push(m)), []);
  assert.match(w.pop()!, /too short/);
});

test('hostile bdb: truncated inside an overflow chain keeps the packages that are whole', () => {
  const good = testdata('Packages.le.bdb');
  const overflow = pagesOfType(good, 7);
  assert.ok(overflow.length >= 4, 'fixture has overflow pages');
  const cut = good.subarray(0, overflow[overflow.length - 2]! * PAGE + 100);
  const w: string[] = [];
  const got = names(cut, w);
  assert.ok(got.length < 3, `some record lost: ${got.join(',')}`);
  assert.match(w[0]!, /truncated file/);
  assert.ok(w.some((m) => /beyond the end of the file|overflow chain holds/.test(m)), w.join('\n'));
});

test('hostile bdb: a hash page whose header names another page is skipped with a warning', () => {
  const good = testdata('Packages.le.bdb');
  const hashPages = pagesOfType(good, 13);
  const b = Buffer.from(good);
  for (const p of hashPages) b.writeUInt32LE(999, p * PAGE + 8);
  const w: string[] = [];
  assert.deepEqual(readBdbHash(b, (m) => w.push(m)), []);
  assert.equal(w.length, hashPages.length);
  assert.match(w[0]!, /says it is page 999; skipped/);
});

test('hostile bdb: overflow chain cycles, pointers past the end, wrong page types, lengths larger than the file', () => {
  const good = testdata('Packages.le.bdb');
  const overflow = pagesOfType(good, 7);
  // cycle: the second overflow page of a chain points back to the first
  const cyc = Buffer.from(good);
  const first = overflow.find((p) => good.readUInt32LE(p * PAGE + 12) === 0 && good.readUInt32LE(p * PAGE + 16) !== 0)!;
  const second = good.readUInt32LE(first * PAGE + 16);
  cyc.writeUInt32LE(first, second * PAGE + 16);
  let w: string[] = [];
  const got = names(cyc, w);
  assert.ok(w.some((m) => /overflow chain loops at page/.test(m)), w.join('\n'));
  assert.ok(got.length >= 1 && got.length < 3);
  // a chain that points to itself
  const self = Buffer.from(good);
  self.writeUInt32LE(first, first * PAGE + 16);
  w = [];
  names(self, w);
  assert.ok(w.some((m) => /loops at page/.test(m)), w.join('\n'));
  // next page beyond the end of the file
  const far = Buffer.from(good);
  far.writeUInt32LE(0x7fffffff, first * PAGE + 16);
  w = [];
  names(far, w);
  assert.ok(w.some((m) => /beyond the end of the file/.test(m)), w.join('\n'));
  // next page is a hash page, not an overflow page
  const wrong = Buffer.from(good);
  wrong.writeUInt32LE(pagesOfType(good, 13)[0]!, first * PAGE + 16);
  w = [];
  names(wrong, w);
  assert.ok(w.some((m) => /in an overflow chain has type 13/.test(m)), w.join('\n'));
  // an off-page item claiming 4 GiB: refused without allocating
  const huge = Buffer.from(good);
  let patched = 0;
  for (const p of pagesOfType(good, 13)) {
    const entries = good.readUInt16LE(p * PAGE + 20);
    for (let i = 1; i < entries; i += 2) {
      const off = good.readUInt16LE(p * PAGE + 26 + i * 2);
      if (good[p * PAGE + off] === 3) {
        huge.writeUInt32LE(0xffffffff, p * PAGE + off + 8);
        patched++;
      }
    }
  }
  assert.ok(patched >= 1);
  w = [];
  names(huge, w);
  assert.ok(w.some((m) => /overflow length 4294967295 larger than the file/.test(m)), w.join('\n'));
});

test('hostile bdb: bad entry counts and item offsets', () => {
  const good = testdata('Packages.le.bdb');
  const p = pagesOfType(good, 13).find((n) => good.readUInt16LE(n * PAGE + 20) > 0)!;
  const odd = Buffer.from(good);
  odd.writeUInt16LE(3, p * PAGE + 20);
  let w: string[] = [];
  names(odd, w);
  assert.ok(w.some((m) => /bad entry count 3/.test(m)));
  const many = Buffer.from(good);
  many.writeUInt16LE(0xfffe, p * PAGE + 20);
  w = [];
  names(many, w);
  assert.ok(w.some((m) => /bad entry count 65534/.test(m)));
  const off = Buffer.from(good);
  off.writeUInt16LE(10, p * PAGE + 26);
  w = [];
  names(off, w);
  assert.ok(w.some((m) => /item offsets out of bounds/.test(m)));
});

test('hostile bdb: random pages after a valid metadata page never crash or hang', () => {
  const good = testdata('Packages.be.bdb');
  const rnd = pseudoRandom(99);
  for (let i = 0; i < 50; i++) {
    const b = Buffer.concat([good.subarray(0, PAGE), rnd(PAGE * (1 + (i % 9)))]);
    // keep some pages typed as hash/overflow so the walker goes deep
    for (let pg = 1; pg * PAGE < b.length; pg++) {
      b[pg * PAGE + 25] = pg % 2 ? 13 : 7;
      b.writeUInt32BE(pg, pg * PAGE + 8);
    }
    const w: string[] = [];
    const recs = readBdbHash(b, (m) => w.push(m));
    for (const r of recs) {
      try {
        RpmHeader.parse(r.blob);
      } catch (e) {
        assert.equal((e as Error).name, 'HeaderError');
      }
    }
  }
  const w: string[] = [];
  assert.deepEqual(readBdbHash(rnd(20000), (m) => w.push(m)), []);
  assert.equal(w.length, 1);
});
