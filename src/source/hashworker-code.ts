// The hash worker's side (hashworker.ts): its message protocol and its code.

/** descriptor ops, four numbers each: [op, stream id, offset, length] */
export const OP_DATA = 0;
export const OP_END = 1;
export const OP_DROP = 2;
/** [OP_RING, stream id, ring index, 0]: the stream's data lies in a lent ring (LentRing), not the shared one */
export const OP_RING = 3;
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
}

/** bytes the worker reads at once from a file it hashes */
const FILE_READ_BYTES = 1024 * 1024;
/** compressed bytes read at once, and inflated bytes made at once, by an inflate job */
const INFLATE_READ_BYTES = 1024 * 1024;
const INFLATE_CHUNK_BYTES = 256 * 1024;


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
// a gzip'd file region: read, hashed, gunzipped and hashed again here, the inflated bytes written into a
// lent ring as the main thread releases room (lentring.ts: AVAIL, SEQ, RSEQ, DONE)
async function inflateRegion(j) {
  const ring = rings[j.ring], ctrl = ctrls[j.ring], size = ring.length;
  const blob = createHash('sha256'), diff = createHash('sha256');
  let wpos = 0, read = 0;
  inflating.set(j.id, ctrl);
  const wrote = () => { Atomics.add(ctrl, ${SEQ}, 1); Atomics.notify(ctrl, ${SEQ}); };
  const put = async (out) => {
    for (let off = 0; off < out.length; ) {
      if (cancelled.has(j.id)) throw new Error('cancelled');
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
  const src = fs.createReadStream(j.path, { start: j.offset, end: j.offset + j.length - 1, highWaterMark: ${INFLATE_READ_BYTES} });
  const gz = zlib.createGunzip({ chunkSize: ${INFLATE_CHUNK_BYTES} });
  src.on('data', (c) => { blob.update(c); read += c.length; });
  src.on('error', (e) => gz.destroy(e));
  src.pipe(gz);
  try {
    for await (const out of gz) { diff.update(out); await put(out); }
    if (read !== j.length) throw new Error('the file ends before the layer does');
    Atomics.store(ctrl, ${DONE}, 1);
    wrote();
    parentPort.postMessage({ done: [], room: false, inflated: [j.id, blob.digest('hex'), diff.digest('hex')] });
  } catch (e) {
    src.destroy();
    gz.destroy();
    Atomics.store(ctrl, ${DONE}, 2);
    wrote();
    parentPort.postMessage({ done: [], room: false, failed: [j.id, (e && e.message) || String(e), e && e.code] });
  } finally {
    inflating.delete(j.id);
    cancelled.delete(j.id);
  }
}
parentPort.on('message', (d) => {
  if (d.file) return void hashFile(d.file);
  if (d.inflate) return void inflateRegion(d.inflate);
  if (d.cancel !== undefined) {
    cancelled.add(d.cancel);
    const c = inflating.get(d.cancel);
    if (c) { Atomics.add(c, ${RSEQ}, 1); Atomics.notify(c, ${RSEQ}); }
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
    if (op === ${OP_DATA}) {
      let h = hashes.get(id);
      if (h === undefined) { h = createHash('sha256'); hashes.set(id, h); }
      const r = ringOf.get(id) ?? 0;
      h.update(rings[r].subarray(off, off + len));
      Atomics.sub(ctrls[r], ${USED}, len);
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
    }
  }
  let room = false;
  for (const c of ctrls) if (c !== undefined && Atomics.exchange(c, ${WAITING}, 0) === 1) room = true;
  if (done.length > 0 || room) parentPort.postMessage({ done, room });
});
`;
