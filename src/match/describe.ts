// How a matched advisory is described: fix state, severity, one-line remediation.
//
// Severity rule: the rating of the party that owns the data for this package wins (the distribution for
// OS packages: Debian urgency, Alpine/Alma severity; GitHub's rating for GHSA) when it is known; else the
// highest CVSS base score's rating; else `unknown`. Debian's `unimportant` is `negligible`.
import type { CvssScore, FixState, OsvAffected, Package, Severity, VulnerabilityFinding } from '../core/types.js';
import type { StoredAdvisory } from '../advisory/index.js';
import { severityRank } from '../core/types.js';

const WONT_FIX = new Set(['no-dsa', 'postponed', 'ignored', 'wont-fix', "won't fix", 'will-not-fix', 'end-of-life']);

function statusOf(a: OsvAffected): string | undefined {
  for (const bag of [a.database_specific, a.ecosystem_specific]) {
    if (!bag) continue;
    for (const key of ['fix_state', 'status', 'state']) {
      const v = bag[key];
      if (typeof v === 'string') return v.toLowerCase();
    }
  }
  return undefined;
}

/** For matches without a fixed version: not fixed yet, will not be fixed, or unimportant. */
export function fixStateOf(members: { adv: StoredAdvisory; affected: OsvAffected }[]): FixState {
  let state: FixState = 'not-fixed';
  for (const { adv, affected } of members) {
    const s = statusOf(affected);
    if (s === 'unimportant' || adv.vendorSeverity?.label?.toLowerCase() === 'unimportant') return 'unimportant';
    if (s && WONT_FIX.has(s)) state = 'wont-fix';
  }
  return state;
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
