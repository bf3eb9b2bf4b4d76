// A layer record read back (recordwriter.ts makes it, LayerCache seals and stores it): MAGIC, a header
// line, the gzip'd entries one JSON object per line, the sha256 of all that (seal.ts). The seal is checked over the
// whole file first (it is small: compressed, a few hundred KiB for the largest layer of the 1.3 GB
// benchmark image), then the header, before anything is inflated. The entries are then inflated and
// parsed a chunk of lines at a time as the replay takes them, each checked as it is parsed: the replay
// holds one batch, not the layer's 45,000 entries decoded at once (issue 20: a warm scan's peak RSS).
import { isAscii } from 'node:buffer';
import { createGunzip } from 'node:zlib';
import { checkEntry, isInt, RECORD_FORMAT, type EntryRecord } from './record.js';
import { unseal } from './seal.js';

/** inflated text is parsed a chunk at a time: 64 KiB measured fastest on the benchmark image's records (16 to 256 tried) */
const INFLATE_CHUNK = 64 * 1024;
/** the header is ~200 bytes: no newline this far in, it is not a record */
const MAX_HEADER_BYTES = 4096;
const NL = 0x0a;

/**
 * A record that proved damaged or foreign after its seal and header were checked: a line that does not
 * parse or is not an entry, a count that does not match its header, a gzip stream that does not inflate.
 * Anything the batches before it were used for must be thrown away: LayerCache has removed the record
 * (and counts its key a miss for the rest of the run), so the walk is done again and reads that layer
 * as on a miss (scan/collect.ts).
 */
export class RecordRejected extends Error {}

export interface RecordHeader {
  key: string;
  format: number;
  diffId: string;
  /** uncompressed bytes of the layer */
  bytes: number;
  /** how many entries follow */
  entries: number;
}

/** The header of a record, when it is a record of `key` for `diffId` in this format. */
function readHeader(body: Buffer, key: string, diffId: string): { header: RecordHeader; rest: Buffer } | undefined {
  const nl = body.subarray(0, MAX_HEADER_BYTES).indexOf(NL);
  if (nl < 0) return undefined;
  let h: RecordHeader;
  try {
    h = JSON.parse(body.toString('latin1', 0, nl)) as RecordHeader;
  } catch {
    return undefined;
  }
  if (!h || typeof h !== 'object' || h.key !== key || h.format !== RECORD_FORMAT || h.diffId !== diffId || !isInt(h.bytes) || !isInt(h.entries)) return undefined;
  return { header: h, rest: body.subarray(nl + 1) };
}

/** A record whose seal and header were checked; its entries are decoded as they are asked for. */
export class SealedRecord {
  private constructor(
    readonly header: RecordHeader,
    /** the gzip'd entries */
    private readonly gzipped: Buffer,
  ) {}

  /** `raw` (a file's bytes, `magic` first) as the record of `key` for `diffId`; undefined unless whole, intact, of this format and its own. */
  static open(raw: Buffer, magic: Buffer, key: string, diffId: string): SealedRecord | undefined {
    const body = unseal(raw, magic);
    const h = body && readHeader(body, key, diffId);
    return h ? new SealedRecord(h.header, h.rest) : undefined;
  }

  /**
   * The entries in order, the lines of one inflated chunk at a time (a few hundred entries), each checked
   * as it is parsed. Throws RecordRejected at the first that is not an entry, or when the stream does not
   * inflate, or holds other than the header's count: the batches already taken are then not to be used.
   */
  async *batches(): AsyncGenerator<EntryRecord[]> {
    const gz = createGunzip({ chunkSize: INFLATE_CHUNK });
    gz.end(this.gzipped);
    /** the start of a line that goes on in the next chunk (a long one: a file's facts, a kept body) */
    let partial: Buffer[] = [];
    let n = 0;
    try {
      for await (const chunk of gz as AsyncIterable<Buffer>) {
        const nl = chunk.lastIndexOf(NL);
        if (nl < 0) {
          partial.push(chunk);
          continue;
        }
        const lines = partial.length > 0 ? Buffer.concat([...partial, chunk.subarray(0, nl)]) : chunk.subarray(0, nl);
        partial = nl + 1 < chunk.length ? [chunk.subarray(nl + 1)] : [];
        const batch = parseLines(lines);
        n += batch.length;
        if (n > this.header.entries) throw new RecordRejected(`more entries than the ${this.header.entries} its header counts`);
        yield batch;
      }
    } catch (e) {
      throw e instanceof RecordRejected ? e : new RecordRejected(`its entries do not inflate: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      gz.destroy();
    }
    if (partial.length > 0) throw new RecordRejected('its last line does not end');
    if (n !== this.header.entries) throw new RecordRejected(`${n} entries where its header counts ${this.header.entries}`);
  }
}

/** Newline-separated entries (`text` without the last newline), each parsed alone and checked. */
function parseLines(text: Buffer): EntryRecord[] {
  // the writer escapes every character outside ASCII: a one-byte string parses in about two thirds of the time of UTF-8 (a record written otherwise still reads)
  const s = text.toString(isAscii(text) ? 'latin1' : 'utf8');
  const out: EntryRecord[] = [];
  for (let i = 0; ; ) {
    const j = s.indexOf('\n', i);
    let e: unknown;
    try {
      e = JSON.parse(j < 0 ? s.slice(i) : s.slice(i, j));
    } catch {
      throw new RecordRejected(`entry ${out.length + 1} of a batch does not parse`);
    }
    if (!checkEntry(e)) throw new RecordRejected(`entry ${out.length + 1} of a batch is not an entry`);
    out.push(e);
    if (j < 0) return out;
    i = j + 1;
  }
}
