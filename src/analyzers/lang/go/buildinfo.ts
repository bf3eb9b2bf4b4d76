// Go build information embedded by the linker (what `go version -m` prints).
// Format (see Go's src/debug/buildinfo/buildinfo.go): a 32-byte header starting with the magic
// "\xff Go buildinf:", then the pointer size (4|8) and a flags byte.
//  - flags & 2 (Go ≥ 1.18): the toolchain version and the module info follow inline as
//    uvarint-length-prefixed strings;
//  - otherwise (Go < 1.18): two pointers (byte order = flags & 1 ? big : little) to Go string headers
//    {data pointer, length} of runtime.buildVersion and runtime.modinfo, which we translate from virtual
//    addresses to file offsets through the loadable segments.
// The module info text is framed by two 16-byte sentinels, stripped here.
import { dataStart, parseExecutable, readAt, readFrom, readPtr, sectionData } from '../binfmt/index.js';
import type { Executable } from '../binfmt/index.js';

export const BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const ALIGN = 16;
/** how far past the start of the data segment Go itself looks for the header */
const SEARCH_WINDOW = 64 * 1024;
/** no real version or module info string is near this long */
const MAX_STRING = 4 * 1024 * 1024;

export interface RawBuildInfo {
  /** toolchain version as embedded, e.g. `go1.19.8` */
  goVersion: string;
  /** module info text without the sentinels; '' when the binary was built without module support */
  modInfo: string;
  format: 'inline' | 'pointer';
}

export type BuildInfoResult = { kind: 'found'; info: RawBuildInfo } | { kind: 'absent' } | { kind: 'error'; error: string };

/** Read Go build info from an executable; `absent` for a non-Go binary, `error` for a broken one. */
export function readGoBuildInfo(buf: Buffer): BuildInfoResult {
  const parsed = parseExecutable(buf);
  if (!parsed.ok) {
    // Without headers we can still decode the inline format if the magic is present.
    const at = findMagicAnywhere(buf);
    if (at < 0) return { kind: 'absent' };
    const r = decodeHeader(buf.subarray(at), undefined);
    if (r.kind === 'error') return { kind: 'error', error: `${r.error} (headers unreadable: ${parsed.error})` };
    return r;
  }
  const exe = parsed.exe;
  const region = locate(exe);
  if (region) return decodeHeader(region, exe);
  return { kind: 'absent' };
}

function locate(exe: Executable): Buffer | undefined {
  const sec = sectionData(exe, '.go.buildinfo') ?? sectionData(exe, '__go_buildinfo');
  if (sec) {
    const at = findAligned(sec, 0, sec.length);
    if (at >= 0) return exe.buf.subarray(sec.byteOffset - exe.buf.byteOffset + at);
  }
  const start = dataStart(exe);
  if (start !== undefined) {
    const data = readFrom(exe, start, SEARCH_WINDOW);
    if (data) {
      const at = findAligned(data, 0, data.length);
      if (at >= 0) return exe.buf.subarray(data.byteOffset - exe.buf.byteOffset + at);
    }
  }
  // Fallback: scan the whole file (stripped section headers, unusual linkers).
  const at = findMagicAnywhere(exe.buf);
  return at >= 0 ? exe.buf.subarray(at) : undefined;
}

function findAligned(b: Buffer, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const j = b.indexOf(BUILDINFO_MAGIC, i);
    if (j < 0 || j >= to) return -1;
    if (j % ALIGN === 0) return j;
    i = j + 1;
  }
  return -1;
}

function findMagicAnywhere(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const j = b.indexOf(BUILDINFO_MAGIC, i);
    if (j < 0) return -1;
    const ptr = b[j + 14];
    if (ptr === 4 || ptr === 8) return j;
    i = j + 1;
  }
  return -1;
}

function decodeHeader(h: Buffer, exe: Executable | undefined): BuildInfoResult {
  if (h.length < 32) return { kind: 'error', error: 'Go build info header truncated' };
  const ptrSize = h[14];
  const flags = h[15] as number;
  if (flags & 2) {
    let off = 32;
    const v = readVarString(h, off);
    if (!v) return { kind: 'error', error: 'Go build info: toolchain version string truncated' };
    off = v.next;
    const m = readVarString(h, off);
    if (!m) return { kind: 'error', error: 'Go build info: module info string truncated' };
    return finish(v.value, m.value, 'inline');
  }
  if (ptrSize !== 4 && ptrSize !== 8) return { kind: 'error', error: `Go build info: pointer size ${ptrSize} is neither 4 nor 8` };
  if (!exe) return { kind: 'error', error: 'Go build info uses the pointer format but the executable headers are unreadable' };
  const le = (flags & 1) === 0;
  const vAddr = readPtr(h, 16, ptrSize, le);
  const mAddr = readPtr(h, 16 + ptrSize, ptrSize, le);
  if (vAddr === undefined || mAddr === undefined) return { kind: 'error', error: 'Go build info: pointers unreadable' };
  const vers = readGoString(exe, vAddr, ptrSize, le);
  if (vers === undefined) return { kind: 'error', error: `Go build info: version string at 0x${vAddr.toString(16)} is not mapped in the file` };
  const mod = readGoString(exe, mAddr, ptrSize, le);
  if (mod === undefined) return { kind: 'error', error: `Go build info: module info at 0x${mAddr.toString(16)} is not mapped in the file` };
  return finish(vers, mod, 'pointer');
}

function finish(vers: string, mod: string, format: RawBuildInfo['format']): BuildInfoResult {
  if (vers === '') return { kind: 'absent' };
  if (!/^(go\d|devel )/.test(vers)) return { kind: 'error', error: `Go build info: implausible toolchain version ${JSON.stringify(vers.slice(0, 40))}` };
  // Strip the 16-byte sentinels (cmd/go/internal/modload infoStart/infoEnd).
  // Strings were read as latin1 so this works on bytes; the text itself is UTF-8.
  const framed = mod.length >= 33 && mod.charCodeAt(mod.length - 17) === 0x0a ? mod.slice(16, mod.length - 16) : '';
  const modInfo = Buffer.from(framed, 'latin1').toString('utf8');
  return { kind: 'found', info: { goVersion: Buffer.from(vers, 'latin1').toString('utf8'), modInfo, format } };
}

function readVarString(b: Buffer, off: number): { value: string; next: number } | undefined {
  let len = 0;
  let shift = 0;
  let i = off;
  for (;;) {
    if (i >= b.length || shift > 49) return undefined;
    const byte = b[i++] as number;
    len += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  if (len > MAX_STRING || i + len > b.length) return undefined;
  return { value: b.toString('latin1', i, i + len), next: i + len };
}

function readGoString(exe: Executable, addr: number, ptrSize: 4 | 8, le: boolean): string | undefined {
  const hdr = readAt(exe, addr, ptrSize * 2);
  if (!hdr) return undefined;
  const data = readPtr(hdr, 0, ptrSize, le);
  const len = readPtr(hdr, ptrSize, ptrSize, le);
  if (data === undefined || len === undefined || len > MAX_STRING) return undefined;
  if (len === 0) return '';
  const bytes = readAt(exe, data, len);
  return bytes?.toString('latin1');
}
