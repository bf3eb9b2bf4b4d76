// Builders of small synthetic ELF / PE / Mach-O files for tests (no toolchain needed).
// Each blob is placed at a file offset aligned to 16 and mapped at the virtual address given.

export interface Blob {
  name: string;
  vaddr: number;
  data: Buffer;
  writable?: boolean;
  executable?: boolean;
}

function w(b: Buffer, le: boolean, off: number, v: number, size: 1 | 2 | 4 | 8): void {
  if (size === 1) b.writeUInt8(v, off);
  else if (size === 2) (le ? b.writeUInt16LE(v, off) : b.writeUInt16BE(v, off));
  else if (size === 4) (le ? b.writeUInt32LE(v, off) : b.writeUInt32BE(v, off));
  else (le ? b.writeBigUInt64LE(BigInt(v), off) : b.writeBigUInt64BE(BigInt(v), off));
}

const align = (n: number, a = 16): number => Math.ceil(n / a) * a;

/** ELF with one PT_LOAD per blob and one section per blob (plus .shstrtab). */
export function makeElf(blobs: Blob[], opts: { bits?: 32 | 64; le?: boolean; sections?: boolean } = {}): Buffer {
  const is64 = (opts.bits ?? 64) === 64;
  const le = opts.le ?? true;
  const P = is64 ? 8 : 4;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const withSections = opts.sections ?? true;
  const phoff = ehsize;
  let off = align(phoff + phentsize * blobs.length);
  const offs = blobs.map((b) => {
    const o = off;
    off = align(off + b.data.length);
    return o;
  });
  const names = ['', ...blobs.map((b) => b.name), '.shstrtab'];
  const nameOffs: number[] = [];
  let strtab = Buffer.alloc(0);
  for (const n of names) {
    nameOffs.push(strtab.length);
    strtab = Buffer.concat([strtab, Buffer.from(n + '\0', 'latin1')]);
  }
  const strOff = off;
  off = align(off + strtab.length);
  const shoff = withSections ? off : 0;
  const shnum = withSections ? names.length : 0;
  const total = off + shentsize * shnum;
  const b = Buffer.alloc(total);
  b.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1], 0);
  w(b, le, 16, 2, 2); // ET_EXEC
  w(b, le, 18, is64 ? 62 : 3, 2);
  w(b, le, 20, 1, 4);
  w(b, le, is64 ? 0x20 : 0x1c, phoff, P as 4 | 8);
  w(b, le, is64 ? 0x28 : 0x20, shoff, P as 4 | 8);
  w(b, le, is64 ? 0x34 : 0x28, ehsize, 2);
  w(b, le, is64 ? 0x36 : 0x2a, phentsize, 2);
  w(b, le, is64 ? 0x38 : 0x2c, blobs.length, 2);
  w(b, le, is64 ? 0x3a : 0x2e, shentsize, 2);
  w(b, le, is64 ? 0x3c : 0x30, shnum, 2);
  w(b, le, is64 ? 0x3e : 0x32, withSections ? names.length - 1 : 0, 2);
  blobs.forEach((bl, i) => {
    const o = phoff + i * phentsize;
    const flags = 4 | (bl.writable ? 2 : 0) | (bl.executable ? 1 : 0);
    const fo = offs[i] as number;
    w(b, le, o, 1, 4);
    if (is64) {
      w(b, le, o + 4, flags, 4);
      w(b, le, o + 8, fo, 8);
      w(b, le, o + 16, bl.vaddr, 8);
      w(b, le, o + 24, bl.vaddr, 8);
      w(b, le, o + 32, bl.data.length, 8);
      w(b, le, o + 40, bl.data.length, 8);
    } else {
      w(b, le, o + 4, fo, 4);
      w(b, le, o + 8, bl.vaddr, 4);
      w(b, le, o + 12, bl.vaddr, 4);
      w(b, le, o + 16, bl.data.length, 4);
      w(b, le, o + 20, bl.data.length, 4);
      w(b, le, o + 24, flags, 4);
    }
    bl.data.copy(b, fo);
  });
  strtab.copy(b, strOff);
  if (withSections) {
    const sect = (i: number, name: number, type: number, flags: number, addr: number, fo: number, size: number): void => {
      const o = shoff + i * shentsize;
      w(b, le, o, name, 4);
      w(b, le, o + 4, type, 4);
      if (is64) {
        w(b, le, o + 8, flags, 8);
        w(b, le, o + 16, addr, 8);
        w(b, le, o + 24, fo, 8);
        w(b, le, o + 32, size, 8);
      } else {
        w(b, le, o + 8, flags, 4);
        w(b, le, o + 12, addr, 4);
        w(b, le, o + 16, fo, 4);
        w(b, le, o + 20, size, 4);
      }
    };
    blobs.forEach((bl, i) => sect(i + 1, nameOffs[i + 1] as number, 1, bl.writable ? 3 : 2, bl.vaddr, offs[i] as number, bl.data.length));
    sect(names.length - 1, nameOffs[names.length - 1] as number, 3, 0, 0, strOff, strtab.length);
  }
  return b;
}

/** PE32 (ptr 4) or PE32+ (ptr 8) with one section per blob. Section names longer than 8 bytes are truncated. */
export function makePe(blobs: Blob[], opts: { ptrSize?: 4 | 8; imageBase?: number } = {}): Buffer {
  const p8 = (opts.ptrSize ?? 8) === 8;
  const imageBase = opts.imageBase ?? 0x400000;
  const peOff = 0x80;
  const optSize = p8 ? 240 : 224;
  const table = peOff + 24 + optSize;
  let off = align(table + 40 * blobs.length, 512);
  const offs = blobs.map((bl) => {
    const o = off;
    off = align(off + bl.data.length, 512);
    return o;
  });
  const b = Buffer.alloc(off);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(peOff, 0x3c);
  b.writeUInt32LE(0x4550, peOff);
  b.writeUInt16LE(p8 ? 0x8664 : 0x14c, peOff + 4);
  b.writeUInt16LE(blobs.length, peOff + 6);
  b.writeUInt16LE(optSize, peOff + 20);
  const opt = peOff + 24;
  b.writeUInt16LE(p8 ? 0x20b : 0x10b, opt);
  if (p8) b.writeBigUInt64LE(BigInt(imageBase), opt + 24);
  else b.writeUInt32LE(imageBase, opt + 28);
  blobs.forEach((bl, i) => {
    const o = table + i * 40;
    b.write(bl.name.slice(0, 8), o, 'latin1');
    b.writeUInt32LE(bl.data.length, o + 8);
    b.writeUInt32LE(bl.vaddr - imageBase, o + 12);
    b.writeUInt32LE(align(bl.data.length, 512), o + 16);
    b.writeUInt32LE(offs[i] as number, o + 20);
    const ch = bl.executable ? 0x60000020 : bl.writable ? 0xc0000040 : 0x40000040;
    b.writeUInt32LE(ch >>> 0, o + 36);
    bl.data.copy(b, offs[i] as number);
  });
  return b;
}

/** Mach-O with one segment per blob, each holding one section named by `sect` (defaults to the blob name). */
export function makeMacho(blobs: (Blob & { segname: string })[], opts: { bits?: 32 | 64; le?: boolean } = {}): Buffer {
  const is64 = (opts.bits ?? 64) === 64;
  const le = opts.le ?? true;
  const hdr = is64 ? 32 : 28;
  const segSize = is64 ? 72 : 56;
  const secSize = is64 ? 80 : 68;
  const cmdSize = segSize + secSize;
  let off = align(hdr + cmdSize * blobs.length);
  const offs = blobs.map((bl) => {
    const o = off;
    off = align(off + bl.data.length);
    return o;
  });
  const b = Buffer.alloc(off);
  w(b, le, 0, is64 ? 0xfeedfacf : 0xfeedface, 4);
  w(b, le, 4, is64 ? 0x01000007 : 7, 4);
  w(b, le, 12, 2, 4);
  w(b, le, 16, blobs.length, 4);
  w(b, le, 20, cmdSize * blobs.length, 4);
  blobs.forEach((bl, i) => {
    const o = hdr + i * cmdSize;
    const fo = offs[i] as number;
    const prot = 1 | (bl.writable ? 2 : 0) | (bl.executable ? 4 : 0);
    w(b, le, o, is64 ? 0x19 : 0x1, 4);
    w(b, le, o + 4, cmdSize, 4);
    b.write(bl.segname, o + 8, 'latin1');
    if (is64) {
      w(b, le, o + 24, bl.vaddr, 8);
      w(b, le, o + 32, bl.data.length, 8);
      w(b, le, o + 40, fo, 8);
      w(b, le, o + 48, bl.data.length, 8);
      w(b, le, o + 56, prot, 4);
      w(b, le, o + 60, prot, 4);
      w(b, le, o + 64, 1, 4);
    } else {
      w(b, le, o + 24, bl.vaddr, 4);
      w(b, le, o + 28, bl.data.length, 4);
      w(b, le, o + 32, fo, 4);
      w(b, le, o + 36, bl.data.length, 4);
      w(b, le, o + 40, prot, 4);
      w(b, le, o + 44, prot, 4);
      w(b, le, o + 48, 1, 4);
    }
    const s = o + segSize;
    b.write(bl.name, s, 'latin1');
    b.write(bl.segname, s + 16, 'latin1');
    if (is64) {
      w(b, le, s + 32, bl.vaddr, 8);
      w(b, le, s + 40, bl.data.length, 8);
      w(b, le, s + 48, fo, 4);
    } else {
      w(b, le, s + 32, bl.vaddr, 4);
      w(b, le, s + 36, bl.data.length, 4);
      w(b, le, s + 40, fo, 4);
    }
    bl.data.copy(b, fo);
  });
  return b;
}

export const GO_INFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
export const GO_INFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');
const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');

function uvarint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** module info text framed by the sentinels, as the Go linker embeds it */
export function framedModInfo(text: string): Buffer {
  return Buffer.concat([GO_INFO_START, Buffer.from(text, 'utf8'), GO_INFO_END]);
}

/** Go ≥ 1.18 inline build info blob (header + varint strings). */
export function inlineBuildInfo(goVersion: string, modText: string, ptrSize: 4 | 8 = 8): Buffer {
  const h = Buffer.alloc(32);
  MAGIC.copy(h, 0);
  h[14] = ptrSize;
  h[15] = 2;
  const v = Buffer.from(goVersion, 'utf8');
  const m = framedModInfo(modText);
  return Buffer.concat([h, uvarint(v.length), v, uvarint(m.length), m]);
}

/**
 * Go < 1.18 pointer build info: a blob to map at `vaddr` holding the header, two Go string headers and
 * the string bytes, all addressed by virtual address.
 */
export function pointerBuildInfo(vaddr: number, goVersion: string, modText: string, ptrSize: 4 | 8, le: boolean): Buffer {
  const v = Buffer.from(goVersion, 'utf8');
  const m = framedModInfo(modText);
  const hdrLen = 32;
  const strHdrs = hdrLen; // two string headers: 2 * 2 * ptrSize
  const vData = strHdrs + 4 * ptrSize;
  const mData = vData + v.length;
  const b = Buffer.alloc(mData + m.length);
  MAGIC.copy(b, 0);
  b[14] = ptrSize;
  b[15] = le ? 0 : 1;
  const put = (off: number, val: number): void => w(b, le, off, val, ptrSize);
  put(16, vaddr + strHdrs);
  put(16 + ptrSize, vaddr + strHdrs + 2 * ptrSize);
  put(strHdrs, vaddr + vData);
  put(strHdrs + ptrSize, v.length);
  put(strHdrs + 2 * ptrSize, vaddr + mData);
  put(strHdrs + 3 * ptrSize, m.length);
  v.copy(b, vData);
  m.copy(b, mData);
  return b;
}
