// The layer analysis cache in the walk: look a layer up, replay its record through the walker's entry
// path while the layer is read and hashed in the background (LayerVerifier; not read when its blob is
// pinned and known), or walk it and store what the walk recorded. See layercache.ts (the store),
// record.ts (what a record holds) and recordreader.ts (how it is decoded: a batch at a time, as replayed).
import type { EntryInfo, LayerInfo, LayerStream } from '../core/types.js';
import { PortcullisError } from '../core/errors.js';
import type { CachedRecord } from './layercache.js';
import { layerKey, type EntryRecord } from './record.js';
import { RecordWriter } from './recordwriter.js';
import { walkTar } from './tarwalk.js';
import { Replayed, SkipFile, type Walk } from './walk.js';
import type { SinkFan } from './sinks.js';
import type { EntryExtra } from './types.js';

function cacheKey(w: Walk, l: LayerInfo): string | undefined {
  const c = w.opts.cache;
  if (!c || w.image.layerIdentity === undefined || l.diffId.startsWith('dir:')) return undefined;
  return layerKey(l.diffId, w.analyzers, w.limits, c.salt);
}

/** The cached record of `l`, and whether its bytes need not be read (a registry blob pinned by the manifest we hashed, whose diff_id we recorded). */
export async function lookup(w: Walk, l: LayerInfo): Promise<{ rec: CachedRecord; skipRead: boolean } | undefined> {
  const key = cacheKey(w, l);
  if (key === undefined) return undefined;
  const store = w.opts.cache!.store;
  const rec = await store.open(key, l.diffId);
  if (!rec) return undefined;
  return { rec, skipRead: await pinnedKnown(w, l) };
}

/** Need `l`'s bytes not be read? A registry blob pinned by the manifest hashed in this run, whose diff_id the cache recorded from bytes it hashed. */
export async function pinnedKnown(w: Walk, l: LayerInfo): Promise<boolean> {
  const c = w.opts.cache;
  return c !== undefined && w.image.layerIdentity === 'pinned-blob' && l.digest !== undefined && (await c.store.blobDiffId(l.digest)) === l.diffId;
}

/** cached layers read at once (the hash worker pool hashes two files at once) */
const READERS = 2;

/**
 * Reads and hashes cached layers in the background, in order and two at a time, while the walk replays
 * them and goes on with the next layers (and watches the checks of layers walked while their source hashes
 * them apart: openLayerUnchecked): a record counts only for bytes hashed in this run, but nothing
 * in the replay needs those bytes, so the walk does not wait for them layer by layer (the hash thread
 * would idle while a layer of many small files replays, and the main thread while a layer of large
 * files is hashed). `walkImage` awaits `done()` before it returns anything: a layer whose read failed
 * (its diff_id did not match) fails the whole walk, as before, only later. When several fail, the
 * error is the lowest layer's, whatever finished first.
 */
export class LayerVerifier {
  /** layers waiting to be read, taken in order by up to READERS readers (a source may hash two at once) */
  private readonly queue: LayerInfo[] = [];
  private readers = 0;
  private readonly running: Promise<void>[] = [];
  /** checks of walked layers (watch): awaited by done(), not by abort() (the source goes on with them) */
  private readonly watched: Promise<void>[] = [];
  private readonly stops = new Set<() => void>();
  /** failures so far, by layer index */
  private readonly failures = new Map<number, PortcullisError>();
  private stopped = false;

  constructor(private readonly w: Walk) {}

  /** Count `checked` (a walked layer's digests, checked apart from its walk: openLayerUnchecked) as this layer's read. */
  watch(l: LayerInfo, checked: Promise<void>): void {
    this.watched.push(
      checked.then(
        () => undefined,
        (e: unknown) => void this.failures.set(l.index, this.w.layerError(l, e)),
      ),
    );
  }

  /** Queue `l` to be read (its digests checked over every byte). */
  add(l: LayerInfo): void {
    this.queue.push(l);
    if (this.readers < READERS) {
      this.readers++;
      this.running.push(this.reader());
    }
  }

  private async reader(): Promise<void> {
    for (let l = this.queue.shift(); l && this.failures.size === 0 && !this.stopped; l = this.queue.shift()) {
      try {
        await this.read(l);
      } catch (e) {
        this.failures.set(l.index, this.w.layerError(l, e));
      }
    }
    this.readers--;
  }

  private async read(l: LayerInfo): Promise<void> {
    const w = this.w;
    if (w.image.verifyLayer) {
      const ac = new AbortController();
      const stop = (): void => ac.abort();
      this.stops.add(stop);
      const outer = w.opts.signal;
      outer?.addEventListener('abort', stop, { once: true });
      try {
        await w.image.verifyLayer(l.diffId, ac.signal);
      } finally {
        outer?.removeEventListener('abort', stop);
        this.stops.delete(stop);
      }
      return;
    }
    const content = await w.image.openLayer(l.diffId, w.opts.signal);
    if (content.kind !== 'tar') throw new PortcullisError('INTERNAL', `${w.label(l)}: not a tar layer`);
    const stop = (): void => void content.stream.destroy();
    this.stops.add(stop);
    try {
      if (this.stopped) stop();
      for await (const _ of content.stream) {
        // the source's digest check sees every byte
      }
    } finally {
      this.stops.delete(stop);
    }
  }

  /** Once a read failed, fail the walk now rather than at its end (with the lowest failed layer's error). */
  async check(): Promise<void> {
    if (this.failures.size > 0) await this.done();
  }

  /** Wait for every read under way; throw the lowest failed layer's error. Layers queued after a failure are not read. */
  async done(): Promise<void> {
    while (this.running.length > 0 || this.watched.length > 0) await Promise.all([...this.running.splice(0), ...this.watched.splice(0)]);
    const first = Math.min(...this.failures.keys());
    if (this.failures.size > 0) throw this.failures.get(first)!;
  }

  /** Stop reading (the walk failed): the read under way is destroyed, queued ones do not start. */
  async abort(): Promise<void> {
    this.stopped = true;
    for (const stop of this.stops) stop();
    this.watched.length = 0;
    await this.done().catch(() => undefined);
  }
}

const NO_EXTRA: EntryExtra = Object.freeze({});

/** how often (entries) the replay looks at the clock, and how long it runs before it gives the event loop a turn */
const CLOCK_EVERY = 32;
const YIELD_AFTER_MS = 1;

/**
 * Replay a cached layer through the same entry path as a walk (its bytes are read by a LayerVerifier,
 * unless its blob is pinned and known), its entries decoded a batch at a time as they are replayed.
 * Throws RecordRejected when the record proves damaged part-way: the walk then holds part of a layer
 * and is not to be used (walkImage passes it on; scan/collect.ts walks again).
 */
export async function replayLayer(w: Walk, l: LayerInfo, rec: CachedRecord): Promise<void> {
  w.stats.bytes += rec.bytes;
  if (w.stats.bytes > w.limits.maxTotalBytes) throw w.tooManyBytes(l);
  let n = 0;
  let last = performance.now();
  // one read callback for the layer (entry() calls it before it returns): the entry being replayed is `e`
  let e: EntryRecord;
  const read = async (_max: number, fan?: SinkFan): Promise<Replayed> => {
    const r = e.r;
    if (!r) throw new SkipFile('the layer cache holds no record of reading this file');
    if (r.skip !== undefined) throw new SkipFile(r.skip);
    if (fan) await fan.restore(r.sinks);
    return new Replayed(r);
  };
  for await (const batch of rec.batches()) {
    for (e of batch) {
      // the cached layers' reads and hashes go on meanwhile: their chunks arrive as I/O callbacks, which a
      // loop of already-settled awaits would hold back until the end. Each turn moves about one read
      // buffer (1 MiB) to the hash thread, which hashes that in ~0.6 ms: a turn every 512 entries fed it
      // at a third of its speed while a layer of small files replayed.
      if (++n % CLOCK_EVERY === 0 && performance.now() - last >= YIELD_AFTER_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        last = performance.now();
      }
      const info: Omit<EntryInfo, 'path'> = { type: e.t, size: e.s, mode: e.m };
      if (e.u !== undefined) info.uid = e.u;
      if (e.g !== undefined) info.gid = e.g;
      if (e.l !== undefined) info.linkTarget = e.l;
      await w.entry(l, e.n, info, read, e.x ? { pax: e.x } : NO_EXTRA);
    }
  }
}

/**
 * Walk a tar layer, recording it for the cache when there is one; the record is stored once the whole
 * layer was read and its digests checked (by the stream's end, or `checked` when they are checked apart).
 */
export async function walkTarCached(w: Walk, l: LayerInfo, stream: LayerStream, checked?: Promise<void>): Promise<void> {
  const key = cacheKey(w, l);
  if (key === undefined) return walkTar(w, l, stream);
  const before = w.stats.bytes;
  const writer = new RecordWriter(key, l.diffId);
  w.recording = writer;
  const state = (w.layerState = { recordable: true });
  w.recordBytes = 0;
  w.pendingSaves = [];
  try {
    await walkTar(w, l, stream);
  } catch (e) {
    writer.abandon();
    throw e;
  } finally {
    w.recording = undefined;
  }
  // stored while the next layers are walked: the outcomes a content check computes off the walk (the
  // malware worker) complete the record first, then its last entries are compressed and it is written
  // (walkImage awaits it)
  const saves = w.pendingSaves.splice(0);
  const bytes = w.stats.bytes - before;
  w.stores.push(
    (async () => {
      await Promise.all(saves);
      const cache = w.opts.cache!;
      // a check that fails fails the walk (LayerVerifier.watch): nothing is stored
      if (checked && !(await checked.then(() => true, () => false))) {
        writer.abandon();
        return;
      }
      if (!state.recordable) {
        writer.abandon();
        cache.onNote?.(`layer cache: ${w.label(l)} not stored (a result that cannot be replayed, or too large)`);
        return;
      }
      const why = await cache.store.putWritten(writer, bytes);
      if (why !== undefined) {
        cache.onNote?.(`layer cache: ${w.label(l)} not stored: ${why}`);
        return;
      }
      w.stats.recordedLayers++;
      if (w.image.layerIdentity === 'pinned-blob' && l.digest !== undefined) await cache.store.putBlob(l.digest, l.diffId);
    })(),
  );
}
