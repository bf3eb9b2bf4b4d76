// Debian security tracker JSON (https://security-tracker.debian.org/tracker/data/json) -> OSV-shaped
// records: package -> CVE -> {description, debianbug, releases: {codename: {status, fixed_version, urgency, nodsa, nodsa_reason}}}.
// One record per CVE (`DEBIAN-CVE-...`, as OSV names them) with one affected entry per (source package,
// release); ecosystem `Debian:<major>`. Per-release status is kept in affected[].database_specific.
import type { OsvAffected, OsvRecord, Severity } from '../../core/types.js';
import { severityRank } from '../../core/types.js';
import { isObj, readJsonFeed } from '../feedfile.js';
import type { ImportContext, ImportItem, VendorSeverity } from '../types.js';

export const DEBIAN_RELEASES: Record<string, string> = {
  wheezy: '7',
  jessie: '8',
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
};

export type DebianFixState = 'fixed' | 'not-fixed' | 'wont-fix' | 'unimportant' | 'unknown' | 'not-affected';

const URGENCY: Record<string, Severity> = {
  unimportant: 'negligible',
  low: 'low',
  medium: 'medium',
  high: 'high',
};

export function urgencySeverity(urgency: string | undefined): Severity {
  if (!urgency) return 'unknown';
  return URGENCY[urgency.replace(/\*+$/, '').trim()] ?? 'unknown';
}

/** The rules of docs/advisory-db.md ("Debian statuses"). */
export function debianFixState(r: { status?: unknown; fixed_version?: unknown; urgency?: unknown; nodsa?: unknown; nodsa_reason?: unknown }): DebianFixState {
  const urgency = typeof r.urgency === 'string' ? r.urgency.replace(/\*+$/, '') : '';
  if (r.status === 'resolved') {
    if (r.fixed_version === '0') return 'not-affected';
    if (typeof r.fixed_version === 'string' && r.fixed_version) return 'fixed';
    return 'unknown';
  }
  if (r.status === 'open') {
    if (urgency === 'unimportant') return 'unimportant';
    if (r.nodsa !== undefined || r.nodsa_reason === 'postponed' || r.nodsa_reason === 'ignored' || urgency === 'end-of-life') return 'wont-fix';
    return 'not-fixed';
  }
  return 'unknown';
}

/**
 * For the record-level rating of a CVE that spans releases/packages: the highest urgency, where an
 * unrated entry ("not yet assigned") outranks `unimportant` — one release being unimportant must not
 * make the whole record look unimportant while another is still unrated. Each affected entry keeps
 * its own urgency in database_specific.
 */
function aggregateRank(s: Severity): number {
  if (s === 'unknown') return severityRank('negligible') + 0.5;
  return severityRank(s);
}

const ID = /^(CVE-\d{4}-\d{4,}|TEMP-\d{7}-[0-9A-F]{6})$/;

export async function* importDebianTracker(path: string, ctx: ImportContext): AsyncGenerator<ImportItem> {
  const { doc, mtime } = await readJsonFeed(path, ctx);
  if (!isObj(doc)) throw new Error(`${path}: not a Debian tracker JSON object`);
  const modified = mtime.toISOString();
  const unknownReleases = new Set<string>();
  const byCve = new Map<string, { description?: string; bugs: Set<number>; affected: OsvAffected[]; notAffected: object[]; vendor?: VendorSeverity }>();
  for (const pkg of Object.keys(doc).sort()) {
    const cves = doc[pkg];
    if (!isObj(cves) || !/^[a-z0-9][a-z0-9+.-]*$/.test(pkg)) {
      ctx.warn(`${path}: package ${JSON.stringify(pkg).slice(0, 80)} skipped, not a valid source package entry`);
      continue;
    }
    for (const cve of Object.keys(cves).sort()) {
      const entry = cves[cve];
      if (!ID.test(cve) || !isObj(entry) || !isObj(entry.releases)) {
        ctx.warn(`${path}: ${pkg} ${cve.slice(0, 60)} skipped, malformed entry`);
        continue;
      }
      let p = byCve.get(cve);
      if (!p) {
        p = { bugs: new Set(), affected: [], notAffected: [] };
        byCve.set(cve, p);
      }
      if (typeof entry.description === 'string' && !p.description) p.description = entry.description;
      if (typeof entry.debianbug === 'number') p.bugs.add(entry.debianbug);
      for (const codename of Object.keys(entry.releases).sort()) {
        const rel = entry.releases[codename];
        const major = DEBIAN_RELEASES[codename];
        if (!major) {
          unknownReleases.add(codename);
          continue;
        }
        if (!isObj(rel) || typeof rel.status !== 'string') {
          ctx.warn(`${path}: ${pkg} ${cve} ${codename} skipped, malformed release entry`);
          continue;
        }
        const ecosystem = `Debian:${major}`;
        const state = debianFixState(rel);
        const urgency = typeof rel.urgency === 'string' ? rel.urgency : undefined;
        const sev = urgencySeverity(urgency);
        if (!p.vendor || aggregateRank(sev) > aggregateRank(p.vendor.severity)) p.vendor = { source: 'debian', severity: sev, ...(urgency ? { label: urgency } : {}) };
        if (state === 'not-affected') {
          p.notAffected.push({ ecosystem, name: pkg, release: codename });
          continue;
        }
        const events: { introduced?: string; fixed?: string }[] = [{ introduced: '0' }];
        if (state === 'fixed') events.push({ fixed: rel.fixed_version as string });
        p.affected.push({
          package: { ecosystem, name: pkg },
          ranges: [{ type: 'ECOSYSTEM', events }],
          database_specific: {
            release: codename,
            status: rel.status,
            fix_state: state,
            ...(urgency ? { urgency } : {}),
            ...(typeof rel.fixed_version === 'string' ? { fixed_version: rel.fixed_version } : {}),
            ...(rel.nodsa !== undefined ? { nodsa: rel.nodsa } : {}),
            ...(typeof rel.nodsa_reason === 'string' ? { nodsa_reason: rel.nodsa_reason } : {}),
          },
        });
      }
    }
  }
  for (const r of [...unknownReleases].sort()) ctx.warn(`${path}: release ${JSON.stringify(r)} has no Debian ecosystem mapping; its entries are skipped`);
  for (const cve of [...byCve.keys()].sort()) {
    const p = byCve.get(cve)!;
    const record: OsvRecord = {
      id: `DEBIAN-${cve}`,
      modified,
      ...(cve.startsWith('CVE-') ? { aliases: [cve] } : {}),
      ...(p.description ? { details: p.description } : {}),
      affected: p.affected,
      references: [
        { type: 'ADVISORY', url: `https://security-tracker.debian.org/tracker/${cve}` },
        ...[...p.bugs].sort((a, b) => a - b).map((b) => ({ type: 'REPORT', url: `https://bugs.debian.org/${b}` })),
      ],
      database_specific: { source: 'debian-security-tracker', ...(p.notAffected.length ? { not_affected: p.notAffected } : {}) },
    };
    yield { type: 'advisory', record, ...(p.vendor ? { vendorSeverity: p.vendor } : {}), origin: `${path} ${cve}` };
  }
}
