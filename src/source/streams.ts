// Stream helpers for reading blobs: digest verification while streaming (inline, or in the hash worker for
// large streams: hashworker.ts), magic-byte decompression (gzip via node zlib, zstd via fzstd), byte limits
// and peeking.
import { createHash } from 'node:crypto';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import { PortcullisError, asReadError } from '../core/errors.js';
import { chunksOf } from './chunks.js';
import { isGzip, isZstd } from './detect.js';
import { type HashWorker, HashWorkerError, OFFLOAD_MIN_BYTES, sharedHashWorker } from './hashworker.js';

export const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function sha256Hex(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Pass-through that fails at the end when the sha256 of what went through differs from `expected`. */
export function digestCheck(expected: string, what: string, opts: DigestOptions = {}): Transform {
  const worker = opts.worker ?? (opts.sizeHint !== undefined && opts.sizeHint >= OFFLOAD_MIN_BYTES ? sharedHashWorker() : undefined);
  if (worker && !worker.failed) return new OffloadedDigest(worker, expected, what);
  const h = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      cb(null, chunk);
    },
    flush(cb) {
      const got = `sha256:${h.digest('hex')}`;
      cb(got === expected ? undefined : mismatch(expected, got, what));
    },
  });
}

export interface DigestOptions {
  /** expected size of the stream: from OFFLOAD_MIN_BYTES on, the hashing runs in the hash worker */
  sizeHint?: number;
  /** hash in this worker whatever the size (tests) */
  worker?: HashWorker;
}

/** A digest check that could not finish (the hash worker failed, or the stream was dropped): never a pass. */
export function unverified(e: unknown, what: string): PortcullisError {
  const why = e instanceof Error ? e.message : String(e);
  return new PortcullisError('INTERNAL', `${what}: digest could not be verified (${why})`, { cause: e, subject: what });
}

/** An error reading a layer as a one-line PortcullisError naming it: its own, a hash worker's (unverified), or a read error. */
export function layerReadError(e: unknown, what: string): PortcullisError {
  if (e instanceof PortcullisError) return e;
  if (e instanceof HashWorkerError) return unverified(e, what);
  return asReadError(e, what);
}

export function mismatch(expected: string, got: string, what: string): PortcullisError {
  return new PortcullisError('DIGEST_MISMATCH', `${what}: digest mismatch: expected ${expected}, got ${got}`, { subject: what });
}

/**
 * digestCheck hashing in the hash worker: each chunk is copied into its ring and passed on at once; the
 * stream ends (flush) only once the worker's digest of the same bytes is known and equal to `expected`.
 */
class OffloadedDigest extends Transform {
  private readonly id: number;
  /** the worker answered (or failed): nothing of this stream is left in it */
  private settled = false;

  constructor(
    private readonly worker: HashWorker,
    private readonly expected: string,
    private readonly what: string,
  ) {
    super();
    this.id = worker.open();
  }

  private unverified(e: unknown): PortcullisError {
    return unverified(e, this.what);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    let placed: number;
    try {
      placed = this.worker.tryPlace(this.id, chunk);
    } catch (e) {
      this.settled = true;
      cb(this.unverified(e));
      return;
    }
    if (placed === chunk.length) {
      cb(null, chunk);
      return;
    }
    // The ring is full. The chunk goes on now (only the hashing waits), but its rest is copied first, in
    // case whoever reads it reuses the buffer; the next chunk is taken only once the rest is placed.
    const rest = Buffer.from(chunk.subarray(placed));
    this.push(chunk);
    this.worker.place(this.id, rest, () => this.destroyed).then(
      () => cb(),
      (e: unknown) => {
        this.settled = true;
        cb(this.unverified(e));
      },
    );
  }

  override _flush(cb: TransformCallback): void {
    this.worker.digest(this.id).then(
      (hex) => {
        this.settled = true;
        const got = `sha256:${hex}`;
        cb(got === this.expected ? undefined : mismatch(this.expected, got, this.what));
      },
      (e: unknown) => {
        this.settled = true;
        cb(this.unverified(e));
      },
    );
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (!this.settled) {
      this.settled = true;
      this.worker.drop(this.id);
    }
    cb(err);
  }
}

/** Fails once more than `max` bytes went through. */
export function byteLimit(max: number, what: string, why = 'decompression bomb?'): Transform {
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > max) cb(new PortcullisError('LIMIT_EXCEEDED', `${what}: more than ${max} bytes after decompression (${why})`, { subject: what }));
      else cb(null, chunk);
    },
  });
}

/** zstd decompression with fzstd, fed in small slices so one input chunk cannot balloon memory. */
export class ZstdStream extends Transform {
  private readonly d: ZstdDecompress;
  private out: Uint8Array[] = [];
  constructor() {
    super();
    this.d = new ZstdDecompress((chunk) => {
      this.out.push(chunk);
    });
  }
  private drainOut(): void {
    for (const c of this.out) this.push(Buffer.from(c.buffer, c.byteOffset, c.byteLength));
    this.out = [];
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    try {
      for (let i = 0; i < chunk.length; i += 4096) {
        this.d.push(chunk.subarray(i, Math.min(i + 4096, chunk.length)));
        this.drainOut();
      }
      cb();
    } catch (e) {
      cb(new Error(`zstd: ${(e as Error).message}`));
    }
  }
  override _flush(cb: TransformCallback): void {
    try {
      this.d.push(new Uint8Array(0), true);
      this.drainOut();
      cb();
    } catch (e) {
      cb(new Error(`zstd: ${(e as Error).message}`));
    }
  }
}

/**
 * Read up to `n` bytes without consuming them (they are unshifted back). `read(n)` gives the bytes of a
 * stream that ends sooner before its 'end' event (to unshift them later would lose them).
 */
export async function peek(s: Readable, n: number): Promise<Buffer> {
  for (;;) {
    // n bytes, or once the stream ended what is left of it
    const c = s.read(n) as Buffer | null;
    if (c !== null) {
      if (c.length > 0) s.unshift(c);
      return c;
    }
    // a stream that failed before its first bytes: its error, not an empty layer
    if (s.errored) throw s.errored;
    if (s.readableEnded || s.destroyed) return Buffer.alloc(0);
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        cleanup();
        resolve();
      };
      const fail = (e: Error): void => {
        cleanup();
        reject(e);
      };
      const cleanup = (): void => {
        s.off('readable', done);
        s.off('end', done);
        s.off('close', done);
        s.off('error', fail);
      };
      s.once('readable', done);
      s.once('end', done);
      s.once('close', done);
      s.once('error', fail);
    });
  }
}

export type Compression = 'gzip' | 'zstd' | 'none';

export function compressionOf(head: Uint8Array): Compression {
  if (isGzip(head)) return 'gzip';
  if (isZstd(head)) return 'zstd';
  return 'none';
}

/** A stream inflating `kind`; gzip output comes in chunks of `chunkBytes`. */
export function decompressor(kind: Compression, chunkBytes = 128 * 1024): Transform {
  if (kind === 'gzip') return createGunzip({ chunkSize: chunkBytes });
  if (kind === 'zstd') return new ZstdStream();
  return new PassThrough();
}

/**
 * Chain streams (data flows with back-pressure); the returned stream ends with the chain or is
 * destroyed with the first error of any of them, as a one-line PortcullisError naming `what`.
 * Destroying the returned stream early tears the whole chain down (closing files).
 */
export function chain(streams: (Readable | Transform)[], what: string): Readable {
  const out = new PassThrough();
  // The error is kept in `out.errored`: pipeline(), finished() and async iteration report it even
  // when it happened before the consumer attached (so no unhandled 'error' event here).
  out.on('error', () => {});
  let failed = false;
  const fail = (e: unknown): void => {
    if (failed) return;
    failed = true;
    for (const s of streams) s.destroy();
    out.destroy(asReadError(e, what));
  };
  for (const s of streams) s.on('error', fail);
  let prev = streams[0] as Readable;
  for (const s of streams.slice(1)) {
    prev.pipe(s as Transform);
    prev = s as Readable;
  }
  prev.pipe(out);
  out.on('close', () => {
    if (!out.readableEnded) for (const s of streams) s.destroy();
  });
  // iterated chunk by chunk, never joined (chunks.ts)
  out[Symbol.asyncIterator] = () => chunksOf(out);
  return out;
}

export { asReadError } from '../core/errors.js';
