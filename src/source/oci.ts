// OCI image layout (directory `oci:` or tar `oci-archive:`): index.json → (nested indexes) → manifest →
// config + layers, every blob digest-verified. https://github.com/opencontainers/image-spec/blob/main/image-layout.md
// Attestation manifests (vnd.docker.reference.type=attestation-manifest, platform unknown/unknown) are
// ignored; `platform` picks from multi-platform indexes; a single image of another platform is still read.
import type { ImageRef, Platform, ResolvedImage } from '../core/types.js';
import { PortcullisError } from '../core/errors.js';
import { layerInfos, mapConfig, parseJson, platformOf, type BlobRef } from './config.js';
import { readDockerManifest } from './docker.js';
import { makeImage, type LayerBlob } from './image.js';
import { DEFAULT_PLATFORM, formatPlatform } from './ref.js';
import type { BlobStore } from './store.js';
import { DIGEST_RE, sha256Hex } from './streams.js';

const MAX_JSON = 16 * 1024 * 1024;
const MAX_DEPTH = 4;

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  annotations: Record<string, string>;
  platform?: Platform;
}

interface Candidate {
  desc: Descriptor;
  /** annotations of the top-level index.json entry it was reached from (ref.name lives there) */
  top: Record<string, string>;
}

type Json = Record<string, unknown>;

function descriptor(v: unknown, what: string): Descriptor {
  const o = v as Json | null;
  if (!o || typeof o !== 'object' || typeof o.digest !== 'string' || !DIGEST_RE.test(o.digest)) {
    throw new PortcullisError('IMAGE_UNREADABLE', `${what}: descriptor without a valid sha256 digest`, { subject: what });
  }
  const d: Descriptor = { digest: o.digest, annotations: {} };
  if (typeof o.mediaType === 'string') d.mediaType = o.mediaType;
  if (typeof o.size === 'number') d.size = o.size;
  for (const [k, val] of Object.entries((o.annotations as Json | undefined) ?? {})) if (typeof val === 'string') d.annotations[k] = val;
  const p = o.platform as Json | undefined;
  if (p && typeof p.os === 'string' && typeof p.architecture === 'string') {
    d.platform = { os: p.os, architecture: p.architecture };
    if (typeof p.variant === 'string') d.platform.variant = p.variant;
  }
  return d;
}

export function blobName(digest: string): string {
  const [alg, hex] = digest.split(':');
  return `blobs/${alg}/${hex}`;
}

/** Read a blob and check its digest (and size when given). */
async function readBlob(store: BlobStore, d: { digest: string; size?: number }, what: string): Promise<Buffer> {
  const buf = await store.read(blobName(d.digest), MAX_JSON);
  const got = `sha256:${sha256Hex(buf)}`;
  if (got !== d.digest) throw new PortcullisError('DIGEST_MISMATCH', `${what}: digest mismatch: expected ${d.digest}, got ${got}`, { subject: what });
  if (d.size !== undefined && d.size !== buf.length) {
    throw new PortcullisError('DIGEST_MISMATCH', `${what}: size mismatch: descriptor says ${d.size}, blob has ${buf.length} bytes`, { subject: what });
  }
  return buf;
}

function isAttestation(d: Descriptor): boolean {
  return d.annotations['vnd.docker.reference.type'] === 'attestation-manifest' || (d.platform?.os === 'unknown' && d.platform.architecture === 'unknown');
}

async function collect(store: BlobStore, manifests: unknown, top: Record<string, string> | undefined, depth: number, what: string, out: Candidate[]): Promise<void> {
  if (manifests === null || manifests === undefined) return;
  if (!Array.isArray(manifests)) throw new PortcullisError('IMAGE_UNREADABLE', `${what}: "manifests" is not a list`, { subject: what });
  for (const [i, m] of manifests.entries()) {
    const d = descriptor(m, `${what} manifests[${i}]`);
    if (isAttestation(d)) continue;
    const topAnn = top ?? d.annotations;
    let mt = d.mediaType;
    let body: Json | undefined;
    if (mt === undefined || (!INDEX_TYPES.has(mt) && !MANIFEST_TYPES.has(mt))) {
      // no or unknown media type: look at the blob itself (artifacts that are neither are skipped)
      if (!store.exists(blobName(d.digest))) continue;
      body = parseJson(await readBlob(store, d, `${store.where}: ${blobName(d.digest)}`), `${store.where}: ${blobName(d.digest)}`) as Json;
      mt = typeof body?.mediaType === 'string' ? body.mediaType : Array.isArray(body?.manifests) ? INDEX_TYPES.values().next().value : body?.config ? [...MANIFEST_TYPES][0] : undefined;
      if (mt === undefined || (!INDEX_TYPES.has(mt) && !MANIFEST_TYPES.has(mt))) continue;
    }
    if (INDEX_TYPES.has(mt)) {
      if (depth >= MAX_DEPTH) throw new PortcullisError('LIMIT_EXCEEDED', `${what}: image indexes nested deeper than ${MAX_DEPTH}`, { subject: what });
      const name = `${store.where}: index ${d.digest}`;
      body ??= parseJson(await readBlob(store, d, name), name) as Json;
      await collect(store, body?.manifests, topAnn, depth + 1, name, out);
    } else {
      out.push({ desc: d, top: topAnn });
    }
  }
}

export function platformMatches(p: Platform | undefined, want: Platform): boolean {
  if (!p) return false;
  if (p.os !== want.os || p.architecture !== want.architecture) return false;
  if (!want.variant) return true;
  // arm64 manifests often omit the v8 variant
  return p.variant === want.variant || (p.variant === undefined && want.architecture === 'arm64' && want.variant === 'v8');
}

function refNameOf(c: Candidate): string | undefined {
  return c.top['org.opencontainers.image.ref.name'] ?? c.desc.annotations['org.opencontainers.image.ref.name'];
}

function tagOk(c: Candidate, tag: string): boolean {
  const names = [refNameOf(c), c.top['io.containerd.image.name']].filter((x): x is string => !!x);
  return names.some((n) => n === tag || n.endsWith(`:${tag}`));
}

export async function resolveOci(ref: ImageRef, store: BlobStore, want?: Platform): Promise<ResolvedImage> {
  const where = store.where;
  if (!store.exists('index.json')) {
    throw new PortcullisError('IMAGE_UNREADABLE', `${where}: no index.json: not an OCI image layout`, { subject: where });
  }
  if (store.exists('oci-layout')) {
    const layout = parseJson(await store.read('oci-layout', 4096), `${where}: oci-layout`) as Json | null;
    if (!layout || typeof layout.imageLayoutVersion !== 'string') {
      throw new PortcullisError('IMAGE_UNREADABLE', `${where}: oci-layout has no imageLayoutVersion`, { subject: where });
    }
  }
  const index = parseJson(await store.read('index.json', MAX_JSON), `${where}: index.json`) as Json | null;
  if (!index || typeof index !== 'object' || Array.isArray(index)) {
    throw new PortcullisError('IMAGE_UNREADABLE', `${where}: index.json is not a JSON object`, { subject: where });
  }
  const all: Candidate[] = [];
  await collect(store, index.manifests, undefined, 0, `${where}: index.json`, all);
  if (all.length === 0) throw new PortcullisError('IMAGE_UNREADABLE', `${where}: index.json lists no image manifests`, { subject: where });

  let cands = all;
  if (ref.tag) {
    cands = all.filter((c) => tagOk(c, ref.tag!));
    if (cands.length === 0) {
      const names = [...new Set(all.map(refNameOf).filter(Boolean))].join(', ') || 'none';
      throw new PortcullisError('NOT_FOUND', `${where}: no image tagged ${ref.tag} (tags: ${names})`);
    }
  }
  if (ref.digest) {
    // `oci:DIR@sha256:<manifest digest>` picks that manifest; any other digest is checked after reading
    const byDigest = cands.filter((c) => c.desc.digest === ref.digest);
    if (byDigest.length > 0) cands = byDigest;
  }
  const target = want ?? DEFAULT_PLATFORM;
  const withPlatform = cands.filter((c) => c.desc.platform);
  let chosen: Candidate | undefined;
  if (withPlatform.length > 0) {
    const matching = cands.filter((c) => platformMatches(c.desc.platform, target));
    if (matching.length > 0) chosen = matching[0];
    else if (new Set(cands.map((c) => c.desc.digest)).size === 1) chosen = cands[0];
    else {
      const avail = [...new Set(withPlatform.map((c) => formatPlatform(c.desc.platform!)))].join(', ');
      throw new PortcullisError('NOT_FOUND', `${where}: no image for platform ${formatPlatform(target)} (available: ${avail}); use --platform`);
    }
  } else {
    const distinct = [...new Set(cands.map((c) => c.desc.digest))];
    if (distinct.length > 1) {
      const names = cands.map((c) => refNameOf(c) ?? c.desc.digest).join(', ');
      throw new PortcullisError('BAD_INPUT', `${where}: the layout holds ${distinct.length} images (${names}); choose one with oci:DIR:TAG`);
    }
    chosen = cands[0];
  }
  const desc = chosen!.desc;
  const mWhat = `${where}: manifest ${desc.digest}`;
  const manifest = parseJson(await readBlob(store, desc, mWhat), mWhat) as Json | null;
  if (!manifest || typeof manifest !== 'object' || !manifest.config || !Array.isArray(manifest.layers)) {
    throw new PortcullisError('IMAGE_UNREADABLE', `${mWhat}: not an image manifest (needs config and layers)`, { subject: mWhat });
  }
  const cfgDesc = descriptor(manifest.config, `${mWhat} config`);
  const cWhat = `${where}: config ${cfgDesc.digest}`;
  const config = mapConfig(parseJson(await readBlob(store, cfgDesc, cWhat), cWhat), cWhat);
  const blobs: LayerBlob[] = [];
  const refs: BlobRef[] = [];
  manifest.layers.forEach((l, i) => {
    const d = descriptor(l, `${mWhat} layers[${i}]`);
    if (!store.exists(blobName(d.digest))) {
      throw new PortcullisError('NOT_FOUND', `${where}: layer ${i + 1} blob ${d.digest} is missing`, { subject: d.digest });
    }
    blobs.push({ name: blobName(d.digest), blobDigest: d.digest });
    const r: BlobRef = { digest: d.digest };
    if (d.size !== undefined) r.size = d.size;
    if (d.mediaType) r.mediaType = d.mediaType;
    refs.push(r);
  });
  const layers = layerInfos(config, refs, mWhat);

  const annotations: Record<string, string> = { ...chosen!.top, ...desc.annotations };
  for (const [k, v] of Object.entries((manifest.annotations as Json | undefined) ?? {})) if (typeof v === 'string') annotations[k] = v;
  const repoTags = new Set<string>();
  const containerdName = chosen!.top['io.containerd.image.name'];
  if (containerdName) repoTags.add(containerdName);
  else if (refNameOf(chosen!)) repoTags.add(refNameOf(chosen!)!);
  // Docker 25+ and containerd exports also carry a docker manifest.json with RepoTags
  try {
    const items = await readDockerManifest(store);
    const cfgName = blobName(cfgDesc.digest);
    for (const it of items ?? []) if (it.Config === cfgName) for (const t of it.RepoTags) repoTags.add(t);
  } catch {
    // a broken manifest.json beside a valid OCI layout does not matter here
  }
  return makeImage({
    ref: { ...ref },
    store,
    manifestDigest: desc.digest,
    configDigest: cfgDesc.digest,
    repoTags: [...repoTags],
    annotations,
    platform: platformOf(config, desc.platform),
    config,
    layers,
    blobs,
  });
}
