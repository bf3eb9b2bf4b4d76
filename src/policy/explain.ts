// `policy explain`: for each finding (or one), which rule of which policy decided, which exception or
// policy rule suppressed it, and why. Text built from evaluateWithTrace(), so it can never disagree
// with the verdict.
import type { ScanReport } from '../core/report.js';
import type { Finding } from '../core/types.js';
import { evaluateWithTrace, type EvalContext, type TraceEntry } from './evaluate.js';
import { findingKeys, keyMatches } from './exceptions.js';
import type { ExceptionSet, Policy } from './schema.js';

export interface Explanation {
  finding: Finding;
  derived: boolean;
  entries: TraceEntry[];
}

/** Findings whose id, advisory id/alias, rule, check, signature or license equals `query` (all when undefined). */
export function explain(
  report: ScanReport,
  policies: readonly Policy[],
  exceptions: ExceptionSet,
  ctx: EvalContext,
  query?: string,
): { explanations: Explanation[]; decision: ReturnType<typeof evaluateWithTrace>['decision'] } {
  const { decision, trace } = evaluateWithTrace(report, policies, exceptions, ctx);
  const byId = new Map<string, Explanation>();
  for (const t of trace) {
    if (query !== undefined && !keyMatches(query, findingKeys(t.finding))) continue;
    let e = byId.get(t.finding.id);
    if (!e) byId.set(t.finding.id, (e = { finding: t.finding, derived: t.derived, entries: [] }));
    e.entries.push(t);
  }
  const explanations = [...byId.values()].sort((a, b) => (a.finding.id < b.finding.id ? -1 : a.finding.id > b.finding.id ? 1 : 0));
  return { explanations, decision };
}

function label(f: Finding): string {
  switch (f.kind) {
    case 'vulnerability':
      return `${f.advisoryId} in ${f.package.name} ${f.installedVersion}`;
    case 'secret':
      return `secret ${f.rule} in ${f.path}`;
    case 'malware':
      return `malware ${f.signature}${f.path ? ` in ${f.path}` : ''}`;
    case 'config':
      return `config ${f.check}: ${f.title}`;
    case 'license':
      return `license ${f.license} of ${f.package.name}`;
    case 'base-image':
      return `base image ${f.base?.name ?? '(unidentified)'}: ${f.status}`;
    case 'coverage-gap':
      return `coverage gap ${f.reason}: ${f.subject}`;
  }
}

/** Plain text, one block per finding. */
export function formatExplanations(list: readonly Explanation[]): string {
  const out: string[] = [];
  for (const e of list) {
    out.push(`${label(e.finding)}  [${e.finding.id}]${e.derived ? ' (found by the policy evaluation)' : ''}`);
    for (const t of e.entries) {
      const j = t.judgement;
      let line = `  policy ${t.policy} (${t.enforcement}): ${t.outcome.toUpperCase()}`;
      if (j.control !== '-') line += ` by ${j.control}`;
      out.push(line);
      out.push(`    why: ${j.message}`);
      if (t.suppression) {
        const s = t.suppression;
        const what = s.by === 'exception' ? `exception ${s.ruleId}` : s.by === 'allowlist' ? `allowlist entry ${s.ruleId}` : `policy rule ${s.ruleId}`;
        out.push(`    suppressed by ${what}${s.reason ? `: ${s.reason}` : ''}${s.expires ? ` (until ${s.expires})` : ''}`);
        if (j.level !== 'pass') out.push(`    would otherwise be a ${t.enforcement === 'audit' || j.level === 'warning' ? 'warning' : 'violation'}`);
      }
      for (const n of t.notApplied) out.push(`    exception not applied: ${n}`);
      if ((t.outcome === 'violation' || t.outcome === 'warning') && j.remediation) out.push(`    fix: ${j.remediation}`);
    }
  }
  return out.join('\n') + (out.length ? '\n' : '');
}
