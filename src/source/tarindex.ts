// Indexes a tar file by seeking from header to header: only the 512-byte headers (and pax / GNU long
// name records) are read, never the members' data, so a multi-GiB `docker save` is indexed in
// milliseconds. ustar, GNU (L/K long names, base-256 sizes) and pax (path, linkpath, size) are handled;
// header checksums are verified. https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html
import { promises as fsp } from 'node:fs';
import { PortcullisError } from '../core/errors.js';

const BLOCK = 512;
const MAX_LONG_HEADER = 1024 * 1024;

export interface RawTarEntry {
  name: string;
  /** tar typeflag: '0' file, '1' hard link, '2' symlink, '5' directory, ... */
  typeflag: string;
  /** offset of the data */
  offset: number;
  size: number;
  linkname: string;
}

function cstr(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const i = s.indexOf(0);
  return (i < 0 ? s : s.subarray(0, i)).toString('utf8');
}

function num(b: Buffer, start: number, len: number): number | undefined {
  const f = b.subarray(start, start + len);
  if ((f[0]! & 0x80) !== 0) {
    // GNU base-256
    let v = f[0]! & 0x7f;
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i]!;
    return Number.isSafeInteger(v) ? v : undefined;
  }
  const s = f.toString('latin1').replace(/\0.*$/s, '').trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return undefined;
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  const stored = num(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
  return stored === sum;
}

function parsePax(buf: Buffer, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < buf.length) {
    const sp = buf.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = parseInt(buf.subarray(pos, sp).toString('latin1'), 10);
    if (!Number.isFinite(len) || len <= 0 || pos + len > buf.length) {
      throw new PortcullisError('IMAGE_UNREADABLE', `${where}: corrupt or truncated archive (bad pax record)`, { subject: where });
    }
    const rec = buf.subarray(sp + 1, pos + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    pos += len;
  }
  return out;
}

/** Every member of the tar at `file`, in order. Throws IMAGE_UNREADABLE / LIMIT_EXCEEDED. */
export async function indexTarFile(file: string, where: string, maxEntries: number, signal?: AbortSignal): Promise<RawTarEntry[]> {
  const fh = await fsp.open(file, 'r');
  const bad = (why: string): PortcullisError => new PortcullisError('IMAGE_UNREADABLE', `${where}: corrupt or truncated archive (${why})`, { subject: where });
  try {
    const total = (await fh.stat()).size;
    const out: RawTarEntry[] = [];
    const h = Buffer.alloc(BLOCK);
    let pos = 0;
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax: Record<string, string> = {};
    let globalPax: Record<string, string> = {};
    const readAt = async (buf: Buffer, at: number): Promise<number> => (await fh.read(buf, 0, buf.length, at)).bytesRead;
    while (true) {
      if (signal?.aborted) throw new PortcullisError('INTERNAL', `${where}: aborted`);
      if (pos + BLOCK > total) {
        if (pos === total && out.length > 0) break; // no end-of-archive blocks: tolerated, as GNU tar does
        throw bad(pos >= total ? 'unexpected end of data' : 'unexpected end of data inside a header');
      }
      await readAt(h, pos);
      if (h.every((x) => x === 0)) break; // end-of-archive marker
      if (!checksumOk(h)) throw bad(`invalid header checksum at offset ${pos}`);
      const size = num(h, 124, 12);
      if (size === undefined) throw bad(`invalid size field at offset ${pos}`);
      const typeflag = String.fromCharCode(h[156]!) === '\0' ? '0' : String.fromCharCode(h[156]!);
      const dataAt = pos + BLOCK;
      const next = dataAt + Math.ceil(size / BLOCK) * BLOCK;
      if (dataAt + size > total) throw bad(`member data runs past the end of the file at offset ${pos}`);
      if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
        if (size > MAX_LONG_HEADER) {
          throw new PortcullisError('LIMIT_EXCEEDED', `${where}: a tar extended header of ${size} bytes (more than ${MAX_LONG_HEADER}) at offset ${pos}`, { subject: where });
        }
        const data = Buffer.alloc(size);
        await readAt(data, dataAt);
        if (typeflag === 'x') pax = { ...pax, ...parsePax(data, where) };
        else if (typeflag === 'g') globalPax = { ...globalPax, ...parsePax(data, where) };
        else if (typeflag === 'L') longName = cstr(data, 0, data.length);
        else longLink = cstr(data, 0, data.length);
        pos = next;
        continue;
      }
      const ustar = h.subarray(257, 262).toString('latin1') === 'ustar';
      const prefix = ustar ? cstr(h, 345, 155) : '';
      const ext = { ...globalPax, ...pax };
      let name = longName ?? ext.path ?? (prefix ? `${prefix}/${cstr(h, 0, 100)}` : cstr(h, 0, 100));
      let realSize = size;
      if (ext.size !== undefined) {
        realSize = Number(ext.size);
        if (!Number.isSafeInteger(realSize) || realSize < 0 || dataAt + realSize > total) throw bad(`invalid pax size at offset ${pos}`);
      }
      const linkname = longLink ?? ext.linkpath ?? cstr(h, 157, 100);
      if (name === '') name = '.';
      out.push({ name, typeflag, offset: dataAt, size: realSize, linkname });
      if (out.length > maxEntries) throw new PortcullisError('LIMIT_EXCEEDED', `${where}: more than ${maxEntries} entries in the archive`, { subject: where });
      longName = undefined;
      longLink = undefined;
      pax = {};
      pos = dataAt + Math.ceil(realSize / BLOCK) * BLOCK;
    }
    return out;
  } finally {
    await fh.close();
  }
}
