// A registry reference → ResolvedImage: manifest (or index → the platform's manifest), config, and
// layers streamed from the registry through the walker (never written whole to disk). Every manifest
// and config is hashed here; every layer blob is hashed while it streams (image.ts digestCheck).
import type { Readable } from 'node:stream';
import type { ImageRef, Platform, ResolvedImage } from '../../core/types.js';
import { PortcullisError } from '../../core/errors.js';
import { layerInfos, mapConfig, parseJson, platformOf, type BlobRef } from '../config.js';
import { makeImage, type LayerBlob } from '../image.js';
import { platformMatches } from '../oci.js';
import { DEFAULT_PLATFORM, formatPlatform, splitRepository } from '../ref.js';
import type { BlobStore } from '../store.js';
import { DIGEST_RE } from '../streams.js';
import { blobStream, getBlob, getManifest, MEDIA, type FetchedManifest } from './blobs.js';
import { RegistryClient, type ClientOptions } from './client.js';
import { credentialLookup } from './credentials.js';

const CONFIG_MAX = 16 * 1024 * 1024;
const MAX_LAYERS = 1000;

export interface RegistryOptions extends Omit<ClientOptions, 'credentials'> {
  platform?: Platform;
  env?: NodeJS.ProcessEnv;
  /** --username and --password-stdin: for the image's own registry only */
  username?: string;
  password?: string;
}

type Json = Record<string, unknown>;

interface Desc {
  digest: string;
  size?: number;
  mediaType?: string;
  platform?: Platform;
  annotations: Record<string, string>;
}

function desc(v: unknown, what: string): Desc {
  const o = v as Json | null;
  if (!o || typeof o !== 'object' || typeof o.digest !== 'string' || !DIGEST_RE.test(o.digest)) {
    throw new PortcullisError('IMAGE_UNREADABLE', `${what}: descriptor without a valid sha256 digest`, { subject: what });
  }
  const d: Desc = { digest: o.digest, annotations: {} };
  if (typeof o.size === 'number' && Number.isSafeInteger(o.size) && o.size >= 0) d.size = o.size;
  if (typeof o.mediaType === 'string') d.mediaType = o.mediaType;
  for (const [k, val] of Object.entries((o.annotations as Json | undefined) ?? {})) if (typeof val === 'string') d.annotations[k] = val;
  const p = o.platform as Json | undefined;
  if (p && typeof p.os === 'string' && typeof p.architecture === 'string') {
    d.platform = { os: p.os, architecture: p.architecture };
    if (typeof p.variant === 'string') d.platform.variant = p.variant;
  }
  return d;
}

/** Registry host and repository path of a normalised name (docker.io/library/alpine). */
export function registryParts(ref: ImageRef): { host: string; repo: string } {
  if (!ref.name) throw new PortcullisError('BAD_INPUT', `${ref.input}: not a registry reference`);
  const { domain, path } = splitRepository(ref.name);
  return { host: domain, repo: path };
}

/** The platform's manifest from an index (attestations and artifacts skipped). */
export function pickFromIndex(index: Json, want: Platform | undefined, what: string): Desc {
  if (!Array.isArray(index.manifests)) throw new PortcullisError('IMAGE_UNREADABLE', `${what}: index without "manifests"`, { subject: what });
  const all = index.manifests.map((m, i) => desc(m, `${what} manifests[${i}]`));
  const images = all.filter(
    (d) =>
      d.annotations['vnd.docker.reference.type'] !== 'attestation-manifest' &&
      !(d.platform?.os === 'unknown' && d.platform.architecture === 'unknown') &&
      (d.mediaType === undefined || d.mediaType === MEDIA.ociManifest || d.mediaType === MEDIA.dockerManifest),
  );
  if (images.length === 0) throw new PortcullisError('IMAGE_UNREADABLE', `${what}: the index lists no image manifests`, { subject: what });
  const target = want ?? DEFAULT_PLATFORM;
  const match = images.find((d) => platformMatches(d.platform, target));
  if (match) return match;
  if (!want && images.length === 1) return images[0]!;
  const avail = [...new Set(images.map((d) => (d.platform ? formatPlatform(d.platform) : 'unknown')))].join(', ');
  throw new PortcullisError('NOT_FOUND', `${what}: no image for platform ${formatPlatform(target)} (available: ${avail}); use --platform`, { subject: what });
}

/** A BlobStore whose members are registry blobs named by digest, streamed on demand. */
class RegistryBlobs implements BlobStore {
  constructor(
    readonly where: string,
    private readonly client: RegistryClient,
    private readonly repo: string,
    private readonly sizes: Map<string, number | undefined>,
  ) {}
  exists(name: string): boolean {
    return this.sizes.has(name);
  }
  read(name: string, max: number): Promise<Buffer> {
    return getBlob(this.client, this.repo, name, max);
  }
  size(name: string): number | undefined {
    return this.sizes.get(name);
  }
  stream(name: string): Readable {
    return blobStream(this.client, this.repo, name, this.sizes.get(name));
  }
  async close(): Promise<void> {}
}

export function makeClient(host: string, opts: RegistryOptions): RegistryClient {
  const explicit = opts.username !== undefined ? { username: opts.username, password: opts.password ?? '' } : undefined;
  if (opts.password !== undefined && opts.username === undefined) throw new PortcullisError('BAD_INPUT', '--password-stdin needs --username');
  const credentials = credentialLookup({ env: opts.env, primaryHost: host, ...(explicit ? { explicit } : {}) });
  return new RegistryClient(host, { ...opts, credentials });
}

export async function resolveRegistry(ref: ImageRef, opts: RegistryOptions = {}): Promise<ResolvedImage> {
  const { host, repo } = registryParts(ref);
  const client = makeClient(host, opts);
  const where = `${host}/${repo}`;
  const reference = ref.digest ?? ref.tag ?? 'latest';
  let m: FetchedManifest = await getManifest(client, repo, reference);
  let fromIndex: Desc | undefined;
  const annotations: Record<string, string> = {};
  if (m.mediaType === MEDIA.ociIndex || m.mediaType === MEDIA.dockerList) {
    const index = parseJson(m.body, `${where}: index ${m.digest}`) as Json;
    fromIndex = pickFromIndex(index, opts.platform, `${where}: index ${m.digest}`);
    annotations['io.portcullis.index.digest'] = m.digest;
    m = await getManifest(client, repo, fromIndex.digest);
    if (fromIndex.size !== undefined && fromIndex.size !== m.body.length) {
      throw new PortcullisError('DIGEST_MISMATCH', `${where}: manifest ${m.digest}: size mismatch: the index says ${fromIndex.size}, got ${m.body.length} bytes`);
    }
  }
  if (m.mediaType !== MEDIA.ociManifest && m.mediaType !== MEDIA.dockerManifest) {
    throw new PortcullisError('BAD_INPUT', `${where}: ${reference} is not an image (manifest media type ${m.mediaType || 'unknown'})`);
  }
  const mWhat = `${where}: manifest ${m.digest}`;
  const manifest = parseJson(m.body, mWhat) as Json | null;
  if (!manifest || typeof manifest !== 'object' || !manifest.config || !Array.isArray(manifest.layers)) {
    throw new PortcullisError('IMAGE_UNREADABLE', `${mWhat}: not an image manifest (needs config and layers)`, { subject: mWhat });
  }
  if (manifest.layers.length > MAX_LAYERS) throw new PortcullisError('LIMIT_EXCEEDED', `${mWhat}: more than ${MAX_LAYERS} layers`);
  const cfgDesc = desc(manifest.config, `${mWhat} config`);
  if (cfgDesc.size !== undefined && cfgDesc.size > CONFIG_MAX) throw new PortcullisError('LIMIT_EXCEEDED', `${mWhat}: config of ${cfgDesc.size} bytes`);
  const cfgBytes = await getBlob(client, repo, cfgDesc.digest, CONFIG_MAX);
  const config = mapConfig(parseJson(cfgBytes, `${where}: config ${cfgDesc.digest}`), `${where}: config ${cfgDesc.digest}`);
  const platform = platformOf(config, fromIndex?.platform);
  if (opts.platform && !platformMatches(platform, opts.platform)) {
    throw new PortcullisError('NOT_FOUND', `${where}: ${reference} is ${formatPlatform(platform)}, not the requested ${formatPlatform(opts.platform)}`);
  }
  const sizes = new Map<string, number | undefined>();
  const blobs: LayerBlob[] = [];
  const refs: BlobRef[] = manifest.layers.map((l, i) => {
    const d = desc(l, `${mWhat} layers[${i}]`);
    if (d.mediaType && /foreign|nondistributable/.test(d.mediaType)) {
      throw new PortcullisError('BAD_INPUT', `${mWhat}: layer ${i + 1} is a foreign (non-distributable) layer, which the registry does not serve`);
    }
    sizes.set(d.digest, d.size);
    blobs.push({ name: d.digest, blobDigest: d.digest });
    const r: BlobRef = { digest: d.digest };
    if (d.size !== undefined) r.size = d.size;
    if (d.mediaType) r.mediaType = d.mediaType;
    return r;
  });
  for (const [k, v] of Object.entries((manifest.annotations as Json | undefined) ?? {})) if (typeof v === 'string') annotations[k] = v;
  const resolvedRef: ImageRef = { ...ref };
  return makeImage({
    ref: resolvedRef,
    store: new RegistryBlobs(where, client, repo, sizes),
    manifestDigest: m.digest,
    configDigest: cfgDesc.digest,
    repoTags: ref.tag ? [`${ref.name}:${ref.tag}`] : [],
    annotations,
    platform,
    config,
    layers: layerInfos(config, refs, mWhat),
    blobs,
    // every layer blob digest is in the manifest we hashed, and each blob is checked against it as it streams
    layerIdentity: 'pinned-blob',
  });
}
