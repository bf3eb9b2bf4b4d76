// The rpm analyzer: reads rpm's package database in any of its three formats (SQLite, Berkeley DB hash,
// ndb), recognised by content, and emits one package fact per installed package. No rpm binary needed.
import type { Analyzer, AnalyzerContext, EntryInfo, Fact, FileInput, Package } from '../../../core/types.js';
import { cappedWarnings } from '../warn.js';
import { failed, partial } from '../../status.js';
import { looksLikeBdb, readBdbHash, type DbRecord } from './bdb.js';
import { HeaderError, RpmHeader } from './header.js';
import { looksLikeNdb, readNdb } from './ndb.js';
import { headerToPackage } from './package.js';
import { looksLikeSqlite, readSqlite } from './sqlite.js';
import { MAX_PACKAGE_DB_BYTES } from '../limits.js';

export const RPMDB_PATHS: readonly string[] = [
  '/var/lib/rpm/rpmdb.sqlite',
  '/usr/lib/sysimage/rpm/rpmdb.sqlite',
  '/var/lib/rpm/Packages',
  '/usr/lib/sysimage/rpm/Packages',
  '/var/lib/rpm/Packages.db',
  '/usr/lib/sysimage/rpm/Packages.db',
];
const PATH_SET = new Set(RPMDB_PATHS);
/** SQLite's write-ahead log beside rpmdb.sqlite: what it holds is not in the main file until a checkpoint. */
const WAL_SET = new Set(RPMDB_PATHS.filter((p) => p.endsWith('.sqlite')).map((p) => `${p}-wal`));

/** Frames in an SQLite WAL file (32-byte header, then frames of 24 + page size bytes); 0 when empty or not a WAL. */
export function walFrames(buf: Buffer): number {
  if (buf.length <= 32) return 0;
  const magic = buf.readUInt32BE(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) return 1; // not a WAL we know: assume it holds something
  let pageSize = buf.readUInt32BE(8);
  if (pageSize === 1) pageSize = 65536;
  if (pageSize < 512) return 1;
  return Math.max(Math.floor((buf.length - 32) / (24 + pageSize)), buf.length > 32 ? 1 : 0);
}

export { MAX_WARNINGS_PER_FILE } from '../warn.js';

export type RpmDbFormat = 'sqlite' | 'bdb' | 'ndb';

export function detectRpmDbFormat(buf: Buffer): RpmDbFormat | undefined {
  if (looksLikeSqlite(buf)) return 'sqlite';
  if (looksLikeNdb(buf)) return 'ndb';
  if (looksLikeBdb(buf)) return 'bdb';
  return undefined;
}

export interface RpmDbResult {
  format?: RpmDbFormat;
  packages: Package[];
  /** records read from the database (gpg-pubkey and broken ones included) */
  records: number;
  skipped: number;
}

/** Where a reader's problems go: `warn` (cosmetic), `skip` (something not read: partial), `fail` (nothing read). */
export interface RpmDbSinks {
  skip: (m: string) => void;
  fail: (m: string) => void;
}

/**
 * Reads one rpm database file's content. Never throws on bad input: problems go to `warn`, or, when
 * `sinks` are given, records not read to `sinks.skip` and a database not read at all to `sinks.fail`.
 */
export function readRpmDb(content: Buffer, path: string, layer: FileInput['layer'], warnSink: (m: string) => void, sinks?: RpmDbSinks): RpmDbResult {
  const { warn, done } = cappedWarnings(path, warnSink);
  const skip = sinks?.skip ?? warn;
  const fail = sinks?.fail ?? warn;
  const result: RpmDbResult = { packages: [], records: 0, skipped: 0 };
  const format = detectRpmDbFormat(content);
  if (!format) {
    fail(`not an rpm database in a known format (SQLite, Berkeley DB hash, ndb); ${content.length} bytes`);
  } else {
    result.format = format;
    // every problem a format reader reports means records it could not read
    const records: DbRecord[] =
      format === 'sqlite' ? readSqlite(content, skip) : format === 'ndb' ? readNdb(content, skip) : readBdbHash(content, skip);
    result.records = records.length;
    for (const r of records) {
      const where = r.key === undefined ? 'record' : `record ${r.key}`;
      let header: RpmHeader;
      try {
        header = RpmHeader.parse(r.blob);
      } catch (e) {
        if (!(e instanceof HeaderError)) throw e;
        skip(`${where}: ${e.message}; skipped`);
        continue;
      }
      const outcome = headerToPackage(header, path, layer, (m) => warn(`${where}: ${m}`));
      if (outcome.kind === 'package') result.packages.push(outcome.pkg);
      else if (outcome.kind === 'skip') result.skipped++;
      else skip(`${where}: ${outcome.reason}; skipped`);
    }
    if (result.packages.length === 0) fail(`${format} package database present (${content.length} bytes, ${result.records} records) but no package could be read from it`);
  }
  done();
  result.packages.sort(comparePackages);
  return result;
}

function cmp(a: string | undefined, b: string | undefined): number {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

function comparePackages(a: Package, b: Package): number {
  return cmp(a.name, b.name) || cmp(a.version, b.version) || cmp(a.arch, b.arch) || cmp(a.purl, b.purl);
}

export const rpmAnalyzer: Analyzer = {
  name: 'rpm',
  version: 1,
  maxFileBytes: MAX_PACKAGE_DB_BYTES,
  required(path: string, entry: EntryInfo): boolean {
    if (entry.type !== 'file' && entry.type !== 'symlink' && entry.type !== 'hardlink') return false;
    return PATH_SET.has(path) || WAL_SET.has(path);
  },
  async analyze(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
    if (WAL_SET.has(file.path)) {
      const frames = walFrames(file.content);
      if (frames > 0) partial(ctx, `write-ahead log with ${frames} frame(s) not checkpointed into rpmdb.sqlite; not read (packages installed or removed since the last checkpoint may be missing or still listed)`);
      return [];
    }
    const { packages } = readRpmDb(file.content, file.path, file.layer, (m) => ctx.warn(m), ctx.partial && ctx.fail ? { skip: (m) => partial(ctx, m), fail: (m) => failed(ctx, m) } : undefined);
    return packages.map((pkg) => ({ kind: 'package', pkg }));
  },
};
