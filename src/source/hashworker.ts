// SHA-256 of large streams on a second core. The walker (tar parsing, analyzers) runs on the main thread,
// and hashing a layer there cost ~17% of its time on a 1.3 GB image while the second core sat idle.
//
// One worker thread per process, started on first use and shared by every digest check (blob and diff_id
// of one layer, layers of several images in the server). Each chunk that passes through a check is
// copied into a ring of shared memory and described to the worker as (op, stream id, offset, length);
// descriptors go in one message per quarter of the ring (or at a stream's end). The worker hashes per
// stream id in arrival order (the ring is a FIFO), and subtracts what it consumed from a shared counter
// of bytes in use, so the main thread knows which region is free without a message per chunk. When the
// ring is full, the check waits (back-pressure) after raising a flag that makes the worker post `room`.
// At the end of a stream the worker answers with its hex digest; the stream ends only after that.
//
// A worker that cannot start or dies fails every stream it was hashing (never passes a layer whose
// digest was not computed); later streams hash inline.
//
// `hashFile` hashes a region of a file in the worker itself, reading it there: for a cached layer, whose
// bytes nothing on the main thread needs (its record is replayed), this keeps the main thread out of the
// read entirely. Fed through the ring, the read moved one buffer per event-loop turn of the replay, and
// the hash thread ran at a third of its speed while a layer of small files replayed.
//
// Lent rings (`takeRing`, lentring.ts) serve the layer streams that skip the copy: `borrow`/`commit` let
// RingRegion read a file straight into a ring the worker hashes in place, and `inflate`/`inflatePlaced`
// have the worker gunzip a blob (read by it, or placed by the main thread in the shared ring) into a ring
// the walker reads in place (RingInflate). The worker's side of all this is in hashworker-code.ts.
import type { Worker } from 'node:worker_threads';
import { workerThreads } from '../core/builtins.js';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { availableParallelism } from 'node:os';
import { OFFLOAD_MIN_BYTES, OP_DATA, OP_DROP, OP_END, OP_INFLATE, OP_RING, RING_BYTES, USED, WAITING, WORKER_CODE, type FileJob, type InflateJob, type WorkerReply } from './hashworker-code.js';
import { LENT_RING_BYTES, LentRing, type RingKind, type RingLoan } from './lentring.js';
import { takeEarlyWorker } from './earlyworker.js';
import type { FileIdentity } from './fileidentity.js';

export { OFFLOAD_MIN_BYTES, RING_BYTES } from './hashworker-code.js';

/** descriptors in one message at most (tiny chunks) */
const MAX_BATCH_OPS = 4096;

/** Error of a stream the worker could not finish hashing. */
export class HashWorkerError extends Error {}

export class HashWorker {
  readonly ringBytes: number;
  private readonly ring: Buffer;
  private readonly ctrl: Int32Array;
  private readonly worker: Worker;
  /** main thread's write position in the ring */
  private pos = 0;
  private batch: number[] = [];
  private batchBytes = 0;
  private nextId = 1;
  private readonly ends = new Map<number, { resolve: (hex: string) => void; reject: (e: Error) => void }>();
  private roomWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  /** callers waiting on the worker (for room or a digest): the worker is ref'ed only while there are some */
  private waiting = 0;
  /** why the worker is unusable, once it is */
  failed: string | undefined;
  /** its thread was started early, by the launcher (earlyworker.ts) */
  readonly adopted: boolean;
  /** hashFile jobs under way */
  fileJobs = 0;
  /** lent rings (index 1 on: 0 is the shared ring in the worker), and those free for the next stream */
  private rings = 0;
  private readonly freeRings: LentRing[] = [];

  /** bytes described in one message (a quarter of the ring: the worker hashes while the rest fills; a message costs the main thread ~0.1 ms, so not one per chunk) */
  private readonly batchLimit: number;

  constructor(ringBytes = RING_BYTES) {
    this.ringBytes = ringBytes;
    this.batchLimit = Math.max(1, Math.floor(ringBytes / 4));
    // the thread the launcher started before the CLI loaded (earlyworker.ts), else one started now
    const early = takeEarlyWorker(ringBytes);
    const shared = early?.ring ?? new SharedArrayBuffer(ringBytes);
    const ctrl = early?.ctrl ?? new SharedArrayBuffer(8);
    this.ring = Buffer.from(shared);
    this.ctrl = new Int32Array(ctrl);
    this.worker = early?.worker ?? new (workerThreads().Worker)(WORKER_CODE, { eval: true, workerData: { ring: shared, ctrl }, execArgv: [] });
    this.adopted = early !== undefined;
    this.worker.on('message', (m: WorkerReply) => this.onMessage(m));
    this.worker.on('error', (e: Error) => this.fail(`hash worker failed: ${e.message}`));
    this.worker.on('exit', (code) => this.fail(`hash worker exited (code ${code})`));
    if (early?.failure) this.fail(early.failure);
    // never keeps the process alive by itself: a CLI run exits when its scan is done. (After the
    // listeners: adding a 'message' listener refs the worker's port again.)
    this.worker.unref();
  }

  /** A new stream id. */
  open(): number {
    return this.nextId++;
  }

  private onMessage(m: WorkerReply): void {
    for (let i = 0; i < m.done.length; i += 2) {
      const id = m.done[i] as number;
      const e = this.ends.get(id);
      if (!e) continue;
      this.ends.delete(id);
      e.resolve(m.done[i + 1] as string);
    }
    if (m.inflated) {
      const [id, blob, diff] = m.inflated;
      const e = this.ends.get(id);
      this.ends.delete(id);
      e?.resolve(`${blob}:${diff}`);
    }
    if (m.failed) {
      const [id, why, code] = m.failed;
      const e = this.ends.get(id);
      this.ends.delete(id);
      e?.reject(code === undefined ? new Error(why) : Object.assign(new Error(why), { code }));
    }
    if (m.room) for (const w of this.roomWaiters.splice(0)) w.resolve();
  }

  private fail(why: string): void {
    this.failed ??= why;
    this.batch = [];
    const err = new HashWorkerError(this.failed);
    for (const e of this.ends.values()) e.reject(err);
    this.ends.clear();
    for (const w of this.roomWaiters.splice(0)) w.reject(err);
  }

  /** Run `p` with the worker ref'ed: while the main thread waits on it, the process must not exit. */
  private async hold<T>(p: Promise<T>): Promise<T> {
    if (this.waiting++ === 0) this.worker.ref();
    try {
      return await p;
    } finally {
      if (--this.waiting === 0) this.worker.unref();
    }
  }

  private queue(op: number, id: number, off: number, len: number): void {
    if (this.failed) return;
    this.batch.push(op, id, off, len);
    this.batchBytes += len;
    // Sent by size only (and at a stream's end, or when waiting for room): nothing waits for the worker
    // until then, and a message per event-loop turn cost more main-thread time in postMessage (164 ms
    // for a 111 MB gzip image, 128 KiB inflated chunks) than the hashing it moved away.
    if (this.batchBytes >= this.batchLimit || this.batch.length >= MAX_BATCH_OPS * 4) this.flush();
  }

  private flush(): void {
    if (this.batch.length === 0 || this.failed) return;
    this.worker.postMessage(this.batch);
    this.batch = [];
    this.batchBytes = 0;
  }

  /** Free bytes at the write position right now (not wrapping). */
  private room(): number {
    const free = this.ringBytes - Atomics.load(this.ctrl, USED);
    return Math.min(free, this.ringBytes - this.pos);
  }

  /**
   * Copy as much of `chunk` as fits into the ring now, for stream `id`; returns how many bytes were
   * placed (0 when the ring is full). Synchronous, so a caller can place before passing a chunk on.
   */
  tryPlace(id: number, chunk: Uint8Array): number {
    if (this.failed) throw new HashWorkerError(this.failed);
    let placed = 0;
    while (placed < chunk.length) {
      const n = Math.min(chunk.length - placed, this.room());
      if (n <= 0) break;
      this.ring.set(chunk.subarray(placed, placed + n), this.pos);
      Atomics.add(this.ctrl, USED, n);
      this.queue(OP_DATA, id, this.pos, n);
      this.pos = (this.pos + n) % this.ringBytes;
      placed += n;
    }
    return placed;
  }

  /** Place all of `chunk`, waiting for the worker to free room when the ring is full. */
  async place(id: number, chunk: Uint8Array, aborted: () => boolean = () => false): Promise<void> {
    let placed = this.tryPlace(id, chunk);
    while (placed < chunk.length) {
      await this.waitForRoom();
      // a stream destroyed meanwhile was dropped in the worker: placing more would start it again there
      if (aborted()) return;
      placed += this.tryPlace(id, chunk.subarray(placed));
    }
  }

  /** Wait until the worker frees room in a ring (the shared one, or a lent one: its `ctrl` and `room`). */
  private async waitForRoom(ctrl: Int32Array = this.ctrl, room: () => number = () => this.room()): Promise<void> {
    this.flush(); // the worker frees room only by consuming what it was sent
    Atomics.store(ctrl, WAITING, 1);
    // the worker may have consumed everything between our last look and raising the flag
    if (room() > 0) return;
    await this.hold(new Promise<void>((resolve, reject) => this.roomWaiters.push({ resolve, reject })));
    if (this.failed) throw new HashWorkerError(this.failed);
  }

  /** The hex sha256 of everything placed for stream `id`. */
  digest(id: number): Promise<string> {
    if (this.failed) return Promise.reject(new HashWorkerError(this.failed));
    const p = new Promise<string>((resolve, reject) => this.ends.set(id, { resolve, reject }));
    this.queue(OP_END, id, 0, 0);
    this.flush();
    return this.hold(p);
  }

  /**
   * The hex sha256 of `length` bytes of the file at `path` from `offset`, read and hashed in the worker.
   * Rejects when the file cannot be read that far, or (with `ident`) is not that file or changed while
   * read; `signal` stops the read (the promise then rejects).
   */
  hashFile(path: string, offset: number, length: number, signal?: AbortSignal, ident?: FileIdentity): Promise<string> {
    if (this.failed) return Promise.reject(new HashWorkerError(this.failed));
    this.fileJobs++;
    const id = this.open();
    const p = new Promise<string>((resolve, reject) => this.ends.set(id, { resolve, reject }));
    this.worker.postMessage({ file: { id, path, offset, length, ident } satisfies FileJob });
    if (signal) {
      const onAbort = (): void => {
        const e = this.ends.get(id);
        if (!e) return;
        this.ends.delete(id);
        this.worker.postMessage({ cancel: id });
        e.reject(new HashWorkerError('aborted'));
      };
      if (signal.aborted) onAbort();
      else {
        signal.addEventListener('abort', onAbort, { once: true });
        void p.catch(() => undefined).finally(() => signal.removeEventListener('abort', onAbort));
      }
    }
    return this.hold(p).finally(() => this.fileJobs--);
  }

  /** Forget stream `id` (destroyed mid-way): its ring space frees as the worker consumes what was placed. */
  drop(id: number): void {
    const e = this.ends.get(id);
    if (e) {
      this.ends.delete(id);
      e.reject(new HashWorkerError('stream dropped'));
    }
    this.queue(OP_DROP, id, 0, 0);
    this.flush(); // rare; lets the worker forget the stream and free its bytes now
  }

  /** A lent ring for one stream, from those a finished stream gave back (`giveRing`) when one of its kind and size is free. */
  takeRing(size = LENT_RING_BYTES, kind: RingKind = 'hash'): LentRing {
    if (this.failed) throw new HashWorkerError(this.failed);
    const free = this.freeRings.findIndex((r) => r.size === size && r.kind === kind);
    if (free >= 0) return this.freeRings.splice(free, 1)[0]!;
    const ring = new LentRing(++this.rings, size, kind);
    this.worker.postMessage({ bind: ring.index, ring: ring.shared, ctrl: ring.ctrlShared });
    return ring;
  }

  /** A stream is done with `ring` (its loans released; an 'inflate' ring: the worker's job settled): the next stream may take it. */
  giveRing(ring: LentRing): void {
    this.freeRings.push(ring);
  }

  /**
   * Gunzip `length` bytes of the file at `path` from `offset` in the worker, into `ring` (an 'inflate' ring,
   * reset) as the main thread releases room. Resolves with the hex sha256 of the compressed and of the
   * inflated bytes once every inflated byte is in the ring; rejects with the worker's read or gzip error
   * (its `code` kept), or when cancelled (`cancel`).
   */
  inflate(id: number, path: string, offset: number, length: number, ring: LentRing): Promise<{ blob: string; diff: string }> {
    return this.inflating(id, () => this.worker.postMessage({ inflate: { id, path, offset, length, ring: ring.index } satisfies InflateJob }));
  }

  /**
   * `inflate` for bytes the caller places for stream `id` in the shared ring (`place`, then `end`): the
   * worker hashes and gunzips them as they come. A piece's room is freed once the gunzip took it.
   */
  inflatePlaced(id: number, ring: LentRing): Promise<{ blob: string; diff: string }> {
    return this.inflating(id, () => {
      this.queue(OP_INFLATE, id, ring.index, 0);
      this.flush();
    });
  }

  /** Every byte of stream `id` was placed (`inflatePlaced`). */
  end(id: number): void {
    this.queue(OP_END, id, 0, 0);
    this.flush();
  }

  private inflating(id: number, start: () => void): Promise<{ blob: string; diff: string }> {
    if (this.failed) return Promise.reject(new HashWorkerError(this.failed));
    const p = new Promise<string>((resolve, reject) => this.ends.set(id, { resolve, reject }));
    start();
    return this.hold(p).then((both) => {
      const [blob, diff] = both.split(':');
      return { blob: blob!, diff: diff! };
    });
  }

  /** Stop an inflate job (a job waiting for room is woken by the worker): it rejects once the worker stopped writing into its ring. */
  cancel(id: number): void {
    if (this.ends.has(id)) this.worker.postMessage({ cancel: id });
  }

  /** Stream `id`'s bytes lie in `ring` (before its first commit). */
  useRing(id: number, ring: LentRing): void {
    this.queue(OP_RING, id, ring.index, 0);
  }

  /** Up to `max` bytes of `ring` to fill, waiting for the worker to free room when it is full. */
  async borrow(ring: LentRing, max: number): Promise<RingLoan> {
    for (;;) {
      if (this.failed) throw new HashWorkerError(this.failed);
      const loan = ring.lend(max);
      if (loan) return loan;
      await this.waitForRoom(ring.ctrl, () => ring.room());
    }
  }

  /** The bytes of `loan`, filled, are stream `id`'s next (in order: commit loans in the order borrowed). */
  commit(id: number, ring: LentRing, loan: RingLoan): void {
    if (this.failed) throw new HashWorkerError(this.failed);
    Atomics.add(ring.ctrl, USED, loan.bytes.length);
    this.queue(OP_DATA, id, loan.at, loan.bytes.length);
    // sent by the quarter of this ring: the worker hashes while the rest fills
    if (this.batchBytes >= ring.size / 4) this.flush();
  }

  /** Lent rings made so far (tests: finished streams give theirs back). */
  get ringsMade(): number {
    return this.rings;
  }

  /** Streams opened so far (tests). */
  get opened(): number {
    return this.nextId - 1;
  }

  /** Bytes placed and not yet consumed (tests). */
  inUse(): number {
    return Atomics.load(this.ctrl, USED);
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

let shared: HashWorker | undefined;
let second: HashWorker | undefined;
/** the Worker constructor threw once (resource limits): not tried again for every stream */
let cannotStart = false;

/**
 * The process's hash worker, started on first call; undefined when hashing off the main thread is not
 * useful (one core) or the worker failed (then hashing stays inline for the rest of the process).
 */
export function sharedHashWorker(): HashWorker | undefined {
  if (shared) return shared.failed ? undefined : shared;
  if (cannotStart || availableParallelism() < 2) return undefined;
  try {
    shared = new HashWorker();
  } catch {
    cannotStart = true;
    return undefined;
  }
  return shared;
}

/** Whether this process started its hash worker (tests: a small image is hashed inline, with no worker boot). */
export function sharedHashWorkerStarted(): boolean {
  return shared !== undefined;
}

/**
 * A worker for `hashFile`: the shared one when it hashes no file now, else a second one (started on first
 * use, with a small ring: it only reads files). Two files hash at once: while the walk replays cached
 * layers they share the cores with it, and once it is done they have both (a 1.3 GB image's cached
 * layers were verified 0.6 s after its replay ended with one).
 */
export function fileHashWorker(): HashWorker | undefined {
  const first = sharedHashWorker();
  if (!first || first.fileJobs === 0) return first;
  if (second && !second.failed) return second.fileJobs <= first.fileJobs ? second : first;
  if (second?.failed) return first;
  try {
    second = new HashWorker(64 * 1024);
  } catch {
    return first;
  }
  return second;
}

/**
 * The hex sha256 of `length` bytes of the file at `path` from `offset`: read and hashed in a hash worker
 * (`fileHashWorker`) when the region is large enough to repay it and a worker can run, else read and
 * hashed here.
 */
export async function regionDigest(path: string, offset: number, length: number, signal?: AbortSignal): Promise<string> {
  const worker = length >= OFFLOAD_MIN_BYTES ? fileHashWorker() : undefined;
  if (worker) return worker.hashFile(path, offset, length, signal);
  const h = createHash('sha256');
  if (length === 0) return h.digest('hex');
  const fh = await fsp.open(path, 'r');
  // into a reused buffer: a fresh one per read costs a page fault per 4 KiB written (~4 ms a MiB here)
  const buf = spareReadBuffers.pop() ?? Buffer.allocUnsafeSlow(READ_BUFFER_BYTES);
  try {
    for (let done = 0; done < length; ) {
      if (signal?.aborted) throw new HashWorkerError('aborted');
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, length - done), offset + done);
      if (bytesRead === 0) throw new Error('the file ends before the region does'); // as the worker says it
      h.update(buf.subarray(0, bytesRead));
      done += bytesRead;
    }
  } finally {
    spareReadBuffers.push(buf);
    await fh.close();
  }
  return h.digest('hex');
}

const READ_BUFFER_BYTES = 1024 * 1024;
/** read buffers of regionDigest calls that ended (several may run at once) */
const spareReadBuffers: Buffer[] = [];
