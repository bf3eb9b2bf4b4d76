// Image reference → the digest a decision is keyed by: the platform manifest's digest, computed from
// bytes we hashed (source/registry getManifest). A tag is resolved through the registry and cached for a
// short TTL (a moved tag is judged by its new digest once the entry expires); a digest reference that
// names an index is resolved to the platform's manifest and cached for good (content-addressed).
import type { Clock } from '../core/clock.js';
import { PortcullisError } from '../core/errors.js';
import type { Platform } from '../core/types.js';
import { DEFAULT_PLATFORM, normaliseImageName, splitRepository } from '../source/ref.js';
import { getManifest, MEDIA } from '../source/registry/blobs.js';
import type { RegistryClient } from '../source/registry/client.js';
import { makeClient, pickFromIndex, type RegistryOptions } from '../source/registry/resolve.js';

export interface ImageName {
  /** normalised repository: docker.io/library/nginx */
  name: string;
  tag?: string;
  digest?: string;
}

/** `nginx` → docker.io/library/nginx:latest; throws BAD_INPUT for something that is not a reference. */
export function parseImage(image: string): ImageName {
  const r = normaliseImageName(image);
  if (r.digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(r.digest)) throw new PortcullisError('BAD_INPUT', `${image}: only sha256 digests are supported`);
  return r.digest === undefined && r.tag === undefined ? { ...r, tag: 'latest' } : r;
}

export interface ResolverOptions {
  registry: RegistryOptions;
  clock: Clock;
  /** how long a tag → digest answer is reused (default 30 s) */
  tagTtlMs?: number;
  platform?: Platform;
  /** cache entries kept (default 10000) */
  maxEntries?: number;
}

interface Entry {
  digest: string;
  at: number;
}

export class DigestResolver {
  private readonly clients = new Map<string, RegistryClient>();
  private readonly cache = new Map<string, Entry>();
  /** lookups under way: concurrent requests for one reference share one registry round trip */
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly ttl: number;
  private readonly max: number;
  /** registry round trips made (tests and metrics) */
  lookups = 0;

  constructor(private readonly opts: ResolverOptions) {
    this.ttl = opts.tagTtlMs ?? 30_000;
    this.max = opts.maxEntries ?? 10_000;
  }

  private client(host: string): RegistryClient {
    // one client per host: its bearer tokens are reused
    let c = this.clients.get(host);
    if (!c) {
      c = makeClient(host, { ...this.opts.registry, retries: this.opts.registry.retries ?? 1 });
      this.clients.set(host, c);
    }
    return c;
  }

  /** The platform manifest digest for `img`. */
  async resolve(img: ImageName): Promise<string> {
    const reference = img.digest ?? img.tag ?? 'latest';
    const key = `${img.name}@${reference}`;
    const now = this.opts.clock.now().getTime();
    const hit = this.cache.get(key);
    if (hit && (img.digest !== undefined || now - hit.at < this.ttl)) return hit.digest;
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.lookup(img, reference).then((digest) => {
      if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { digest, at: now });
      return digest;
    }).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async lookup(img: ImageName, reference: string): Promise<string> {
    const { domain, path } = splitRepository(img.name);
    const client = this.client(domain);
    this.lookups++;
    let m = await getManifest(client, path, reference);
    if (m.mediaType === MEDIA.ociIndex || m.mediaType === MEDIA.dockerList) {
      let index: Record<string, unknown>;
      try {
        index = JSON.parse(m.body.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw new PortcullisError('IMAGE_UNREADABLE', `${img.name}@${m.digest}: index is not JSON`);
      }
      const d = pickFromIndex(index, this.opts.platform ?? DEFAULT_PLATFORM, `${img.name}: index ${m.digest}`);
      m = { ...m, digest: d.digest };
    }
    return m.digest;
  }
}
