// `portcullis db build`: reads every source through its importer into a temporary SQLite file in
// the output's directory, then renames it over the output. A failure leaves no partial DB.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, stat, unlink } from 'node:fs/promises';
import { outputKind } from '../core/outfile.js';
import { removeOnExit } from '../core/cleanup.js';
import { basename, dirname, join } from 'node:path';
import type { DbSourceMeta } from '../core/report.js';
import { systemClock, type Clock } from '../core/clock.js';
import { PortcullisError } from '../core/errors.js';
import { importAlpineSecdb } from './alpine-secdb/import.js';
import { importDebianTracker } from './debian-tracker/import.js';
import { detectSources, type SourceSpec } from './detect.js';
import { ENRICHMENT_KINDS } from './gaps.js';
import { importEpss } from './epss/import.js';
import { importKev } from './kev/import.js';
import { importOsv, sha256File, type FeedControl } from './osv/import.js';
import { walkFiles } from './osv/walk.js';
import { DbWriter } from './store/writer.js';
import { DEFAULT_LIMITS, type BuildSummary, type ImportContext, type ImportItem, type ImportLimits } from './types.js';

export interface BuildOptions {
  clock?: Clock;
  onWarning?: (w: string) => void;
  limits?: Partial<ImportLimits>;
  /**
   * When the feed files were fetched, as stated by whoever fetched them (`db build --fetched-at`). Converted
   * distro feeds (Alpine secdb, Debian tracker) carry no data time of their own; with this they get one
   * (recorded as `timeSource: 'declared'`), without it their freshness stays unknown (a coverage gap).
   * Never applied to a feed that has its own time, and refused when later than the build time.
   */
  fetchedAt?: string;
}

function importerFor(spec: SourceSpec, ctx: ImportContext & FeedControl): AsyncIterable<ImportItem> {
  switch (spec.kind) {
    case 'osv':
      return importOsv(spec.path, ctx);
    case 'alpine-secdb':
      return importAlpineSecdb(spec.path, ctx);
    case 'debian-tracker':
      return importDebianTracker(spec.path, ctx);
    case 'kev':
      return importKev(spec.path, ctx);
    case 'epss':
      return importEpss(spec.path, ctx);
  }
}

/** sha256 over the sorted (relative path, content) pairs of a directory's regular files. */
async function sha256Dir(dir: string): Promise<string> {
  const h = createHash('sha256');
  for await (const f of walkFiles(dir, () => undefined)) {
    h.update(f.rel).update('\0');
    for await (const chunk of createReadStream(f.path)) h.update(chunk as Buffer);
    h.update('\0');
  }
  return 'sha256:' + h.digest('hex');
}

export async function buildDb(sources: string[], output: string, opts: BuildOptions = {}): Promise<BuildSummary> {
  const clock = opts.clock ?? systemClock;
  const started = process.hrtime.bigint();
  if (sources.length === 0) throw new PortcullisError('BAD_INPUT', 'db build needs at least one --source');
  const specs: SourceSpec[] = [];
  for (const s of sources) specs.push(...(await detectSources(s)));
  const limits: ImportLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const fetchedAt = opts.fetchedAt !== undefined ? checkFetchedAt(opts.fetchedAt, clock.now()) : undefined;
  // the DB is renamed into place: only onto a regular file or a new path, never over a device, FIFO or link
  const kind = await outputKind(output);
  if (kind === 'special' || kind === 'symlink') {
    throw new PortcullisError('BAD_INPUT', `${output}: not a regular file; the DB is replaced atomically, give a file path`, { subject: output });
  }
  const tmp = join(dirname(output), `.${basename(output)}.build-${process.pid}-${randomBytes(4).toString('hex')}`);
  let writer: DbWriter;
  try {
    await mkdir(dirname(output), { recursive: true });
    writer = new DbWriter(tmp);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : (e as Error).message;
    throw new PortcullisError('BAD_INPUT', `cannot write the DB in ${dirname(output)}: ${why}`, { cause: e, subject: output });
  }
  const guard = removeOnExit(tmp);
  let warnings = 0;
  let skipped = 0;
  let duplicates = 0;
  const warn = (w: string): void => {
    warnings++;
    opts.onWarning?.(w);
  };
  const feeds = new Map<string, DbSourceMeta>();
  /** per feed: the ecosystems its advisory records name (recorded so freshness is judged per source) */
  const feedEcosystems = new Map<string, Set<string>>();
  try {
    for (const spec of specs) {
      let feed: DbSourceMeta | undefined;
      const beginFeed = (name: string, checksum?: string): void => {
        let f = feeds.get(name);
        if (!f) {
          f = { name, kind: spec.kind, records: 0 };
          feeds.set(name, f);
        }
        if (checksum) f.checksum = checksum;
        feed = f;
      };
      const defaultFeed = `${spec.kind}:${basename(spec.path)}`;
      const ctx: ImportContext & FeedControl = {
        warn: (m) => {
          skipped++;
          warn(m);
        },
        setUpdatedAt: (iso) => {
          if (!feed) beginFeed(defaultFeed);
          if (feed && (!feed.updatedAt || iso > feed.updatedAt)) feed.updatedAt = iso;
        },
        limits,
        beginFeed,
      };
      try {
        for await (const item of importerFor(spec, ctx)) {
          if (!feed) beginFeed(defaultFeed);
          const f = feed as DbSourceMeta;
          if (item.type === 'advisory') {
            const converted = spec.kind === 'alpine-secdb' || spec.kind === 'debian-tracker';
            let r: ReturnType<DbWriter['addAdvisory']>;
            try {
              r = writer.addAdvisory(item.record, f.name, item.malicious ?? false, item.vendorSeverity, converted);
            } catch (e) {
              // one bad record is skipped (counted in the summary), never the end of the build
              skipped++;
              warn(`${item.origin}: skipped ${item.record.id}: ${(e as Error).message.split('\n')[0]}`);
              continue;
            }
            if (r === 'kept-existing' || r === 'replaced') {
              duplicates++;
              warn(`${item.origin}: duplicate id ${item.record.id}; ${r === 'replaced' ? 'replaced the older record' : 'kept the newer or equal record already read'}`);
            }
            f.records++;
            let ecos = feedEcosystems.get(f.name);
            if (!ecos) feedEcosystems.set(f.name, (ecos = new Set()));
            for (const a of item.record.affected ?? []) if (a.package && typeof a.package.ecosystem === 'string') ecos.add(a.package.ecosystem);
            const mod = item.record.modified;
            // Only OSV records carry a publisher's `modified`; converted distro records use the file time,
            // which says nothing about how fresh the data is, so it never makes a feed look fresh.
            if (spec.kind === 'osv' && !mod.startsWith('0001-') && (!f.updatedAt || mod > f.updatedAt)) f.updatedAt = new Date(Date.parse(mod)).toISOString();
          } else if (item.type === 'kev') {
            writer.addKev(item.cve, item.dateAdded, item.dueDate, item.ransomware);
            f.records++;
          } else {
            writer.addEpss(item.cve, item.score, item.percentile, item.date);
            f.records++;
          }
        }
      } catch (e) {
        if (e instanceof PortcullisError) throw e;
        throw new PortcullisError('BAD_INPUT', `advisory source ${spec.kind}:${spec.path} cannot be read: ${(e as Error).message}`, { cause: e, subject: spec.path });
      }
      if (!feed) beginFeed(defaultFeed);
      const f = feed as unknown as DbSourceMeta;
      if (!f.checksum) f.checksum = (await stat(spec.path)).isFile() ? await sha256File(spec.path) : await sha256Dir(spec.path);
    }
    for (const f of feeds.values()) {
      if (ENRICHMENT_KINDS.has(f.kind)) continue;
      f.ecosystems = [...(feedEcosystems.get(f.name) ?? [])].sort();
      if (f.updatedAt) f.timeSource = 'feed';
      else if (fetchedAt) Object.assign(f, { updatedAt: fetchedAt, timeSource: 'declared' as const });
    }
    const sourceList = [...feeds.values()].sort((a, b) => a.name.localeCompare(b.name));
    const builtAt = clock.now().toISOString();
    const res = writer.finish(builtAt, sourceList);
    await rename(tmp, output);
    const bytes = (await stat(output)).size;
    return {
      output,
      records: res.records,
      malicious: res.malicious,
      ecosystems: res.ecosystems,
      maliciousByEcosystem: res.maliciousByEcosystem,
      kev: res.kev,
      epss: res.epss,
      skipped,
      duplicates,
      warnings,
      sources: sourceList,
      bytes,
      durationMs: Number((process.hrtime.bigint() - started) / 1_000_000n),
    };
  } catch (e) {
    try {
      writer.abort();
    } catch {
      // already closed
    }
    await unlink(tmp).catch(() => undefined);
    throw e;
  } finally {
    guard.release();
  }
}

/** `--fetched-at`: an ISO 8601 time with a zone, not later than the build itself. */
function checkFetchedAt(s: string, now: Date): string {
  const t = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s) ? Date.parse(s) : NaN;
  if (!Number.isFinite(t)) throw new PortcullisError('BAD_INPUT', `--fetched-at: expected an ISO 8601 time with a zone (e.g. 2026-12-01T06:00:00Z), got ${JSON.stringify(s.slice(0, 64))}`);
  if (t > now.getTime()) throw new PortcullisError('BAD_INPUT', `--fetched-at ${s} is later than now (${now.toISOString()}): a feed cannot be fetched in the future`);
  return new Date(t).toISOString();
}
