// A gzip'd layer gunzipped in the hash worker: the worker reads the compressed bytes (from a local file:
// an OCI layout's or archive's blob), or gets them placed in its shared ring (a registry download),
// hashes them (blob digest), gunzips them, hashes the result (diff_id) and writes it into a ring of shared
// memory it was lent; the walker parses the inflated bytes where they lie. On the main thread this leaves no zlib round trip per inflated chunk, no stream
// machinery, no fresh buffer per chunk and no copy into the hash worker's ring: on a gzip'd image those
// were more of the main thread's time than the walk itself.
//
// As with RingRegion, a chunk is valid until the next one is asked for, and the stream ends only once
// both digests of every byte it gave matched; a gzip error, a short file or a failed worker is the
// stream's error, never an end.
import type { HashWorker } from './hashworker.js';
import { AVAIL, DONE, RSEQ, SEQ } from './hashworker-code.js';
import { LENT_RING_BYTES, changeOf, type LentRing } from './lentring.js';
import type { Expected } from './ringregion.js';
import { RingStream } from './ringstream.js';
import { mismatch } from './streams.js';

/** inflated bytes handed to the walker at most at once */
export const INFLATE_MAX_CHUNK = 1024 * 1024;

export interface RingInflateOptions {
  /** the compressed bytes' digest, when the layout records one */
  blob?: Expected;
  /** the inflated bytes' digest (the diff_id) */
  diff: Expected;
  what: string;
  signal?: AbortSignal;
  /** called once both digests matched, before the stream ends */
  onVerified?: () => void;
  /** sizes (tests) */
  ringBytes?: number;
  maxChunk?: number;
}

/** Where the compressed bytes come from: a region of a local file (read by the worker), or a stream placed in the shared ring. */
export type InflateSource = { path: string; offset: number; length: number } | { stream: AsyncIterable<Buffer> & { destroy(): void } };

export class RingInflate extends RingStream {
  constructor(
    private readonly worker: HashWorker,
    private readonly source: InflateSource,
    private readonly opts: RingInflateOptions,
  ) {
    super(opts.what, opts.signal);
  }

  /** The job's promise; for a stream, its bytes are placed in the shared ring by `pump` meanwhile. */
  private start(id: number, ring: LentRing): { job: Promise<{ blob: string; diff: string }>; pump?: Promise<unknown> } {
    const { worker, source } = this;
    if ('path' in source) return { job: worker.inflate(id, source.path, source.offset, source.length, ring) };
    const job = worker.inflatePlaced(id, ring);
    const pump = (async () => {
      for await (const c of source.stream) {
        await worker.place(id, c, () => this.stopped);
        if (this.stopped) return;
      }
      worker.end(id);
    })();
    // a failed download stops the job: its error is the stream's (below)
    pump.catch(() => worker.cancel(id));
    return { job, pump };
  }

  protected async *chunks(): AsyncGenerator<Buffer, void, undefined> {
    const { worker, opts } = this;
    const maxChunk = opts.maxChunk ?? INFLATE_MAX_CHUNK;
    const ring: LentRing = worker.takeRing(opts.ringBytes ?? LENT_RING_BYTES, 'inflate');
    ring.reset();
    const { ctrl, size } = ring;
    const id = worker.open();
    const { job, pump } = this.start(id, ring);
    // awaited below, or in `finally`; a job that ends without a word in the ring (a dead worker) wakes the wait
    let jobDone = false;
    const wake = (): void => {
      jobDone = true;
      Atomics.add(ctrl, SEQ, 1);
      Atomics.notify(ctrl, SEQ);
    };
    job.then(wake, wake);
    let settled = false;
    try {
      for (;;) {
        if (this.stopped) throw this.aborted();
        const avail = Atomics.load(ctrl, AVAIL);
        if (avail > 0) {
          const at = ring.pos;
          const n = Math.min(avail, size - at, maxChunk);
          yield ring.bytes.subarray(at, at + n);
          // the walker asked for the next chunk: this one's room goes back to the worker
          ring.pos = (at + n) % size;
          Atomics.sub(ctrl, AVAIL, n);
          Atomics.add(ctrl, RSEQ, 1);
          Atomics.notify(ctrl, RSEQ);
          continue;
        }
        const seq = Atomics.load(ctrl, SEQ);
        // the worker sets DONE after its last write: AVAIL read after DONE is final
        if ((Atomics.load(ctrl, DONE) !== 0 || jobDone) && Atomics.load(ctrl, AVAIL) === 0) break;
        if (Atomics.load(ctrl, AVAIL) > 0) continue;
        const wait = changeOf(ctrl, SEQ, seq);
        if (wait) await wait;
      }
      // a download that failed is the reason the job was cancelled
      const got = await job.catch(async (e: unknown) => {
        await pump;
        throw e;
      });
      settled = true;
      if (opts.blob && `sha256:${got.blob}` !== opts.blob.digest) throw mismatch(opts.blob.digest, `sha256:${got.blob}`, opts.blob.what);
      if (`sha256:${got.diff}` !== opts.diff.digest) throw mismatch(opts.diff.digest, `sha256:${got.diff}`, opts.diff.what);
      opts.onVerified?.();
    } finally {
      // the ring is given back only once the worker stopped writing into it
      if (!settled) {
        worker.cancel(id);
        if ('stream' in this.source) this.source.stream.destroy();
        await job.catch(() => undefined);
      }
      await pump?.catch(() => undefined);
      worker.giveRing(ring);
    }
  }
}
