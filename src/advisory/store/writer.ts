// Writes the advisory DB into a temporary file; `finish` completes it, the caller renames it into place.
import type Database from 'better-sqlite3';
import type { DbSourceMeta } from '../../core/report.js';
import type { OsvRecord } from '../../core/types.js';
import { normalisePackageName } from '../normalise.js';
import { ownCvss, providerOf, vendorSeverityOf } from '../severity.js';
import type { VendorSeverity } from '../types.js';
import { decodeRecord, encodeRecord } from './codec.js';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.js';
import { openSqlite } from './sqlite.js';

export type AddResult = 'added' | 'replaced' | 'kept-existing' | 'merged';

const BATCH = 2000;

export class DbWriter {
  private readonly db: Database.Database;
  private pending = 0;
  private readonly stmts;

  constructor(path: string) {
    this.db = openSqlite(path);
    this.db.pragma('journal_mode = OFF');
    this.db.pragma('synchronous = OFF');
    this.db.pragma('page_size = 4096');
    this.db.exec(SCHEMA_SQL);
    this.stmts = {
      existing: this.db.prepare<[string], { modified: string; record: Buffer }>('SELECT modified, record FROM advisories WHERE id = ?'),
      delAdv: this.db.prepare('DELETE FROM advisories WHERE id = ?'),
      delAff: this.db.prepare('DELETE FROM affected WHERE ecosystem = ? AND name = ? AND advisory_id = ?'),
      delAlias: this.db.prepare('DELETE FROM aliases WHERE alias = ? AND advisory_id = ?'),
      delCvss: this.db.prepare('DELETE FROM cvss WHERE advisory_id = ?'),
      insAdv: this.db.prepare(
        'INSERT INTO advisories (id, provider, feed, modified, published, withdrawn, malicious, vendor_severity, record) VALUES (?,?,?,?,?,?,?,?,?)',
      ),
      insAff: this.db.prepare('INSERT OR IGNORE INTO affected (ecosystem, name, advisory_id) VALUES (?,?,?)'),
      insAlias: this.db.prepare('INSERT OR IGNORE INTO aliases (alias, advisory_id) VALUES (?,?)'),
      insCvss: this.db.prepare(
        'INSERT OR IGNORE INTO cvss (advisory_id, vector, source, version, score, severity, own) VALUES (?,?,?,?,?,?,1)',
      ),
      insKev: this.db.prepare('INSERT OR REPLACE INTO kev (cve, date_added, due_date, ransomware) VALUES (?,?,?,?)'),
      insEpss: this.db.prepare('INSERT OR REPLACE INTO epss (cve, score, percentile, date) VALUES (?,?,?,?)'),
    };
    this.db.exec('BEGIN');
  }

  private tick(): void {
    if (++this.pending >= BATCH) {
      this.db.exec('COMMIT');
      this.db.exec('BEGIN');
      this.pending = 0;
    }
  }

  /**
   * Adds a record; on a duplicate id the newest `modified` wins (ties keep the first one seen).
   * With `merge` (records converted from distro feeds, whose id is per CVE: `ALPINE-CVE-…` read from
   * the v3.10 and the v3.11 secdb as two sources), the affected entries of both are kept instead.
   */
  addAdvisory(record: OsvRecord, feed: string, malicious: boolean, vendor?: VendorSeverity, merge = false): AddResult {
    let result: AddResult = 'added';
    const old = this.stmts.existing.get(record.id);
    if (old) {
      const prev = decodeRecord(old.record);
      if (merge) {
        record = mergeRecords(prev, record);
        result = 'merged';
      } else {
        if (Date.parse(record.modified) <= Date.parse(old.modified)) return 'kept-existing';
        result = 'replaced';
      }
      this.remove(record.id, prev);
    }
    const vs = vendor ?? vendorSeverityOf(record);
    this.stmts.insAdv.run(
      record.id,
      providerOf(record.id),
      feed,
      record.modified,
      record.published ?? null,
      record.withdrawn ?? null,
      malicious ? 1 : 0,
      vs ? JSON.stringify(vs) : null,
      encodeRecord(record),
    );
    for (const [eco, name] of affectedKeys(record)) this.stmts.insAff.run(eco, name, record.id);
    for (const alias of aliasesOf(record)) this.stmts.insAlias.run(alias, record.id);
    for (const c of ownCvss(record)) this.stmts.insCvss.run(record.id, c.vector, c.source ?? '', c.version, c.score, c.severity);
    this.tick();
    return result;
  }

  private remove(id: string, old: OsvRecord): void {
    this.stmts.delAdv.run(id);
    for (const [eco, name] of affectedKeys(old)) this.stmts.delAff.run(eco, name, id);
    for (const alias of aliasesOf(old)) this.stmts.delAlias.run(alias, id);
    this.stmts.delCvss.run(id);
  }

  addKev(cve: string, dateAdded: string, dueDate?: string, ransomware?: boolean): void {
    this.stmts.insKev.run(cve, dateAdded, dueDate ?? null, ransomware === undefined ? null : ransomware ? 1 : 0);
    this.tick();
  }

  addEpss(cve: string, score: number, percentile: number, date?: string): void {
    this.stmts.insEpss.run(cve, score, percentile, date ?? null);
    this.tick();
  }

  /** Derived tables and metadata; closes the DB. */
  finish(
    builtAt: string,
    sources: DbSourceMeta[],
  ): { ecosystems: Record<string, number>; maliciousByEcosystem: Record<string, number>; records: number; malicious: number; kev: number; epss: number } {
    const db = this.db;
    // Borrow CVSS scores across aliases (one hop: records that share an id or alias).
    db.exec(`INSERT OR IGNORE INTO cvss (advisory_id, vector, source, version, score, severity, own)
      SELECT a.advisory_id, c.vector, c.source, c.version, c.score, c.severity, 0
      FROM aliases a JOIN aliases b ON a.alias = b.alias AND a.advisory_id <> b.advisory_id
      JOIN cvss c ON c.advisory_id = b.advisory_id AND c.own = 1`);
    // vulnerability advisories and malicious-package reports are counted apart: only the former make
    // an ecosystem "covered" for vulnerability matching
    db.exec(`INSERT INTO ecosystems (ecosystem, advisories, malicious)
      SELECT f.ecosystem, COUNT(DISTINCT CASE WHEN a.malicious = 0 THEN a.id END), COUNT(DISTINCT CASE WHEN a.malicious = 1 THEN a.id END)
      FROM affected f JOIN advisories a ON a.id = f.advisory_id GROUP BY f.ecosystem`);
    const putMeta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    putMeta.run('schema_version', String(SCHEMA_VERSION));
    putMeta.run('built_at', builtAt);
    const putSource = db.prepare('INSERT OR REPLACE INTO sources (name, kind, updated_at, records, checksum) VALUES (?,?,?,?,?)');
    for (const s of sources) putSource.run(s.name, s.kind, s.updatedAt ?? null, s.records, s.checksum ?? null);
    // per-source ecosystems live in meta (JSON), so DBs stay schema version 1 and older readers ignore them
    const perSource = Object.fromEntries(sources.filter((s) => s.ecosystems !== undefined).map((s) => [s.name, s.ecosystems]));
    putMeta.run('source_ecosystems', JSON.stringify(perSource));
    // where each source's data time comes from (feed, or declared with db build --fetched-at): meta JSON too
    const declared = sources.filter((x) => x.timeSource === 'declared').map((x) => x.name);
    if (declared.length) putMeta.run('declared_times', JSON.stringify(declared));
    db.exec('COMMIT');
    const ecosystems: Record<string, number> = {};
    const maliciousByEcosystem: Record<string, number> = {};
    for (const row of db
      .prepare<[], { ecosystem: string; advisories: number; malicious: number }>('SELECT ecosystem, advisories, malicious FROM ecosystems ORDER BY ecosystem')
      .all()) {
      if (row.advisories > 0) ecosystems[row.ecosystem] = row.advisories;
      if (row.malicious > 0) maliciousByEcosystem[row.ecosystem] = row.malicious;
    }
    const count = (sql: string): number => (db.prepare<[], { n: number }>(sql).get()?.n ?? 0);
    const out = {
      ecosystems,
      maliciousByEcosystem,
      records: count('SELECT COUNT(*) AS n FROM advisories'),
      malicious: count('SELECT COUNT(*) AS n FROM advisories WHERE malicious = 1'),
      kev: count('SELECT COUNT(*) AS n FROM kev'),
      epss: count('SELECT COUNT(*) AS n FROM epss'),
    };
    db.pragma('journal_mode = DELETE');
    db.exec('VACUUM');
    db.close();
    return out;
  }

  abort(): void {
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } catch {
      // closing anyway
    }
    this.db.close();
  }
}

export function affectedKeys(r: OsvRecord): [string, string][] {
  const out = new Map<string, [string, string]>();
  for (const a of r.affected ?? []) {
    if (!a.package) continue;
    const eco = a.package.ecosystem;
    const name = normalisePackageName(eco, a.package.name);
    out.set(`${eco}\u0000${name}`, [eco, name]);
  }
  return [...out.values()];
}

function aliasesOf(r: OsvRecord): string[] {
  const upstream = (r as { upstream?: unknown }).upstream;
  const extra = Array.isArray(upstream) ? upstream.filter((x): x is string => typeof x === 'string') : [];
  return [...new Set([r.id, ...(r.aliases ?? []), ...extra])];
}

/** Union of two converted records with the same id: affected entries by (ecosystem, name), aliases, newest dates. */
export function mergeRecords(a: OsvRecord, b: OsvRecord): OsvRecord {
  const key = (x: NonNullable<OsvRecord['affected']>[number]) => `${x.package?.ecosystem ?? ''}\u0000${x.package?.name ?? ''}`;
  const affected = [...(a.affected ?? [])];
  const seen = new Set(affected.map(key));
  for (const x of b.affected ?? []) if (!seen.has(key(x))) affected.push(x);
  const aliases = [...new Set([...(a.aliases ?? []), ...(b.aliases ?? [])])].sort();
  const newer = Date.parse(b.modified) > Date.parse(a.modified) ? b : a;
  return { ...newer, affected, aliases: aliases.length ? aliases : undefined, details: a.details ?? b.details, summary: a.summary ?? b.summary };
}
