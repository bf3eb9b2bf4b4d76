// The layer analysis cache in the walk: look a layer up, replay its record through the walker's entry
// path (after reading and hashing the layer, unless its blob is pinned and known), or walk it and store
// what the walk recorded. See layercache.ts (the store) and record.ts (what a record holds).
import type { Readable } from 'node:stream';
import type { EntryInfo, LayerInfo } from '../core/types.js';
import { PortcullisError } from '../core/errors.js';
import { layerKey, RECORD_FORMAT, type EntryRecord, type LayerRecord } from './record.js';
import { walkTar } from './tarwalk.js';
import { Replayed, SkipFile, type Walk } from './walk.js';

function cacheKey(w: Walk, l: LayerInfo): string | undefined {
  const c = w.opts.cache;
  if (!c || w.image.layerIdentity === undefined || l.diffId.startsWith('dir:')) return undefined;
  return layerKey(l.diffId, w.analyzers, w.limits, c.salt);
}

/** The cached record of `l`, and whether its bytes need not be read (a registry blob pinned by the manifest we hashed, whose diff_id we recorded). */
export async function lookup(w: Walk, l: LayerInfo): Promise<{ rec: LayerRecord; skipRead: boolean } | undefined> {
  const key = cacheKey(w, l);
  if (key === undefined) return undefined;
  const store = w.opts.cache!.store;
  const rec = await store.get(key, l.diffId);
  if (!rec) return undefined;
  const skipRead = w.image.layerIdentity === 'pinned-blob' && l.digest !== undefined && (await store.blobDiffId(l.digest)) === l.diffId;
  return { rec, skipRead };
}

/**
 * Replay a cached layer through the same entry path as a walk. Unless the blob is pinned and known,
 * the layer is read and hashed meanwhile (the source checks its diff_id; reading and hashing run off
 * the main thread, the replay on it), and the layer ends only once that read ended well: a record
 * counts only for bytes hashed in this run.
 */
export async function replayLayer(w: Walk, l: LayerInfo, rec: LayerRecord, skipRead: boolean): Promise<void> {
  let stop: (() => void) | undefined;
  const reading = skipRead
    ? undefined
    : (async () => {
        const content = await w.image.openLayer(l.diffId, w.opts.signal);
        if (content.kind !== 'tar') throw new PortcullisError('INTERNAL', `${w.label(l)}: not a tar layer`);
        stop = () => content.stream.destroy();
        for await (const _ of content.stream) {
          // the source's digest check sees every byte
        }
      })().then(
        () => undefined,
        (e: unknown) => w.layerError(l, e),
      );
  try {
    await replayEntries(w, l, rec);
  } catch (e) {
    stop?.();
    await reading;
    throw e;
  }
  const failed = await reading;
  if (failed) throw failed;
}

/** entries replayed between two turns of the event loop */
const YIELD_EVERY = 512;

async function replayEntries(w: Walk, l: LayerInfo, rec: LayerRecord): Promise<void> {
  w.stats.bytes += rec.bytes;
  if (w.stats.bytes > w.limits.maxTotalBytes) throw w.tooManyBytes(l);
  let n = 0;
  for (const e of rec.entries) {
    // the layer's read and hash go on meanwhile: its chunks arrive as I/O callbacks, which a loop of
    // already-settled awaits would hold back until the end; give them a turn now and then
    if (++n % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    const info: Omit<EntryInfo, 'path'> = { type: e.t, size: e.s, mode: e.m };
    if (e.u !== undefined) info.uid = e.u;
    if (e.g !== undefined) info.gid = e.g;
    if (e.l !== undefined) info.linkTarget = e.l;
    await w.entry(
      l,
      e.n,
      info,
      async (_max, fan) => {
        const r = e.r;
        if (!r) throw new SkipFile('the layer cache holds no record of reading this file');
        if (r.skip !== undefined) throw new SkipFile(r.skip);
        if (fan) await fan.restore(r.sinks);
        return new Replayed(r);
      },
      e.x ? { pax: e.x } : {},
    );
  }
}

/** Walk a tar layer, recording it for the cache when there is one; the record is stored once the whole layer was read (and so its digests checked). */
export async function walkTarCached(w: Walk, l: LayerInfo, stream: Readable): Promise<void> {
  const key = cacheKey(w, l);
  if (key === undefined) return walkTar(w, l, stream);
  const before = w.stats.bytes;
  w.recording = [];
  const state = (w.layerState = { recordable: true });
  w.recordBytes = 0;
  w.pendingSaves = [];
  let entries: EntryRecord[];
  try {
    await walkTar(w, l, stream);
  } finally {
    entries = w.recording;
    w.recording = undefined;
  }
  // stored while the next layers are walked: the outcomes a content check computes off the walk (the
  // malware worker) complete the record first, then it is compressed and written (walkImage awaits it)
  const saves = w.pendingSaves.splice(0);
  const bytes = w.stats.bytes - before;
  w.stores.push(
    (async () => {
      await Promise.all(saves);
      const cache = w.opts.cache!;
      if (!state.recordable) {
        cache.onNote?.(`layer cache: ${w.label(l)} not stored (a result that cannot be replayed, or too large)`);
        return;
      }
      const why = await cache.store.put(key, { format: RECORD_FORMAT, diffId: l.diffId, bytes, entries });
      if (why !== undefined) cache.onNote?.(`layer cache: ${w.label(l)} not stored: ${why}`);
      else if (w.image.layerIdentity === 'pinned-blob' && l.digest !== undefined) await cache.store.putBlob(l.digest, l.diffId);
    })(),
  );
}
