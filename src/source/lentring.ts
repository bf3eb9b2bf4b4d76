// Rings of shared memory the hash worker lends to one stream at a time (hashworker.ts takeRing). Two uses:
//   - 'hash' (ringregion.ts): the main thread reads a file region into the ring (`lend`), the worker
//     hashes each region where it lies; ctrl[USED] counts bytes committed and not hashed yet.
//   - 'inflate' (ringinflate.ts): the worker reads, hashes and gunzips a region and writes the inflated
//     bytes into the ring; the main thread walks them where they lie (hashworker-code.ts: AVAIL, SEQ,
//     RSEQ, DONE).
import { CTRL_SLOTS, USED } from './hashworker-code.js';

/** bytes of a lent ring: four of the chunks read into it (ringregion.ts) */
export const LENT_RING_BYTES = 4 * 1024 * 1024;

export type RingKind = 'hash' | 'inflate';

/** A region of a lent ring: the borrower's to fill (`bytes`), then to commit for hashing; reused only once released. */
export interface RingLoan {
  at: number;
  bytes: Buffer;
  released: boolean;
}

/**
 * A ring of shared memory lent to one stream at a time. For 'hash' use, a region is reused only once the
 * worker hashed it (ctrl[USED]) and its borrower released it (the stream's reader was done with it).
 */
export class LentRing {
  readonly bytes: Buffer;
  readonly ctrl: Int32Array;
  /** write position ('hash': the main thread's; 'inflate': the main thread's read position) */
  pos = 0;
  /** regions lent and not released yet, oldest first */
  private readonly loans: RingLoan[] = [];

  constructor(
    readonly index: number,
    readonly size: number,
    readonly kind: RingKind,
    readonly shared: SharedArrayBuffer = new SharedArrayBuffer(size),
    readonly ctrlShared: SharedArrayBuffer = new SharedArrayBuffer(CTRL_SLOTS * 4),
  ) {
    this.bytes = Buffer.from(shared);
    this.ctrl = new Int32Array(ctrlShared);
  }

  /** Free bytes at the write position now (not wrapping): behind both the worker's hashing and the oldest loan. */
  room(): number {
    while (this.loans[0]?.released) this.loans.shift();
    const oldest = this.loans[0];
    const held = oldest ? (this.pos - oldest.at + this.size) % this.size || this.size : 0;
    const used = Math.max(Atomics.load(this.ctrl, USED), held);
    return Math.min(this.size - used, this.size - this.pos);
  }

  /** Up to `max` bytes at the write position, lent until released; undefined when none are free. */
  lend(max: number): RingLoan | undefined {
    const n = Math.min(max, this.room());
    if (n <= 0) return undefined;
    const loan: RingLoan = { at: this.pos, bytes: this.bytes.subarray(this.pos, this.pos + n), released: false };
    this.loans.push(loan);
    this.pos = (this.pos + n) % this.size;
    return loan;
  }

  /** Back to empty, for the next stream (only once the worker is done with the ring: 'inflate' rings). */
  reset(): void {
    for (let i = 0; i < CTRL_SLOTS; i++) Atomics.store(this.ctrl, i, 0);
    this.pos = 0;
    this.loans.length = 0;
  }
}

/** Atomics.waitAsync (Node 16+; not in TypeScript's ES2022 lib): a promise while ctrl[slot] still holds `value`, else undefined. */
export function changeOf(ctrl: Int32Array, slot: number, value: number): Promise<unknown> | undefined {
  const w = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: unknown } }).waitAsync(ctrl, slot, value);
  return w.async ? (w.value as Promise<unknown>) : undefined;
}
