// Read side of the advisory DB: openDb() validates the file and answers the matcher's queries.
import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import type { DbMeta, DbSourceMeta } from '../../core/report.js';
import { PortcullisError } from '../../core/errors.js';
import type { CvssScore, Severity } from '../../core/types.js';
import { normalisePackageName, packageKey } from '../normalise.js';
import { sortCvss } from '../severity.js';
import type { AdvisoryDb, PackageKey, StoredAdvisory, VendorSeverity } from '../types.js';
import { decodeRecord } from './codec.js';
import { SCHEMA_VERSION } from './schema.js';
import { openSqlite } from './sqlite.js';

const HINT = 'run: portcullis db update';

interface AdvRow {
  id: string;
  provider: string;
  feed: string;
  malicious: number;
  vendor_severity: string | null;
  record: Buffer;
}

export function openDb(path: string): AdvisoryDb {
  if (!existsSync(path)) {
    throw new PortcullisError('DB_MISSING', `advisory DB not found at ${path} (${HINT})`, { subject: path });
  }
  let db: Database.Database;
  try {
    db = openSqlite(path, { readonly: true, fileMustExist: true });
    // a downloaded DB is data, never code: no triggers/views from its schema run with our privileges
    db.pragma('trusted_schema = OFF');
  } catch (e) {
    throw new PortcullisError('DB_INVALID', `advisory DB ${path} cannot be opened: ${(e as Error).message} (${HINT})`, { cause: e, subject: path });
  }
  try {
    return new SqliteAdvisoryDb(db, path);
  } catch (e) {
    db.close();
    if (e instanceof PortcullisError) throw e;
    throw new PortcullisError('DB_INVALID', `advisory DB ${path} is corrupt or not a Portcullis DB: ${(e as Error).message} (${HINT})`, {
      cause: e,
      subject: path,
    });
  }
}

/** The `source_ecosystems` meta value: {source name: [ecosystem]}; undefined when absent or malformed (judged conservatively). */
function sourceEcosystems(raw: string | undefined): Record<string, string[]> | undefined {
  if (raw === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, string[]> = {};
  for (const [k, list] of Object.entries(v as Record<string, unknown>)) {
    if (Array.isArray(list) && list.every((x) => typeof x === 'string')) out[k] = [...(list as string[])].sort();
  }
  return out;
}

class SqliteAdvisoryDb implements AdvisoryDb {
  private readonly metaValue: DbMeta;
  private readonly covered: Set<string>;
  private readonly q;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
  ) {
    const version = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get('schema_version')?.value;
    if (version !== String(SCHEMA_VERSION)) {
      throw new PortcullisError(
        'DB_INVALID',
        `advisory DB ${path} has schema version ${version ?? 'none'}, this Portcullis reads version ${SCHEMA_VERSION} (${HINT})`,
        { subject: path },
      );
    }
    const builtAt = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get('built_at')?.value ?? '';
    const sources: DbSourceMeta[] = db
      .prepare<[], { name: string; kind: string; updated_at: string | null; records: number; checksum: string | null }>(
        'SELECT name, kind, updated_at, records, checksum FROM sources ORDER BY name',
      )
      .all()
      .map((s) => ({
        name: s.name,
        kind: s.kind,
        ...(s.updated_at ? { updatedAt: s.updated_at } : {}),
        records: s.records,
        ...(s.checksum ? { checksum: s.checksum } : {}),
      }));
    const perSource = sourceEcosystems(db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get('source_ecosystems')?.value);
    const declared = declaredTimes(db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get('declared_times')?.value);
    for (const s of sources) {
      const e = perSource?.[s.name];
      if (e) s.ecosystems = e;
      if (s.updatedAt) s.timeSource = declared.has(s.name) ? 'declared' : 'feed';
    }
    const ecosystems = db
      .prepare<[], { ecosystem: string }>('SELECT ecosystem FROM ecosystems WHERE advisories > 0 ORDER BY ecosystem')
      .all()
      .map((r) => r.ecosystem);
    this.metaValue = { schemaVersion: SCHEMA_VERSION, builtAt, sources, ecosystems };
    this.covered = new Set(ecosystems);
    this.q = {
      byPackage: db.prepare<[string, string], AdvRow>(
        `SELECT a.id, a.provider, a.feed, a.malicious, a.vendor_severity, a.record
         FROM affected f JOIN advisories a ON a.id = f.advisory_id WHERE f.ecosystem = ? AND f.name = ? ORDER BY a.id`,
      ),
      byId: db.prepare<[string], AdvRow>('SELECT id, provider, feed, malicious, vendor_severity, record FROM advisories WHERE id = ?'),
      byAlias: db.prepare<[string], AdvRow>(
        `SELECT a.id, a.provider, a.feed, a.malicious, a.vendor_severity, a.record
         FROM aliases x JOIN advisories a ON a.id = x.advisory_id WHERE x.alias = ? ORDER BY a.id`,
      ),
      cvss: db.prepare<[string], { vector: string; source: string; version: string; score: number; severity: string; own: number }>(
        'SELECT vector, source, version, score, severity, own FROM cvss WHERE advisory_id = ?',
      ),
      kev: db.prepare<[string], { date_added: string; due_date: string | null; ransomware: number | null }>(
        'SELECT date_added, due_date, ransomware FROM kev WHERE cve = ?',
      ),
      epss: db.prepare<[string], { score: number; percentile: number; date: string | null }>('SELECT score, percentile, date FROM epss WHERE cve = ?'),
      counts: db.prepare<[], { ecosystem: string; advisories: number; malicious: number }>(
        'SELECT ecosystem, advisories, malicious FROM ecosystems ORDER BY ecosystem',
      ),
    };
  }

  meta(): DbMeta {
    return structuredClone(this.metaValue);
  }

  covers(ecosystem: string): boolean {
    return this.covered.has(ecosystem);
  }

  counts(): Record<string, { advisories: number; malicious: number }> {
    const out: Record<string, { advisories: number; malicious: number }> = {};
    for (const r of this.q.counts.all()) out[r.ecosystem] = { advisories: r.advisories, malicious: r.malicious };
    return out;
  }

  byPackage(ecosystem: string, name: string): StoredAdvisory[] {
    return this.lookup(ecosystem, name, undefined);
  }

  /** One advisory naming many of the packages (a distro errata) is decoded once per call. */
  byPackages(keys: PackageKey[]): Map<string, StoredAdvisory[]> {
    const out = new Map<string, StoredAdvisory[]>();
    const cache = new Map<string, StoredAdvisory>();
    for (const k of keys) {
      const key = packageKey(k.ecosystem, k.name);
      if (!out.has(key)) out.set(key, this.lookup(k.ecosystem, k.name, cache));
    }
    return out;
  }

  private lookup(ecosystem: string, name: string, cache: Map<string, StoredAdvisory> | undefined): StoredAdvisory[] {
    return this.guard(() =>
      this.q.byPackage.all(ecosystem, normalisePackageName(ecosystem, name)).map((r) => {
        const hit = cache?.get(r.id);
        if (hit) return hit;
        const s = this.toStored(r);
        cache?.set(r.id, s);
        return s;
      }),
    );
  }

  byId(id: string): StoredAdvisory | undefined {
    return this.guard(() => {
      const row = this.q.byId.get(id);
      return row ? this.toStored(row) : undefined;
    });
  }

  byAlias(id: string): StoredAdvisory[] {
    return this.guard(() => this.q.byAlias.all(id).map((r) => this.toStored(r)));
  }

  close(): void {
    this.db.close();
  }

  integrity(): { ok: boolean; problems: string[] } {
    try {
      const rows = this.db.pragma('quick_check(20)') as { quick_check: string }[];
      const problems = rows.map((r) => r.quick_check).filter((m) => m !== 'ok');
      return { ok: problems.length === 0, problems };
    } catch (e) {
      return { ok: false, problems: [(e as Error).message] };
    }
  }

  private guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof PortcullisError) throw e;
      throw new PortcullisError('DB_INVALID', `advisory DB ${this.path} is corrupt: ${(e as Error).message} (${HINT})`, { cause: e, subject: this.path });
    }
  }

  private toStored(row: AdvRow): StoredAdvisory {
    const record = decodeRecord(row.record);
    const cvss = sortCvss(
      this.q.cvss.all(row.id).map((c) => ({
        version: c.version as CvssScore['version'],
        vector: c.vector,
        score: c.score,
        severity: c.severity as Severity,
        source: c.source,
        own: c.own === 1,
      })),
    );
    const out: StoredAdvisory = { record, source: row.provider, feed: row.feed, malicious: row.malicious === 1, cvss };
    if (row.vendor_severity) out.vendorSeverity = JSON.parse(row.vendor_severity) as VendorSeverity;
    const upstream = (record as { upstream?: unknown }).upstream;
    const cves = [record.id, ...(record.aliases ?? []), ...(Array.isArray(upstream) ? upstream : [])].filter(
      (x): x is string => typeof x === 'string' && x.startsWith('CVE-'),
    );
    for (const cve of [...new Set(cves)].sort()) {
      if (!out.kev) {
        const k = this.q.kev.get(cve);
        if (k) out.kev = { dateAdded: k.date_added, ...(k.due_date ? { dueDate: k.due_date } : {}), ...(k.ransomware === null ? {} : { ransomware: k.ransomware === 1 }) };
      }
      if (!out.epss) {
        const e = this.q.epss.get(cve);
        if (e) out.epss = { score: e.score, percentile: e.percentile, ...(e.date ? { date: e.date } : {}) };
      }
    }
    return out;
  }
}

/** Names of the sources whose data time was declared at build time; a malformed value declares none. */
function declaredTimes(raw: string | undefined): Set<string> {
  if (!raw) return new Set();
  try {
    const v = JSON.parse(raw) as unknown;
    return new Set(Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  } catch {
    return new Set();
  }
}
