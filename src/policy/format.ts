// Plain-text rendering of a Decision for the policy commands (the report/ formats render it for scan).
import type { Decision, Violation } from '../core/report.js';
import { formatImage } from './imageref.js';
import { policyList, verdictLine } from '../core/verdict.js';

function violationLines(mark: string, v: Violation): string[] {
  const out = [`  ${mark} [${v.policy}] ${v.control}: ${v.message}`];
  if (v.subject && !v.message.includes(v.subject) && !v.findingId?.startsWith('not-evaluated:')) out.push(`      finding: ${v.subject}${v.findingId ? ` [${v.findingId}]` : ''}`);
  if (v.remediation) out.push(`      fix: ${v.remediation}`);
  return out;
}

export function formatDecision(d: Decision): string {
  const out: string[] = [];
  out.push(`verdict: ${verdictLine(d)}`);
  out.push(`image: ${formatImage(d.image ?? {})}${d.image?.configDigest ? ` (image ID ${d.image.configDigest})` : ''}`);
  out.push(`pipeline: ${d.pipeline}   policies: ${policyList(d)}   evaluated: ${d.evaluatedAt}`);
  if (d.allowlisted) out.push(`allowlisted by ${d.allowlisted.image} until ${d.allowlisted.expires}: ${d.allowlisted.reason} (${d.allowlisted.owner})`);
  if (d.violations.length) {
    out.push('', `violations (${d.violations.length}):`);
    for (const v of d.violations) out.push(...violationLines('✗', v));
  }
  if (d.warnings.length) {
    out.push('', `warnings (${d.warnings.length}):`);
    for (const v of d.warnings) out.push(...violationLines('!', v));
  }
  if (d.suppressed.length) {
    out.push('', `suppressed (${d.suppressed.length}):`);
    for (const s of d.suppressed) {
      const by = s.by === 'exception' ? `exception ${s.ruleId}` : s.by === 'allowlist' ? `allowlist ${s.ruleId}` : `${s.policy ? `[${s.policy}] ` : ''}${s.ruleId}`;
      out.push(`  - ${s.subject ?? s.findingId} [${s.findingId}] by ${by}${s.reason ? `: ${s.reason}` : ''}${s.expires ? ` (until ${s.expires})` : ''}`);
    }
  }
  if (d.notices.length) {
    out.push('', 'notices:');
    for (const n of d.notices) out.push(`  * ${n}`);
  }
  return out.join('\n') + '\n';
}
