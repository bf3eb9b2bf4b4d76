import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sharedOrSkip } from '../../../core/shared.js';
import { dataStart, detectFormat, parseExecutable, readAt, sectionData } from './index.js';
import type { Executable } from './index.js';
import { makeElf, makeMacho, makePe } from './testdata/synth.js';

function exe(buf: Buffer): Executable {
  const r = parseExecutable(buf);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.exe;
}

const blobs = [
  { name: '.text', vaddr: 0x401000, data: Buffer.from('CODECODE'), executable: true },
  { name: '.data', vaddr: 0x500000, data: Buffer.from('hello data segment'), writable: true },
];

for (const bits of [32, 64] as const) {
  for (const le of [true, false]) {
    test(`ELF ${bits}-bit ${le ? 'LE' : 'BE'}: sections, segments, VA translation`, () => {
      const e = exe(makeElf(blobs, { bits, le }));
      assert.equal(e.format, 'elf');
      assert.equal(e.ptrSize, bits / 8);
      assert.equal(e.littleEndian, le);
      assert.deepEqual(e.sections.map((s) => s.name), ['', '.text', '.data', '.shstrtab']);
      assert.equal(sectionData(e, '.data')?.toString(), 'hello data segment');
      assert.equal(readAt(e, 0x500006, 4)?.toString(), 'data');
      assert.equal(readAt(e, 0x500010, 4), undefined, 'crosses the end of the segment');
      assert.equal(readAt(e, 0x600000, 1), undefined, 'unmapped');
      assert.equal(dataStart(e), 0x500000);
    });
  }
}

test('PE32 and PE32+: sections with image base', () => {
  for (const ptrSize of [4, 8] as const) {
    const e = exe(makePe(blobs, { ptrSize }));
    assert.equal(e.format, 'pe');
    assert.equal(e.ptrSize, ptrSize);
    assert.equal(sectionData(e, '.data')?.subarray(0, 5).toString(), 'hello');
    assert.equal(readAt(e, 0x500006, 4)?.toString(), 'data');
    assert.equal(dataStart(e), 0x500000);
  }
});

test('Mach-O 32/64 both byte orders: segments and sections', () => {
  for (const bits of [32, 64] as const) {
    for (const le of [true, false]) {
      const e = exe(
        makeMacho(
          [
            { ...blobs[0]!, name: '__text', segname: '__TEXT' },
            { ...blobs[1]!, name: '__data', segname: '__DATA' },
          ],
          { bits, le },
        ),
      );
      assert.equal(e.format, 'macho');
      assert.equal(e.ptrSize, bits / 8);
      assert.equal(sectionData(e, '__data', '__DATA')?.toString(), 'hello data segment');
      assert.equal(readAt(e, 0x500006, 4)?.toString(), 'data');
      assert.equal(dataStart(e), 0x500000);
    }
  }
});

test('fat Mach-O: first slice is used; a Java class file is not taken for one', () => {
  const thin = makeMacho([{ ...blobs[1]!, name: '__data', segname: '__DATA' }]);
  const fat = Buffer.alloc(4096 + thin.length);
  fat.writeUInt32BE(0xcafebabe, 0);
  fat.writeUInt32BE(1, 4);
  fat.writeUInt32BE(4096, 8 + 8);
  fat.writeUInt32BE(thin.length, 8 + 12);
  thin.copy(fat, 4096);
  assert.equal(detectFormat(fat), 'macho');
  assert.equal(readAt(exe(fat), 0x500000, 5)?.toString(), 'hello');
  const klass = Buffer.from('cafebabe00000034000a0a0003', 'hex');
  assert.equal(detectFormat(klass), undefined);
});

test('hostile: random bytes behind each magic never throw', () => {
  const magics = [Buffer.from('7f454c46', 'hex'), Buffer.from('4d5a', 'hex'), Buffer.from('cffaedfe', 'hex'), Buffer.from('cafebabe00000002', 'hex')];
  for (let i = 0; i < 300; i++) {
    const m = magics[i % magics.length]!;
    const b = Buffer.concat([m, randomBytes(i % 7 === 0 ? 8 : 64 + (i * 37) % 4000)]);
    if (m[0] === 0x7f) b[4] = 1 + (i % 2);
    const r = parseExecutable(b);
    if (r.ok) {
      for (const s of r.exe.sections) sectionData(r.exe, s.name);
      readAt(r.exe, 0x400000, 16);
    } else assert.equal(typeof r.error, 'string');
  }
});

test('hostile: ELF section header table out of range falls back to segments; no segments → error', () => {
  const b = makeElf(blobs);
  b.writeBigUInt64LE(BigInt(b.length + 1000), 0x28); // e_shoff past the end
  const e = exe(b);
  assert.equal(e.sections.length, 0);
  assert.equal(readAt(e, 0x500000, 5)?.toString(), 'hello');
  const noSeg = makeElf(blobs);
  noSeg.writeUInt16LE(0, 0x38); // e_phnum = 0
  noSeg.writeBigUInt64LE(BigInt(noSeg.length * 4), 0x28);
  const r = parseExecutable(noSeg);
  assert.equal(r.ok, false);
});

test('hostile: section whose data lies beyond the file has no data', () => {
  const b = makeElf(blobs);
  const shoff = Number(b.readBigUInt64LE(0x28));
  b.writeBigUInt64LE(BigInt(1 << 30), shoff + 2 * 64 + 24); // .data sh_offset
  const e = exe(b);
  assert.equal(sectionData(e, '.data'), undefined);
});

test('hostile: truncated headers are errors, not crashes', () => {
  const full = makeElf(blobs);
  for (const n of [4, 20, 52, 64, 100, 150]) {
    const r = parseExecutable(full.subarray(0, n));
    if (r.ok) assert.ok(r.exe.segments.every((s) => s.offset + s.filesz <= n || s.filesz >= 0));
  }
  assert.equal(parseExecutable(Buffer.from('MZ')).ok, false);
  assert.equal(parseExecutable(Buffer.from('not a binary at all')).ok, false);
});

test('real: Go ELF (x86-64) and Rust ELF section tables match readelf', (t) => {
  const go = sharedOrSkip(t, 'fixtures/third-party/packages/go/test.elf');
  const rust = sharedOrSkip(t, 'fixtures/third-party/packages/rust/cargo-auditable.elf');
  if (!go || !rust) return;
  const g = exe(readFileSync(go));
  const s = g.sections.find((x) => x.name === '.go.buildinfo');
  // readelf -S: [ 8] .go.buildinfo PROGBITS 000000000059e000 0019e000, size 0x20
  assert.equal(s?.addr, 0x59e000);
  assert.equal(s?.offset, 0x19e000);
  assert.equal(g.sections.length, 25); // readelf -h: Number of section headers: 25
  const r = exe(readFileSync(rust));
  const dep = r.sections.find((x) => x.name === '.dep-v0');
  // readelf -S: [40] .dep-v0 PROGBITS 0 0004f523 size 0x76
  assert.equal(dep?.offset, 0x4f523);
  assert.equal(dep?.size, 0x76);
});
