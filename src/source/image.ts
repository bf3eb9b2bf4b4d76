// Builds a ResolvedImage over a BlobStore: openLayer streams the layer blob, verifies the blob digest
// (when the layout records one), decompresses by magic bytes (gzip, zstd or none, whatever the media
// type says) and verifies the diff_id (sha256 of the uncompressed tar) while the walker reads it.
// A mismatch surfaces as an error of the stream: PortcullisError DIGEST_MISMATCH naming the layer.
import type { Readable } from 'node:stream';
import type { ImageRef, LayerContent, LayerInfo, ResolvedImage } from '../core/types.js';
import { PortcullisError } from '../core/errors.js';
import { open } from 'node:fs/promises';
import type { BlobRegion, BlobStore } from './store.js';
import { fileHashWorker, HashWorkerError, OFFLOAD_MIN_BYTES } from './hashworker.js';
import { asReadError, chain, compressionOf, decompressor, digestCheck, mismatch, peek } from './streams.js';

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

async function openBlob(parts: ImageParts, l: LayerInfo, b: LayerBlob, signal?: AbortSignal): Promise<Readable> {
  const what = layerLabel(parts.ref, l);
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
  const streams: Readable[] = [raw];
  if (b.blobDigest) streams.push(digestCheck(b.blobDigest, `${what}: blob ${b.name}`, opts));
  streams.push(decompressor(compressionOf(head)), digestCheck(l.diffId, `${what}: diff_id`, opts));
  const out = chain(streams, what);
  // read to its end: every digest check passed
  out.on('end', () => parts.store.noteVerified?.(b.name, digestsOf(l, b)));
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

/** The first bytes of a region: no compression by its magic bytes (then its bytes are the layer's tar). */
async function uncompressed(r: BlobRegion): Promise<boolean> {
  const fh = await open(r.path, 'r');
  try {
    const head = Buffer.alloc(Math.min(4, r.size));
    const { bytesRead } = await fh.read(head, 0, head.length, r.offset);
    return compressionOf(head.subarray(0, bytesRead)) === 'none';
  } finally {
    await fh.close();
  }
}

/**
 * Check a layer's digests without walking it (a cached layer). An uncompressed blob lying in a local file
 * (a plain archive's member, the temp copy of a compressed archive, an OCI layout's blob) is read and
 * hashed in the hash worker: its blob digest and diff_id are the sha256 of the same bytes. Anything else
 * is streamed through openBlob's checks on this thread.
 */
async function verifyBlob(parts: ImageParts, l: LayerInfo, b: LayerBlob, signal?: AbortSignal): Promise<void> {
  const what = layerLabel(parts.ref, l);
  // known from a run over the same compressed archive bytes (their digest computed in this run)
  const known = parts.store.verifiedDigests?.(b.name);
  if (known && digestsOf(l, b).every((d) => known.has(d))) return;
  const region = parts.store.region?.(b.name);
  const worker = region && region.size >= OFFLOAD_MIN_BYTES ? fileHashWorker() : undefined;
  let plain = false;
  if (region && worker) {
    try {
      plain = await uncompressed(region);
    } catch (e) {
      throw asReadError(e, what);
    }
  }
  if (!region || !worker || !plain) {
    const s = await openBlob(parts, l, b, signal);
    for await (const _ of s) {
      // the stream's digest checks see every byte
    }
    return;
  }
  let hex: string;
  try {
    hex = await worker.hashFile(region.path, region.offset, region.size, signal);
  } catch (e) {
    if (e instanceof HashWorkerError) throw new PortcullisError('INTERNAL', `${what}: digest could not be verified (${e.message})`, { cause: e, subject: what });
    throw asReadError(e, what);
  }
  const got = `sha256:${hex}`;
  if (b.blobDigest && got !== b.blobDigest) throw mismatch(b.blobDigest, got, `${what}: blob ${b.name}`);
  if (got !== l.diffId) throw mismatch(l.diffId, got, `${what}: diff_id`);
  parts.store.noteVerified?.(b.name, digestsOf(l, b));
}

export function makeImage(parts: ImageParts): ResolvedImage {
  const layerAt = (diffId: string): number => {
    const i = parts.layers.findIndex((l) => l.diffId === diffId);
    if (i < 0) throw new PortcullisError('NOT_FOUND', `${parts.ref.path ?? parts.ref.input}: no layer with diff_id ${diffId}`);
    return i;
  };
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
    async verifyLayer(diffId: string, signal?: AbortSignal): Promise<void> {
      const i = layerAt(diffId);
      await verifyBlob(parts, parts.layers[i]!, parts.blobs[i]!, signal);
    },
    close: () => parts.store.close(),
  };
  // every layer stream below checks the diff_id (and the blob digest when known) of what it gives
  image.layerIdentity = parts.layerIdentity ?? 'diff-id';
  if (parts.manifestDigest) image.manifestDigest = parts.manifestDigest;
  if (parts.configDigest) image.configDigest = parts.configDigest;
  return image;
}
