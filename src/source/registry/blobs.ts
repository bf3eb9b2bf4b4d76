// Manifests and blobs over a RegistryClient: manifests read whole and hashed (the digest we compute
// is the identity, a Docker-Content-Digest header or a digest reference must equal it); blobs
// streamed with resumption by Range request when a transfer is cut short.
import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { PortcullisError } from '../../core/errors.js';
import { transferStats, type RegistryClient } from './client.js';
import { readBody, TransportError } from './http.js';

export const MANIFEST_MAX = 4 * 1024 * 1024;

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  schema1: 'application/vnd.docker.distribution.manifest.v1+json',
  schema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

const ACCEPT = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerList, MEDIA.dockerManifest].join(', ');

export interface FetchedManifest {
  body: Buffer;
  mediaType: string;
  /** sha256 of the bytes we received */
  digest: string;
}

export function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** GET a manifest by tag or digest; the computed digest must equal a digest reference and the registry's header. */
export async function getManifest(client: RegistryClient, repo: string, reference: string): Promise<FetchedManifest> {
  const what = `${client.registry}/${repo}${reference.includes(':') ? '@' : ':'}${reference}`;
  const res = await client.send(repo, `/v2/${repo}/manifests/${reference}`, { headers: { Accept: ACCEPT } });
  let body: Buffer;
  try {
    body = await readBody(res, MANIFEST_MAX, `${what}: manifest`);
  } catch (e) {
    if (e instanceof PortcullisError) throw e;
    throw new PortcullisError('NETWORK', `${what}: manifest: ${(e as Error).message}`, { cause: e });
  }
  transferStats.bytes += body.length;
  const digest = sha256(body);
  if (reference.startsWith('sha256:') && reference !== digest) {
    throw new PortcullisError('DIGEST_MISMATCH', `${what}: manifest digest mismatch: expected ${reference}, got ${digest}`, { subject: what });
  }
  const header = res.headers['docker-content-digest'];
  if (typeof header === 'string' && header.startsWith('sha256:') && header !== digest) {
    throw new PortcullisError('DIGEST_MISMATCH', `${what}: manifest digest mismatch: the registry says ${header}, the bytes hash to ${digest}`, { subject: what });
  }
  let mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
  try {
    const j = JSON.parse(body.toString('utf8')) as { mediaType?: unknown; schemaVersion?: unknown; manifests?: unknown; config?: unknown };
    if (typeof j.mediaType === 'string' && j.mediaType) mediaType = j.mediaType;
    else if (j.schemaVersion === 1) mediaType = MEDIA.schema1;
    else if (mediaType === '' || mediaType === 'application/json') mediaType = Array.isArray(j.manifests) ? MEDIA.ociIndex : j.config ? MEDIA.ociManifest : mediaType;
  } catch {
    throw new PortcullisError('IMAGE_UNREADABLE', `${what}: manifest is not valid JSON`, { subject: what });
  }
  if (mediaType === MEDIA.schema1 || mediaType === MEDIA.schema1Signed) {
    throw new PortcullisError('BAD_INPUT', `${what}: Docker schema 1 manifests are not supported (deprecated, no content digests for layers); re-push the image with a current Docker, buildah or skopeo`, { subject: what });
  }
  return { body, mediaType, digest };
}

/** GET a small blob whole (a config) and verify its digest. */
export async function getBlob(client: RegistryClient, repo: string, digest: string, max: number): Promise<Buffer> {
  const what = `${client.registry}/${repo}: blob ${digest}`;
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of blobStream(client, repo, digest, undefined) as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) throw new PortcullisError('LIMIT_EXCEEDED', `${what}: more than the ${max} bytes allowed`, { subject: what });
    chunks.push(c);
  }
  const buf = Buffer.concat(chunks);
  const got = sha256(buf);
  if (got !== digest) throw new PortcullisError('DIGEST_MISMATCH', `${what}: digest mismatch: expected ${digest}, got ${got}`, { subject: what });
  return buf;
}

/**
 * Stream a blob. When the transfer is cut short (connection reset, idle timeout, fewer bytes than
 * Content-Length or the descriptor size), it is resumed with `Range: bytes=N-` (a registry that
 * ignores the range sends it whole and the first N bytes are skipped). The caller verifies the digest.
 */
export function blobStream(client: RegistryClient, repo: string, digest: string, size: number | undefined, opts: { attempts?: number } = {}): Readable {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  const what = `${client.registry}/${repo}: blob ${digest}`;
  const attempts = opts.attempts ?? 5;
  let offset = 0;
  let closed = false;
  out.on('close', () => {
    closed = true;
  });
  const write = (c: Buffer): Promise<void> =>
    new Promise((resolve) => {
      if (out.write(c)) resolve();
      else out.once('drain', resolve);
    });
  const run = async (): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      let total: number | undefined = size;
      try {
        const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
        const res = await client.send(repo, `/v2/${repo}/blobs/${digest}`, { headers });
        let skip = 0;
        if (offset > 0 && res.status === 206) {
          const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
          if (!m || Number(m[1]) !== offset) {
            res.body.destroy();
            throw new PortcullisError('NETWORK', `${what}: the registry answered the range request with ${String(res.headers['content-range'])}`);
          }
          if (m[2] !== '*') total ??= Number(m[2]);
        } else {
          skip = offset; // no range support: the whole blob again
          const len = Number(res.headers['content-length'] ?? NaN);
          if (Number.isFinite(len)) total ??= len;
        }
        for await (const chunk of res.body as AsyncIterable<Buffer>) {
          if (closed) {
            res.body.destroy();
            return;
          }
          let c = chunk;
          if (skip > 0) {
            const s = Math.min(skip, c.length);
            skip -= s;
            c = c.subarray(s);
            if (c.length === 0) continue;
          }
          offset += c.length;
          transferStats.bytes += c.length;
          if (total !== undefined && offset > total) throw new PortcullisError('DIGEST_MISMATCH', `${what}: more bytes than the ${total} announced`);
          await write(c);
        }
        if (total !== undefined && offset < total) throw new TransportError(`${what}: cut short at ${offset} of ${total} bytes`);
        out.end();
        return;
      } catch (e) {
        if (closed) return;
        const transient = e instanceof TransportError || (e instanceof Error && !(e instanceof PortcullisError));
        if (!transient || attempt + 1 >= attempts) {
          const err =
            e instanceof PortcullisError
              ? e
              : new PortcullisError('NETWORK', `${what}: ${(e as Error).message} (after ${attempt + 1} attempts)`, { cause: e, subject: what });
          out.destroy(err);
          return;
        }
        // resume where we stopped
      }
    }
  };
  void run();
  return out;
}
