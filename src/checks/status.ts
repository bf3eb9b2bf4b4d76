// What ran, and how completely: one CheckStatus per name in CHECK_NAMES, in that order. A policy control
// over a check whose status is not `complete` is "not evaluated" (policy/evaluate.ts), so every state
// here must be honest: a check is `complete` only when we know it looked at everything it should have.
import { CHECK_NAMES, type AnalyzerStatus, type CheckName, type CheckStatus, type PackageType, type RunState } from '../core/types.js';
import type { Inventory } from '../core/report.js';
import type { CheckResult } from './types.js';

/** Reasons listed per status (the detail line counts the rest). */
export const MAX_REASONS = 20;

export interface CheckStatusOptions {
  /** results of the content checks that ran (secrets, malware, config) */
  contentResults?: readonly CheckResult[];
  /** the inventory came from an SBOM: it carries no file contents, so content checks cannot run */
  sbom?: boolean;
  /** no advisory database was used: vulnerabilities were not matched */
  dbMissing?: boolean;
}

/** An analyzer's state; reports written before `state` existed are complete only without warnings. */
export function analyzerState(a: AnalyzerStatus): RunState {
  return a.state ?? (a.warnings.length === 0 ? 'complete' : 'partial');
}

function capped(reasons: string[]): string[] {
  if (reasons.length <= MAX_REASONS) return reasons;
  return [...reasons.slice(0, MAX_REASONS), `… and ${reasons.length - MAX_REASONS} more`];
}

/** Analyzers that did not run completely, with their file-level reasons (`analyzer: reason`). */
function incompleteAnalyzers(inv: Inventory): { names: string[]; reasons: string[]; failed: boolean } {
  const names: string[] = [];
  const reasons: string[] = [];
  let failed = false;
  for (const a of [...inv.analyzers].sort((x, y) => (x.analyzer < y.analyzer ? -1 : x.analyzer > y.analyzer ? 1 : 0))) {
    const st = analyzerState(a);
    if (st === 'complete') continue;
    if (st === 'failed') failed = true;
    names.push(`${a.analyzer} (${st})`);
    const own = a.reasons && a.reasons.length > 0 ? a.reasons : a.warnings;
    for (const r of own.length > 0 ? own : ['no reason given']) reasons.push(`${a.analyzer}: ${r}`);
  }
  return { names, reasons, failed };
}

function vulnerabilities(inv: Inventory, opts: CheckStatusOptions): CheckStatus {
  const packages = inv.packages.length;
  if (opts.dbMissing) {
    return { check: 'vulnerabilities', state: 'not-run', detail: 'no advisory database: packages were not matched against advisories', reasons: [], stats: { packages } };
  }
  const inc = incompleteAnalyzers(inv);
  if (inc.names.length === 0) {
    return { check: 'vulnerabilities', state: 'complete', detail: `${packages} package(s) matched against the advisory database`, reasons: [], stats: { packages } };
  }
  return {
    check: 'vulnerabilities',
    state: 'partial',
    detail: `the package inventory is incomplete: ${inc.names.join(', ')}`,
    reasons: capped(inc.reasons),
    stats: { packages, incompleteAnalyzers: inc.names.length },
  };
}

function licenses(inv: Inventory): CheckStatus {
  const byType = new Map<PackageType, { total: number; withData: number }>();
  for (const p of inv.packages) {
    const t = byType.get(p.type) ?? { total: 0, withData: 0 };
    t.total++;
    if (p.licenses.length > 0) t.withData++;
    byType.set(p.type, t);
  }
  const missing = [...byType].filter(([, c]) => c.withData === 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const inc = incompleteAnalyzers(inv);
  const packages = inv.packages.length;
  const withData = [...byType.values()].reduce((n, c) => n + c.withData, 0);
  const stats = { packages, withLicenseData: withData };
  if (missing.length === 0 && inc.names.length === 0) {
    return { check: 'licenses', state: 'complete', detail: `license data for every package type present (${withData} of ${packages} package(s) declare a license)`, reasons: [], stats };
  }
  const parts: string[] = [];
  if (missing.length > 0) parts.push(`no license data for ${missing.map(([t, c]) => `${t} (${c.total} package${c.total === 1 ? '' : 's'})`).join(', ')}`);
  if (inc.names.length > 0) parts.push(`the package inventory is incomplete: ${inc.names.join(', ')}`);
  const reasons = [
    ...missing.map(([t, c]) => `${t}: none of ${c.total} package(s) carries license data (this analyzer does not read licenses for ${t})`),
    ...inc.reasons,
  ];
  return { check: 'licenses', state: 'partial', detail: parts.join('; '), reasons: capped(reasons), stats };
}

function contentStatus(name: CheckName, opts: CheckStatusOptions): CheckStatus {
  // an SBOM has no file contents: whatever was passed in, a content check cannot have looked at the image
  if (opts.sbom) return { check: name, state: 'not-run', detail: `no ${name} scanner ran: an SBOM carries no file contents`, reasons: [] };
  const hits = (opts.contentResults ?? []).filter((r) => r.status.check === name);
  if (hits.length > 1) {
    // two results for one check is a wiring bug; never let the better one hide the worse
    const worst = hits.find((h) => h.status.state === 'failed') ?? hits.find((h) => h.status.state !== 'complete') ?? hits[0]!;
    return { ...worst.status, reasons: capped([...worst.status.reasons, `${hits.length} results were given for ${name}`]), state: worst.status.state === 'complete' ? 'partial' : worst.status.state };
  }
  const hit = hits[0];
  if (hit) return { ...hit.status, reasons: capped([...hit.status.reasons]) };
  return { check: name, state: 'not-run', detail: `no ${name} scanner ran`, reasons: [] };
}

/** A status for every check of CHECK_NAMES, in that order. Pure. */
export function checkStatuses(inventory: Inventory, opts: CheckStatusOptions = {}): CheckStatus[] {
  return CHECK_NAMES.map((name) => {
    if (name === 'vulnerabilities') return vulnerabilities(inventory, opts);
    if (name === 'licenses') return licenses(inventory);
    return contentStatus(name, opts);
  });
}
