// PE/COFF reader: section table (with long names from the COFF string table) and image base.
// Spec: https://learn.microsoft.com/en-us/windows/win32/debug/pe-format
import { BinfmtError, Reader } from './reader.js';
import type { Executable, Section, Segment } from './types.js';

const IMAGE_SCN_MEM_EXECUTE = 0x20000000;
const IMAGE_SCN_MEM_WRITE = 0x80000000;

export function isPe(buf: Buffer): boolean {
  return buf.length >= 0x40 && buf[0] === 0x4d && buf[1] === 0x5a;
}

export function parsePe(buf: Buffer): Executable {
  const r = new Reader(buf, true);
  const peOff = r.u32(0x3c);
  if (r.u32(peOff) !== 0x00004550) throw new BinfmtError('no PE signature at e_lfanew (DOS-only executable?)');
  const coff = peOff + 4;
  const machine = r.u16(coff);
  const nsect = r.u16(coff + 2);
  const symtab = r.u32(coff + 8);
  const nsyms = r.u32(coff + 12);
  const optSize = r.u16(coff + 16);
  const opt = coff + 20;
  const magic = optSize >= 2 ? r.u16(opt) : 0;
  let ptrSize: 4 | 8;
  let imageBase: number;
  if (magic === 0x20b) {
    ptrSize = 8;
    imageBase = r.u64(opt + 24);
  } else if (magic === 0x10b) {
    ptrSize = 4;
    imageBase = r.u32(opt + 28);
  } else {
    throw new BinfmtError(`unknown PE optional header magic 0x${magic.toString(16)}`);
  }
  const table = opt + optSize;
  r.slice(table, nsect * 40);
  const sections: Section[] = [];
  const segments: Segment[] = [];
  for (let i = 0; i < nsect; i++) {
    const o = table + i * 40;
    let name = r.cstr(o, 8);
    if (name.startsWith('/') && symtab > 0) {
      // long name: decimal offset into the COFF string table, which follows the symbol table
      const n = Number(name.slice(1));
      const strOff = symtab + nsyms * 18 + n;
      if (Number.isSafeInteger(n) && strOff < buf.length) name = r.cstr(strOff, 256);
    }
    const vsize = r.u32(o + 8);
    const vaddr = r.u32(o + 12);
    const rawSize = r.u32(o + 16);
    const rawPtr = r.u32(o + 20);
    const ch = r.u32(o + 36);
    const size = rawPtr + rawSize <= buf.length ? Math.min(rawSize, vsize || rawSize) : 0;
    const writable = (ch & IMAGE_SCN_MEM_WRITE) !== 0;
    sections.push({ name, addr: imageBase + vaddr, offset: rawPtr, size, writable });
    segments.push({ name, vaddr: imageBase + vaddr, offset: rawPtr, filesz: size, writable, executable: (ch & IMAGE_SCN_MEM_EXECUTE) !== 0 });
  }
  return { format: 'pe', littleEndian: true, ptrSize, buf, sections, segments, machine };
}
