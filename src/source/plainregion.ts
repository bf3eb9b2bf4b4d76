// An uncompressed layer lying in a local file, read on the main thread for the walk while the hash worker
// reads and hashes the same region on its own (image.ts openLayerUnchecked). The stream checks no digest:
// its caller counts nothing it gave before the layer's `checked` promise resolved (walker/index.ts).
//
// Why apart: with the bytes hashed where the walk read them (ringregion.ts) the two threads took turns —
// the walk waited for the hash while it passed over a large file nobody reads, the hash thread idled
// while the walk parsed a run of small files, and the ring between them (4 MiB) was too small to even it
// out. Apart, each goes at its own pace, and the hash runs ahead of the walk from its start (regionchecks.ts).
//
// Two reads of one file must see the same bytes: both check the file's identity (fileidentity.ts).
import type { FileHandle } from 'node:fs/promises';
import { changed, type FileIdentity } from './fileidentity.js';
import { RingStream } from './ringstream.js';

/** bytes read at once */
export const PLAIN_READ_BYTES = 1024 * 1024;

/** read buffers of streams that ended (a fresh buffer costs a page fault per 4 KiB on its first fill) */
const spare: Buffer[] = [];

export class PlainRegion extends RingStream {
  /**
   * @param fh open on the file; closed when the stream ends or is destroyed
   * @param id the file's identity when the layer's check was made (regionchecks.ts): the caller checked it
   *   when it opened `fh`, and the stream checks it again once every byte was read
   */
  constructor(
    private readonly fh: FileHandle,
    private readonly offset: number,
    private readonly length: number,
    private readonly id: FileIdentity,
    what: string,
    signal?: AbortSignal,
    private readonly readBytes = PLAIN_READ_BYTES,
  ) {
    super(what, signal);
  }

  /** Stop; a stream never iterated closes its file here (chunks() closes it otherwise). */
  override destroy(): void {
    super.destroy();
    if (!this.started) void this.fh.close().catch(() => undefined);
  }

  private started = false;
  /** the stream has read its last byte (and checked the file) or stopped: no readAt any more */
  private over = false;

  protected async *chunks(): AsyncGenerator<Buffer, void, undefined> {
    this.started = true;
    const { fh, readBytes } = this;
    const bufs = [this.buffer(), this.buffer()];
    let k = 0;
    let pos = this.offset;
    let left = this.length;
    // one read under way while the walker holds the chunk before it (a chunk is valid until the next is asked for)
    const readNext = async (): Promise<Buffer> => {
      const buf = bufs[k]!;
      k ^= 1;
      const n = Math.min(readBytes, left);
      const at = pos;
      pos += n;
      left -= n;
      return this.readExactly(buf, n, at);
    };
    let ahead: Promise<Buffer> | undefined;
    try {
      if (left > 0) ahead = readNext();
      while (ahead) {
        if (this.stopped) throw this.aborted();
        let cur = await ahead;
        ahead = undefined;
        // bytes the reader left out (skip): first of the read that was under way, then never read
        if (this.dropping > 0) {
          const inRead = Math.min(this.dropping, cur.length);
          cur = cur.subarray(inRead);
          const past = this.dropping - inRead;
          if (past > left) throw new Error(`the layer ends ${past - left} bytes before the data its reader passed over (truncated?)`);
          pos += past;
          left -= past;
          this.dropping = 0;
        }
        if (left > 0) {
          ahead = readNext();
          ahead.catch(() => undefined); // awaited in its turn (or in `finally`)
        }
        if (cur.length > 0) yield cur;
      }
      if (this.dropping > 0) throw new Error(`the layer ends ${this.dropping} bytes before the data its reader passed over (truncated?)`);
      const why = changed(await fh.stat({ bigint: true }), this.id);
      if (why) throw new Error(why);
    } finally {
      this.over = true;
      // a read under way still writes into its buffer: the buffers are reused only after it
      if (ahead) await ahead.catch(() => undefined);
      spare.push(...(bufs as Buffer[]));
      await fh.close().catch(() => undefined);
    }
  }

  /**
   * `length` bytes of the layer at `at` (LayerStream.readAt), read through the same file apart from the
   * stream: only while the stream is being read, so that the check of the file's identity it makes once
   * it has read everything covers them too. A region that ends before them is an error, never fewer bytes.
   */
  async readAt(at: number, length: number): Promise<Buffer> {
    if (!this.started || this.over || this.stopped) throw new Error(`${this.what}: read apart from the stream only while it is read`);
    if (!Number.isSafeInteger(at) || !Number.isSafeInteger(length) || at < 0 || length < 0 || at + length > this.length) {
      throw new RangeError(`${this.what}: bytes ${at}..${at + length} are not in its ${this.length}`);
    }
    return this.readExactly(Buffer.allocUnsafe(length), length, this.offset + at);
  }

  /** `n` bytes of the file from `at` into `buf`: a short read means the file ends before the layer does */
  private async readExactly(buf: Buffer, n: number, at: number): Promise<Buffer> {
    const { bytesRead } = await this.fh.read(buf, 0, n, at);
    if (bytesRead !== n) throw new Error(`the file ends ${this.offset + this.length - at - bytesRead} bytes before the layer does (truncated?)`);
    return buf.subarray(0, n);
  }

  /** bytes to leave out of what comes next (skip) */
  private dropping = 0;

  /**
   * Leave out the next `n` bytes (LayerStream.skip): those of the read under way are dropped, the rest never
   * read. A region that ends before them fails the next read: bytes passed over were there, or it is an error.
   */
  skip(n: number): void {
    this.dropping += n;
  }

  private buffer(): Buffer {
    const b = spare.pop();
    return b && b.length >= this.readBytes ? b : Buffer.allocUnsafeSlow(this.readBytes);
  }
}
