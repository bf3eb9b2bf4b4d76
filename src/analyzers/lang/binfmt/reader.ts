// Bounds-checked reads from a Buffer. Every out-of-range read throws BinfmtError, which the format
// parsers turn into a `{ ok: false, error }` result: hostile headers never crash the caller.

export class BinfmtError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BinfmtError';
  }
}

export class Reader {
  constructor(
    readonly buf: Buffer,
    readonly littleEndian: boolean,
  ) {}

  private check(off: number, len: number): void {
    if (!Number.isSafeInteger(off) || off < 0 || len < 0 || off + len > this.buf.length) {
      throw new BinfmtError(`read of ${len} bytes at offset ${off} is outside the file (${this.buf.length} bytes)`);
    }
  }

  u8(off: number): number {
    this.check(off, 1);
    return this.buf[off] as number;
  }

  u16(off: number): number {
    this.check(off, 2);
    return this.littleEndian ? this.buf.readUInt16LE(off) : this.buf.readUInt16BE(off);
  }

  u32(off: number): number {
    this.check(off, 4);
    return this.littleEndian ? this.buf.readUInt32LE(off) : this.buf.readUInt32BE(off);
  }

  /** 64-bit value as a number; values above 2^53 (never valid offsets or sizes here) throw. */
  u64(off: number): number {
    this.check(off, 8);
    const v = this.littleEndian ? this.buf.readBigUInt64LE(off) : this.buf.readBigUInt64BE(off);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new BinfmtError(`64-bit value at offset ${off} is too large`);
    return Number(v);
  }

  /** pointer-sized value: 4 or 8 bytes */
  ptr(off: number, size: 4 | 8): number {
    return size === 8 ? this.u64(off) : this.u32(off);
  }

  /** NUL-terminated string of at most `max` bytes (latin1) */
  cstr(off: number, max: number): string {
    this.check(off, 0);
    const end = Math.min(this.buf.length, off + max);
    let i = off;
    while (i < end && this.buf[i] !== 0) i++;
    return this.buf.toString('latin1', off, i);
  }

  slice(off: number, len: number): Buffer {
    this.check(off, len);
    return this.buf.subarray(off, off + len);
  }
}

/** Read a pointer-sized unsigned integer from a small buffer, without throwing (undefined when too short or too big). */
export function readPtr(b: Buffer, off: number, size: 4 | 8, littleEndian: boolean): number | undefined {
  if (off < 0 || off + size > b.length) return undefined;
  if (size === 4) return littleEndian ? b.readUInt32LE(off) : b.readUInt32BE(off);
  const v = littleEndian ? b.readBigUInt64LE(off) : b.readBigUInt64BE(off);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(v);
}
