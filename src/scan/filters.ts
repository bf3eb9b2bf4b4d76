// Display filters (--severity, --ignore-unfixed, --only-app, --only-base). They change what is shown,
// never the verdict: the decision is computed before and travels unchanged in the report.
import type { Finding, Severity } from '../core/types.js';
import { SEVERITY_ORDER } from '../core/types.js';
import type { ScanReport } from '../core/report.js';
import { PortcullisError } from '../core/errors.js';

export interface DisplayFilters {
  severities?: Set<Severity>;
  ignoreUnfixed?: boolean;
  only?: 'app' | 'base';
}

export function parseSeverityList(s: string | undefined): Set<Severity> | undefined {
  if (s === undefined) return undefined;
  const out = new Set<Severity>();
  for (const raw of s.split(',')) {
    const v = raw.trim().toLowerCase();
    if (!v) continue;
    if (!(SEVERITY_ORDER as readonly string[]).includes(v)) {
      throw new PortcullisError('BAD_INPUT', `--severity: unknown severity "${raw.trim()}"; expected ${SEVERITY_ORDER.join(', ')}`);
    }
    out.add(v as Severity);
  }
  return out;
}

export function keepFinding(f: Finding, filters: DisplayFilters): boolean {
  // coverage gaps are never hidden by severity: they say what was not checked
  if (filters.severities && f.kind !== 'coverage-gap' && !filters.severities.has(f.severity)) return false;
  if (filters.ignoreUnfixed && f.kind === 'vulnerability' && f.fixState !== 'fixed') return false;
  if (filters.only && f.origin !== undefined && f.origin !== filters.only) return false;
  return true;
}

export function applyDisplayFilters(report: ScanReport, filters: DisplayFilters): ScanReport {
  if (!filters.severities && !filters.ignoreUnfixed && !filters.only) return report;
  return { ...report, findings: report.findings.filter((f) => keepFinding(f, filters)) };
}
