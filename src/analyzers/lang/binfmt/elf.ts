// ELF reader: header, program headers (PT_LOAD) and section headers with names.
// Spec: https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.eheader.html
import { BinfmtError, Reader } from './reader.js';
import type { Executable, Section, Segment } from './types.js';

const PT_LOAD = 1;
const PF_X = 1;
const PF_W = 2;
const SHT_NOBITS = 8;
const SHF_WRITE = 1;
/** sanity caps: real binaries have a few dozen of each */
const MAX_HEADERS = 4096;

export function isElf(buf: Buffer): boolean {
  return buf.length >= 4 && buf[0] === 0x7f && buf[1] === 0x45 && buf[2] === 0x4c && buf[3] === 0x46;
}

export function parseElf(buf: Buffer): Executable {
  if (buf.length < 52) throw new BinfmtError('ELF header truncated');
  const cls = buf[4];
  const data = buf[5];
  if (cls !== 1 && cls !== 2) throw new BinfmtError(`ELF class ${cls} is neither 32- nor 64-bit`);
  if (data !== 1 && data !== 2) throw new BinfmtError(`ELF data encoding ${data} is neither little- nor big-endian`);
  const is64 = cls === 2;
  const r = new Reader(buf, data === 1);
  const machine = r.u16(18);
  const phoff = is64 ? r.u64(0x20) : r.u32(0x1c);
  const shoff = is64 ? r.u64(0x28) : r.u32(0x20);
  const phentsize = r.u16(is64 ? 0x36 : 0x2a);
  const phnum = r.u16(is64 ? 0x38 : 0x2c);
  const shentsize = r.u16(is64 ? 0x3a : 0x2e);
  const shnum = r.u16(is64 ? 0x3c : 0x30);
  const shstrndx = r.u16(is64 ? 0x3e : 0x32);

  const segments: Segment[] = [];
  if (phnum > 0) {
    if (phentsize < (is64 ? 56 : 32)) throw new BinfmtError(`ELF program header size ${phentsize} too small`);
    if (phnum > MAX_HEADERS) throw new BinfmtError(`ELF has ${phnum} program headers`);
    for (let i = 0; i < phnum; i++) {
      const o = phoff + i * phentsize;
      const type = r.u32(o);
      if (type !== PT_LOAD) continue;
      const flags = is64 ? r.u32(o + 4) : r.u32(o + 24);
      const offset = is64 ? r.u64(o + 8) : r.u32(o + 4);
      const vaddr = is64 ? r.u64(o + 16) : r.u32(o + 8);
      const filesz = is64 ? r.u64(o + 32) : r.u32(o + 16);
      segments.push({ vaddr, offset, filesz, writable: (flags & PF_W) !== 0, executable: (flags & PF_X) !== 0 });
    }
  }

  const sections: Section[] = [];
  // Section headers are optional (and untrusted): a bad table leaves sections empty rather than failing,
  // because segments alone are enough to read Go build info.
  if (shnum > 0 && shoff > 0) {
    try {
      sections.push(...readSections(r, is64, shoff, shentsize, shnum, shstrndx));
    } catch (e) {
      if (!(e instanceof BinfmtError)) throw e;
      if (segments.length === 0) throw e;
    }
  }
  return { format: 'elf', littleEndian: data === 1, ptrSize: is64 ? 8 : 4, buf, sections, segments, machine };
}

function readSections(r: Reader, is64: boolean, shoff: number, shentsize: number, shnum: number, shstrndx: number): Section[] {
  if (shentsize < (is64 ? 64 : 40)) throw new BinfmtError(`ELF section header size ${shentsize} too small`);
  if (shnum > MAX_HEADERS * 16) throw new BinfmtError(`ELF has ${shnum} sections`);
  // the whole table must be inside the file
  r.slice(shoff, shnum * shentsize);
  const raw: { nameOff: number; type: number; flags: number; addr: number; offset: number; size: number }[] = [];
  for (let i = 0; i < shnum; i++) {
    const o = shoff + i * shentsize;
    const nameOff = r.u32(o);
    const type = r.u32(o + 4);
    const flags = is64 ? r.u64(o + 8) : r.u32(o + 8);
    const addr = is64 ? r.u64(o + 16) : r.u32(o + 12);
    const offset = is64 ? r.u64(o + 24) : r.u32(o + 16);
    const size = is64 ? r.u64(o + 32) : r.u32(o + 20);
    raw.push({ nameOff, type, flags, addr, offset, size });
  }
  const strtab = raw[shstrndx];
  if (!strtab) throw new BinfmtError(`ELF section name table index ${shstrndx} out of range`);
  const names = r.slice(strtab.offset, strtab.size);
  const nr = new Reader(names, true);
  const out: Section[] = [];
  for (const s of raw) {
    const name = s.nameOff < names.length ? nr.cstr(s.nameOff, 256) : '';
    const nobits = s.type === SHT_NOBITS;
    // sections whose bytes lie outside the file are kept with size 0 so a lookup finds "no data"
    const inFile = !nobits && s.offset + s.size <= r.buf.length;
    out.push({ name, addr: s.addr, offset: s.offset, size: inFile ? s.size : 0, writable: (s.flags & SHF_WRITE) !== 0 });
  }
  return out;
}
