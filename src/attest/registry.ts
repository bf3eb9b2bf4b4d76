// Signed decisions in the registry, next to the image they are about.
// Attach: an OCI 1.1 artifact manifest (artifactType = DSSE envelope, `subject` = the image manifest)
// pushed by digest; a registry with the referrers API answers with `OCI-Subject`. Without it (Debian's
// docker-registry 2.8, most older registries), cosign's tag scheme: the envelope is a layer of the
// manifest tagged `sha256-<hex>.att` (layers appended, as cosign does for several attestations).
// Fetch: GET /v2/<repo>/referrers/<digest>, falling back to the `.att` tag when it is not served.
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers
// https://github.com/sigstore/cosign/blob/main/specs/ATTESTATION_SPEC.md
import { sign, type KeyObject } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { PortcullisError, isPortcullisError } from '../core/errors.js';
import { splitRepository } from '../source/ref.js';
import { getBlob, getManifest, MEDIA, sha256 } from '../source/registry/blobs.js';
import type { RegistryClient } from '../source/registry/client.js';
import { readBody, discard } from '../source/registry/http.js';
import { makeClient, type RegistryOptions } from '../source/registry/resolve.js';
import { DECISION_PREDICATE, DSSE_MEDIA_TYPE, decisionFor, parseEnvelope, verifyEnvelope, type Envelope } from './dsse.js';
import type { PublicKey } from './keys.js';

const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', bytes: Buffer.from('{}') };
const MAX_LAYERS = 64;
const MAX_ENVELOPE_BLOB = 4 * 1024 * 1024;

type Json = Record<string, unknown>;

export function attTag(digest: string): string {
  return `${digest.replace(':', '-')}.att`;
}

async function pushBlob(client: RegistryClient, repo: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const digest = sha256(bytes);
  const head = await client.send(repo, `/v2/${repo}/blobs/${digest}`, { method: 'HEAD', push: true, accept: [404] });
  discard(head);
  if (head.status === 200) return { digest, size: bytes.length };
  const start = await client.send(repo, `/v2/${repo}/blobs/uploads/`, { method: 'POST', push: true, headers: { 'Content-Length': '0' } });
  discard(start);
  const loc = start.headers.location;
  if (typeof loc !== 'string') throw new PortcullisError('NETWORK', `${client.registry}/${repo}: blob upload without a Location`);
  const u = new URL(loc, start.url);
  if (u.host !== start.url.host) throw new PortcullisError('NETWORK', `${client.registry}/${repo}: blob upload redirected to another host (${u.host}); refused`);
  u.searchParams.set('digest', digest);
  const put = await client.send(repo, `${u.pathname}${u.search}`, { method: 'PUT', push: true, body: bytes, headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes.length) } });
  discard(put);
  return { digest, size: bytes.length };
}

async function putManifest(client: RegistryClient, repo: string, reference: string, m: Json): Promise<{ digest: string; subjectHeader: boolean }> {
  const body = Buffer.from(JSON.stringify(m));
  const res = await client.send(repo, `/v2/${repo}/manifests/${reference}`, { method: 'PUT', push: true, body, headers: { 'Content-Type': MEDIA.ociManifest, 'Content-Length': String(body.length) } });
  discard(res);
  return { digest: sha256(body), subjectHeader: typeof res.headers['oci-subject'] === 'string' };
}

export interface AttachResult {
  /** `referrers` (the registry serves the referrers API) or `tag` (cosign's sha256-<hex>.att) */
  via: 'referrers' | 'tag';
  manifestDigest: string;
  reference: string;
}

/**
 * Attach `env` to the image manifest `digest` in `name` (the normalised registry/repo). The subject's media type and
 * size come from the manifest as we fetch and hash it here (the image must exist).
 */
export async function attach(name: string, digest: string, env: Envelope, opts: RegistryOptions): Promise<AttachResult> {
  const { domain: host, path: repo } = splitRepository(name);
  const client = makeClient(host, opts);
  const subject = await getManifest(client, repo, digest);
  const envBytes = Buffer.from(JSON.stringify(env));
  const layer = await pushBlob(client, repo, envBytes);
  const config = await pushBlob(client, repo, EMPTY_CONFIG.bytes);
  const layerDesc = { mediaType: DSSE_MEDIA_TYPE, digest: layer.digest, size: layer.size, annotations: { predicateType: DECISION_PREDICATE } };
  const artifact: Json = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    artifactType: DSSE_MEDIA_TYPE,
    config: { mediaType: EMPTY_CONFIG.mediaType, digest: config.digest, size: config.size },
    layers: [layerDesc],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.body.length },
    annotations: { 'dev.portcullis.predicateType': DECISION_PREDICATE },
  };
  const byDigest = sha256(Buffer.from(JSON.stringify(artifact)));
  const pushed = await putManifest(client, repo, byDigest, artifact);
  if (pushed.subjectHeader) return { via: 'referrers', manifestDigest: pushed.digest, reference: `${host}/${repo}@${pushed.digest}` };
  // cosign's tag scheme: append to the existing .att manifest (if any), without duplicates
  const tag = attTag(digest);
  let layers: Json[] = [];
  try {
    const old = await getManifest(client, repo, tag);
    const j = JSON.parse(old.body.toString('utf8')) as { layers?: Json[] };
    layers = (j.layers ?? []).filter((l) => l.digest !== layer.digest);
  } catch (e) {
    if (!(isPortcullisError(e) && e.code === 'NOT_FOUND')) throw e;
  }
  const att: Json = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: EMPTY_CONFIG.mediaType, digest: config.digest, size: config.size },
    layers: [...layers, layerDesc].slice(-MAX_LAYERS),
  };
  const t = await putManifest(client, repo, tag, att);
  return { via: 'tag', manifestDigest: t.digest, reference: `${host}/${repo}:${tag}` };
}

/** Envelopes attached to `digest`: from the referrers API, else from the `.att` tag. Unverified. */
export async function fetchEnvelopes(client: RegistryClient, repo: string, digest: string): Promise<{ via: 'referrers' | 'tag' | 'none'; envelopes: { envelope: Envelope; blob: string }[] }> {
  const res = await client.send(repo, `/v2/${repo}/referrers/${digest}?artifactType=${encodeURIComponent(DSSE_MEDIA_TYPE)}`, { headers: { Accept: MEDIA.ociIndex }, accept: [404, 400, 405] });
  let manifests: string[] = [];
  let via: 'referrers' | 'tag' | 'none' = 'none';
  const ctype = String(res.headers['content-type'] ?? '');
  if (res.status === 200 && ctype.startsWith(MEDIA.ociIndex)) {
    const index = JSON.parse((await readBody(res, 4 * 1024 * 1024, `${repo}: referrers`)).toString('utf8')) as { manifests?: { digest?: unknown; artifactType?: unknown }[] };
    manifests = (index.manifests ?? []).filter((m) => m.artifactType === DSSE_MEDIA_TYPE && typeof m.digest === 'string').map((m) => m.digest as string).slice(0, MAX_LAYERS);
    via = 'referrers';
  } else discard(res);
  const layers: string[] = [];
  const collect = (body: Buffer): void => {
    const j = JSON.parse(body.toString('utf8')) as { layers?: { mediaType?: unknown; digest?: unknown }[] };
    for (const l of j.layers ?? []) if (l.mediaType === DSSE_MEDIA_TYPE && typeof l.digest === 'string' && /^sha256:[0-9a-f]{64}$/.test(l.digest)) layers.push(l.digest);
  };
  for (const d of manifests) collect((await getManifest(client, repo, d)).body);
  if (via === 'none') {
    try {
      collect((await getManifest(client, repo, attTag(digest))).body);
      via = 'tag';
    } catch (e) {
      if (!(isPortcullisError(e) && e.code === 'NOT_FOUND')) throw e;
    }
  }
  const envelopes: { envelope: Envelope; blob: string }[] = [];
  for (const d of [...new Set(layers)].slice(0, MAX_LAYERS)) {
    const bytes = await getBlob(client, repo, d, MAX_ENVELOPE_BLOB);
    try {
      envelopes.push({ envelope: parseEnvelope(bytes, `${repo}@${d}`), blob: d });
    } catch {
      // not an envelope: not ours to judge; it simply does not count
    }
  }
  return { via, envelopes };
}

export interface VerifiedDecision {
  record: unknown;
  key: string;
}

/** Decision records attached to `digest` that verify with one of `keys`, plus why the others did not. */
export async function verifiedDecisions(client: RegistryClient, repo: string, digest: string, keys: readonly PublicKey[]): Promise<{ via: string; found: VerifiedDecision[]; rejected: string[] }> {
  const { via, envelopes } = await fetchEnvelopes(client, repo, digest);
  const found: VerifiedDecision[] = [];
  const rejected: string[] = [];
  for (const { envelope, blob } of envelopes) {
    const v = verifyEnvelope(envelope, keys);
    if ('error' in v) {
      rejected.push(`${blob.slice(0, 19)}…: ${v.error}`);
      continue;
    }
    const d = decisionFor(v.statement, digest);
    if ('error' in d) rejected.push(`${blob.slice(0, 19)}…: ${d.error}`);
    else found.push({ record: d.record, key: v.key.keyId.slice(0, 16) });
  }
  return { via, found, rejected };
}

/** For the admission webhook: signed decisions per digest, cached for a short time. */
export class RegistrySignedDecisions {
  private readonly clients = new Map<string, RegistryClient>();
  private readonly cache = new Map<string, { at: number; value: VerifiedDecision[] }>();
  constructor(private readonly o: { keys: PublicKey[]; registry: RegistryOptions; clock: Clock; cacheMs?: number }) {}

  async find(name: string, digest: string): Promise<VerifiedDecision[]> {
    const key = `${name}@${digest}`;
    const now = this.o.clock.now().getTime();
    const hit = this.cache.get(key);
    if (hit && now - hit.at < (this.o.cacheMs ?? 30_000)) return hit.value;
    const { domain, path } = splitRepository(name);
    let c = this.clients.get(domain);
    if (!c) {
      c = makeClient(domain, { ...this.o.registry, retries: this.o.registry.retries ?? 1 });
      this.clients.set(domain, c);
    }
    const { found } = await verifiedDecisions(c, path, digest, this.o.keys);
    if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { at: now, value: found });
    return found;
  }
}

export const SIMPLESIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';

export function sigTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

/**
 * A sigstore (cosign) image signature, the format containers/image verifies for Podman, CRI-O and
 * skopeo under a `sigstoreSigned` policy: a simple-signing payload naming `dockerReference` and the
 * manifest digest, signed with `key` (ECDSA P-256, SHA-256, DER), as a layer of the manifest tagged
 * `sha256-<hex>.sig` (appended to an existing one).
 */
export async function attachSignature(name: string, digest: string, dockerReference: string, key: KeyObject, opts: RegistryOptions): Promise<string> {
  const { domain: host, path: repo } = splitRepository(name);
  const client = makeClient(host, opts);
  await getManifest(client, repo, digest); // the image must be there
  const payload = Buffer.from(JSON.stringify({ critical: { identity: { 'docker-reference': dockerReference }, image: { 'docker-manifest-digest': digest }, type: 'cosign container image signature' }, optional: null }));
  const sig = sign('sha256', payload, key).toString('base64');
  const layer = await pushBlob(client, repo, payload);
  const config = await pushBlob(client, repo, EMPTY_CONFIG.bytes);
  const tag = sigTag(digest);
  let layers: Json[] = [];
  try {
    const old = JSON.parse((await getManifest(client, repo, tag)).body.toString('utf8')) as { layers?: Json[] };
    layers = (old.layers ?? []).filter((l) => l.digest !== layer.digest);
  } catch (e) {
    if (!(isPortcullisError(e) && e.code === 'NOT_FOUND')) throw e;
  }
  const m: Json = {
    schemaVersion: 2,
    mediaType: MEDIA.ociManifest,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
    layers: [...layers, { mediaType: SIMPLESIGNING_MEDIA_TYPE, digest: layer.digest, size: layer.size, annotations: { 'dev.cosignproject.cosign/signature': sig } }].slice(-MAX_LAYERS),
  };
  await putManifest(client, repo, tag, m);
  return `${host}/${repo}:${tag}`;
}
