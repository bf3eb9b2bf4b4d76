// The advisory DB as an OCI artifact: `db push REF` publishes a built DB (zstd-compressed layer, a
// JSON config with its metadata, annotations with build time and per-source data times);
// `db update --source oci://REF` pulls it, verifies the compressed and the uncompressed digests and
// hands the file to update.ts, which swaps it in under the lock.
// https://github.com/opencontainers/image-spec/blob/main/manifest.md#guidelines-for-artifact-usage
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DbMeta } from '../../core/report.js';
import { PortcullisError } from '../../core/errors.js';
import { normaliseImageName, splitRepository } from '../../source/ref.js';
import { blobStream, getManifest, MEDIA, sha256 } from '../../source/registry/blobs.js';
import { makeClient, type RegistryOptions } from '../../source/registry/resolve.js';
import { asReadError, decompressor, digestCheck } from '../../source/streams.js';

export const DB_ARTIFACT_TYPE = 'application/vnd.portcullis.db.v1';
export const DB_CONFIG_TYPE = 'application/vnd.portcullis.db.config.v1+json';
export const DB_LAYER_TYPE = 'application/vnd.portcullis.db.layer.v1.sqlite+zstd';
/** sha256 of the uncompressed DB file, on the layer descriptor */
export const ANN_DB_DIGEST = 'io.portcullis.db.digest';
export const ANN_SCHEMA = 'io.portcullis.db.schema-version';
export const ANN_SOURCE_PREFIX = 'io.portcullis.db.source.';

export interface ArtifactRef {
  host: string;
  repo: string;
  reference: string;
  display: string;
}

/** `oci://host/repo:tag` (or `@sha256:…`, or without the prefix) → registry, repository, tag/digest. */
export function parseArtifactRef(input: string): ArtifactRef {
  const body = input.replace(/^oci:\/\//, '');
  const n = normaliseImageName(body);
  const { domain, path } = splitRepository(n.name);
  const reference = n.digest ?? n.tag ?? 'latest';
  return { host: domain, repo: path, reference, display: `${domain}/${path}${n.digest ? '@' : ':'}${reference}` };
}

/** Annotations describing a DB: build time, schema, and each source's data time. */
export function dbAnnotations(meta: DbMeta): Record<string, string> {
  const a: Record<string, string> = {
    'org.opencontainers.image.created': meta.builtAt,
    'org.opencontainers.image.title': 'portcullis advisory database',
    [ANN_SCHEMA]: String(meta.schemaVersion),
  };
  for (const s of [...meta.sources].sort((x, y) => x.name.localeCompare(y.name))) {
    if (s.updatedAt) a[`${ANN_SOURCE_PREFIX}${s.name.replace(/[^A-Za-z0-9._-]/g, '_')}.updated`] = s.updatedAt;
  }
  return a;
}

async function sha256OfFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path) as AsyncIterable<Buffer>) h.update(c);
  return `sha256:${h.digest('hex')}`;
}

/** zstd-compress with the `zstd` executable (Node 20's zlib has no zstd encoder). */
function zstdCompress(src: string, dest: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn('zstd', ['-q', '-f', '-12', '-T0', src, '-o', dest], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-500)));
    p.on('error', (e: NodeJS.ErrnoException) =>
      reject(new PortcullisError('BAD_INPUT', `db push needs the zstd executable (apt-get install zstd): ${e.code === 'ENOENT' ? 'not found on PATH' : e.message}`)),
    );
    p.on('close', (code) => (code === 0 ? resolve() : reject(new PortcullisError('INTERNAL', `zstd failed (exit ${code}): ${err.trim().split('\n')[0] ?? ''}`))));
  });
}

export interface PushResult {
  ref: string;
  manifestDigest: string;
  layerDigest: string;
  dbDigest: string;
  bytes: number;
}

/** Upload one blob (skipped when the registry has it): POST then monolithic PUT. */
async function uploadBlob(client: ReturnType<typeof makeClient>, repo: string, body: Buffer, digest: string): Promise<void> {
  const head = await client.send(repo, `/v2/${repo}/blobs/${digest}`, { method: 'HEAD', push: true, accept: [404] });
  head.body.resume();
  if (head.status === 200) return;
  const start = await client.send(repo, `/v2/${repo}/blobs/uploads/`, { method: 'POST', push: true, accept: [202] });
  start.body.resume();
  const loc = start.headers.location;
  if (!loc) throw new PortcullisError('NETWORK', `${client.registry}/${repo}: blob upload started without a Location`);
  const u = new URL(loc, 'http://placeholder');
  u.searchParams.set('digest', digest);
  const put = await client.send(repo, `${u.pathname}${u.search}`, {
    method: 'PUT',
    push: true,
    body,
    headers: { 'Content-Type': 'application/octet-stream' },
  });
  put.body.resume();
}

/** Publish the DB at `dbPath` (its metadata already read as `meta`) as an OCI artifact. */
export async function pushDb(dbPath: string, meta: DbMeta, target: string, opts: RegistryOptions = {}): Promise<PushResult> {
  const ref = parseArtifactRef(target);
  if (ref.reference.startsWith('sha256:')) throw new PortcullisError('BAD_INPUT', `db push ${target}: push to a tag, not a digest`);
  const client = makeClient(ref.host, { ...opts, mirrors: [] });
  const work = await mkdtemp(join(tmpdir(), 'portcullis-dbpush-'));
  try {
    const zst = join(work, 'portcullis.db.zst');
    await zstdCompress(dbPath, zst);
    const layer = await readFile(zst);
    const dbDigest = await sha256OfFile(dbPath);
    const layerDigest = sha256(layer);
    const config = Buffer.from(JSON.stringify({ schemaVersion: meta.schemaVersion, builtAt: meta.builtAt, sources: meta.sources, ecosystems: meta.ecosystems, dbDigest }));
    const configDigest = sha256(config);
    await uploadBlob(client, ref.repo, config, configDigest);
    await uploadBlob(client, ref.repo, layer, layerDigest);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MEDIA.ociManifest,
        artifactType: DB_ARTIFACT_TYPE,
        config: { mediaType: DB_CONFIG_TYPE, digest: configDigest, size: config.length },
        layers: [{ mediaType: DB_LAYER_TYPE, digest: layerDigest, size: layer.length, annotations: { [ANN_DB_DIGEST]: dbDigest, 'org.opencontainers.image.title': 'portcullis.db.zst' } }],
        annotations: dbAnnotations(meta),
      }),
    );
    const manifestDigest = sha256(manifest);
    const res = await client.send(ref.repo, `/v2/${ref.repo}/manifests/${ref.reference}`, {
      method: 'PUT',
      push: true,
      body: manifest,
      headers: { 'Content-Type': MEDIA.ociManifest },
    });
    res.body.resume();
    const said = res.headers['docker-content-digest'];
    if (typeof said === 'string' && said !== manifestDigest) {
      throw new PortcullisError('DIGEST_MISMATCH', `${ref.display}: the registry stored the manifest as ${said}, we sent ${manifestDigest}`);
    }
    return { ref: ref.display, manifestDigest, layerDigest, dbDigest, bytes: layer.length };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface PulledManifest {
  ref: ArtifactRef;
  manifestDigest: string;
  layerDigest: string;
  layerSize?: number;
  /** sha256 of the uncompressed DB, as published */
  dbDigest: string;
  annotations: Record<string, string>;
}

/** Fetch and check the artifact's manifest (cheap: tells whether the local DB is already this one). */
export async function pullManifest(client: ReturnType<typeof makeClient>, ref: ArtifactRef): Promise<PulledManifest> {
  const m = await getManifest(client, ref.repo, ref.reference);
  const what = `oci://${ref.display}`;
  let j: { artifactType?: unknown; config?: { mediaType?: unknown }; layers?: unknown; annotations?: unknown };
  try {
    j = JSON.parse(m.body.toString('utf8')) as typeof j;
  } catch {
    throw new PortcullisError('DB_INVALID', `${what}: manifest is not JSON`);
  }
  if (m.mediaType !== MEDIA.ociManifest || (j.artifactType !== DB_ARTIFACT_TYPE && j.config?.mediaType !== DB_CONFIG_TYPE)) {
    throw new PortcullisError('DB_INVALID', `${what}: not a Portcullis DB artifact (published with portcullis db push); media type ${m.mediaType}`);
  }
  const layers = Array.isArray(j.layers) ? (j.layers as { mediaType?: unknown; digest?: unknown; size?: unknown; annotations?: Record<string, unknown> }[]) : [];
  const l = layers.find((x) => x.mediaType === DB_LAYER_TYPE);
  const dbDigest = l?.annotations?.[ANN_DB_DIGEST];
  if (!l || typeof l.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(l.digest) || typeof dbDigest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(dbDigest)) {
    throw new PortcullisError('DB_INVALID', `${what}: the artifact has no DB layer with digests`);
  }
  const annotations: Record<string, string> = {};
  for (const [k, v] of Object.entries((j.annotations as Record<string, unknown> | undefined) ?? {})) if (typeof v === 'string') annotations[k] = v;
  const out: PulledManifest = { ref, manifestDigest: m.digest, layerDigest: l.digest, dbDigest, annotations };
  if (typeof l.size === 'number') out.layerSize = l.size;
  return out;
}

/**
 * Download the DB layer next to `dest` (`dest.zst`), verifying its digest before anything reads it,
 * then zstd-decompress it into `dest`, verifying the published digest of the uncompressed DB.
 */
export async function pullDbLayer(client: ReturnType<typeof makeClient>, pm: PulledManifest, dest: string, maxBytes: number): Promise<void> {
  const what = `oci://${pm.ref.display}`;
  const zst = `${dest}.zst`;
  let n = 0;
  const limit = (max: number): Transform =>
    new Transform({
      transform(c: Buffer, _e, cb) {
        n += c.length;
        if (n > max) cb(new PortcullisError('LIMIT_EXCEEDED', `${what}: the DB is larger than ${max} bytes`));
        else cb(null, c);
      },
    });
  try {
    await pipeline(blobStream(client, pm.ref.repo, pm.layerDigest, pm.layerSize), limit(maxBytes), digestCheck(pm.layerDigest, `${what}: DB layer`), createWriteStream(zst, { mode: 0o600 }));
    n = 0;
    await pipeline(createReadStream(zst), decompressor('zstd'), limit(maxBytes), digestCheck(pm.dbDigest, `${what}: uncompressed DB`), createWriteStream(dest, { mode: 0o644 }));
  } catch (e) {
    throw asReadError(e, `${what}: DB layer`);
  } finally {
    await rm(zst, { force: true });
  }
}
