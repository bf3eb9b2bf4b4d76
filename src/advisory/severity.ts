// Who published a record, the vendor's own severity, and the CVSS scores of a record's vectors.
import type { CvssScore, OsvRecord, Severity } from '../core/types.js';
import { cvssScore } from './cvss/index.js';
import type { VendorSeverity } from './types.js';

const PROVIDERS: [string, string][] = [
  ['GHSA-', 'ghsa'],
  ['PYSEC-', 'pypa'],
  ['GO-', 'go'],
  ['RUSTSEC-', 'rustsec'],
  ['ALSA-', 'almalinux'],
  ['ALBA-', 'almalinux'],
  ['ALEA-', 'almalinux'],
  ['MAL-', 'ossf-malicious'],
  ['DEBIAN-', 'debian'],
  ['DSA-', 'debian'],
  ['DLA-', 'debian'],
  ['ALPINE-', 'alpine'],
  ['CVE-', 'nvd'],
];

export function providerOf(id: string): string {
  for (const [prefix, name] of PROVIDERS) if (id.startsWith(prefix)) return name;
  const m = /^([A-Za-z]+)-/.exec(id);
  return m ? (m[1] as string).toLowerCase() : 'unknown';
}

const GHSA_LEVELS: Record<string, Severity> = { LOW: 'low', MODERATE: 'medium', MEDIUM: 'medium', HIGH: 'high', CRITICAL: 'critical' };
const REDHAT_LEVELS: Record<string, Severity> = { low: 'low', moderate: 'medium', important: 'high', critical: 'critical' };

/** The vendor rating carried inside an OSV record (GHSA database_specific.severity, AlmaLinux summary prefix). */
export function vendorSeverityOf(record: OsvRecord): VendorSeverity | undefined {
  const ds = record.database_specific;
  const provider = providerOf(record.id);
  if (ds && typeof ds.severity === 'string') {
    const sev = GHSA_LEVELS[ds.severity.toUpperCase()];
    if (sev) return { source: provider, severity: sev, label: ds.severity };
  }
  // only security advisories (ALSA) carry a security rating; ALBA/ALEA (bug fix / enhancement)
  // summaries also start with a word like "Important:", which is not a vulnerability severity
  if (record.id.startsWith('ALSA-') && typeof record.summary === 'string') {
    const m = /^(Low|Moderate|Important|Critical):/i.exec(record.summary);
    const sev = m ? REDHAT_LEVELS[(m[1] as string).toLowerCase()] : undefined;
    if (m && sev) return { source: provider, severity: sev, label: m[1] };
  }
  return undefined;
}

/** Scores of the record's own CVSS vectors (record-level and per-affected), de-duplicated by vector. */
export function ownCvss(record: OsvRecord): CvssScore[] {
  const provider = providerOf(record.id);
  const seen = new Set<string>();
  const out: CvssScore[] = [];
  const lists = [record.severity, ...(Array.isArray(record.affected) ? record.affected.map((a) => a?.severity) : [])];
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const s of list) {
      if (!s || typeof s.score !== 'string' || !/^CVSS_V[234]$/.test(String(s.type))) continue;
      const score = cvssScore(s.score);
      if (!score || seen.has(score.vector)) continue;
      seen.add(score.vector);
      out.push({ ...score, source: provider });
    }
  }
  return out;
}

const VERSION_RANK: Record<string, number> = { '4.0': 4, '3.1': 3, '3.0': 2, '2.0': 1 };

/**
 * Best first: the record's own scores before borrowed ones, then newer CVSS versions,
 * then the higher score (the conservative choice), then vector text for a stable order.
 */
export function sortCvss(scores: (CvssScore & { own?: boolean })[]): CvssScore[] {
  return [...scores]
    .sort(
      (a, b) =>
        Number(b.own ?? false) - Number(a.own ?? false) ||
        (VERSION_RANK[b.version] ?? 0) - (VERSION_RANK[a.version] ?? 0) ||
        b.score - a.score ||
        (a.source ?? '').localeCompare(b.source ?? '') ||
        a.vector.localeCompare(b.vector),
    )
    .map(({ version, vector, score, severity, source }) => ({ version, vector, score, severity, ...(source ? { source } : {}) }));
}
