// "Not evaluated": a policy control over a check (vulnerabilities, secrets, malware, config, licenses)
// whose check did not run completely cannot pass, whatever coverage.onGap says. Each such control gets a
// derived coverage-gap finding `not-evaluated:<check>` and a violation (a warning under enforcement:
// audit, or when the control itself can only warn). The finding can be named by an exception with
// exactly `finding: not-evaluated:<check>` (nothing broader: not the gap reason, not a package), so
// accepting an unchecked control is an explicit, owned, expiring and visible decision.
import type { ScanReport } from '../core/report.js';
import type { CheckName, CheckStatus, CoverageGapFinding } from '../core/types.js';
import type { Judgement } from './controls.js';
import type { Derived } from './derive.js';
import type { Controls } from './schema.js';

export const NOT_EVALUATED_PREFIX = 'not-evaluated:';

/** The finding key (and id) an exception names to accept that a check did not run completely. */
export function notEvaluatedId(check: CheckName): string {
  return `${NOT_EVALUATED_PREFIX}${check}`;
}

export function isNotEvaluated(f: { kind: string; id: string }): boolean {
  return f.kind === 'coverage-gap' && f.id.startsWith(NOT_EVALUATED_PREFIX);
}

/** What a control over a check can do: fail the image, only warn, or nothing (e.g. failOn: none). */
function controlStrength(c: Controls, check: CheckName): 'violation' | 'warning' | undefined {
  switch (check) {
    case 'vulnerabilities': {
      const v = c.vulnerabilities;
      if (!v) return undefined;
      if ((v.failOn !== undefined && v.failOn !== 'none') || v.maxCvss !== undefined || (v.deny ?? []).length > 0 || v.knownExploited === 'fail') return 'violation';
      if (v.knownExploited === 'warn') return 'warning';
      return undefined;
    }
    case 'secrets':
    case 'malware':
    case 'config': {
      const t = c[check]?.failOn;
      return t === undefined || t === 'none' ? undefined : 'violation';
    }
    case 'licenses':
      return (c.licenses?.deny ?? []).length > 0 ? 'violation' : undefined;
  }
}

const CHECKS: readonly CheckName[] = ['vulnerabilities', 'secrets', 'malware', 'config', 'licenses'];

function why(check: CheckName, s: CheckStatus | undefined): { detail: string; state: string } {
  if (!s) {
    return { state: 'unknown', detail: `the report does not say whether the ${check} check ran (made by an older scanner or another tool): treated as not run` };
  }
  const first = s.reasons.slice(0, 3).join('; ');
  const more = s.reasons.length > 3 ? ` (+${s.reasons.length - 3} more)` : '';
  switch (s.state) {
    case 'not-run':
      return { state: 'not-run', detail: `the ${check} check did not run: ${s.detail}` };
    case 'failed':
      return { state: 'failed', detail: `the ${check} check failed: ${s.detail}${first ? ` — ${first}${more}` : ''}` };
    default:
      return { state: 'partial', detail: `the ${check} check ran partially: ${s.detail}${first ? ` — ${first}${more}` : ''}` };
  }
}

/** One derived finding and judgement per check control of `c` whose check did not run completely. */
export function deriveNotEvaluated(report: ScanReport, c: Controls): Derived[] {
  const out: Derived[] = [];
  for (const check of CHECKS) {
    const level = controlStrength(c, check);
    if (!level) continue;
    // several entries for one check (a report written by another tool): the least complete one counts
    const all = (report.checks ?? []).filter((s) => s.check === check);
    const status = all.find((s) => s.state !== 'complete') ?? all[0];
    if (status?.state === 'complete') continue;
    const { detail, state } = why(check, status);
    const remediation =
      state === 'not-run' || state === 'unknown'
        ? `run the ${check} check (a scanner version that has it, on the image rather than an SBOM), remove the ${check} control from the policy, or accept the gap with an exception for ${notEvaluatedId(check)}`
        : `fix what kept the ${check} check from completing (see the reasons), or accept the gap with an exception for ${notEvaluatedId(check)}`;
    const f: CoverageGapFinding = {
      id: notEvaluatedId(check),
      kind: 'coverage-gap',
      title: `not evaluated: ${check}`,
      severity: 'unknown',
      reason: 'analyzer-error',
      subject: `${check} check`,
      detail,
      remediation,
    };
    const judgement: Judgement = { level, control: check, message: `not evaluated: ${detail}`, remediation };
    out.push({ finding: f, judgement });
  }
  return out;
}
