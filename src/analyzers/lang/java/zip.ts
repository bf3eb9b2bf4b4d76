// A small ZIP reader over an in-memory buffer: central directory (with Zip64 and prepended data such as
// Spring Boot launch scripts), stored and deflated entries, every size capped by the caller.
// Spec: https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  /** as declared by the central directory (untrusted) */
  size: number;
  localOffset: number;
}

export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOC = 0x07064b50;
const CDH = 0x02014b50;
const LFH = 0x04034b50;

function findEocd(buf: Buffer): number {
  const min = Math.max(0, buf.length - 22 - 0xffff);
  for (let i = buf.length - 22; i >= min; i--) {
    if (buf[i] === 0x50 && buf.readUInt32LE(i) === EOCD) return i;
  }
  return -1;
}

/**
 * Read the central directory. Throws ZipError when there is no usable directory or it announces more
 * than `maxEntries` entries; a directory broken part-way gives the entries before the break and `problem`.
 */
export function readEntries(buf: Buffer, maxEntries: number): { entries: ZipEntry[]; problem?: string } {
  const eocd = findEocd(buf);
  if (eocd < 0) throw new ZipError('no end of central directory record (not a zip file, or truncated)');
  let count = buf.readUInt16LE(eocd + 10);
  let cdSize = buf.readUInt32LE(eocd + 12);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  let endOfCd = eocd;
  if ((count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) && eocd >= 20 && buf.readUInt32LE(eocd - 20) === EOCD64_LOC) {
    const loc = Number(buf.readBigUInt64LE(eocd - 20 + 8));
    // the Zip64 record may be shifted by prepended data too; look for it just before the locator
    const at = loc + 56 <= buf.length && buf.readUInt32LE(loc) === EOCD64 ? loc : eocd - 20 - 56;
    if (at < 0 || at + 56 > buf.length || buf.readUInt32LE(at) !== EOCD64) throw new ZipError('Zip64 end record missing');
    count = safe(buf.readBigUInt64LE(at + 32));
    cdSize = safe(buf.readBigUInt64LE(at + 40));
    cdOffset = safe(buf.readBigUInt64LE(at + 48));
    endOfCd = at;
  }
  if (count > maxEntries) throw new ZipError(`${count} entries (limit ${maxEntries})`);
  // data prepended to the archive (launch scripts, self-extractors) shifts every offset
  const shift = endOfCd - (cdOffset + cdSize);
  if (shift < 0) throw new ZipError('central directory extends past its end record');
  let p = cdOffset + shift;
  const out: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CDH) return { entries: out, problem: `central directory entry ${i} of ${count} is malformed` };
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    let compressedSize = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let localOffset = buf.readUInt32LE(p + 42);
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (next > buf.length) return { entries: out, problem: `central directory entry ${i} of ${count} is truncated` };
    const name = buf.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    // Zip64 extended information: the 0xffffffff fields, in order
    let e = p + 46 + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = buf.readUInt16LE(e);
      const len = buf.readUInt16LE(e + 2);
      if (id === 0x0001) {
        let q = e + 4;
        const lim = Math.min(e + 4 + len, eEnd);
        if (size === 0xffffffff && q + 8 <= lim) {
          size = safe(buf.readBigUInt64LE(q));
          q += 8;
        }
        if (compressedSize === 0xffffffff && q + 8 <= lim) {
          compressedSize = safe(buf.readBigUInt64LE(q));
          q += 8;
        }
        if (localOffset === 0xffffffff && q + 8 <= lim) localOffset = safe(buf.readBigUInt64LE(q));
      }
      e += 4 + len;
    }
    out.push({ name, method, flags, compressedSize, size, localOffset: localOffset + shift });
    p = next;
  }
  return { entries: out };
}

function safe(v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError('Zip64 value too large');
  return Number(v);
}

/**
 * The bytes of one entry, inflating at most `maxBytes`. Throws ZipError when the entry is encrypted,
 * uses an unsupported method, lies outside the archive, or inflates beyond `maxBytes` (zip bombs).
 */
export function readEntry(buf: Buffer, e: ZipEntry, maxBytes: number): Buffer {
  if (e.flags & 1) throw new ZipError(`${e.name}: encrypted`);
  if (e.size > maxBytes) throw new ZipError(`${e.name}: declares ${e.size} bytes (limit ${maxBytes})`);
  const h = e.localOffset;
  if (h + 30 > buf.length || buf.readUInt32LE(h) !== LFH) throw new ZipError(`${e.name}: local header missing`);
  const start = h + 30 + buf.readUInt16LE(h + 26) + buf.readUInt16LE(h + 28);
  const end = start + e.compressedSize;
  if (end > buf.length) throw new ZipError(`${e.name}: data extends past the end of the archive`);
  const raw = buf.subarray(start, end);
  if (e.method === 0) {
    if (raw.length > maxBytes) throw new ZipError(`${e.name}: ${raw.length} bytes (limit ${maxBytes})`);
    return raw;
  }
  if (e.method !== 8) throw new ZipError(`${e.name}: compression method ${e.method} not supported`);
  try {
    return inflateRawSync(raw, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw new ZipError(`${e.name}: inflates past ${maxBytes} bytes (declared ${e.size})`);
    throw new ZipError(`${e.name}: corrupt deflate data (${(err as Error).message})`);
  }
}
