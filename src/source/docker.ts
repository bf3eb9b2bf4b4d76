// docker-archive: `docker save`, `podman save`, `skopeo copy docker-archive:` and kaniko tarballs.
// All are driven by manifest.json: [{Config, RepoTags, Layers, LayerSources?}]. Layouts seen:
//  - legacy docker save: `<v1-id>/layer.tar`, config `<image-id>.json`;
//  - skopeo: layers at top level `<diffid-hex>.tar`, `<id>/layer.tar` symlinks to them;
//  - Docker 25+: OCI blobs `blobs/sha256/<hex>` plus manifest.json (also an oci-layout + index.json);
//  - kaniko: config named `sha256:<hex>`, gzip layers `<hex>.tar.gz`.
// https://github.com/moby/moby/blob/master/image/spec/v1.2.md (combined image JSON + filesystem changeset format)
import type { ImageRef, ResolvedImage } from '../core/types.js';
import { PortcullisError } from '../core/errors.js';
import { layerInfos, mapConfig, parseJson, platformOf, type BlobRef } from './config.js';
import { makeImage, type LayerBlob } from './image.js';
import { normaliseImageName } from './ref.js';
import type { BlobStore } from './store.js';
import { DIGEST_RE, sha256Hex } from './streams.js';

const MAX_JSON = 16 * 1024 * 1024;

interface ManifestItem {
  Config: string;
  RepoTags: string[];
  Layers: string[];
  LayerSources?: Record<string, { mediaType?: string; size?: number; digest?: string }>;
}

/** Parse and validate manifest.json; undefined when the archive has none. */
export async function readDockerManifest(store: BlobStore): Promise<ManifestItem[] | undefined> {
  if (!store.exists('manifest.json')) return undefined;
  const what = `${store.where}: manifest.json`;
  const raw = parseJson(await store.read('manifest.json', MAX_JSON), what);
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new PortcullisError('IMAGE_UNREADABLE', `${what}: lists no images (expected a non-empty JSON array)`, { subject: what });
  }
  return raw.map((it, i) => {
    const o = it as Partial<ManifestItem> | null;
    if (!o || typeof o !== 'object' || typeof o.Config !== 'string' || !Array.isArray(o.Layers) || !o.Layers.every((l) => typeof l === 'string')) {
      throw new PortcullisError('IMAGE_UNREADABLE', `${what}: entry ${i} needs a Config string and a Layers list`, { subject: what });
    }
    const item: ManifestItem = {
      Config: o.Config,
      RepoTags: Array.isArray(o.RepoTags) ? o.RepoTags.filter((t): t is string => typeof t === 'string') : [],
      Layers: o.Layers,
    };
    if (o.LayerSources && typeof o.LayerSources === 'object') item.LayerSources = o.LayerSources;
    return item;
  });
}

/** The digest a stored name implies: `blobs/sha256/<hex>`, `sha256:<hex>`, `<hex>.json`. */
export function digestFromName(name: string): string | undefined {
  const m = /(?:^|\/)(?:blobs\/sha256\/|sha256:)([a-f0-9]{64})$/.exec(name) ?? /(?:^|\/)([a-f0-9]{64})\.json$/.exec(name);
  return m ? `sha256:${m[1]}` : undefined;
}

function tagMatches(repoTags: string[], ref: ImageRef): boolean {
  if (!ref.name && !ref.tag) return true;
  return repoTags.some((t) => {
    try {
      const n = normaliseImageName(t);
      return (!ref.name || n.name === ref.name) && (!ref.tag || n.tag === ref.tag);
    } catch {
      return t === ref.tag;
    }
  });
}

export async function resolveDockerArchive(ref: ImageRef, store: BlobStore): Promise<ResolvedImage> {
  const items = await readDockerManifest(store);
  if (!items) {
    throw new PortcullisError('IMAGE_UNREADABLE', `${store.where}: no manifest.json: not a docker-archive (docker save) tarball`, { subject: store.where });
  }
  let selected = ref.name || ref.tag ? items.filter((it) => tagMatches(it.RepoTags, ref)) : items;
  if (selected.length > 1 && ref.digest) {
    // `PATH@sha256:<image id>` picks one image of a multi-image archive by its computed config digest
    const byDigest: ManifestItem[] = [];
    for (const it of selected) {
      if (!store.exists(it.Config)) continue;
      if (`sha256:${sha256Hex(await store.read(it.Config, MAX_JSON))}` === ref.digest) byDigest.push(it);
    }
    if (byDigest.length > 0) selected = byDigest;
  }
  if (selected.length === 0) {
    const all = items.flatMap((i) => i.RepoTags).join(', ') || 'none';
    throw new PortcullisError('NOT_FOUND', `${store.where}: no image tagged ${ref.name ?? ''}${ref.tag ? `:${ref.tag}` : ''} in the archive (tags: ${all})`);
  }
  if (selected.length > 1) {
    const all = selected.map((i) => i.RepoTags.join(' ') || i.Config).join(', ');
    throw new PortcullisError('BAD_INPUT', `${store.where}: the archive holds ${selected.length} images (${all}); choose one with docker-archive:PATH:NAME:TAG`);
  }
  const item = selected[0]!;
  const cfgWhat = `${store.where}: config ${item.Config}`;
  const cfgBuf = await store.read(item.Config, MAX_JSON);
  const configDigest = `sha256:${sha256Hex(cfgBuf)}`;
  const implied = digestFromName(item.Config);
  if (implied && implied !== configDigest) {
    throw new PortcullisError('DIGEST_MISMATCH', `${cfgWhat}: digest mismatch: expected ${implied}, got ${configDigest}`, { subject: cfgWhat });
  }
  const config = mapConfig(parseJson(cfgBuf, cfgWhat), cfgWhat);
  const blobs: LayerBlob[] = [];
  const refs: BlobRef[] = [];
  item.Layers.forEach((name, i) => {
    if (!store.exists(name)) {
      throw new PortcullisError('NOT_FOUND', `${store.where}: layer ${i + 1} blob ${name} is missing from the archive`, { subject: name });
    }
    const diffId = config.diffIds[i];
    const src = diffId ? item.LayerSources?.[diffId] : undefined;
    const fromName = /(?:^|\/)blobs\/sha256\/([a-f0-9]{64})$/.exec(name);
    const blobDigest = fromName ? `sha256:${fromName[1]}` : undefined;
    const b: LayerBlob = { name };
    if (blobDigest) b.blobDigest = blobDigest;
    blobs.push(b);
    const r: BlobRef = {};
    if (blobDigest) r.digest = blobDigest;
    else if (src?.digest && DIGEST_RE.test(src.digest)) r.digest = src.digest;
    if (typeof src?.size === 'number') r.size = src.size;
    if (typeof src?.mediaType === 'string') r.mediaType = src.mediaType;
    refs.push(r);
  });
  const layers = layerInfos(config, refs, `${store.where}: ${item.Config}`);
  return makeImage({
    ref: { ...ref, transport: 'docker-archive' },
    store,
    configDigest,
    repoTags: item.RepoTags,
    annotations: {},
    platform: platformOf(config),
    config,
    layers,
    blobs,
  });
}
