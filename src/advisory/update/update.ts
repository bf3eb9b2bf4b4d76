// `portcullis db update`: replaces the local DB with a fresh one, safely under concurrency.
//
// Sources: an http(s) URL of a built DB file (verified against `<url>.sha256`), an http(s) base URL
// ending in `/` of an OSV bulk export (`<base><Ecosystem>/all.zip` for each ecosystem, then built
// locally), or a local DB file (verified against `<file>.sha256` when present).
// Everything is written to a temp file in the DB's directory and renamed over the DB, under a lock
// file, so parallel CI jobs never corrupt or double-download it: the second job waits, then sees
// that the DB was replaced (or already has the published checksum) and skips.
import { randomBytes } from 'node:crypto';
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DbMeta } from '../../core/report.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { PortcullisError } from '../../core/errors.js';
import { buildDb } from '../build.js';
import { sha256File } from '../osv/import.js';
import { openDb } from '../store/reader.js';
import { downloadTo, fetchText, parseSha256File, type FetchOptions } from './fetch.js';
import { acquireLock, DEFAULT_STALE_MS } from './lock.js';
import { removeOnExit } from '../../core/cleanup.js';
import { parseArtifactRef, pullDbLayer, pullManifest } from '../oci/artifact.js';
import { makeClient, type RegistryOptions } from '../../source/registry/resolve.js';

/** The public OSV bulk export (https://google.github.io/osv.dev/data/#data-dumps). */
export const DEFAULT_SOURCE = 'https://osv-vulnerabilities.storage.googleapis.com/';

/** Enrichment feeds worth adding with `--with` (not fetched unless asked). */
export const KEV_URL = 'https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json';
export const EPSS_URL = 'https://epss.empiricalsecurity.com/epss_scores-current.csv.gz';

/** Ecosystems fetched from an OSV export when none are named. */
export const DEFAULT_ECOSYSTEMS = [
  'AlmaLinux',
  'Alpine',
  'Debian',
  'Go',
  'Maven',
  'NuGet',
  'Packagist',
  'PyPI',
  'RubyGems',
  'Rocky Linux',
  'Ubuntu',
  'crates.io',
  'npm',
];

export interface UpdateOptions {
  db: string;
  source?: string;
  /** offline: use the DB that is there, never touch the network */
  skipUpdate?: boolean;
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  /** for OSV-export sources */
  ecosystems?: string[];
  /** for OSV-export sources: more feeds to download and build in (KEV JSON, EPSS CSV(.gz), secdb YAML, tracker JSON) */
  extras?: string[];
  maxDownloadBytes?: number;
  lockTimeoutMs?: number;
  /** a lock, or a temp file next to the DB, older than this is stale (default 1 hour) */
  lockStaleMs?: number;
  clock?: Clock;
  log?: (m: string) => void;
  /** for `oci://` sources: more `oci://` references tried in order when `source` fails */
  mirrors?: string[];
  /** for `oci://` sources: registry access (credentials, CAs, insecure hosts, retries) */
  registry?: RegistryOptions;
}

export type UpdateAction = 'downloaded' | 'built' | 'copied' | 'pulled' | 'up-to-date' | 'updated-by-other' | 'offline';

export interface UpdateResult {
  action: UpdateAction;
  db: string;
  meta: DbMeta;
  sha256?: string;
}

interface Identity {
  size: number;
  mtimeMs: number;
  ino: number;
}

async function identity(path: string): Promise<Identity | undefined> {
  const st = await stat(path).catch(() => undefined);
  return st ? { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino } : undefined;
}

function sameIdentity(a?: Identity, b?: Identity): boolean {
  return a === undefined ? b === undefined : b !== undefined && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

function metaOf(path: string): DbMeta {
  const db = openDb(path);
  try {
    return db.meta();
  } finally {
    db.close();
  }
}

function validMeta(path: string): DbMeta | undefined {
  try {
    return metaOf(path);
  } catch {
    return undefined;
  }
}

/**
 * Removes temp files left by killed updates and builds: `.<db>.download-*`, `.<db>.osv-*`,
 * `.<db>.build-*` and the build's own `..<db>.build-*.build-*` (with SQLite journals), when older than
 * the lock's stale age. Age, not pid: a CI job in another container (another pid namespace) sharing
 * the cache may still be writing its file.
 */
export async function cleanLeftovers(dir: string, base: string, olderThanMs: number, now = Date.now()): Promise<string[]> {
  const re = new RegExp(`^\\.{1,2}${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(download|build|osv)-\\d+-`);
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!re.test(name)) continue;
    const st = await lstat(join(dir, name)).catch(() => undefined);
    if (!st || now - st.mtimeMs < olderThanMs) continue;
    await rm(join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed.sort();
}

export async function updateDb(opts: UpdateOptions): Promise<UpdateResult> {
  const log = opts.log ?? (() => undefined);
  const db = opts.db;
  if (opts.skipUpdate) {
    const meta = metaOf(db); // DB_MISSING / DB_INVALID when there is nothing usable
    log(`offline: using ${db} as it is (built ${meta.builtAt})`);
    return { action: 'offline', db, meta };
  }
  const source = opts.source ?? DEFAULT_SOURCE;
  const fo: FetchOptions = {
    timeoutMs: opts.timeoutMs ?? 120_000,
    retries: opts.retries ?? 3,
    backoffMs: opts.backoffMs ?? 1000,
    maxBytes: opts.maxDownloadBytes ?? 4 * 1024 * 1024 * 1024,
    log,
  };
  const dir = dirname(db);
  const base = basename(db);
  await mkdir(dir, { recursive: true });
  const before = await identity(db);
  const staleMs = opts.lockStaleMs ?? DEFAULT_STALE_MS;
  const guards: { release(): void }[] = [];
  const release = await acquireLock(`${db}.lock`, {
    timeoutMs: opts.lockTimeoutMs,
    staleMs,
    onWait: (h) => log(`waiting for another update${h ? ` (pid ${h.pid} on ${h.host})` : ''} to finish`),
  });
  try {
    for (const n of await cleanLeftovers(dir, base, staleMs)) log(`removed ${n}, left behind by an interrupted update`);
    const now = await identity(db);
    if (!sameIdentity(before, now)) {
      const meta = validMeta(db);
      if (meta) {
        log(`${db} was updated by another process while we waited; nothing to do`);
        return { action: 'updated-by-other', db, meta };
      }
    }
    const tmpName = (kind: string): string => {
      const name = join(dir, `.${base}.${kind}-${process.pid}-${randomBytes(4).toString('hex')}`);
      guards.push(removeOnExit(name)); // removed on SIGINT/SIGTERM and exit if still there
      return name;
    };
    const isUrl = /^https?:\/\//i.test(source);

    if (/^oci:\/\//i.test(source)) return await pullFromRegistry([source, ...(opts.mirrors ?? [])], db, tmpName('download'), opts, log, now !== undefined);

    if (isUrl && source.endsWith('/')) {
      // OSV bulk export: download the zips, then build.
      const work = await mkdtemp(tmpName('osv'));
      try {
        const zips: string[] = [];
        for (const eco of opts.ecosystems ?? DEFAULT_ECOSYSTEMS) {
          const url = `${source}${encodeURIComponent(eco)}/all.zip`;
          const target = join(work, eco.replace(/[^A-Za-z0-9.:_-]/g, '_'));
          await mkdir(target);
          const file = join(target, 'all.zip');
          log(`downloading ${url}`);
          const { sha256 } = await downloadTo(url, file, fo);
          const published = await fetchText(`${url}.sha256`, fo);
          if (published !== undefined) verify(url, parseSha256File(published), sha256);
          zips.push(`osv:${target}`);
        }
        for (const [i, url] of (opts.extras ?? []).entries()) {
          const name = decodeURIComponent(new URL(url).pathname.split('/').pop() || `extra-${i}`).replace(/[^A-Za-z0-9._-]/g, '_');
          const target = join(work, `extra-${i}`);
          await mkdir(target);
          const file = join(target, name);
          log(`downloading ${url}`);
          const { sha256 } = await downloadTo(url, file, fo);
          const published = await fetchText(`${url}.sha256`, fo);
          if (published !== undefined) verify(url, parseSha256File(published), sha256);
          zips.push(file);
        }
        const tmp = tmpName('build');
        await buildDb(zips, tmp, { clock: opts.clock ?? systemClock, onWarning: (w) => log(`warning: ${w}`) });
        const meta = metaOf(tmp);
        await rename(tmp, db);
        return { action: 'built', db, meta };
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    }

    if (isUrl) {
      const shaText = await fetchText(`${source}.sha256`, fo);
      const expected = shaText === undefined ? undefined : parseSha256File(shaText);
      if (!expected) {
        throw new PortcullisError('NETWORK', `${source}.sha256 is missing or has no sha256; refusing to install an unverified DB`, { subject: source });
      }
      if (now && validMeta(db) && (await sha256File(db)) === `sha256:${expected}`) {
        log(`${db} already matches ${source} (sha256 ${expected.slice(0, 12)}…)`);
        return { action: 'up-to-date', db, meta: metaOf(db), sha256: expected };
      }
      const tmp = tmpName('download');
      try {
        log(`downloading ${source}`);
        const got = await downloadTo(source, tmp, fo);
        verify(source, expected, got.sha256);
        const meta = metaOf(tmp);
        await rename(tmp, db);
        return { action: 'downloaded', db, meta, sha256: got.sha256 };
      } catch (e) {
        await unlink(tmp).catch(() => undefined);
        throw e;
      }
    }

    // A local DB file.
    const st = await stat(source).catch(() => undefined);
    if (!st?.isFile()) throw new PortcullisError('NOT_FOUND', `update source ${source} is not a URL or a DB file`, { subject: source });
    const sidecar = await stat(`${source}.sha256`).catch(() => undefined);
    const actual = (await sha256File(source)).slice('sha256:'.length);
    if (sidecar) {
      verify(source, parseSha256File(await readFile(`${source}.sha256`, 'utf8')), actual);
    }
    const tmp = tmpName('download');
    try {
      await copyFile(source, tmp);
      const meta = metaOf(tmp);
      await rename(tmp, db);
      return { action: 'copied', db, meta, sha256: actual };
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  } finally {
    for (const g of guards) g.release();
    await release();
  }
}

/** `oci://` sources tried in order: manifest, then (unless the local DB is already it) the DB layer. */
async function pullFromRegistry(sources: string[], db: string, tmp: string, opts: UpdateOptions, log: (m: string) => void, haveDb: boolean): Promise<UpdateResult> {
  let last: unknown;
  for (const [i, src] of sources.entries()) {
    if (!/^oci:\/\//i.test(src)) throw new PortcullisError('BAD_INPUT', `DB mirror ${src}: expected an oci:// reference`);
    const ref = parseArtifactRef(src);
    try {
      const client = makeClient(ref.host, { ...opts.registry, mirrors: [], ...(opts.timeoutMs ? { idleTimeoutMs: opts.timeoutMs } : {}), log });
      const pm = await pullManifest(client, ref);
      if (haveDb && validMeta(db) && (await sha256File(db)) === pm.dbDigest) {
        log(`${db} already matches oci://${ref.display} (${pm.dbDigest.slice(7, 19)}…)`);
        return { action: 'up-to-date', db, meta: metaOf(db), sha256: pm.dbDigest.slice(7) };
      }
      log(`pulling oci://${ref.display} (${pm.manifestDigest})`);
      try {
        await pullDbLayer(client, pm, tmp, opts.maxDownloadBytes ?? 16 * 1024 ** 3);
        const meta = metaOf(tmp); // opens as a DB of this schema, or DB_INVALID
        await rename(tmp, db);
        return { action: 'pulled', db, meta, sha256: pm.dbDigest.slice(7) };
      } finally {
        await unlink(tmp).catch(() => undefined);
      }
    } catch (e) {
      last = e;
      if (i < sources.length - 1) log(`oci://${ref.display}: ${(e as Error).message}; trying ${sources[i + 1]}`);
    }
  }
  if (last instanceof PortcullisError) {
    throw new PortcullisError(last.code, `${last.message}; the DB was not replaced`, { cause: last, subject: last.subject ?? '' });
  }
  throw last;
}

function verify(what: string, expected: string | undefined, actual: string): void {
  if (!expected) throw new PortcullisError('DIGEST_MISMATCH', `${what}: its .sha256 file holds no sha256 digest`, { subject: what });
  if (expected !== actual) {
    throw new PortcullisError('DIGEST_MISMATCH', `${what}: sha256 ${actual} does not match the published ${expected}; the DB was not replaced`, { subject: what });
  }
}
