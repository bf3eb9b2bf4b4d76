// The scan stage: inventory × advisory DB → findings, plus what could not be checked.
import type { Finding } from '../core/types.js';
import type { Inventory, ScanReport } from '../core/report.js';
import { REPORT_SCHEMA_VERSION } from '../core/report.js';
import type { AdvisoryDb } from '../advisory/index.js';
import { dbGaps } from '../advisory/gaps.js';
import { matchInventory, type MatchOptions } from '../match/index.js';
import { fingerprint } from '../core/fingerprint.js';
import { severityRank } from '../core/types.js';
import { checkStatuses } from '../checks/status.js';
import type { CheckResult } from '../checks/types.js';

export interface ScanOptions extends MatchOptions {
  now: Date;
  scanner: { name: string; version: string };
  /** DB age beyond which a `db-stale` coverage gap is reported (default 72) */
  maxDbAgeHours?: number;
  /**
   * Results of the content checks (secrets, malware, config) that ran over the same walk: their findings
   * join `findings`, their statuses `checks`. A check without a result is `not-run`.
   */
  checkResults?: CheckResult[];
}

function compareFindings(a: Finding, b: Finding): number {
  const ka = [a.kind, String(9 - severityRank(a.severity)), sortKey(a), a.id];
  const kb = [b.kind, String(9 - severityRank(b.severity)), sortKey(b), b.id];
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
  return 0;
}

function sortKey(f: Finding): string {
  switch (f.kind) {
    case 'vulnerability':
      return `${f.package.name}\u0000${f.package.path ?? ''}\u0000${f.advisoryId}`;
    case 'coverage-gap':
      return f.subject;
    default:
      return f.title;
  }
}

export function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(compareFindings);
}

/** The fix of a stale or missing DB, as a sentence (the gap's detail says what is wrong, this what to do). */
export const DB_UPDATE_FIX = 'update the advisory DB with `portcullis db update` (or point --db at a fresher one) and scan again';

export function scanInventory(inventory: Inventory, db: AdvisoryDb, opts: ScanOptions): ScanReport {
  const matched = matchInventory(inventory, db, opts);
  const meta = db.meta();
  const dbFindings: Finding[] = dbGaps(meta, matched.ecosystems, opts.now, opts.maxDbAgeHours ?? 72)
    .filter((g) => g.reason === 'db-stale')
    .map((g) => ({
      id: fingerprint('coverage-gap', g.reason, g.subject),
      kind: 'coverage-gap' as const,
      title: `${g.reason}: ${g.subject}`,
      severity: 'unknown' as const,
      reason: g.reason,
      subject: g.subject,
      detail: g.detail,
      remediation: DB_UPDATE_FIX,
    }));
  const sbom = inventory.image.ref.transport === 'sbom';
  // an SBOM has no file contents: findings a content check claims to have found in it are not trusted
  const content = sbom ? [] : (opts.checkResults ?? []);
  const base = [...inventory.gaps, ...matched.findings, ...dbFindings];
  const seen = new Set(base.map((f) => f.id));
  const contentFindings = content.flatMap((r) => r.findings).filter((f) => (seen.has(f.id) ? false : (seen.add(f.id), true)));
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    scanner: opts.scanner,
    createdAt: opts.now.toISOString(),
    inventory,
    findings: sortFindings([...base, ...contentFindings]),
    db: meta,
    checks: checkStatuses(inventory, { contentResults: content, sbom }),
  };
}
