// Mach-O reader: LC_SEGMENT / LC_SEGMENT_64 load commands and their sections; fat (universal) files.
// Spec: https://github.com/apple-oss-distributions/xnu/blob/main/EXTERNAL_HEADERS/mach-o/loader.h
//       https://github.com/apple-oss-distributions/xnu/blob/main/EXTERNAL_HEADERS/mach-o/fat.h
import { BinfmtError, Reader } from './reader.js';
import type { Executable, Section, Segment } from './types.js';

const LC_SEGMENT = 0x1;
const LC_SEGMENT_64 = 0x19;
const VM_PROT_WRITE = 2;
const VM_PROT_EXECUTE = 4;
const MAX_CMDS = 4096;
const MAX_FAT_ARCHS = 32;

/** 'thin' for a single-architecture Mach-O, 'fat' for a universal header, undefined otherwise */
export function machoKind(buf: Buffer): 'thin' | 'fat' | undefined {
  if (buf.length < 8) return undefined;
  const be = buf.readUInt32BE(0);
  const le = buf.readUInt32LE(0);
  if (be === 0xfeedface || be === 0xfeedfacf || le === 0xfeedface || le === 0xfeedfacf) return 'thin';
  // 0xcafebabe is also a Java class file; a fat header has a small arch count where a class has its version
  if ((be === 0xcafebabe || be === 0xcafebabf) && buf.readUInt32BE(4) > 0 && buf.readUInt32BE(4) <= MAX_FAT_ARCHS) return 'fat';
  return undefined;
}

export function parseMacho(buf: Buffer): Executable {
  if (buf.length < 28) throw new BinfmtError('Mach-O header truncated');
  const le = buf.readUInt32LE(0) === 0xfeedface || buf.readUInt32LE(0) === 0xfeedfacf;
  const r = new Reader(buf, le);
  const magic = r.u32(0);
  const is64 = magic === 0xfeedfacf;
  if (magic !== 0xfeedface && !is64) throw new BinfmtError('not a Mach-O file');
  const cpu = r.u32(4);
  const ncmds = r.u32(16);
  if (ncmds > MAX_CMDS) throw new BinfmtError(`Mach-O has ${ncmds} load commands`);
  let off = is64 ? 32 : 28;
  const sections: Section[] = [];
  const segments: Segment[] = [];
  for (let i = 0; i < ncmds; i++) {
    const cmd = r.u32(off);
    const size = r.u32(off + 4);
    if (size < 8) throw new BinfmtError(`Mach-O load command ${i} has size ${size}`);
    if (cmd === LC_SEGMENT_64 || cmd === LC_SEGMENT) {
      const w = cmd === LC_SEGMENT_64;
      const segname = r.cstr(off + 8, 16);
      const vmaddr = w ? r.u64(off + 24) : r.u32(off + 24);
      const fileoff = w ? r.u64(off + 40) : r.u32(off + 32);
      const filesize = w ? r.u64(off + 48) : r.u32(off + 36);
      const initprot = r.u32(off + (w ? 60 : 44));
      const nsects = r.u32(off + (w ? 64 : 48));
      const inFile = fileoff + filesize <= buf.length;
      segments.push({
        name: segname,
        vaddr: vmaddr,
        offset: fileoff,
        filesz: inFile ? filesize : 0,
        writable: (initprot & VM_PROT_WRITE) !== 0,
        executable: (initprot & VM_PROT_EXECUTE) !== 0,
      });
      const secSize = w ? 80 : 68;
      const first = off + (w ? 72 : 56);
      if (first + nsects * secSize > off + size) throw new BinfmtError(`Mach-O segment ${segname} sections overflow its load command`);
      for (let s = 0; s < nsects; s++) {
        const so = first + s * secSize;
        const sectname = r.cstr(so, 16);
        const sseg = r.cstr(so + 16, 16);
        const addr = w ? r.u64(so + 32) : r.u32(so + 32);
        const ssize = w ? r.u64(so + 40) : r.u32(so + 36);
        const soff = r.u32(so + (w ? 48 : 40));
        const flags = r.u32(so + (w ? 64 : 56));
        const zerofill = (flags & 0xff) === 0x1 || (flags & 0xff) === 0xc || soff === 0;
        const ok = !zerofill && soff + ssize <= buf.length;
        sections.push({ name: sectname, segment: sseg, addr, offset: soff, size: ok ? ssize : 0, writable: (initprot & VM_PROT_WRITE) !== 0 });
      }
    }
    off += size;
  }
  return { format: 'macho', littleEndian: le, ptrSize: is64 ? 8 : 4, buf, sections, segments, machine: cpu };
}

/** The architecture slices of a universal binary (each a subarray of `buf`). */
export function fatSlices(buf: Buffer): Buffer[] {
  const r = new Reader(buf, false);
  const fat64 = r.u32(0) === 0xcafebabf;
  const n = r.u32(4);
  if (n === 0 || n > MAX_FAT_ARCHS) throw new BinfmtError(`fat Mach-O with ${n} architectures`);
  const out: Buffer[] = [];
  const entry = fat64 ? 32 : 20;
  for (let i = 0; i < n; i++) {
    const o = 8 + i * entry;
    const offset = fat64 ? r.u64(o + 8) : r.u32(o + 8);
    const size = fat64 ? r.u64(o + 16) : r.u32(o + 12);
    if (offset + size > buf.length || size < 28) continue;
    out.push(buf.subarray(offset, offset + size));
  }
  return out;
}
