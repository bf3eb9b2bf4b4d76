// What changed between two advisory DB files, as package keys: the advisories added, removed or changed
// (record, severity, CVSS rows, KEV or EPSS entries of their CVEs), each with the (ecosystem, name) keys
// it names in either DB, plus the ecosystems whose coverage or freshness judgement flipped. Re-evaluation
// then touches only inventories holding one of those keys.
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { PortcullisError } from '../../core/errors.js';
import type { DbMeta } from '../../core/report.js';
import { dbGaps, openDb, type AdvisoryDb } from '../../advisory/index.js';

export interface DbDiff {
  /** fingerprint of the new DB (its meta): workers must hold exactly this DB to run the jobs */
  fingerprint: string;
  previous: string;
  /** `${ecosystem}\u0001${name}` → advisory ids that changed and name the key */
  keys: Map<string, string[]>;
  /** ecosystems whose coverage (any advisories at all) or freshness judgement differs */
  ecosystems: string[];
  advisories: string[];
}

/** A stable identity of an advisory DB's content: its build time and every source's time, size and checksum. */
export function dbFingerprint(meta: DbMeta): string {
  const m = { builtAt: meta.builtAt, sources: meta.sources.map((s) => [s.name, s.updatedAt ?? '', s.records, s.checksum ?? '']) };
  return 'sha256:' + createHash('sha256').update(JSON.stringify(m)).digest('hex').slice(0, 32);
}

export function diffKey(ecosystem: string, name: string): string {
  return `${ecosystem}\u0001${name}`;
}

const CHANGED_IDS = `
  SELECT n.id FROM advisories n LEFT JOIN o.advisories p ON p.id = n.id
   WHERE p.id IS NULL OR p.record <> n.record OR p.modified <> n.modified OR IFNULL(p.withdrawn, '') <> IFNULL(n.withdrawn, '')
      OR p.malicious <> n.malicious OR IFNULL(p.vendor_severity, '') <> IFNULL(n.vendor_severity, '')
  UNION SELECT p.id FROM o.advisories p LEFT JOIN advisories n ON n.id = p.id WHERE n.id IS NULL
  UNION SELECT advisory_id FROM (SELECT advisory_id, vector, source, score FROM cvss EXCEPT SELECT advisory_id, vector, source, score FROM o.cvss)
  UNION SELECT advisory_id FROM (SELECT advisory_id, vector, source, score FROM o.cvss EXCEPT SELECT advisory_id, vector, source, score FROM cvss)`;

const CHANGED_CVES = `
  SELECT cve FROM (SELECT cve, date_added, IFNULL(due_date, ''), IFNULL(ransomware, -1) FROM kev EXCEPT SELECT cve, date_added, IFNULL(due_date, ''), IFNULL(ransomware, -1) FROM o.kev)
  UNION SELECT cve FROM (SELECT cve, date_added, IFNULL(due_date, ''), IFNULL(ransomware, -1) FROM o.kev EXCEPT SELECT cve, date_added, IFNULL(due_date, ''), IFNULL(ransomware, -1) FROM kev)
  UNION SELECT cve FROM (SELECT cve, score, percentile FROM epss EXCEPT SELECT cve, score, percentile FROM o.epss)
  UNION SELECT cve FROM (SELECT cve, score, percentile FROM o.epss EXCEPT SELECT cve, score, percentile FROM epss)`;

/** Compare two advisory DB files (both validated by openDb first). `now` judges freshness. */
export function diffDbs(previousPath: string, currentPath: string, now: Date, maxAgeHours = 72): DbDiff {
  const metas: DbMeta[] = [];
  const covered: ((e: string) => boolean)[] = [];
  for (const p of [previousPath, currentPath]) {
    const db: AdvisoryDb = openDb(p);
    try {
      metas.push(db.meta());
      const m = db.meta();
      const set = new Set(m.ecosystems);
      covered.push((e) => set.has(e));
    } finally {
      db.close();
    }
  }
  const [oldMeta, newMeta] = metas as [DbMeta, DbMeta];
  const h = new Database(currentPath, { readonly: true, fileMustExist: true });
  try {
    h.pragma('trusted_schema = OFF');
    h.prepare('ATTACH DATABASE ? AS o').run(previousPath);
    const ids = new Set((h.prepare(CHANGED_IDS).all() as { id?: string; advisory_id?: string }[]).map((r) => (r.id ?? r.advisory_id)!));
    const cves = (h.prepare(CHANGED_CVES).all() as { cve: string }[]).map((r) => r.cve);
    const viaCve = h.prepare('SELECT advisory_id AS id FROM aliases WHERE alias = ? UNION SELECT advisory_id FROM o.aliases WHERE alias = ? UNION SELECT id FROM advisories WHERE id = ? UNION SELECT id FROM o.advisories WHERE id = ?');
    for (const c of cves) for (const r of viaCve.all(c, c, c, c) as { id: string }[]) ids.add(r.id);
    const affected = h.prepare('SELECT ecosystem, name FROM affected WHERE advisory_id = ? UNION SELECT ecosystem, name FROM o.affected WHERE advisory_id = ?');
    const keys = new Map<string, string[]>();
    const ecos = new Set<string>();
    for (const id of [...ids].sort()) {
      for (const r of affected.all(id, id) as { ecosystem: string; name: string }[]) {
        const k = diffKey(r.ecosystem, r.name);
        const list = keys.get(k) ?? [];
        list.push(id);
        keys.set(k, list);
        ecos.add(r.ecosystem);
      }
    }
    // coverage flips and freshness flips, judged for every ecosystem either DB knows
    const all = [...new Set([...oldMeta.ecosystems, ...newMeta.ecosystems])].sort();
    const flipped = all.filter((e) => {
      if (covered[0]!(e) !== covered[1]!(e)) return true;
      const a = dbGaps(oldMeta, [e], now, maxAgeHours).map((g) => g.subject).join('\n');
      const b = dbGaps(newMeta, [e], now, maxAgeHours).map((g) => g.subject).join('\n');
      return a !== b;
    });
    return { fingerprint: dbFingerprint(newMeta), previous: dbFingerprint(oldMeta), keys, ecosystems: flipped, advisories: [...ids].sort() };
  } catch (e) {
    if (e instanceof PortcullisError) throw e;
    throw new PortcullisError('DB_INVALID', `cannot compare advisory DBs ${previousPath} and ${currentPath}: ${(e as Error).message}`, { cause: e });
  } finally {
    h.close();
  }
}
