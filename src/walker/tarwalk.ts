// Walking a tar layer (tarreader.ts): headers to EntryInfo, GNU sparse files rebuilt, content read once
// for the content checks and the analyzers; and the targeted second pass that reads the final content
// of link targets not kept during the walk.
import type { EntryInfo, EntryType, LayerInfo, LayerStream } from '../core/types.js';
import { normaliseEntryPath } from './path.js';
import { PathIndex } from './pathindex.js';
import { expandSparse, sparseInfo, type SparseInfo } from './sparse.js';
import type { SinkFan } from './sinks.js';
import type { EntryExtra } from './types.js';
import { TarReader, type TarHeader } from './tarreader.js';
import { applyOverlay, describe, SkipFile, type Tracked, type Walk } from './walk.js';

export function tarType(t: TarHeader['type'] | undefined): EntryType {
  if (t === 'file' || t === 'contiguous-file' || t === null || t === undefined) return 'file';
  if (t === 'directory') return 'dir';
  if (t === 'symlink') return 'symlink';
  if (t === 'link') return 'hardlink';
  return 'other';
}

/**
 * Read an entry once: its chunks go to `fan` (content checks) as they arrive, and are copied, up to `max`
 * bytes, into the buffer analyzers get (a chunk is valid only until the next is read: LayerStream).
 * Returns undefined (content dropped, stream drained) when larger than `max`, or when `max` is negative
 * (nothing to collect). With `view`, content that arrives in one chunk is returned as that chunk, not
 * copied (valid until the reader is used again: the walk analyzes it before it reads on).
 */
async function readEntry(r: TarReader, max: number, fan?: SinkFan, view = false): Promise<Buffer | undefined> {
  const size = r.remaining;
  const wanted = max >= 0 && size <= max;
  let out: Buffer | undefined;
  let n = 0;
  try {
    for (let x = r.read(); x !== null; x = r.read()) {
      // a promise only when the reader had to pull a chunk
      const c = x instanceof Promise ? await x : x;
      if (c === null) break;
      if (wanted) {
        // most files lie in one chunk: no fresh memory to fault in and fill (30 MB of a Debian image's binaries)
        if (n === 0 && view && c.length === size) out = c;
        else (out ??= Buffer.allocUnsafe(size)).set(c, n);
      }
      n += c.length;
      if (fan) {
        const w = fan.write(c);
        if (w) await w;
        // no sink needs the rest and no analyzer reads it: r.next() skips it (LayerStream.skip where it can)
        if (!wanted && n < size && fan.done()) break;
      }
    }
  } catch (err) {
    fan?.abort(`read failed: ${describe(err)}`);
    throw err;
  }
  const ended = fan?.end();
  if (ended) await ended;
  return wanted ? (out ?? EMPTY) : undefined;
}

const EMPTY = Buffer.alloc(0);
/** files from this size on get EntryExtra.readTail where the layer allows (smaller ones: reading through costs less than a read apart) */
export const TAIL_FIRST_MIN = 2 * 1024 * 1024;
/** what an entry without PAX records passes (one object, not one per entry) */
const NO_EXTRA: EntryExtra = Object.freeze({});

export async function walkTar(w: Walk, l: LayerInfo, stream: LayerStream): Promise<void> {
  const limits = w.limits;
  const stats = w.stats;
  const r = new TarReader(stream, (n) => {
    stats.bytes += n;
    if (stats.bytes > limits.maxTotalBytes) throw w.tooManyBytes(l);
  });
  const readAt = stream.readAt?.bind(stream);
  try {
    for (let h = await r.next(); h; h = await r.next()) {
      const type = tarType(h.type);
      // made whole, not grown field by field (each added field reallocated its properties: 98k entries)
      const info: Omit<EntryInfo, 'path'> = h.linkname
        ? { type, size: type === 'file' ? h.size : 0, mode: h.mode, uid: h.uid, gid: h.gid, linkTarget: h.linkname }
        : { type, size: type === 'file' ? h.size : 0, mode: h.mode, uid: h.uid, gid: h.gid };
      // GNU sparse in PAX: the real name and size are in GNU.sparse.* records (sparse.ts)
      let sparse: SparseInfo | undefined;
      let sparseError: string | undefined;
      try {
        sparse = type === 'file' ? sparseInfo(h.pax) : undefined;
      } catch (err) {
        sparseError = describe(err);
      }
      const name = sparse?.name ?? h.pax?.['GNU.sparse.name'] ?? h.name;
      if (sparse) info.size = sparse.realSize;
      let extra: EntryExtra = h.pax ? { pax: h.pax } : NO_EXTRA;
      // a large file of a layer in a local file: its end can be read before its middle (EntryExtra.readTail)
      if (readAt && type === 'file' && !sparse && sparseError === undefined && h.size >= TAIL_FIRST_MIN) {
        const start = r.offset;
        const size = h.size;
        extra = { ...extra, readTail: (n) => (n > size || n < 0 ? Promise.reject(new RangeError(`readTail(${n}) of a ${size}-byte file`)) : readAt(start + size - n, n)) };
      }
      // what the read callback leaves unread, r.next() skips
      await w.entry(
        l,
        name,
        info,
        async (max, fan) => {
          if (sparseError !== undefined) throw new SkipFile(sparseError);
          if (!sparse) return readEntry(r, max, fan, true);
          // the stored bytes are the map (1.0) and the data regions: at most the real size plus the map
          const cap = max >= 0 ? max : w.limits.maxFileBytes;
          const raw = await readEntry(r, cap + 64 * 1024 * 1024);
          let full: Buffer | undefined;
          try {
            full = raw === undefined ? undefined : expandSparse(raw, sparse, cap);
          } catch (err) {
            throw new SkipFile(describe(err));
          }
          if (fan) {
            if (full === undefined) fan.abort(`sparse file larger than ${cap} bytes; not read`);
            else {
              for (let off = 0; off < full.length; off += 256 * 1024) await fan.write(full.subarray(off, off + 256 * 1024));
              await fan.end();
            }
          }
          return max < 0 ? undefined : full;
        },
        extra,
      );
    }
  } catch (e) {
    stream.destroy();
    throw w.layerError(l, e);
  }
}

/** The final content of `paths` in the image's tar layers, overlay rules applied ('too-large' past maxFileBytes). */
export async function readFinalFromLayers(w: Walk, paths: Set<string>): Promise<Map<string, { content: Buffer; entry: EntryInfo } | 'too-large'>> {
  const out = new Map<string, { content: Buffer; entry: EntryInfo } | 'too-large'>();
  const found = new PathIndex<Tracked & { got: { content: Buffer; entry: EntryInfo } | 'too-large' }>();
  for (const l of w.image.layers) {
    const content = await w.image.openLayer(l.diffId, w.opts.signal);
    if (content.kind !== 'tar') continue;
    const r = new TarReader(content.stream);
    try {
      for (let h = await r.next(); h; h = await r.next()) {
        const n = normaliseEntryPath(h.name);
        const type = tarType(h.type);
        if (!n.ok || applyOverlay(n.path, type, l.index, (fn) => fn(found as unknown as PathIndex<Tracked>)) === 'whiteout' || !paths.has(n.path) || type !== 'file') continue;
        const path = n.path;
        const buf = await readEntry(r, w.limits.maxFileBytes);
        const entry: EntryInfo = { path, type: 'file', size: h.size, mode: h.mode, uid: h.uid, gid: h.gid };
        found.add(path, { layer: l.index, got: buf === undefined ? 'too-large' : { content: buf, entry } });
      }
    } catch (e) {
      content.stream.destroy();
      throw w.layerError(l, e);
    }
  }
  for (const p of paths) {
    const f = found.last(p);
    if (f) out.set(p, f.got);
  }
  return out;
}
