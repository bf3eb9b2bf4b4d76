// The rpm analyzer: reads rpm's package database in any of its three formats (SQLite, Berkeley DB hash,
// ndb), recognised by content, and emits one package fact per installed package. No rpm binary needed.
import type { Analyzer, AnalyzerContext, EntryInfo, Fact, FileInput, Package } from '../../../core/types.js';
import { cappedWarnings } from '../warn.js';
import { looksLikeBdb, readBdbHash, type DbRecord } from './bdb.js';
import { HeaderError, RpmHeader } from './header.js';
import { looksLikeNdb, readNdb } from './ndb.js';
import { headerToPackage } from './package.js';
import { looksLikeSqlite, readSqlite } from './sqlite.js';

export const RPMDB_PATHS: readonly string[] = [
  '/var/lib/rpm/rpmdb.sqlite',
  '/usr/lib/sysimage/rpm/rpmdb.sqlite',
  '/var/lib/rpm/Packages',
  '/usr/lib/sysimage/rpm/Packages',
  '/var/lib/rpm/Packages.db',
  '/usr/lib/sysimage/rpm/Packages.db',
];
const PATH_SET = new Set(RPMDB_PATHS);

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

/** Reads one rpm database file's content. Never throws on bad input: problems go to `warn`. */
export function readRpmDb(content: Buffer, path: string, layer: FileInput['layer'], warnSink: (m: string) => void): RpmDbResult {
  const { warn, done } = cappedWarnings(path, warnSink);
  const result: RpmDbResult = { packages: [], records: 0, skipped: 0 };
  const format = detectRpmDbFormat(content);
  if (!format) {
    warn(`not an rpm database in a known format (SQLite, Berkeley DB hash, ndb); ${content.length} bytes`);
  } else {
    result.format = format;
    const records: DbRecord[] =
      format === 'sqlite' ? readSqlite(content, warn) : format === 'ndb' ? readNdb(content, warn) : readBdbHash(content, warn);
    result.records = records.length;
    for (const r of records) {
      const where = r.key === undefined ? 'record' : `record ${r.key}`;
      let header: RpmHeader;
      try {
        header = RpmHeader.parse(r.blob);
      } catch (e) {
        if (!(e instanceof HeaderError)) throw e;
        warn(`${where}: ${e.message}; skipped`);
        continue;
      }
      const outcome = headerToPackage(header, path, layer, (m) => warn(`${where}: ${m}`));
      if (outcome.kind === 'package') result.packages.push(outcome.pkg);
      else if (outcome.kind === 'skip') result.skipped++;
      else warn(`${where}: ${outcome.reason}; skipped`);
    }
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
  required(path: string, entry: EntryInfo): boolean {
    return entry.type === 'file' && PATH_SET.has(path);
  },
  async analyze(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
    const { packages } = readRpmDb(file.content, file.path, file.layer, (m) => ctx.warn(m));
    return packages.map((pkg) => ({ kind: 'package', pkg }));
  },
};
