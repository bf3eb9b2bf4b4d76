// The hash worker's side (hashworker.ts): its message protocol and its code.
import { changed, type FileIdentity } from './fileidentity.js';

/** ring of shared memory the chunks are copied into (chunks larger than the free space go in pieces) */
export const RING_BYTES = 8 * 1024 * 1024;
/** streams known to be smaller than this are hashed inline: they would not repay the worker's start-up */
export const OFFLOAD_MIN_BYTES = 8 * 1024 * 1024;

/** descriptor ops, four numbers each: [op, stream id, offset, length] */
export const OP_DATA = 0;
export const OP_END = 1;
export const OP_DROP = 2;
/** [OP_RING, stream id, ring index, 0]: the stream's data lies in a lent ring (LentRing), not the shared one */
export const OP_RING = 3;
/** [OP_INFLATE, stream id, ring index, 0]: the stream's data (in the shared ring) is gzip: gunzipped into that 'inflate' ring */
export const OP_INFLATE = 4;
/** ctrl[USED]: bytes placed and not yet consumed by the worker; ctrl[WAITING]: 1 when the main thread waits for room */
export const USED = 0;
export const WAITING = 1;
/**
 * An 'inflate' ring's control (lentring.ts): ctrl[AVAIL] bytes the worker wrote and the main thread has not
 * released; ctrl[SEQ] and ctrl[RSEQ] change (and are notified) when the worker wrote more or the main
 * thread released some; ctrl[DONE] is 1 once the worker wrote every byte, 2 when it failed.
 */
export const AVAIL = 0;
export const SEQ = 2;
export const RSEQ = 3;
export const DONE = 4;
export const CTRL_SLOTS = 5;

export interface WorkerReply {
  /** [stream id, hex digest, ...] of the streams that ended */
  done: (number | string)[];
  room: boolean;
  /** [stream id, message, error code] of a file the worker could not read (or gunzip) */
  failed?: [number, string, string?];
  /** [stream id, hex sha256 of the compressed bytes, of the inflated bytes] of an inflate job that wrote every byte */
  inflated?: [number, string, string];
}

/** A gzip'd region of a file gunzipped in the worker into a lent ring (`inflate`). */
export interface InflateJob extends FileJob {
  /** index of the 'inflate' ring (lentring.ts) */
  ring: number;
}

/** A region of a file hashed in the worker (`hashFile`). */
export interface FileJob {
  id: number;
  path: string;
  offset: number;
  length: number;
  /** the file's identity when its check was made (regionchecks.ts): the worker's file must be that one, unchanged before and after its read */
  ident?: FileIdentity;
}

/** bytes the worker reads at once from a file it hashes */
const FILE_READ_BYTES = 1024 * 1024;
/** compressed bytes read at once, and inflated bytes made at once, by an inflate job */
const INFLATE_READ_BYTES = 1024 * 1024;
// 1 MiB rather than 256 KiB: debian-12-slim's cold sbom 0.86 -> 0.81 s, oci-gzip's 1.16 -> 1.14 s (medians of
// 11, interleaved; peak RSS +8 MiB on debian-12-slim, none on oci-gzip): fewer callbacks and ring waits
const INFLATE_CHUNK_BYTES = 1024 * 1024;


// Plain CommonJS evaluated in the worker: it needs nothing but node:crypto, and being a string it runs the
// same from the TypeScript sources (tests) and from dist (no worker file to locate, no loader to register).
// rings[0] is the shared ring; the others are lent rings, bound by a { bind } message before any op names them.
export const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const zlib = require('node:zlib');
const rings = [Buffer.from(workerData.ring)];
const ctrls = [new Int32Array(workerData.ctrl)];
const ringOf = new Map();
const hashes = new Map();
const cancelled = new Set();
// inflate jobs under way: their ring's control, to wake a job waiting for room when it is cancelled
const inflating = new Map();
// why the file's status is not the one its caller saw, unchanged (fileidentity.ts)
const changed = (${changed.toString()});
async function unchanged(fh, ident) {
  if (!ident) return;
  const why = changed(await fh.stat({ bigint: true }), ident);
  if (why) throw new Error(why);
}
// a file region, read here in slices, the next one read while this one is hashed (async: ring messages
// are served between them)
const spareReads = [];
async function hashFile(j) {
  let fh, bufs;
  try {
    fh = await fsp.open(j.path, 'r');
    await unchanged(fh, j.ident);
    const h = createHash('sha256');
    const size = Math.max(1, Math.min(${FILE_READ_BYTES}, j.length));
    // kept for the next job: a fresh pair per job lay in the heap until a GC (16 MiB for 8 layers)
    bufs = size === ${FILE_READ_BYTES} ? spareReads.pop() ?? [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)] : [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
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
    await unchanged(fh, j.ident);
    parentPort.postMessage({ done: [j.id, h.digest('hex')], room: false });
  } catch (e) {
    parentPort.postMessage({ done: [], room: false, failed: [j.id, (e && e.message) || String(e)] });
  } finally {
    cancelled.delete(j.id);
    if (fh) await fh.close().catch(() => {});
    if (bufs && bufs[0].length === ${FILE_READ_BYTES}) spareReads.push(bufs);
  }
}
// gunzip gz (its input hashed into blob by whoever feeds it), hash what it makes and write that into
// the lent ring ringIndex as the main thread releases room (AVAIL, SEQ, RSEQ, DONE); check runs once
// the input ended (a short file); the main thread hears of the end (both digests) or of the failure
async function inflateInto(id, ringIndex, gz, blob, check, stop) {
  const ring = rings[ringIndex], ctrl = ctrls[ringIndex], size = ring.length;
  const diff = createHash('sha256');
  let wpos = 0;
  inflating.set(id, { ctrl, gz });
  const wrote = () => { Atomics.add(ctrl, ${SEQ}, 1); Atomics.notify(ctrl, ${SEQ}); };
  const put = async (out) => {
    for (let off = 0; off < out.length; ) {
      if (cancelled.has(id)) throw new Error('cancelled');
      const seen = Atomics.load(ctrl, ${RSEQ});
      const room = Math.min(size - Atomics.load(ctrl, ${AVAIL}), size - wpos);
      if (room <= 0) { await Atomics.waitAsync(ctrl, ${RSEQ}, seen).value; continue; }
      const n = Math.min(room, out.length - off);
      ring.set(out.subarray(off, off + n), wpos);
      wpos = (wpos + n) % size;
      off += n;
      Atomics.add(ctrl, ${AVAIL}, n);
      wrote();
    }
  };
  try {
    for await (const out of gz) { diff.update(out); await put(out); }
    check();
    Atomics.store(ctrl, ${DONE}, 1);
    wrote();
    parentPort.postMessage({ done: [], room: false, inflated: [id, blob.digest('hex'), diff.digest('hex')] });
  } catch (e) {
    gz.destroy();
    Atomics.store(ctrl, ${DONE}, 2);
    wrote();
    parentPort.postMessage({ done: [], room: false, failed: [id, (e && e.message) || String(e), e && e.code] });
  } finally {
    stop();
    inflating.delete(id);
    cancelled.delete(id);
  }
}
// a gzip'd file region, read here
function inflateRegion(j) {
  const blob = createHash('sha256');
  let read = 0;
  const gz = zlib.createGunzip({ chunkSize: ${INFLATE_CHUNK_BYTES} });
  const src = fs.createReadStream(j.path, { start: j.offset, end: j.offset + j.length - 1, highWaterMark: ${INFLATE_READ_BYTES} });
  src.on('data', (c) => { blob.update(c); read += c.length; });
  src.on('error', (e) => gz.destroy(e));
  src.pipe(gz);
  const check = () => { if (read !== j.length) throw new Error('the file ends before the layer does'); };
  return inflateInto(j.id, j.ring, gz, blob, check, () => src.destroy());
}
// a gzip'd stream the main thread places in the shared ring (OP_INFLATE binds it): each piece is hashed,
// copied and written to its gunzip, and its room in the ring is freed only once the gunzip took it (so
// the main thread's reads wait while the gunzip, or the walk behind it, is behind)
const fed = new Map();
function freed(len) {
  Atomics.sub(ctrls[0], ${USED}, len);
  if (Atomics.exchange(ctrls[0], ${WAITING}, 0) === 1) parentPort.postMessage({ done: [], room: true });
}
function feed(id, off, len) {
  const f = fed.get(id);
  const piece = rings[0].subarray(off, off + len);
  f.blob.update(piece);
  f.pending += len;
  f.gz.write(Buffer.from(piece), () => {
    if (f.closed) return;
    f.pending -= len;
    freed(len);
  });
}
// the job ended (or failed): the room of pieces its gunzip never took is freed now, once
function closeFed(id, f) {
  fed.delete(id);
  if (f.closed) return;
  f.closed = true;
  if (f.pending > 0) freed(f.pending);
  f.pending = 0;
}
parentPort.on('message', (d) => {
  if (d.file) return void hashFile(d.file);
  if (d.inflate) return void inflateRegion(d.inflate);
  if (d.cancel !== undefined) {
    cancelled.add(d.cancel);
    const job = inflating.get(d.cancel);
    // a job waiting for room looks again; one waiting for input (fed) stops
    if (job) { Atomics.add(job.ctrl, ${RSEQ}, 1); Atomics.notify(job.ctrl, ${RSEQ}); if (fed.has(d.cancel)) job.gz.destroy(new Error('cancelled')); }
    return;
  }
  if (d.bind !== undefined) {
    rings[d.bind] = Buffer.from(d.ring);
    ctrls[d.bind] = new Int32Array(d.ctrl);
    return;
  }
  const done = [];
  for (let i = 0; i < d.length; i += 4) {
    const op = d[i], id = d[i + 1], off = d[i + 2], len = d[i + 3];
    if (op === ${OP_DATA} && fed.has(id)) {
      feed(id, off, len);
    } else if (op === ${OP_DATA} && cancelled.has(id)) {
      Atomics.sub(ctrls[0], ${USED}, len);
    } else if (op === ${OP_DATA}) {
      let h = hashes.get(id);
      if (h === undefined) { h = createHash('sha256'); hashes.set(id, h); }
      const r = ringOf.get(id) ?? 0;
      h.update(rings[r].subarray(off, off + len));
      Atomics.sub(ctrls[r], ${USED}, len);
    } else if (op === ${OP_INFLATE}) {
      const f = { blob: createHash('sha256'), gz: zlib.createGunzip({ chunkSize: ${INFLATE_CHUNK_BYTES} }), pending: 0, closed: false };
      fed.set(id, f);
      void inflateInto(id, off, f.gz, f.blob, () => {}, () => closeFed(id, f));
    } else if (op === ${OP_END} && fed.has(id)) {
      fed.get(id).gz.end();
    } else if (op === ${OP_END} && cancelled.has(id)) {
      // a fed stream cancelled: nothing to answer (its job failed)
    } else if (op === ${OP_END}) {
      const h = hashes.get(id) ?? createHash('sha256');
      hashes.delete(id);
      ringOf.delete(id);
      done.push(id, h.digest('hex'));
    } else if (op === ${OP_RING}) {
      ringOf.set(id, off);
    } else {
      hashes.delete(id);
      ringOf.delete(id);
      fed.get(id)?.gz.destroy(new Error('stream dropped'));
    }
  }
  let room = false;
  for (const c of ctrls) if (c !== undefined && Atomics.exchange(c, ${WAITING}, 0) === 1) room = true;
  if (done.length > 0 || room) parentPort.postMessage({ done, room });
});
`;
