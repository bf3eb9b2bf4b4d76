// The layer analysis cache on disk: one file per (layer, analysis settings) key under
// `$PORTCULLIS_CACHE_DIR/layers/` (default `~/.cache/portcullis/layers/`), plus `blobs/`, which maps a
// registry blob digest to the diff_id its bytes decompressed to when we hashed both. See docs/cache.md.
//
// Safe under concurrent CI jobs without a lock: a record is written to a private temp file and renamed
// into place (readers see a whole file or none; two writers of one key write the same content). Every
// file ends with the sha256 of what precedes it and carries its own key: a corrupt, truncated or
// misplaced file is ignored (and removed, so the next cold scan rewrites it), never trusted. A record
// (recordreader.ts) is a header line and its entries gzip'd one per line, decoded as the replay takes
// them; the archive facts and images' analyses below are one gzip'd JSON document each.
// Size-capped: when a write may take the cache over its cap (counted at a run's first write, then
// what the run wrote added), the least recently used records (mtime, refreshed on every hit) are removed
// until the total is under the cap.
import { randomBytes } from 'node:crypto';
import { isAscii } from 'node:buffer';
import { promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { RECORD_FORMAT, type EntryRecord, type LayerRecord } from './record.js';
import { RecordRejected, SealedRecord } from './recordreader.js';
import { seal, sha256, unseal } from './seal.js';
import { asciiBytes, RecordWriter } from './recordwriter.js';

export const DEFAULT_CACHE_MAX_BYTES = 2 * 1024 ** 3;
/** 2: a header line and one entry per line (PCLLAYER1 was one JSON document: such a file is rejected unread) */
const MAGIC = Buffer.from('PCLLAYER2\n');
const ARCHIVE_MAGIC = Buffer.from('PCLARCHIVE1\n');
const IMAGE_MAGIC = Buffer.from('PCLIMAGE1\n');
/** an image's analysis larger than this is not stored (it would not pay to read it back) */
const MAX_IMAGE_BYTES = 64 * 1024 * 1024;
/** archive facts larger than this are not stored (an archive of very many members: its index) */
const MAX_ARCHIVE_FACTS_BYTES = 8 * 1024 * 1024;
const INFLATE_CHUNK = 256 * 1024;
/** a record whose file would be larger than this (or than a quarter of the cap) is not stored */
const MAX_RECORD_BYTES = 512 * 1024 * 1024;
/** temp files older than this are leftovers of a job that died while writing */
const STALE_TEMP_MS = 60 * 60 * 1000;
const KEY_RE = /^[0-9a-f]{64}$/;
/** files stat'ed at once when the cache is counted */
const STAT_BATCH = 32;
const BLOB_RE = /^sha256:[0-9a-f]{64}$/;

const gzipP = promisify(gzip);
const gunzipP = promisify(gunzip);

export interface LayerCacheStats {
  hits: number;
  misses: number;
  /** records found but refused (corrupt, truncated, another key, unreadable) */
  rejected: number;
  writes: number;
  evicted: number;
}

/** `$PORTCULLIS_CACHE_DIR/layers`, else `~/.cache/portcullis/layers`. */
export function defaultLayerCacheDir(env: Record<string, string | undefined>): string {
  return join(env.PORTCULLIS_CACHE_DIR || join(env.HOME || homedir(), '.cache', 'portcullis'), 'layers');
}

/** `doc` sealed as ASCII JSON (recordwriter.ts: it parses faster read back as latin1). */
async function encode(magic: Buffer, doc: unknown): Promise<Buffer> {
  return seal(magic, [await gzipP(asciiBytes(JSON.stringify(doc)), { level: 1 })]);
}

/** The JSON document of an encoded file, or undefined when it is not whole and intact. */
async function decodeDoc(raw: Buffer, magic: Buffer): Promise<unknown> {
  const body = unseal(raw, magic);
  if (!body) return undefined;
  try {
    // zlib's default 16 KiB output chunk costs a round trip to the thread pool per chunk: ~2.5× the CPU of inflating a document
    const json = await gunzipP(body, { chunkSize: INFLATE_CHUNK });
    return JSON.parse(json.toString(isAscii(json) ? 'latin1' : 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A layer record whose seal and header were checked, to replay: its entries are decoded a batch at a
 * time as they are taken. One found damaged part-way is removed and RecordRejected thrown: what the
 * batches before it were used for must be thrown away (walker/index.ts, scan/collect.ts).
 */
export interface CachedRecord {
  /** uncompressed bytes of the layer */
  bytes: number;
  batches(): AsyncGenerator<EntryRecord[]>;
}

export class LayerCache {
  readonly stats: LayerCacheStats = { hits: 0, misses: 0, rejected: 0, writes: 0, evicted: 0 };
  /** bytes the cache held at this process's last count, plus what it wrote since (wrote()); undefined until counted */
  private held: number | undefined;
  /** the count under way, if one is */
  private counting: Promise<void> | undefined;
  /** keys whose record was found damaged part-way in this run: misses from then on, so a walk done again reads the layer */
  private readonly refused = new Set<string>();

  constructor(
    readonly dir: string,
    readonly maxBytes: number = DEFAULT_CACHE_MAX_BYTES,
  ) {}

  private recordPath(key: string): string {
    return join(this.dir, `${key}.rec`);
  }

  private blobPath(blobDigest: string): string {
    return join(this.dir, 'blobs', blobDigest.replace(':', '-'));
  }

  /** The record stored under `key` for a layer with `diffId`, its seal and header verified; undefined when absent or not trustworthy. */
  async open(key: string, diffId: string): Promise<CachedRecord | undefined> {
    if (!KEY_RE.test(key)) throw new Error(`layer cache: bad key ${key}`);
    const path = this.recordPath(key);
    let raw: Buffer | undefined;
    if (!this.refused.has(key)) raw = await fsp.readFile(path).catch(() => undefined);
    if (!raw) {
      this.stats.misses++;
      return undefined;
    }
    const rec = SealedRecord.open(raw, MAGIC, key, diffId);
    if (!rec) {
      this.stats.rejected++;
      await fsp.rm(path, { force: true }).catch(() => {});
      return undefined;
    }
    this.stats.hits++;
    const now = new Date();
    await fsp.utimes(path, now, now).catch(() => {}); // LRU: a hit makes it recent
    return { bytes: rec.header.bytes, batches: () => this.checked(rec, key) };
  }

  /** `rec`'s batches; one found damaged is no hit: it is removed, and a miss for the rest of the run. */
  private async *checked(rec: SealedRecord, key: string): AsyncGenerator<EntryRecord[]> {
    try {
      yield* rec.batches();
    } catch (e) {
      if (!(e instanceof RecordRejected)) throw e;
      this.stats.hits--;
      this.stats.rejected++;
      this.refused.add(key);
      await fsp.rm(this.recordPath(key), { force: true }).catch(() => {});
      throw new RecordRejected(`layer cache: the record of ${rec.header.diffId} is damaged (${e.message}); removed`);
    }
  }

  /** The whole record under `key` (tests, tools: a replay takes open()'s batches), or undefined as open() and when damaged part-way. */
  async get(key: string, diffId: string): Promise<LayerRecord | undefined> {
    const rec = await this.open(key, diffId);
    if (!rec) return undefined;
    const entries: EntryRecord[] = [];
    try {
      for await (const batch of rec.batches()) for (const e of batch) entries.push(e);
    } catch (e) {
      if (e instanceof RecordRejected) return undefined;
      throw e;
    }
    return { format: RECORD_FORMAT, diffId, bytes: rec.bytes, entries };
  }

  /** Store `rec` under `key` (as `putWritten` does). */
  async put(key: string, rec: LayerRecord): Promise<string | undefined> {
    const w = new RecordWriter(key, rec.diffId, rec.format);
    for (const e of rec.entries) w.add(e);
    return this.putWritten(w, rec.bytes);
  }

  /**
   * Store the record `w` wrote (under its key: temp file + rename), then evict to the cap. Failures are
   * returned, never thrown: the cache is an optimisation.
   */
  async putWritten(w: RecordWriter, bytes: number): Promise<string | undefined> {
    const key = w.key;
    if (!KEY_RE.test(key)) {
      w.abandon();
      return `bad key ${key}`;
    }
    try {
      const data = seal(MAGIC, await w.finish(bytes));
      if (data.length > Math.min(MAX_RECORD_BYTES, this.maxBytes / 4)) return `record of ${data.length} bytes not stored (over the per-record limit)`;
      await this.writeAtomic(this.recordPath(key), data);
      this.stats.writes++;
      await this.wrote(data.length);
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }

  private async writeAtomic(path: string, data: Buffer): Promise<void> {
    const dir = path.slice(0, path.lastIndexOf('/'));
    await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = join(dir, `.${randomBytes(8).toString('hex')}.${process.pid}.tmp`);
    try {
      await fsp.writeFile(tmp, data, { mode: 0o600 });
      await fsp.rename(tmp, path);
    } catch (e) {
      await fsp.rm(tmp, { force: true }).catch(() => {});
      throw e;
    }
  }

  /** The diff_id that a registry blob decompressed to when we hashed it earlier, or undefined. */
  async blobDiffId(blobDigest: string): Promise<string | undefined> {
    if (!BLOB_RE.test(blobDigest)) return undefined;
    try {
      const raw = await fsp.readFile(this.blobPath(blobDigest), 'utf8');
      const [blob, diffId, check, ...rest] = raw.split('\n');
      if (rest.length > 1 || rest[0] !== '' || blob !== blobDigest || !BLOB_RE.test(diffId ?? '')) return undefined;
      if (check !== sha256(Buffer.from(`${blob}\n${diffId}\n`)).toString('hex')) return undefined;
      return diffId;
    } catch {
      return undefined;
    }
  }

  /** Record that blob `blobDigest` (hashed in this run) decompresses to `diffId` (hashed in this run). */
  async putBlob(blobDigest: string, diffId: string): Promise<void> {
    if (!BLOB_RE.test(blobDigest) || !BLOB_RE.test(diffId)) return;
    const text = `${blobDigest}\n${diffId}\n`;
    await this.writeAtomic(this.blobPath(blobDigest), Buffer.from(`${text}${sha256(Buffer.from(text)).toString('hex')}\n`)).catch(() => {});
  }

  private archivePath(archiveDigest: string): string {
    return join(this.dir, 'archives', archiveDigest.replace(':', '-'));
  }

  /**
   * What runs learned from the compressed archive whose bytes hash to `archiveDigest` (an opaque document:
   * source/compressed.ts checks its shape), verified on read like a record.
   */
  async getArchive(archiveDigest: string): Promise<unknown> {
    if (!BLOB_RE.test(archiveDigest)) return undefined;
    return this.getSealed(this.archivePath(archiveDigest), ARCHIVE_MAGIC, 'archive', archiveDigest, 'facts');
  }

  async putArchive(archiveDigest: string, facts: unknown): Promise<void> {
    if (!BLOB_RE.test(archiveDigest)) return;
    await this.putSealed(this.archivePath(archiveDigest), ARCHIVE_MAGIC, { archive: archiveDigest, facts }, MAX_ARCHIVE_FACTS_BYTES, 'archive facts');
  }

  private imagePath(key: string): string {
    return join(this.dir, 'images', `${key}.img`);
  }

  /**
   * The analysis of a whole image stored under `key` (an opaque document: scan/imagecache.ts checks its
   * shape), verified on read like a record.
   */
  async getImage(key: string): Promise<unknown> {
    if (!KEY_RE.test(key)) return undefined;
    return this.getSealed(this.imagePath(key), IMAGE_MAGIC, 'key', key, 'image');
  }

  /** Store an image's analysis under `key`; failures are returned, never thrown (as `put`). */
  async putImage(key: string, image: unknown): Promise<string | undefined> {
    if (!KEY_RE.test(key)) return `bad key ${key}`;
    const why = await this.putSealed(this.imagePath(key), IMAGE_MAGIC, { key, image }, Math.min(MAX_IMAGE_BYTES, this.maxBytes / 4), 'image analysis');
    if (why === undefined) this.stats.writes++;
    return why;
  }

  /**
   * The `field` of the document sealed under `magic` at `path`, when its `idField` is `id`; undefined when
   * absent, or not whole, intact and its own (then removed: the next run rewrites it). A hit makes it recent.
   */
  private async getSealed(path: string, magic: Buffer, idField: string, id: string, field: string): Promise<unknown> {
    let raw: Buffer;
    try {
      raw = await fsp.readFile(path);
    } catch {
      return undefined;
    }
    const o = (await decodeDoc(raw, magic)) as Record<string, unknown> | undefined;
    const v = o && typeof o === 'object' && o[idField] === id ? o[field] : undefined;
    if (v === undefined) {
      this.stats.rejected++;
      await fsp.rm(path, { force: true }).catch(() => {});
      return undefined;
    }
    const now = new Date();
    await fsp.utimes(path, now, now).catch(() => {});
    return v;
  }

  /** `doc` sealed under `magic` into `path` (temp file + rename), then evict to the cap; why it was not stored, if it was not. */
  private async putSealed(path: string, magic: Buffer, doc: unknown, maxBytes: number, what: string): Promise<string | undefined> {
    try {
      const data = await encode(magic, doc);
      if (data.length > maxBytes) return `${what} of ${data.length} bytes not stored (over the limit)`;
      await this.writeAtomic(path, data);
      await this.wrote(data.length);
      return undefined;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }

  /**
   * Evict after writing `bytes`, when they may have taken the cache over its cap: what it held at this
   * process's last count plus what the process wrote since. The first write of a run counts (stats every
   * file; 8,000 records took 0.16 s a count, and counting after each layer's record added 1.25 s to an
   * 8-layer image's cold scan); later ones count again only once that sum is over the cap. Other jobs'
   * writes meanwhile are seen at the next count (theirs or a later run's).
   */
  private async wrote(bytes: number): Promise<void> {
    // layers' records are stored concurrently: one count at a time serves them all (a file it saw is
    // then added once more: an over-estimate, which only counts sooner)
    if (this.counting) await this.counting;
    if (this.held !== undefined && (this.held += bytes) <= this.maxBytes) return;
    this.counting ??= this.evict().finally(() => {
      this.counting = undefined;
    });
    await this.counting;
  }

  /** The files of `dir` that count toward the cap (`counts` by name), removing stale temp files on the way; undefined when `dir` cannot be read. */
  private async counted(dir: string, counts: (name: string) => boolean, now: number): Promise<{ path: string; size: number; mtime: number }[] | undefined> {
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch {
      return undefined;
    }
    const out: { path: string; size: number; mtime: number }[] = [];
    const one = async (n: string): Promise<void> => {
      const path = join(dir, n);
      try {
        const st = await fsp.stat(path);
        if (n.endsWith('.tmp')) {
          if (now - st.mtimeMs > STALE_TEMP_MS) await fsp.rm(path, { force: true });
        } else if (counts(n) && st.isFile()) out.push({ path, size: st.size, mtime: st.mtimeMs });
      } catch {
        // removed by another job meanwhile
      }
    };
    // a few at a time on the thread pool (one by one, each stat waited for a round trip)
    for (let i = 0; i < names.length; i += STAT_BATCH) await Promise.all(names.slice(i, i + STAT_BATCH).map(one));
    return out;
  }

  /** Remove least recently used records until the total is under the cap; remove stale temp files. */
  async evict(): Promise<void> {
    const now = Date.now();
    const recs = await this.counted(this.dir, (n) => n.endsWith('.rec'), now);
    if (!recs) return;
    // archive facts (small: an index and a few manifests) and images' analyses count toward the cap and age like records
    recs.push(...((await this.counted(join(this.dir, 'archives'), () => true, now)) ?? []));
    recs.push(...((await this.counted(join(this.dir, 'images'), (n) => n.endsWith('.img'), now)) ?? []));
    let total = recs.reduce((n, r) => n + r.size, 0);
    recs.sort((a, b) => a.mtime - b.mtime || (a.path < b.path ? -1 : 1));
    for (const r of recs) {
      if (total <= this.maxBytes) break;
      await fsp.rm(r.path, { force: true }).catch(() => {});
      total -= r.size;
      this.stats.evicted++;
    }
    this.held = total;
  }
}
