// How a matched advisory is described: fix state, severity, one-line remediation.
//
// Severity rule: the rating of the party that owns the data for this package wins (the distribution for
// OS packages: Debian urgency, Alpine/Alma severity; GitHub's rating for GHSA) when it is known; else the
// highest CVSS base score's rating; else `unknown`. Debian's `unimportant` is `negligible`.
import type { CvssScore, FixState, OsvAffected, Package, Severity, VulnerabilityFinding } from '../core/types.js';
import type { StoredAdvisory, VendorSeverity } from '../advisory/index.js';
import { urgencySeverity } from '../advisory/debian-tracker/import.js';
import { severityRank } from '../core/types.js';

/**
 * The per-release status the Debian tracker importer (src/advisory/debian-tracker/import.ts) stores in
 * `affected[].database_specific.fix_state` (see `debianFixState`): `fixed`, `not-fixed`, `wont-fix`
 * (no-dsa / postponed / ignored / end-of-life), `unimportant` (urgency), `unknown` (resolved without a
 * version). Other feeds (OSV, secdb) carry no status: their matches without a fix are `not-fixed`.
 * Exactly that key is read: no guessing at other feeds' free-form fields.
 */
export function entryFixState(a: OsvAffected): FixState | undefined {
  const v = a.database_specific?.fix_state;
  switch (v) {
    case 'fixed':
    case 'not-fixed':
    case 'wont-fix':
    case 'unimportant':
    case 'unknown':
      return v;
    default:
      return undefined;
  }
}

/**
 * For matches without a fixed version: not fixed yet, will not be fixed, unimportant, or unknown.
 * Over several records of one vulnerability: unimportant beats wont-fix beats not-fixed (the
 * distribution's triage is the most specific word); `unknown` only when every record says so.
 */
export function fixStateOf(members: { adv: StoredAdvisory; affected: OsvAffected }[]): FixState {
  const states = members.map((m) => entryFixState(m.affected) ?? 'not-fixed');
  if (states.includes('unimportant')) return 'unimportant';
  if (states.includes('wont-fix')) return 'wont-fix';
  if (states.length > 0 && states.every((s) => s === 'unknown')) return 'unknown';
  return 'not-fixed';
}

/**
 * The vendor rating of one affected entry, when the feed rates per (package, release): the Debian
 * tracker's urgency in `database_specific.urgency` (a CVE can be `unimportant` in bookworm and `high`
 * in bullseye; the record-level rating is the highest over all releases).
 */
export function entryVendorSeverity(a: OsvAffected): VendorSeverity | undefined {
  const ds = a.database_specific;
  if (!ds || ds.fix_state === undefined || typeof ds.urgency !== 'string') return undefined;
  return { source: 'debian', severity: urgencySeverity(ds.urgency), label: ds.urgency };
}

/**
 * The vendor rating of a finding: per-entry ratings (Debian urgency for this release) before the
 * records' own (GHSA, AlmaLinux, the tracker's highest urgency over releases); a rating that says
 * something (`unimportant` → negligible counts) before an unrated one ("not yet assigned").
 */
export function vendorSeverityOf(members: { adv: StoredAdvisory; affected: OsvAffected }[]): VendorSeverity | undefined {
  const all = [...members.map((m) => entryVendorSeverity(m.affected)), ...members.map((m) => m.adv.vendorSeverity)].filter((v): v is VendorSeverity => v !== undefined);
  return all.find((v) => v.severity !== 'unknown') ?? all[0];
}

export function severityOf(vendor: StoredAdvisory['vendorSeverity'], cvss: CvssScore[]): Severity {
  if (vendor && vendor.severity !== 'unknown') return vendor.severity;
  let best: Severity = 'unknown';
  for (const c of cvss) if (severityRank(c.severity) > severityRank(best)) best = c.severity;
  return best;
}

export function bestCvss(cvss: CvssScore[]): CvssScore | undefined {
  let best: CvssScore | undefined;
  for (const c of cvss) {
    if (!best) best = c;
    else if (c.version > best.version || (c.version === best.version && c.score > best.score)) best = c;
  }
  return best;
}

export function remediationFor(f: VulnerabilityFinding, p: Package): string {
  const where = p.type === 'deb' || p.type === 'apk' || p.type === 'rpm' ? '' : p.locations[0] ? ` (${p.locations[0].path})` : '';
  switch (f.fixState) {
    case 'fixed':
      // the Go standard library is compiled into the binary: the fix is a rebuild with a newer toolchain
      if (p.type === 'golang' && p.name === 'stdlib') return `rebuild ${p.locations[0]?.path ?? 'the binary'} with Go ${f.fixedVersion} or later`;
      if (p.type === 'golang' && p.locations[0]) return `upgrade ${p.name} to ${f.fixedVersion} and rebuild ${p.locations[0].path}`;
      if (p.type === 'deb' && p.source && p.source.name !== p.name) {
        return `upgrade ${p.name} to ${f.fixedVersion} (source package ${p.source.name})`;
      }
      return `upgrade ${p.name} to ${f.fixedVersion}${where}`;
    case 'wont-fix':
      return `the distribution will not fix ${f.advisoryId} in ${p.name}; remove the package or accept the risk with an exception`;
    case 'unimportant':
      return `the distribution rates ${f.advisoryId} unimportant for ${p.name}; no action needed unless your policy says otherwise`;
    default:
      return `no fix is available yet for ${f.advisoryId} in ${p.name}${where}; remove the package, mitigate, or record an exception with an expiry`;
  }
}

/**
 * A finding's title: the first summary among the merged records (the preferred record first), else
 * the first line of a description (Debian tracker records have only that), else "<id> in <package>".
 */
export function titleOf(records: { summary?: string; details?: string }[], id: string, p: Package): string {
  for (const r of records) if (typeof r.summary === 'string' && r.summary.trim()) return r.summary.trim();
  for (const r of records) {
    const line = typeof r.details === 'string' ? r.details.trim().split('\n')[0]!.trim() : '';
    if (line) return line.length > 120 ? `${line.slice(0, 117)}...` : line;
  }
  return `${id} in ${p.name}`;
}
