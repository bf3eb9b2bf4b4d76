// A layer record compressed while the layer is walked: each entry's JSON goes into gzip as soon as nothing
// more can change in it, so recording a layer holds its compressed bytes (a few hundred KiB on the 1.3 GB
// benchmark image), not every entry's object until the layer ends (~50 MB of heap in `scan` there, which
// also survived into the old generation; issue 20). What finish() returns is what LayerCache seals and
// recordreader.ts reads back: a header line `{"key","format","diffId","bytes","entries"}` (the count),
// then the gzip'd entries, one ASCII JSON object per line, so a replay parses them one at a time as it
// inflates them instead of holding the whole layer's entries.
import { isAscii } from 'node:buffer';
import { createGzip, type Gzip } from 'node:zlib';
import { RECORD_FORMAT, type EntryRecord } from './record.js';

/** JSON text is compressed in pieces of about this many characters */
const PIECE_CHARS = 64 * 1024;
const OUT_CHUNK = 64 * 1024;

/**
 * `json` in ASCII: every other character as a \u escape (JSON.parse reads it back the same). Decoded as
 * latin1 into a one-byte string, ASCII JSON parses in about two thirds of the time of UTF-8 (a warm replay
 * decodes every record).
 */
export function asciiBytes(json: string): Buffer {
  // most records are ASCII already: a regex pass over tens of MB of JSON cost ~60 ms on the 1.3 GB image
  const utf8 = Buffer.from(json, 'utf8');
  if (isAscii(utf8)) return utf8;
  return Buffer.from(
    json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    'latin1',
  );
}

export class RecordWriter {
  /** entries added and not written yet, in order, from `head` */
  private queue: EntryRecord[] = [];
  private head = 0;
  /** entries whose outcome is still coming (a content check answering off the walk: the malware worker) */
  private readonly held = new Set<EntryRecord>();
  private text = '';
  /** entries written */
  private count = 0;
  private readonly gz: Gzip;
  private readonly out: Buffer[] = [];
  private readonly ended: Promise<void>;
  private abandoned = false;

  constructor(
    readonly key: string,
    private readonly diffId: string,
    private readonly format: number = RECORD_FORMAT,
  ) {
    this.gz = createGzip({ level: 1, chunkSize: OUT_CHUNK });
    this.gz.on('data', (b: Buffer) => this.out.push(b));
    this.ended = new Promise<void>((resolve, reject) => {
      this.gz.once('end', resolve);
      this.gz.once('error', reject);
    });
    this.ended.catch(() => {}); // seen by finish(); an abandoned writer's error is nobody's
  }

  /**
   * The next entry. The caller may still fill it in until it adds the one after (the walker does, while it
   * reads the file), or, when it holds it, until it releases it: the entries before are written now.
   */
  add(e: EntryRecord): void {
    this.drain();
    this.queue.push(e);
  }

  /** `e` gets an outcome later: it (and every entry after it) is written only once released. */
  hold(e: EntryRecord): void {
    this.held.add(e);
  }

  release(e: EntryRecord): void {
    this.held.delete(e);
  }

  /** Writes the entries before the first held one. */
  private drain(): void {
    const q = this.queue;
    let i = this.head;
    // JSON.stringify escapes every newline inside a string: a line is one entry
    for (; i < q.length && !this.held.has(q[i]!); i++) this.text += `${JSON.stringify(q[i])}\n`;
    this.count += i - this.head;
    if (i === q.length) {
      this.queue = [];
      this.head = 0;
    } else if (i > 4096 && i * 2 > q.length) {
      this.queue = q.slice(i);
      this.head = 0;
    } else this.head = i;
    if (this.text.length >= PIECE_CHARS) this.flushText();
  }

  private flushText(): void {
    this.gz.write(asciiBytes(this.text));
    this.text = '';
  }

  /**
   * The header line, then the gzip'd entries, once every entry was added and released. Throws when an
   * entry is still held (a caller that did not wait for its outcomes), the writer was abandoned or
   * compression failed.
   */
  async finish(bytes: number): Promise<Buffer[]> {
    if (this.abandoned) throw new Error('layer record: abandoned');
    this.drain();
    const waiting = this.queue.length - this.head;
    if (waiting > 0) {
      this.abandon();
      throw new Error(`layer record: ${waiting} entries still wait for an outcome`);
    }
    this.flushText();
    this.gz.end();
    await this.ended;
    // known only now (the layer's size, the count): in front, uncompressed, so a reader checks it before inflating anything
    const header = { key: this.key, format: this.format, diffId: this.diffId, bytes, entries: this.count };
    return [asciiBytes(`${JSON.stringify(header)}\n`), ...this.out];
  }

  /** Stop: nothing will be stored. */
  abandon(): void {
    this.abandoned = true;
    this.queue = [];
    this.head = 0;
    this.held.clear();
    this.gz.destroy();
  }
}
