// The layer walker: one streamed pass over each layer, in order. Entry names are normalised; whiteouts
// and opaque directories are applied as they stream by to decide which analyzed files are `effective`;
// analyzers get only the regular files their `required()` selects (buffered up to maxFileBytes);
// required symlinks and hard links are resolved inside the image after the pass; layers met before are
// replayed from the layer analysis cache. See README.md.
import type { Analyzer, LayerContent, ResolvedImage } from '../core/types.js';
import { PortcullisError } from '../core/errors.js';
import { walkDir } from './dirwalk.js';
import { resolvePending } from './links.js';
import { RecordRejected } from './recordreader.js';
import { LayerVerifier, lookup, pinnedKnown, replayLayer, walkTarCached } from './replay.js';
import type { WalkOptions, WalkResult } from './types.js';
import { Walk } from './walk.js';

export * from './types.js';
export { FileTracker } from './tracker.js';
export { normaliseEntryPath, resolveInRoot } from './path.js';
export { applyOverlay } from './walk.js';
export { DEFAULT_CACHE_MAX_BYTES, defaultLayerCacheDir, LayerCache, type LayerCacheStats } from './layercache.js';
export { RecordRejected } from './recordreader.js';

/**
 * Walk every layer of `image` once, in order, feeding analyzers the files they require.
 * Whole-run failures (unreadable layer, digest mismatch, limits on entries/bytes) throw PortcullisError;
 * per-file problems are returned in `problems` and the analyzers' statuses. A layer record found damaged
 * part-way through its replay throws RecordRejected once the record is removed: the observers have seen
 * part of a layer, so the caller walks again with fresh ones (scan/collect.ts), and reads that layer.
 */
export async function walkImage(image: ResolvedImage, analyzers: Analyzer[], opts: WalkOptions = {}): Promise<WalkResult> {
  const w = new Walk(image, analyzers, opts);
  const total = image.layers.length;
  const verifier = new LayerVerifier(w);
  // the next layer's record is read and its seal checked while this one is walked (its entries are inflated as it is replayed)
  const lookAhead = (i: number): ReturnType<typeof lookup> | undefined => {
    const l = image.layers[i];
    if (!l) return undefined;
    const p = lookup(w, l);
    p.catch(() => undefined); // awaited in its turn; not an unhandled rejection when the walk fails first
    return p;
  };
  let next = lookAhead(0);
  // the layers a source hashes apart from their streams are hashed from now on, in order: one at a time
  // while a layer is walked here (the walk has the other core), two while one is replayed or once all are
  image.checkAhead?.(1);
  try {
    for (const [i, l] of image.layers.entries()) {
      if (opts.signal?.aborted) throw new PortcullisError('INTERNAL', 'walk aborted');
      await verifier.check();
      const hit = await next;
      next = lookAhead(i + 1);
      image.checkAhead?.(hit ? 2 : 1);
      if (hit) {
        if (hit.skipRead) w.stats.notDownloaded++;
        else verifier.add(l);
        await replayLayer(w, l, hit.rec);
        w.stats.cachedLayers++;
      } else {
        let content: LayerContent;
        let checked: Promise<void> | undefined;
        try {
          // hashed apart from the walk where the source can (each at its own pace): the check is watched
          // like a cached layer's, and the layer's record is stored only once it passed
          const unchecked = await image.openLayerUnchecked?.(l.diffId, opts.signal);
          if (unchecked) {
            checked = unchecked.checked;
            verifier.watch(l, checked);
            content = { kind: 'tar', stream: unchecked.stream };
          } else content = await image.openLayer(l.diffId, opts.signal);
        } catch (e) {
          throw w.layerError(l, e);
        }
        if (content.kind === 'fs') await walkDir(w, l, content.root);
        else await walkTarCached(w, l, content.stream, checked);
      }
      w.stats.layers++;
      opts.onLayer?.(w.stats.layers, total);
    }
    // nothing the replays (or walks hashed apart) found counts before every such layer's bytes were hashed in this run
    image.checkAhead?.(2);
    await verifier.done();
  } catch (e) {
    await verifier.abort();
    // records of the layers walked so far are still being stored: let them land before the caller walks again
    if (e instanceof RecordRejected) await Promise.allSettled(w.stores.splice(0));
    throw e;
  }
  await resolvePending(w);
  await Promise.all(w.stores.splice(0));
  if (opts.cache) opts.cache.onNote?.(`layer cache: ${w.stats.cachedLayers} of ${total} layer(s) replayed from the cache, ${w.stats.notDownloaded} not downloaded`);
  const files = w.files.filter((f) => !w.placeholders.has(f)).sort((a, b) => a.layer.index - b.layer.index || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || (a.analyzer < b.analyzer ? -1 : a.analyzer > b.analyzer ? 1 : 0));
  return {
    files,
    analyzers: w.book.statuses(),
    problems: [...w.problems, ...w.book.problems()],
    stats: w.stats,
  };
}

/**
 * Read every layer of `image` only to check its digests, as walkImage does for the layers it replays: for
 * an image whose whole analysis came from the cache (scan/imagecache.ts), nothing of it counts before its
 * layers were hashed in this run. A registry blob pinned by the manifest hashed in this run, whose diff_id
 * the cache recorded from bytes it hashed, is not read. Returns how many layers were not read; throws as
 * walkImage would (DIGEST_MISMATCH, ...).
 */
export async function verifyLayers(image: ResolvedImage, opts: Pick<WalkOptions, 'cache' | 'signal'>): Promise<{ notDownloaded: number }> {
  const w = new Walk(image, [], opts);
  const verifier = new LayerVerifier(w);
  let notDownloaded = 0;
  image.checkAhead?.(2);
  try {
    for (const l of image.layers) {
      if (await pinnedKnown(w, l)) notDownloaded++;
      else verifier.add(l);
    }
    await verifier.done();
  } catch (e) {
    await verifier.abort();
    throw e;
  }
  return { notDownloaded };
}
