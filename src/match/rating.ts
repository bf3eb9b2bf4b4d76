// Unrated findings: when the records that matched give no vendor rating and no CVSS score, the rating
// comes from any other record in the DB about the same vulnerability (an alias record: the CVE's GHSA,
// an OSV record of another ecosystem, a distro record). The highest vendor rating wins, else the highest
// CVSS rating; borrowed scores join the finding's `cvss` so `maxCvss` sees them too. Only what is still
// unrated after this is "unrated" for the policy (vulnerabilities.unrated).
import { severityRank, type CvssScore, type Severity, type VulnerabilityFinding } from '../core/types.js';
import type { AdvisoryDb, StoredAdvisory, VendorSeverity } from '../advisory/index.js';

/** true when a finding has neither a severity nor a CVSS score. */
export function isUnrated(f: Pick<VulnerabilityFinding, 'severity' | 'cvss'>): boolean {
  return f.severity === 'unknown' && !f.cvss.some((c) => Number.isFinite(c.score));
}

function aliasRecords(db: AdvisoryDb, ids: readonly string[], cache: Map<string, StoredAdvisory[]>): StoredAdvisory[] {
  const out = new Map<string, StoredAdvisory>();
  for (const id of ids) {
    let recs = cache.get(id);
    if (!recs) {
      recs = [...db.byAlias(id)];
      const own = db.byId(id);
      if (own) recs.push(own);
      cache.set(id, recs);
    }
    for (const r of recs) if (!r.malicious && !r.record.withdrawn) out.set(r.record.id, r);
  }
  return [...out.values()].sort((a, b) => (a.record.id < b.record.id ? -1 : a.record.id > b.record.id ? 1 : 0));
}

/**
 * Rate every unrated vulnerability finding from its alias records in the DB (in place). Returns the
 * number of findings that got a rating this way.
 */
export function rateFromAliases(findings: VulnerabilityFinding[], db: AdvisoryDb): number {
  const cache = new Map<string, StoredAdvisory[]>();
  let rated = 0;
  for (const f of findings) {
    if (!isUnrated(f)) continue;
    const recs = aliasRecords(db, [f.advisoryId, ...f.aliases], cache);
    let vendor: (VendorSeverity & { via: string }) | undefined;
    const cvss: CvssScore[] = [];
    const seen = new Set(f.cvss.map((c) => c.vector));
    for (const r of recs) {
      const v = r.vendorSeverity;
      if (v && v.severity !== 'unknown' && (!vendor || severityRank(v.severity) > severityRank(vendor.severity))) vendor = { ...v, via: r.record.id };
      for (const c of r.cvss) {
        if (seen.has(c.vector) || !Number.isFinite(c.score)) continue;
        seen.add(c.vector);
        cvss.push({ version: c.version, vector: c.vector, score: c.score, severity: c.severity, source: `${c.source ?? r.source} via ${r.record.id}` });
      }
    }
    let severity: Severity = 'unknown';
    if (vendor) {
      severity = vendor.severity;
      f.vendorSeverity = { source: `${vendor.source} via ${vendor.via}`, severity: vendor.severity, ...(vendor.label ? { label: vendor.label } : {}) };
    } else {
      for (const c of cvss) if (severityRank(c.severity) > severityRank(severity)) severity = c.severity;
    }
    if (cvss.length > 0) f.cvss = [...f.cvss, ...cvss];
    if (severity !== 'unknown' || cvss.length > 0) {
      f.severity = severity;
      rated++;
    }
  }
  return rated;
}
