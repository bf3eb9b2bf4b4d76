// Orchestration of the inventory stage: open the image, walk it once with every analyzer, merge.
import type { Analyzer, Platform, ResolvedImage } from '../core/types.js';
import type { Inventory } from '../core/report.js';
import type { WalkLimits } from '../core/types.js';
import { openImage, type OpenOptions } from '../source/index.js';
import { RecordRejected, walkImage, type WalkCache, type WalkResult } from '../walker/index.js';
import { analyzers as allAnalyzers } from '../analyzers/registry.js';
import { buildInventory } from './inventory.js';
import { FileTracker } from '../walker/tracker.js';
import { finishChecks, type CheckResult, type ContentCheck } from '../checks/index.js';
import { cachedAnalysis, imageKey, storeAnalysis, type ImageAnalysis } from './imagecache.js';

export interface CollectOptions {
  platform?: Platform;
  signal?: AbortSignal;
  analyzers?: Analyzer[];
  limits?: Partial<WalkLimits>;
  onLayer?: (done: number, total: number) => void;
  /** limit on the decompressed size of a gzip/zstd whole archive (source/store; default 4 GiB) */
  maxArchiveBytes?: number;
  /** packages an inventory holds at most (scan/inventory MAX_INVENTORY_PACKAGES); past it, a limit-exceeded gap */
  maxPackages?: number;
  /** registry access for registry references */
  registry?: OpenOptions['registry'];
  /** keep packages lockfiles declare but the image does not install (analyzers/declared.ts) */
  includeDeclared?: boolean;
  /** the layer analysis cache (absent: --no-cache); its salt should name the scanner version */
  cache?: WalkCache;
}

/** The cache with the content checks that ride the walk added to its key: their names, versions and rule/signature digests. */
function withChecks(cache: WalkCache | undefined, checks: ContentCheck[]): WalkCache | undefined {
  if (!cache) return undefined;
  return { ...cache, salt: [...cache.salt, checks.map((c) => [c.name, c.version, c.rulesDigest])] };
}

/** How the image is opened: the archive memo is the layer cache's (a compressed archive met before is not decompressed again). */
function openOptions(opts: CollectOptions): OpenOptions {
  return { platform: opts.platform, signal: opts.signal, maxArchiveBytes: opts.maxArchiveBytes, ...(opts.registry ? { registry: opts.registry } : {}), ...(opts.cache ? { archiveMemo: opts.cache.store } : {}) };
}

/**
 * What `analyse` (a walk of `image`) produces, or the analysis the image analysis cache holds for it
 * (scan/imagecache.ts: it counts once every layer was hashed in this run); a fresh one is stored when
 * every layer is in the layer cache.
 */
async function throughImageCache<T extends ImageAnalysis>(
  image: ResolvedImage,
  cache: WalkCache | undefined,
  opts: CollectOptions,
  withChecks: boolean,
  analyse: () => Promise<{ walk: WalkResult; analysis: T }>,
): Promise<T> {
  const key = cache && imageKey(image, cache, { analyzers: opts.analyzers ?? allAnalyzers, limits: opts.limits, maxPackages: opts.maxPackages, includeDeclared: opts.includeDeclared, withChecks });
  // a hit has checkResults exactly when withChecks (cachedAnalysis checks the stored shape)
  const hit = key ? ((await cachedAnalysis(image, key, cache!, withChecks, opts.signal)) as T | undefined) : undefined;
  if (hit) {
    opts.onLayer?.(image.layers.length, image.layers.length);
    return hit;
  }
  const { walk, analysis } = await againOnRejection(analyse, cache?.onNote);
  if (key) await storeAnalysis(image, key, cache!, walk, analysis);
  return analysis;
}

/**
 * `analyse()`, done again while a layer record proves damaged part-way through its replay: that walk's
 * checks saw part of a layer. The record was removed and its key is a miss for the rest of the run
 * (walker/layercache.ts), so the next walk reads that layer as on a miss; each time is another layer's
 * record, so this ends.
 */
async function againOnRejection<T>(analyse: () => Promise<T>, onNote: ((message: string) => void) | undefined): Promise<T> {
  for (;;) {
    try {
      return await analyse();
    } catch (e) {
      if (!(e instanceof RecordRejected)) throw e;
      onNote?.(`${e.message}: the image is walked again`);
    }
  }
}

export async function collectInventory(input: string, opts: CollectOptions = {}): Promise<Inventory> {
  const image = await openImage(input, openOptions(opts));
  try {
    const cache = withChecks(opts.cache, []);
    const { inventory } = await throughImageCache(image, cache, opts, false, async () => {
      const walk = await walkImage(image, opts.analyzers ?? allAnalyzers, {
        signal: opts.signal,
        limits: opts.limits,
        onLayer: opts.onLayer,
        cache,
      });
      return { walk, analysis: { inventory: buildInventory(image, walk, { maxPackages: opts.maxPackages, includeDeclared: opts.includeDeclared }) } };
    });
    return inventory;
  } finally {
    await image.close();
  }
}

export interface ScanCollectOptions extends CollectOptions {
  /** content checks (secrets, malware, config) riding the same pass; prepared with prepareChecks() */
  checks?: ContentCheck[];
}

/** The inventory and the content checks' results, from one walk over the image. */
export async function collectWithChecks(input: string, opts: ScanCollectOptions = {}): Promise<{ inventory: Inventory; checkResults: CheckResult[] }> {
  const image = await openImage(input, openOptions(opts));
  try {
    return await walkWithChecks(image, opts);
  } finally {
    await image.close();
  }
}

/** collectWithChecks on an image already open (left open). */
export async function walkWithChecks(image: ResolvedImage, opts: ScanCollectOptions = {}): Promise<{ inventory: Inventory; checkResults: CheckResult[] }> {
  const cache = withChecks(opts.cache, opts.checks ?? []);
  return throughImageCache(image, cache, opts, true, async () => {
    const tracker = new FileTracker();
    const runs = (opts.checks ?? []).map((c) => c.start({ config: image.config, layers: image.layers, track: tracker.track, signal: opts.signal }));
    const walk = await walkImage(image, opts.analyzers ?? allAnalyzers, {
      signal: opts.signal,
      limits: opts.limits,
      onLayer: opts.onLayer,
      observers: runs,
      tracker,
      cache,
    });
    const inventory = buildInventory(image, walk, { maxPackages: opts.maxPackages, includeDeclared: opts.includeDeclared });
    return { walk, analysis: { inventory, checkResults: await finishChecks(runs, inventory) } };
  });
}
