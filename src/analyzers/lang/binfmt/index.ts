// Shared executable readers (ELF, PE, Mach-O) for the Go and Rust binary analyzers.
// Never throws on bad content: parseExecutable returns `{ ok: false, error }`.
import { isElf, parseElf } from './elf.js';
import { fatSlices, machoKind, parseMacho } from './macho.js';
import { isPe, parsePe } from './pe.js';
import { BinfmtError } from './reader.js';
import type { EntryInfo } from '../../../core/types.js';
import type { ExeFormat, Executable, ParseResult, Section } from './types.js';

export type { ExeFormat, Executable, ParseResult, Section, Segment } from './types.js';
export { readPtr } from './reader.js';

/** executables smaller than this cannot hold a Go or Rust runtime; larger ones are not buffered */
export const MIN_BINARY_BYTES = 1024;
export const MAX_BINARY_BYTES = 256 * 1024 * 1024;

/** `required()` for binary analyzers: a regular file with an execute bit (or a Windows `.exe`) of plausible size. */
export function isCandidateExecutable(path: string, entry: EntryInfo): boolean {
  // no upper size bound here: binary analyzers declare maxFileBytes: MAX_BINARY_BYTES and the walker's cap reports larger ones
  if (entry.type !== 'file' || entry.size < MIN_BINARY_BYTES) return false;
  return (entry.mode & 0o111) !== 0 || /\.exe$/i.test(path);
}

/** Which executable format the magic bytes announce (cheap; no parsing). */
export function detectFormat(buf: Buffer): ExeFormat | undefined {
  if (isElf(buf)) return 'elf';
  if (machoKind(buf)) return 'macho';
  if (isPe(buf)) return 'pe';
  return undefined;
}

/** Parse the headers of an ELF, PE or Mach-O file (for a fat Mach-O: the first slice that parses). */
export function parseExecutable(buf: Buffer): ParseResult {
  try {
    if (isElf(buf)) return { ok: true, exe: parseElf(buf) };
    const mk = machoKind(buf);
    if (mk === 'thin') return { ok: true, exe: parseMacho(buf) };
    if (mk === 'fat') {
      let last = 'no architecture slice inside the file';
      for (const slice of fatSlices(buf)) {
        try {
          return { ok: true, exe: parseMacho(slice) };
        } catch (e) {
          if (!(e instanceof BinfmtError)) throw e;
          last = e.message;
        }
      }
      return { ok: false, error: `fat Mach-O: ${last}` };
    }
    if (isPe(buf)) return { ok: true, exe: parsePe(buf) };
    return { ok: false, error: 'not an ELF, PE or Mach-O file' };
  } catch (e) {
    if (e instanceof BinfmtError) return { ok: false, error: e.message };
    if (e instanceof RangeError) return { ok: false, error: `malformed headers: ${e.message}` };
    throw e;
  }
}

/** First section with this name (and, for Mach-O, segment) whose bytes are in the file. */
export function findSection(exe: Executable, name: string, segment?: string): Section | undefined {
  return exe.sections.find((s) => s.name === name && (segment === undefined || s.segment === segment) && s.size > 0);
}

/** The bytes of a named section, or undefined when absent, empty or outside the file. */
export function sectionData(exe: Executable, name: string, segment?: string): Buffer | undefined {
  const s = findSection(exe, name, segment);
  if (!s || s.offset + s.size > exe.buf.length) return undefined;
  return exe.buf.subarray(s.offset, s.offset + s.size);
}

/**
 * `size` bytes at virtual address `addr`, translated through the loadable segments; undefined when the
 * range is unmapped, not backed by the file, or crosses a segment end.
 */
export function readAt(exe: Executable, addr: number, size: number): Buffer | undefined {
  if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(size) || size < 0) return undefined;
  for (const seg of exe.segments) {
    if (seg.filesz <= 0 || addr < seg.vaddr || addr >= seg.vaddr + seg.filesz) continue;
    const rel = addr - seg.vaddr;
    if (rel + size > seg.filesz) return undefined;
    const off = seg.offset + rel;
    if (off + size > exe.buf.length) return undefined;
    return exe.buf.subarray(off, off + size);
  }
  return undefined;
}

/** Bytes from virtual address `addr` to the end of its segment (at most `max`). */
export function readFrom(exe: Executable, addr: number, max: number): Buffer | undefined {
  for (const seg of exe.segments) {
    if (seg.filesz <= 0 || addr < seg.vaddr || addr >= seg.vaddr + seg.filesz) continue;
    const rel = addr - seg.vaddr;
    const len = Math.min(max, seg.filesz - rel, exe.buf.length - (seg.offset + rel));
    if (len <= 0) return undefined;
    return exe.buf.subarray(seg.offset + rel, seg.offset + rel + len);
  }
  return undefined;
}

/**
 * Where the linker put writable initialised data, as Go's debug/buildinfo looks for it: the first
 * writable, non-executable load segment (ELF), the first writable section (PE), the `__DATA` segment (Mach-O).
 */
export function dataStart(exe: Executable): number | undefined {
  switch (exe.format) {
    case 'elf':
      return exe.segments.find((s) => s.writable && !s.executable && s.filesz > 0)?.vaddr;
    case 'pe':
      return exe.segments.find((s) => s.writable && !s.executable && s.filesz > 0)?.vaddr;
    case 'macho':
      return exe.segments.find((s) => s.name === '__DATA' && s.filesz > 0)?.vaddr;
  }
}
