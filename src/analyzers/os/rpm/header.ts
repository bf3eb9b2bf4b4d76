// RPM header blobs as rpm stores them in its database (the package header without the 8-byte magic):
//   int32 il (index entries), int32 dl (data bytes), il × {int32 tag, type, offset, count}, dl bytes data.
// All integers big-endian. Spec: rpm docs/manual/format.md (The Header Structure) and hregions.md.
// Every read is bounds-checked against the blob: a hostile blob yields a HeaderError, never a crash or
// an allocation larger than the blob itself.

export const RPM_TYPE = {
  NULL: 0,
  CHAR: 1,
  INT8: 2,
  INT16: 3,
  INT32: 4,
  INT64: 5,
  STRING: 6,
  BIN: 7,
  STRING_ARRAY: 8,
  I18NSTRING: 9,
} as const;

export const RPM_TAG = {
  HEADERIMAGE: 61,
  HEADERSIGNATURES: 62,
  HEADERIMMUTABLE: 63,
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  VENDOR: 1011,
  LICENSE: 1014,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  SOURCERPM: 1044,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
  MODULARITYLABEL: 5096,
} as const;

/** rpm's own limits (lib/header.c): at most 0xffff index entries and 256 MiB of data. */
export const HEADER_TAGS_MAX = 0xffff;
export const HEADER_DATA_MAX = 0x0fffffff;
/**
 * Most values one array tag may have. The largest real packages own a few hundred thousand files;
 * without a cap, a 256 MiB blob of NUL bytes would become 256 million strings.
 */
export const ARRAY_MAX = 1 << 21;

const ENTRY_SIZE = 16;
const FIXED_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1 };

export class HeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HeaderError';
  }
}

export interface HeaderEntry {
  tag: number;
  type: number;
  /** offset into the data store, as stored (signed) */
  offset: number;
  count: number;
}

export class RpmHeader {
  /** the data store */
  private readonly data: Buffer;
  private readonly entries = new Map<number, HeaderEntry>();

  private constructor(data: Buffer, entries: HeaderEntry[]) {
    this.data = data;
    // A tag present twice (region entry and a later "dribble" entry): the later one wins.
    for (const e of entries) this.entries.set(e.tag, e);
  }

  /** Parses the intro and index; entry contents are checked when read. Throws HeaderError. */
  static parse(blob: Buffer): RpmHeader {
    if (blob.length < 8) throw new HeaderError(`header blob too short (${blob.length} bytes)`);
    const il = blob.readUInt32BE(0);
    const dl = blob.readUInt32BE(4);
    if (il < 1 || il > HEADER_TAGS_MAX) throw new HeaderError(`bad index entry count ${il}`);
    if (dl > HEADER_DATA_MAX) throw new HeaderError(`bad data length ${dl}`);
    const need = 8 + il * ENTRY_SIZE + dl;
    if (need > blob.length) {
      throw new HeaderError(`header claims ${il} entries and ${dl} data bytes (${need} bytes) but the blob has ${blob.length}`);
    }
    const entries: HeaderEntry[] = [];
    for (let i = 0; i < il; i++) {
      const p = 8 + i * ENTRY_SIZE;
      entries.push({
        tag: blob.readUInt32BE(p),
        type: blob.readUInt32BE(p + 4),
        offset: blob.readInt32BE(p + 8),
        count: blob.readUInt32BE(p + 12),
      });
    }
    const dataStart = 8 + il * ENTRY_SIZE;
    return new RpmHeader(blob.subarray(dataStart, dataStart + dl), entries);
  }

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  tags(): number[] {
    return [...this.entries.keys()].sort((a, b) => a - b);
  }

  entry(tag: number): HeaderEntry | undefined {
    return this.entries.get(tag);
  }

  private located(tag: number, types: readonly number[]): HeaderEntry | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    if (!types.includes(e.type)) throw new HeaderError(`tag ${tag}: unexpected type ${e.type}`);
    if (e.offset < 0 || e.offset >= this.data.length) {
      throw new HeaderError(`tag ${tag}: offset ${e.offset} outside the data store (${this.data.length} bytes)`);
    }
    if (e.count < 1) throw new HeaderError(`tag ${tag}: count 0`);
    return e;
  }

  /** Reads one NUL-terminated string starting at `pos`; returns it and the position after the NUL. */
  private cstring(tag: number, pos: number): [string, number] {
    const end = this.data.indexOf(0, pos);
    if (end < 0) throw new HeaderError(`tag ${tag}: unterminated string at offset ${pos}`);
    return [this.data.toString('utf8', pos, end), end + 1];
  }

  /** STRING, or the first of a STRING_ARRAY / I18NSTRING (the C locale value). */
  getString(tag: number): string | undefined {
    const e = this.located(tag, [RPM_TYPE.STRING, RPM_TYPE.STRING_ARRAY, RPM_TYPE.I18NSTRING]);
    if (!e) return undefined;
    return this.cstring(tag, e.offset)[0];
  }

  getStringArray(tag: number): string[] | undefined {
    const e = this.located(tag, [RPM_TYPE.STRING, RPM_TYPE.STRING_ARRAY, RPM_TYPE.I18NSTRING]);
    if (!e) return undefined;
    if (e.type === RPM_TYPE.STRING) return [this.cstring(tag, e.offset)[0]];
    if (e.count > ARRAY_MAX) throw new HeaderError(`tag ${tag}: ${e.count} strings, more than the ${ARRAY_MAX} accepted`);
    // every string takes at least its NUL byte: a count larger than the rest of the store is a lie
    if (e.count > this.data.length - e.offset) {
      throw new HeaderError(`tag ${tag}: ${e.count} strings cannot fit in ${this.data.length - e.offset} bytes`);
    }
    const out: string[] = [];
    let pos = e.offset;
    for (let i = 0; i < e.count; i++) {
      const [s, next] = this.cstring(tag, pos);
      out.push(s);
      pos = next;
    }
    return out;
  }

  /** Integer array of any integer type (INT64 values beyond 2^53 lose precision; none of ours are). */
  getIntArray(tag: number): number[] | undefined {
    const e = this.located(tag, [RPM_TYPE.CHAR, RPM_TYPE.INT8, RPM_TYPE.INT16, RPM_TYPE.INT32, RPM_TYPE.INT64]);
    if (!e) return undefined;
    const size = FIXED_SIZE[e.type]!;
    if (e.count > ARRAY_MAX) throw new HeaderError(`tag ${tag}: ${e.count} values, more than the ${ARRAY_MAX} accepted`);
    if (e.offset % size !== 0) throw new HeaderError(`tag ${tag}: misaligned offset ${e.offset}`);
    if (e.count * size > this.data.length - e.offset) {
      throw new HeaderError(`tag ${tag}: ${e.count} values of ${size} bytes overrun the data store`);
    }
    const out = new Array<number>(e.count);
    for (let i = 0; i < e.count; i++) {
      const p = e.offset + i * size;
      switch (size) {
        case 1:
          out[i] = this.data.readUInt8(p);
          break;
        case 2:
          out[i] = this.data.readUInt16BE(p);
          break;
        case 4:
          out[i] = this.data.readUInt32BE(p);
          break;
        default:
          out[i] = Number(this.data.readBigUInt64BE(p));
      }
    }
    return out;
  }

  getInt(tag: number): number | undefined {
    return this.getIntArray(tag)?.[0];
  }

  getBin(tag: number): Buffer | undefined {
    const e = this.located(tag, [RPM_TYPE.BIN]);
    if (!e) return undefined;
    if (e.count > this.data.length - e.offset) throw new HeaderError(`tag ${tag}: ${e.count} bytes overrun the data store`);
    return this.data.subarray(e.offset, e.offset + e.count);
  }
}
