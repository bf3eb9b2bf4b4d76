// The one-line verdict `scan` prints to stderr when every rendering goes to a file or is machine-readable
// (SARIF, JSON, CycloneDX, JUnit): a failing gate in CI is never silent. Counts are of the whole report,
// before display filters, because the verdict is.
import type { ScanReport } from '../core/report.js';
import type { Finding } from '../core/types.js';
import { SEVERITY_ORDER } from '../core/types.js';
import { INLINE_POLICY_PREFIX, policyList } from '../core/verdict.js';

function all(r: ScanReport): Finding[] {
  const seen = new Set(r.findings.map((f) => f.id));
  return [...r.findings, ...(r.decision?.derivedFindings ?? []).filter((f) => !seen.has(f.id))];
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** `2 critical, 1 high, 3 coverage gaps` (severities that occur, highest first), or `no findings`. */
function findingCounts(findings: Finding[]): string {
  const vulnLike = findings.filter((f) => f.kind !== 'coverage-gap');
  const gaps = findings.length - vulnLike.length;
  const parts = [...SEVERITY_ORDER]
    .reverse()
    .map((s) => [s, vulnLike.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  if (gaps) parts.push(plural(gaps, 'coverage gap'));
  return parts.length ? parts.join(', ') : 'no findings';
}

/** The verdict line, then one line per stale-DB gap. Lines end without a newline. */
export function verdictLines(r: ScanReport): string[] {
  const findings = all(r);
  const image = r.inventory.image.name;
  const d = r.decision;
  const lines: string[] = [];
  if (d) {
    const verdict = d.verdict === 'pass' ? 'PASSED' : d.verdict === 'fail' ? 'FAILED' : 'COULD NOT DECIDE';
    lines.push(
      `portcullis: ${verdict} ${image} (pipeline ${d.pipeline}${d.policies.some((p) => p.startsWith(INLINE_POLICY_PREFIX)) ? `; policy ${policyList(d)}` : ''}): ${plural(d.violations.length, 'violation')}, ${plural(d.warnings.length, 'warning')}, ${d.suppressed.length} suppressed; findings: ${findingCounts(findings)}`,
    );
  } else {
    lines.push(`portcullis: scanned ${image} (no policy): findings: ${findingCounts(findings)}`);
  }
  const stale = new Set(findings.filter((f) => f.kind === 'coverage-gap' && f.reason === 'db-stale').map((f) => (f.kind === 'coverage-gap' ? `${f.subject}: ${f.detail}` : '')));
  for (const s of [...stale].sort()) lines.push(`portcullis: advisory DB is stale: ${s}; update it with \`portcullis db update\``);
  // names come from the image: no control character reaches the terminal
  // eslint-disable-next-line no-control-regex
  return lines.map((l) => l.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' '));
}
