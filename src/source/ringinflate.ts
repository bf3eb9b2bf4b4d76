// A gzip'd layer lying in a local file (an OCI layout's or archive's blob), gunzipped in the hash worker:
// the worker reads the compressed bytes, hashes them (blob digest), gunzips them, hashes the result
// (diff_id) and writes it into a ring of shared memory it was lent; the walker parses the inflated bytes
// where they lie. On the main thread this leaves no zlib round trip per inflated chunk, no stream
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

export class RingInflate extends RingStream {
  constructor(
    private readonly worker: HashWorker,
    private readonly path: string,
    private readonly offset: number,
    private readonly length: number,
    private readonly opts: RingInflateOptions,
  ) {
    super(opts.what, opts.signal);
  }

  protected async *chunks(): AsyncGenerator<Buffer, void, undefined> {
    const { worker, opts } = this;
    const maxChunk = opts.maxChunk ?? INFLATE_MAX_CHUNK;
    const ring: LentRing = worker.takeRing(opts.ringBytes ?? LENT_RING_BYTES, 'inflate');
    ring.reset();
    const { ctrl, size } = ring;
    const id = worker.open();
    const job = worker.inflate(id, this.path, this.offset, this.length, ring);
    job.catch(() => undefined); // awaited below, or in `finally`
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
        if (Atomics.load(ctrl, DONE) !== 0 && Atomics.load(ctrl, AVAIL) === 0) break;
        if (Atomics.load(ctrl, AVAIL) > 0) continue;
        const wait = changeOf(ctrl, SEQ, seq);
        // a worker that dies notifies nothing: its job's rejection wakes the wait
        if (wait) await Promise.race([wait, job]);
      }
      const got = await job;
      settled = true;
      if (opts.blob && `sha256:${got.blob}` !== opts.blob.digest) throw mismatch(opts.blob.digest, `sha256:${got.blob}`, opts.blob.what);
      if (`sha256:${got.diff}` !== opts.diff.digest) throw mismatch(opts.diff.digest, `sha256:${got.diff}`, opts.diff.what);
      opts.onVerified?.();
    } finally {
      // the ring is given back only once the worker stopped writing into it
      if (!settled) {
        worker.cancel(id);
        await job.catch(() => undefined);
      }
      worker.giveRing(ring);
    }
  }
}
