// The image analysis cache: beside each layer's record, the layer cache keeps what collecting a whole image
// produced (the inventory, and the content checks' results), under a key of everything that result depends
// on: the image as resolved (reference, tags, digests, platform, annotations, config and layers: a
// registry manifest hashed in this run pins them), the analyzers, limits, the cache salt (scanner
// version, content checks' versions and rule digests) and the collect options. A hit still needs every layer hashed in this run, as a replayed layer
// does (walker verifyLayers: a registry blob pinned by the manifest and known to the cache is not even
// read), and then skips the replay of every layer: a warm rescan of a registry image costs its manifest,
// config and this document. An analysis is stored only when every layer of the image is in the layer
// cache (recorded or replayed): what a layer's record cannot hold (a live clamd's verdicts) keeps the
// image out too.
import { createHash } from 'node:crypto';
import type { Analyzer, ResolvedImage } from '../core/types.js';
import type { Inventory } from '../core/report.js';
import type { CheckResult } from '../checks/types.js';
import { DEFAULT_LIMITS, verifyLayers, type WalkCache, type WalkResult } from '../walker/index.js';

/** Bump when what is stored, or what the key covers, changes. */
const IMAGE_FORMAT = 1;

export interface ImageAnalysis {
  inventory: Inventory;
  /** absent for an inventory alone (sbom) */
  checkResults?: CheckResult[];
}

export interface ImageKeyParts {
  analyzers: Analyzer[];
  limits?: object;
  maxPackages?: number;
  includeDeclared?: boolean;
  /** with the content checks' results (scan), or the inventory alone (sbom) */
  withChecks: boolean;
}

/** The key of `image`'s analysis, or undefined when the image cannot be cached (no verified layer identity). */
export function imageKey(image: ResolvedImage, cache: WalkCache, p: ImageKeyParts): string | undefined {
  if (image.layerIdentity === undefined || image.layers.some((l) => l.diffId.startsWith('dir:'))) return undefined;
  // what the report's image summary is made of, as resolved (not redacted: redacting needs the secret
  // rules, and only this digest of it is kept)
  const doc = JSON.stringify([
    IMAGE_FORMAT,
    p.withChecks,
    image.layerIdentity,
    [image.ref, image.repoTags, image.manifestDigest ?? null, image.configDigest ?? null, image.platform, image.annotations],
    image.config,
    image.layers,
    p.analyzers.map((a) => [a.name, a.version, a.maxFileBytes ?? null]),
    { ...DEFAULT_LIMITS, ...(p.limits ?? {}) },
    cache.salt,
    p.maxPackages ?? null,
    p.includeDeclared ?? false,
  ]);
  return createHash('sha256').update(doc).digest('hex');
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `v` as an ImageAnalysis of the expected kind, or undefined when its shape is wrong. */
function checkAnalysis(v: unknown, withChecks: boolean): ImageAnalysis | undefined {
  if (!isObj(v) || !isObj(v.inventory)) return undefined;
  const inv = v.inventory;
  if (!isObj(inv.image) || !Array.isArray(inv.packages) || !Array.isArray(inv.analyzers) || !Array.isArray(inv.gaps)) return undefined;
  if (withChecks !== (v.checkResults !== undefined)) return undefined;
  if (withChecks && !(Array.isArray(v.checkResults) && v.checkResults.every((r) => isObj(r) && Array.isArray(r.findings) && isObj(r.status)))) return undefined;
  return v as unknown as ImageAnalysis;
}

/**
 * The cached analysis under `key`, once every layer of `image` was hashed in this run (throws as a walk
 * would when one does not match); undefined on a miss.
 */
export async function cachedAnalysis(image: ResolvedImage, key: string, cache: WalkCache, withChecks: boolean, signal?: AbortSignal): Promise<ImageAnalysis | undefined> {
  const found = checkAnalysis(await cache.store.getImage(key), withChecks);
  if (!found) return undefined;
  const { notDownloaded } = await verifyLayers(image, { cache, signal });
  cache.onNote?.(`layer cache: the image's analysis replayed from the cache (${image.layers.length - notDownloaded} layer(s) hashed, ${notDownloaded} not downloaded)`);
  return found;
}

/** Store an image's analysis when every one of its layers is in the layer cache. */
export async function storeAnalysis(image: ResolvedImage, key: string, cache: WalkCache, walk: WalkResult, analysis: ImageAnalysis): Promise<void> {
  if (walk.stats.cachedLayers + walk.stats.recordedLayers !== image.layers.length) return;
  const why = await cache.store.putImage(key, analysis);
  if (why !== undefined) cache.onNote?.(`layer cache: the image's analysis not stored: ${why}`);
}
