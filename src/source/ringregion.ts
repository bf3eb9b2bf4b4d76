// An uncompressed layer lying in a local file (a plain archive's member, an OCI layout's blob, the temp
// copy of a compressed archive), read straight into a ring of shared memory lent by the hash worker: the
// worker hashes each chunk where it lies while the walker parses the same bytes. One read, no copy, and
// no fresh buffer per read: a stream's new 1 MiB buffer per read cost ~0.65 s of page faults (system
// time) on a 1.3 GB image, and copying each chunk into the worker's ring another ~0.4 s.
//
// A chunk is valid until the next one is asked for: its memory is then reused. Whoever keeps bytes past
// that copies them (the walker's readers and the content sinks do: walker/types.ts ContentSink.write).
// The stream ends only once the digest of every byte it gave matched every expected digest; a mismatch,
// a short file or a failed worker is the stream's error, never an end.
import { open, type FileHandle } from 'node:fs/promises';
import { PortcullisError } from '../core/errors.js';
import type { HashWorker } from './hashworker.js';
import { LENT_RING_BYTES, type LentRing, type RingLoan } from './lentring.js';
import { RingStream } from './ringstream.js';
import { mismatch } from './streams.js';

/** bytes read at once (a quarter of the ring: one chunk in the walker's hands, one being read, the rest being hashed) */
export const REGION_READ_BYTES = 1024 * 1024;

/** A digest the bytes must have, with the name a mismatch gives. */
export interface Expected {
  digest: string;
  what: string;
}

export interface RingRegionOptions {
  /** the digests every byte of the region must have */
  expected: Expected[];
  /** names the region in errors */
  what: string;
  signal?: AbortSignal;
  /** called once the digests matched, before the stream ends */
  onVerified?: () => void;
  /** sizes (tests: a small ring reuses its memory within a small layer) */
  ringBytes?: number;
  readBytes?: number;
}

export class RingRegion extends RingStream {
  constructor(
    private readonly worker: HashWorker,
    private readonly path: string,
    private readonly offset: number,
    private readonly length: number,
    private readonly opts: RingRegionOptions,
  ) {
    super(opts.what, opts.signal);
  }

  protected async *chunks(): AsyncGenerator<Buffer, void, undefined> {
    const { worker, opts } = this;
    const readBytes = opts.readBytes ?? REGION_READ_BYTES;
    let ring: LentRing | undefined;
    let fh: FileHandle | undefined;
    let id = 0;
    let settled = false;
    let ahead: Promise<RingLoan> | undefined;
    let pos = this.offset;
    let left = this.length;
    // the next chunk: room borrowed in the ring, filled by one read at the file position, then committed
    // for hashing (one read is under way at a time, so chunks are committed in order)
    const readNext = async (): Promise<RingLoan> => {
      const loan = await worker.borrow(ring!, Math.min(readBytes, left));
      const n = loan.bytes.length;
      const at = pos;
      pos += n;
      left -= n;
      let got: number;
      try {
        got = (await fh!.read(loan.bytes, 0, n, at)).bytesRead;
      } catch (e) {
        loan.released = true;
        throw e;
      }
      if (got !== n) {
        loan.released = true;
        throw new PortcullisError('BAD_INPUT', `${opts.what}: the file ends ${this.offset + this.length - at - got} bytes before the layer does (truncated?)`, { subject: opts.what });
      }
      worker.commit(id, ring!, loan);
      return loan;
    };
    let cur: RingLoan | undefined;
    try {
      ring = worker.takeRing(opts.ringBytes ?? LENT_RING_BYTES, 'hash');
      id = worker.open();
      worker.useRing(id, ring);
      fh = await open(this.path, 'r');
      if (left > 0) ahead = readNext();
      while (ahead) {
        if (this.stopped) throw this.aborted();
        cur = await ahead;
        ahead = undefined;
        if (left > 0) {
          ahead = readNext();
          ahead.catch(() => undefined); // awaited in its turn (or in `finally`)
        }
        yield cur.bytes;
        cur.released = true;
        cur = undefined;
      }
      const got = `sha256:${await worker.digest(id)}`;
      settled = true;
      for (const e of opts.expected) if (got !== e.digest) throw mismatch(e.digest, got, e.what);
      opts.onVerified?.();
    } finally {
      if (cur) cur.released = true;
      // a read under way still writes into its loan: the ring is given back only after it
      if (ahead) await ahead.then((l) => (l.released = true)).catch(() => undefined);
      if (!settled && id !== 0) worker.drop(id);
      if (ring) worker.giveRing(ring);
      await fh?.close().catch(() => undefined);
    }
  }
}
