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
import { Worker } from 'node:worker_threads';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { availableParallelism } from 'node:os';

/** ring of shared memory the chunks are copied into (chunks larger than the free space go in pieces) */
export const RING_BYTES = 8 * 1024 * 1024;
/** streams known to be smaller than this are hashed inline: they would not repay the worker's start-up */
export const OFFLOAD_MIN_BYTES = 8 * 1024 * 1024;

/** descriptors in one message at most (tiny chunks) */
const MAX_BATCH_OPS = 4096;
/** descriptor ops, four numbers each: [op, stream id, offset, length] */
const OP_DATA = 0;
const OP_END = 1;
const OP_DROP = 2;
/** ctrl[USED]: bytes placed and not yet consumed by the worker; ctrl[WAITING]: 1 when the main thread waits for room */
const USED = 0;
const WAITING = 1;

interface WorkerReply {
  /** [stream id, hex digest, ...] of the streams that ended */
  done: (number | string)[];
  room: boolean;
  /** [stream id, message] of a file the worker could not read */
  failed?: [number, string];
}

/** A region of a file hashed in the worker (`hashFile`). */
interface FileJob {
  id: number;
  path: string;
  offset: number;
  length: number;
}

/** bytes the worker reads at once from a file it hashes */
const FILE_READ_BYTES = 1024 * 1024;

// Plain CommonJS evaluated in the worker: it needs nothing but node:crypto, and being a string it runs the
// same from the TypeScript sources (tests) and from dist (no worker file to locate, no loader to register).
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fsp = require('node:fs/promises');
const ring = Buffer.from(workerData.ring);
const ctrl = new Int32Array(workerData.ctrl);
const hashes = new Map();
const cancelled = new Set();
// a file region, read here in slices, the next one read while this one is hashed (async: ring messages
// are served between them)
async function hashFile(j) {
  let fh;
  try {
    fh = await fsp.open(j.path, 'r');
    const h = createHash('sha256');
    const size = Math.max(1, Math.min(${FILE_READ_BYTES}, j.length));
    const bufs = [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
    let pos = j.offset, left = j.length, k = 0;
    // one read of n bytes at pos into the next buffer; a short read means the file ends before the region
    const next = () => {
      const n = Math.min(size, left);
      const p = fh.read(bufs[k], 0, n, pos).then((r) => {
        if (r.bytesRead !== n) throw new Error('the file ends before the region does');
        return r.buffer.subarray(0, n);
      });
      pos += n;
      left -= n;
      k ^= 1;
      return p;
    };
    let pending = left > 0 ? next() : undefined;
    while (pending) {
      if (cancelled.delete(j.id)) { await pending.catch(() => {}); return; }
      const got = await pending;
      pending = left > 0 ? next() : undefined;
      h.update(got);
    }
    parentPort.postMessage({ done: [j.id, h.digest('hex')], room: false });
  } catch (e) {
    parentPort.postMessage({ done: [], room: false, failed: [j.id, (e && e.message) || String(e)] });
  } finally {
    cancelled.delete(j.id);
    if (fh) await fh.close().catch(() => {});
  }
}
parentPort.on('message', (d) => {
  if (d.file) return void hashFile(d.file);
  if (d.cancel !== undefined) return void cancelled.add(d.cancel);
  const done = [];
  for (let i = 0; i < d.length; i += 4) {
    const op = d[i], id = d[i + 1], off = d[i + 2], len = d[i + 3];
    if (op === ${OP_DATA}) {
      let h = hashes.get(id);
      if (h === undefined) { h = createHash('sha256'); hashes.set(id, h); }
      h.update(ring.subarray(off, off + len));
      Atomics.sub(ctrl, ${USED}, len);
    } else if (op === ${OP_END}) {
      const h = hashes.get(id) ?? createHash('sha256');
      hashes.delete(id);
      done.push(id, h.digest('hex'));
    } else {
      hashes.delete(id);
    }
  }
  const room = Atomics.exchange(ctrl, ${WAITING}, 0) === 1;
  if (done.length > 0 || room) parentPort.postMessage({ done, room });
});
`;

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
  /** hashFile jobs under way */
  fileJobs = 0;

  /** bytes described in one message (a quarter of the ring: the worker hashes while the rest fills; a message costs the main thread ~0.1 ms, so not one per chunk) */
  private readonly batchLimit: number;

  constructor(ringBytes = RING_BYTES) {
    this.ringBytes = ringBytes;
    this.batchLimit = Math.max(1, Math.floor(ringBytes / 4));
    const shared = new SharedArrayBuffer(ringBytes);
    const ctrl = new SharedArrayBuffer(8);
    this.ring = Buffer.from(shared);
    this.ctrl = new Int32Array(ctrl);
    this.worker = new Worker(WORKER_CODE, { eval: true, workerData: { ring: shared, ctrl }, execArgv: [] });
    this.worker.on('message', (m: WorkerReply) => this.onMessage(m));
    this.worker.on('error', (e: Error) => this.fail(`hash worker failed: ${e.message}`));
    this.worker.on('exit', (code) => this.fail(`hash worker exited (code ${code})`));
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
    if (m.failed) {
      const [id, why] = m.failed;
      const e = this.ends.get(id);
      this.ends.delete(id);
      e?.reject(new Error(why));
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

  private async waitForRoom(): Promise<void> {
    this.flush(); // the worker frees room only by consuming what it was sent
    Atomics.store(this.ctrl, WAITING, 1);
    // the worker may have consumed everything between our last look and raising the flag
    if (this.room() > 0) return;
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
   * Rejects when the file cannot be read that far; `signal` stops the read (the promise then rejects).
   */
  hashFile(path: string, offset: number, length: number, signal?: AbortSignal): Promise<string> {
    if (this.failed) return Promise.reject(new HashWorkerError(this.failed));
    this.fileJobs++;
    const id = this.open();
    const p = new Promise<string>((resolve, reject) => this.ends.set(id, { resolve, reject }));
    this.worker.postMessage({ file: { id, path, offset, length } satisfies FileJob });
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
  if (length > 0) {
    for await (const c of createReadStream(path, { start: offset, end: offset + length - 1, highWaterMark: 1024 * 1024 })) {
      if (signal?.aborted) throw new HashWorkerError('aborted');
      h.update(c as Buffer);
    }
  }
  return h.digest('hex');
}
