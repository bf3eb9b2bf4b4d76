// Builds a ResolvedImage over a BlobStore: openLayer streams the layer blob, verifies the blob digest
// (when the layout records one), decompresses by magic bytes (gzip, zstd or none, whatever the media
// type says) and verifies the diff_id (sha256 of the uncompressed tar) while the walker reads it.
// A mismatch surfaces as an error of the stream: PortcullisError DIGEST_MISMATCH naming the layer.
import type { Readable } from 'node:stream';
import { open, type FileHandle } from 'node:fs/promises';
import type { ImageRef, LayerContent, LayerInfo, LayerStream, ResolvedImage, UncheckedLayer } from '../core/types.js';
import { PortcullisError } from '../core/errors.js';
import { compressionAt, type BlobRegion, type BlobStore } from './store.js';
import { OFFLOAD_MIN_BYTES, regionDigest, sharedHashWorker } from './hashworker.js';
import { RingInflate, type RingInflateOptions } from './ringinflate.js';
import { RingRegion, type Expected } from './ringregion.js';
import { PlainRegion } from './plainregion.js';
import { changed } from './fileidentity.js';
import { RegionChecks, type CheckedLayer } from './regionchecks.js';
import { asReadError, chain, compressionOf, decompressor, digestCheck, layerReadError, mismatch, peek } from './streams.js';

export interface LayerBlob {
  /** name of the blob in the store */
  name: string;
  /** digest of the stored blob, verified when known */
  blobDigest?: string;
}

/** What a source read of an image: a ResolvedImage without its methods, plus the store and layer blobs. */
export interface ImageParts extends Omit<ResolvedImage, 'openLayer' | 'close'> {
  store: BlobStore;
  /** one per layer, in the order of `layers` */
  blobs: LayerBlob[];
}

export function layerLabel(ref: ImageRef, l: LayerInfo): string {
  return `${ref.path ?? ref.input}: layer ${l.index + 1} (${l.diffId})`;
}

/** The digests a layer's blob is checked against: its blob digest (when the layout records one) and diff_id. */
function digestsOf(l: LayerInfo, b: LayerBlob): string[] {
  return b.blobDigest ? [b.blobDigest, l.diffId] : [l.diffId];
}

/** compressed blobs from this size on are gunzipped in the hash worker (RingInflate) */
export const INFLATE_MIN_BYTES = 2 * 1024 * 1024;

/**
 * A large blob lying in a local file, walked from a ring the hash worker lends: uncompressed, read into it
 * and hashed where it lies (RingRegion); gzip'd, read, hashed, gunzipped and hashed again by the worker,
 * which writes the inflated bytes into it (RingInflate). Undefined when the blob is neither, or no worker runs.
 */
async function ringStream(parts: ImageParts, l: LayerInfo, b: LayerBlob, what: string, signal?: AbortSignal): Promise<LayerStream | undefined> {
  const region = parts.store.region?.(b.name);
  if (!region || region.size < INFLATE_MIN_BYTES) return undefined;
  let compression;
  try {
    compression = await compressionAt(region.path, region.offset, region.size);
  } catch (e) {
    throw asReadError(e, what);
  }
  // the worker is started only for a blob it takes (a small image's layers are hashed inline: no worker boot)
  if (!(compression === 'gzip' || (compression === 'none' && region.size >= OFFLOAD_MIN_BYTES))) return undefined;
  const worker = sharedHashWorker();
  if (!worker) return undefined;
  if (compression === 'none') {
    const { blob, diff } = checksOf(l, b, what);
    // the blob's bytes are the layer's: one hash settles its blob digest and diff_id alike
    const expected = blob && blob.digest !== diff.digest ? [blob, diff] : [diff];
    return new RingRegion(worker, region.path, region.offset, region.size, { expected, what, signal, onVerified: () => verified(parts, l, b, false) });
  }
  return new RingInflate(worker, { path: region.path, offset: region.offset, length: region.size }, inflateOptions(parts, l, b, what, signal));
}

/**
 * A large uncompressed blob lying in a local file, walked as the main thread reads it while its check
 * (regionchecks.ts) reads and hashes it in a hash worker. Undefined when the blob is not one, or no worker runs.
 */
async function uncheckedRegion(checks: RegionChecks, i: number, signal?: AbortSignal): Promise<UncheckedLayer | undefined> {
  const check = await checks.of(i);
  if (!check) return undefined;
  const { region, ident, what } = check;
  let fh: FileHandle | undefined;
  try {
    fh = await open(region.path, 'r');
    const why = changed(await fh.stat({ bigint: true }), ident);
    if (why) throw new Error(why);
  } catch (e) {
    await fh?.close().catch(() => undefined);
    throw asReadError(e, what);
  }
  return { stream: new PlainRegion(fh, region.offset, region.size, ident, what, signal), checked: check.done };
}

/** `p`, or a rejection once `signal` aborts (the check goes on: other callers may wait on it). */
function waitUnlessAborted(p: Promise<void>, signal: AbortSignal | undefined, what: string): Promise<void> {
  if (!signal) return p;
  const aborted = (): PortcullisError => new PortcullisError('INTERNAL', `${what}: aborted`, { subject: what });
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** What a region check (regionchecks.ts) needs of layer `i`. */
function checkedLayer(parts: ImageParts, i: number): CheckedLayer {
  const l = parts.layers[i]!;
  const b = parts.blobs[i]!;
  const what = layerLabel(parts.ref, l);
  const { blob, diff } = checksOf(l, b, what);
  const known = parts.store.verifiedDigests?.(b.name);
  return {
    what,
    region: parts.store.region?.(b.name),
    // the blob's bytes are the layer's: one hash settles its blob digest and diff_id alike (a mismatch names the blob first)
    expected: blob ? [blob, diff] : [diff],
    known: known !== undefined && digestsOf(l, b).every((d) => known.has(d)),
    onVerified: () => verified(parts, l, b, false),
  };
}

/** The digests a layer's blob is checked against, each with the name a mismatch gives. */
function checksOf(l: LayerInfo, b: LayerBlob, what: string): { blob?: Expected; diff: Expected } {
  return { blob: b.blobDigest ? { digest: b.blobDigest, what: `${what}: blob ${b.name}` } : undefined, diff: { digest: l.diffId, what: `${what}: diff_id` } };
}

/**
 * Every digest of a layer's blob matched in this run: noted for the store, and a compressed blob's
 * diff_id remembered for later runs (verifying it then takes hashing the blob, not decompressing it).
 */
function verified(parts: ImageParts, l: LayerInfo, b: LayerBlob, compressed: boolean): void {
  parts.store.noteVerified?.(b.name, digestsOf(l, b));
  if (compressed && b.blobDigest) parts.store.memo?.putBlob(b.blobDigest, l.diffId).catch(() => undefined);
}

/** A gzip'd layer's checks in the worker: its blob digest (when known) and diff_id. */
function inflateOptions(parts: ImageParts, l: LayerInfo, b: LayerBlob, what: string, signal?: AbortSignal): RingInflateOptions {
  return { ...checksOf(l, b, what), what, signal, onVerified: () => verified(parts, l, b, true) };
}

async function openBlob(parts: ImageParts, l: LayerInfo, b: LayerBlob, signal?: AbortSignal): Promise<LayerStream> {
  const what = layerLabel(parts.ref, l);
  const ringed = await ringStream(parts, l, b, what, signal);
  if (ringed) return ringed;
  let raw: Readable;
  try {
    raw = parts.store.stream(b.name);
  } catch (e) {
    throw e instanceof PortcullisError ? new PortcullisError(e.code, `${what}: ${e.message}`, { cause: e, subject: what }) : asReadError(e, what);
  }
  let head: Buffer;
  try {
    head = await peek(raw, 4); // magic bytes decide the decompressor, whatever the media type says
  } catch (e) {
    raw.destroy();
    throw asReadError(e, what);
  }
  // Large blobs are hashed in the hash worker, small ones inline (no worker start-up for small images).
  // The stored size stands in for the uncompressed one too: a compressed layer is rarely smaller inflated.
  const sizeHint = parts.store.size?.(b.name) ?? l.size;
  const opts = sizeHint === undefined ? {} : { sizeHint };
  const compression = compressionOf(head);
  // a large gzip'd blob streamed (a registry download): placed in the worker's ring, gunzipped there (RingInflate)
  const worker = compression === 'gzip' && sizeHint !== undefined && sizeHint >= INFLATE_MIN_BYTES ? sharedHashWorker() : undefined;
  if (worker) return new RingInflate(worker, { stream: raw }, inflateOptions(parts, l, b, what, signal));
  const streams: Readable[] = [raw];
  if (b.blobDigest) streams.push(digestCheck(b.blobDigest, `${what}: blob ${b.name}`, opts));
  streams.push(decompressor(compression), digestCheck(l.diffId, `${what}: diff_id`, opts));
  const out = chain(streams, what);
  // read to its end: every digest check passed
  out.on('end', () => verified(parts, l, b, compression !== 'none'));
  if (signal) {
    const onAbort = (): void => {
      out.destroy(new PortcullisError('INTERNAL', `${what}: aborted`));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    out.on('close', () => signal.removeEventListener('abort', onAbort));
  }
  return out;
}

/**
 * The digests a blob's raw bytes must have when hashing them alone checks the layer: an uncompressed
 * blob's bytes are the layer (blob digest and diff_id alike); a compressed blob whose diff_id a run that
 * hashed both bytes recorded (the memo's blob → diff_id) needs only its blob digest. Else undefined:
 * the layer must be decompressed and hashed.
 */
async function rawSuffices(parts: ImageParts, l: LayerInfo, b: LayerBlob, region: BlobRegion): Promise<string[] | undefined> {
  if ((await compressionAt(region.path, region.offset, region.size)) === 'none') return digestsOf(l, b);
  const memo = parts.store.memo;
  if (!b.blobDigest || !memo) return undefined;
  const known = await memo.blobDiffId(b.blobDigest).catch(() => undefined);
  return known === l.diffId ? [b.blobDigest] : undefined;
}

/**
 * Check a layer's digests without walking it (a cached layer). A blob lying in a local file (a plain
 * archive's member, the temp copy of a compressed archive, an OCI layout's blob) is hashed as it is
 * stored when that settles it (rawSuffices): no decompression, and large ones are read and hashed in a
 * hash worker. Anything else is streamed through openBlob's checks on this thread.
 */
async function verifyBlob(parts: ImageParts, l: LayerInfo, b: LayerBlob, signal?: AbortSignal): Promise<void> {
  const what = layerLabel(parts.ref, l);
  // known from a run over the same compressed archive bytes (their digest computed in this run)
  const known = parts.store.verifiedDigests?.(b.name);
  if (known && digestsOf(l, b).every((d) => known.has(d))) return;
  const region = parts.store.region?.(b.name);
  let expected: string[] | undefined;
  try {
    expected = region ? await rawSuffices(parts, l, b, region) : undefined;
  } catch (e) {
    throw asReadError(e, what);
  }
  if (!region || !expected) {
    const s = await openBlob(parts, l, b, signal);
    for await (const _ of s) {
      // the stream's digest checks see every byte
    }
    return;
  }
  let got: string;
  try {
    got = `sha256:${await regionDigest(region.path, region.offset, region.size, signal)}`;
  } catch (e) {
    throw layerReadError(e, what);
  }
  for (const d of expected) {
    if (got !== d) throw mismatch(d, got, d === b.blobDigest ? `${what}: blob ${b.name}` : `${what}: diff_id`);
  }
  verified(parts, l, b, false);
}

export function makeImage(parts: ImageParts): ResolvedImage {
  const layerAt = (diffId: string): number => {
    const i = parts.layers.findIndex((l) => l.diffId === diffId);
    if (i < 0) throw new PortcullisError('NOT_FOUND', `${parts.ref.path ?? parts.ref.input}: no layer with diff_id ${diffId}`);
    return i;
  };
  const checks = new RegionChecks((i) => checkedLayer(parts, i));
  const image: ResolvedImage = {
    ref: parts.ref,
    repoTags: parts.repoTags,
    annotations: parts.annotations,
    platform: parts.platform,
    config: parts.config,
    layers: parts.layers,
    async openLayer(diffId: string, signal?: AbortSignal): Promise<LayerContent> {
      const i = layerAt(diffId);
      return { kind: 'tar', stream: await openBlob(parts, parts.layers[i]!, parts.blobs[i]!, signal) };
    },
    async openLayerUnchecked(diffId: string, signal?: AbortSignal): Promise<UncheckedLayer | undefined> {
      return uncheckedRegion(checks, layerAt(diffId), signal);
    },
    checkAhead(parallel: number): void {
      checks.ahead(parts.layers.length, parallel);
    },
    async verifyLayer(diffId: string, signal?: AbortSignal): Promise<void> {
      const i = layerAt(diffId);
      // a large plain region: the check a walk of it would wait on (queued in layer order)
      const check = await checks.of(i);
      if (check) return waitUnlessAborted(check.done, signal, check.what);
      await verifyBlob(parts, parts.layers[i]!, parts.blobs[i]!, signal);
    },
    close: () => {
      checks.close();
      return parts.store.close();
    },
  };
  // every layer stream below checks the diff_id (and the blob digest when known) of what it gives
  image.layerIdentity = parts.layerIdentity ?? 'diff-id';
  if (parts.manifestDigest) image.manifestDigest = parts.manifestDigest;
  if (parts.configDigest) image.configDigest = parts.configDigest;
  return image;
}
