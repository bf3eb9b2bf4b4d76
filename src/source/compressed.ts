// A gzip- or zstd-compressed whole archive (`docker save | gzip`) with a memo of what earlier runs
// learned from the same bytes. Such an archive is decompressed to a temp file before anything in it can
// be read (store.ts), and that decompression is most of a warm scan: orders-api's layers replay from
// the layer cache in 0.1 s, its 53 MB of gzip take 0.5 s to inflate.
//
// The memo (`ArchiveMemo`, kept by the layer cache) is keyed by the sha256 of the compressed file,
// computed in this run. It holds what a run that decompressed those very bytes found: the member index,
// the small members it read whole (manifest, config) and the digests each member's bytes were verified
// to have (blob digest, diff_id). The same compressed bytes decompress to the same tar, so those facts
// hold for this archive without decompressing it: a layer replayed from the cache needs no read, and
// the archive is decompressed only when something not in the memo is asked for (a layer to walk, a
// member not read before). Identity from content still holds: nothing is taken from the archive's own
// claims, only from a digest computed now over every byte of the file.
//
// A run that decompresses hashes the compressed bytes as they go into the decompressor (the bytes the
// facts come from, not a second read), and stores the facts at close() only when that digest equals the
// one it looked up with (the file did not change in between).
//
// The facts hold the image's config, which may hold secrets (ENV), and the cache may be shared or
// uploaded (CI caches): they are sealed with AES-256-GCM under the archive digest itself, and filed
// under a hash of that digest. Reading them takes the archive; the cache alone tells nothing.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { PortcullisError } from '../core/errors.js';
import { regionDigest } from './hashworker.js';
import { compressionAt, type ArchiveEntry, type ArchiveMemo, type ArchiveOptions, type BlobRegion, type BlobStore, TarArchive } from './store.js';

export type { ArchiveMemo } from './store.js';
import { asReadError, DIGEST_RE } from './streams.js';

/** What runs learned from one compressed archive's bytes (see the top of this file). */
export interface ArchiveFacts {
  entries: ArchiveEntry[];
  /** members read whole: name → base64 content */
  small: Record<string, string>;
  /** member name → digests its bytes were verified to have (blob digest; diff_id after decompression) */
  verified: Record<string, string[]>;
}

/** members read whole are remembered up to this much in all (manifests and configs are kilobytes) */
const SMALL_TOTAL_MAX = 4 * 1024 * 1024;
const TYPES = new Set<ArchiveEntry['type']>(['file', 'dir', 'symlink', 'link', 'other']);

/** `v` as ArchiveFacts, or undefined when it is not exactly that shape. */
export function checkFacts(v: unknown): ArchiveFacts | undefined {
  const o = v as Partial<ArchiveFacts> | null;
  if (!o || typeof o !== 'object' || !Array.isArray(o.entries) || !o.small || typeof o.small !== 'object' || !o.verified || typeof o.verified !== 'object') return undefined;
  for (const e of o.entries) {
    if (!e || typeof e.name !== 'string' || !TYPES.has(e.type) || !Number.isSafeInteger(e.offset) || !Number.isSafeInteger(e.size) || e.size < 0) return undefined;
    if (e.linkname !== undefined && typeof e.linkname !== 'string') return undefined;
  }
  if (!Object.values(o.small).every((c) => typeof c === 'string')) return undefined;
  if (!Object.values(o.verified).every((d) => Array.isArray(d) && d.every((x) => typeof x === 'string' && DIGEST_RE.test(x)))) return undefined;
  return { entries: o.entries, small: o.small, verified: o.verified };
}

/** The name facts are filed under: a hash of the archive digest (which is their key). */
export function memoKey(archiveDigest: string): string {
  return `sha256:${createHash('sha256').update(`portcullis archive facts\n${archiveDigest}`).digest('hex')}`;
}

function keyOf(archiveDigest: string): Buffer {
  return createHash('sha256').update(`portcullis archive facts key\n${archiveDigest}`).digest();
}

/** The facts encrypted and authenticated under the archive digest. */
export function seal(archiveDigest: string, facts: ArchiveFacts): { iv: string; tag: string; data: string } {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', keyOf(archiveDigest), iv);
  const data = Buffer.concat([c.update(JSON.stringify(facts), 'utf8'), c.final()]);
  return { iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** The facts a sealed document holds for this archive digest; undefined when it does not decrypt, authenticate or check. */
export function unseal(archiveDigest: string, doc: unknown): ArchiveFacts | undefined {
  const o = doc as { iv?: unknown; tag?: unknown; data?: unknown } | null;
  if (!o || typeof o !== 'object' || typeof o.iv !== 'string' || typeof o.tag !== 'string' || typeof o.data !== 'string') return undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', keyOf(archiveDigest), Buffer.from(o.iv, 'base64'));
    d.setAuthTag(Buffer.from(o.tag, 'base64'));
    const json = Buffer.concat([d.update(Buffer.from(o.data, 'base64')), d.final()]).toString('utf8');
    return checkFacts(JSON.parse(json));
  } catch {
    return undefined;
  }
}

/** Open an archive: a compressed one with a memo goes through CompressedArchive, anything else is a TarArchive. */
export async function openArchive(path: string, opts: ArchiveOptions): Promise<BlobStore> {
  const memo = opts.archiveMemo;
  if (!memo) return TarArchive.open(path, opts);
  let digest: string;
  try {
    if ((await compressionAt(path)) === 'none') return TarArchive.open(path, opts);
    digest = `sha256:${await regionDigest(path, 0, (await fsp.stat(path)).size)}`;
  } catch (e) {
    throw e instanceof PortcullisError ? e : asReadError(e, path);
  }
  const facts = unseal(digest, await memo.getArchive(memoKey(digest)).catch(() => undefined));
  const a = new CompressedArchive(path, opts, memo, digest, facts);
  if (!facts) await a.decompressed();
  return a;
}

export class CompressedArchive implements BlobStore {
  private inner: TarArchive | undefined;
  private opening: Promise<TarArchive> | undefined;
  /** the index: the memo's until decompressed */
  private index: TarArchive | undefined;
  private readonly small = new Map<string, Buffer>();
  private smallBytes = 0;
  private readonly verified = new Map<string, Set<string>>();
  /** something learned this run that the memo does not hold yet */
  private learned = false;
  private closed = false;

  constructor(
    readonly where: string,
    private readonly opts: ArchiveOptions,
    readonly memo: ArchiveMemo,
    /** sha256 of the compressed file, computed in this run */
    private readonly digest: string,
    facts: ArchiveFacts | undefined,
  ) {
    if (!facts) return;
    this.index = TarArchive.indexOnly(where, facts.entries);
    for (const [name, b64] of Object.entries(facts.small)) {
      const b = Buffer.from(b64, 'base64');
      this.small.set(name, b);
      this.smallBytes += b.length;
    }
    for (const [name, ds] of Object.entries(facts.verified)) this.verified.set(name, new Set(ds));
  }

  /** The archive decompressed (now, the first time), its bytes hashed as they are read. */
  decompressed(): Promise<TarArchive> {
    this.opening ??= (async () => {
      const h = createHash('sha256');
      const tap = new Transform({
        transform(c: Buffer, _e, cb) {
          h.update(c);
          cb(null, c);
        },
      });
      const inner = await TarArchive.open(this.where, { ...this.opts, tap });
      const read = `sha256:${h.digest('hex')}`;
      if (read !== this.digest) {
        await inner.close();
        throw new PortcullisError('IMAGE_UNREADABLE', `${this.where}: the archive changed while it was read (sha256 ${this.digest}, then ${read})`, { subject: this.where });
      }
      if (this.closed) await inner.close();
      this.inner = inner;
      this.index = inner;
      return inner;
    })();
    return this.opening;
  }

  private idx(): TarArchive {
    if (!this.index) throw new PortcullisError('INTERNAL', `${this.where}: the archive is not indexed`);
    return this.index;
  }

  private canonical(name: string): string | undefined {
    return this.index?.resolve(name)?.name;
  }

  exists(name: string): boolean {
    return this.idx().exists(name);
  }

  size(name: string): number | undefined {
    return this.idx().size(name);
  }

  region(name: string): BlobRegion | undefined {
    return this.inner?.region(name);
  }

  async read(name: string, max: number): Promise<Buffer> {
    const key = this.canonical(name);
    const known = key === undefined ? undefined : this.small.get(key);
    if (known && known.length <= max) return Buffer.from(known);
    const b = await (await this.decompressed()).read(name, max);
    if (key !== undefined && !this.small.has(key) && this.smallBytes + b.length <= SMALL_TOTAL_MAX) {
      this.small.set(key, Buffer.from(b));
      this.smallBytes += b.length;
      this.learned = true;
    }
    return b;
  }

  stream(name: string): Readable {
    if (this.inner) return this.inner.stream(name);
    const later = this.decompressed();
    later.catch(() => undefined); // the stream reports it when read
    return Readable.from(
      (async function* () {
        yield* (await later).stream(name);
      })(),
      { objectMode: false },
    );
  }

  /** Digests the bytes of `name` were verified to have, in this run or in a run over the same archive bytes. */
  verifiedDigests(name: string): ReadonlySet<string> | undefined {
    const key = this.canonical(name);
    return key === undefined ? undefined : this.verified.get(key);
  }

  /** The bytes of `name` hashed to `digests` in this run. */
  noteVerified(name: string, digests: string[]): void {
    const key = this.canonical(name);
    if (key === undefined) return;
    const set = this.verified.get(key) ?? new Set<string>();
    for (const d of digests) {
      if (set.has(d)) continue;
      set.add(d);
      this.learned = true;
    }
    this.verified.set(key, set);
  }

  /** The memo updated with what this run learned (only from bytes whose digest is the one looked up), then the temp copy removed. */
  async close(): Promise<void> {
    this.closed = true;
    // only from this archive's bytes: a decompression whose bytes hashed otherwise failed and set nothing
    if (this.learned && this.index) {
      const facts: ArchiveFacts = {
        entries: this.index.entryList(),
        small: Object.fromEntries([...this.small].map(([k, v]) => [k, v.toString('base64')])),
        verified: Object.fromEntries([...this.verified].map(([k, v]) => [k, [...v].sort()])),
      };
      await this.memo.putArchive(memoKey(this.digest), seal(this.digest, facts)).catch(() => undefined);
    }
    await this.inner?.close();
  }
}
