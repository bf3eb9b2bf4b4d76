// `markdown`: a summary for pull-request / merge-request comments: verdict, counts, violations with their
// fix, the most severe findings, and what was not checked. Long lists fold into <details>.
import { actionLine } from '../describe.js';
import type { Reporter, ScanReport } from '../../core/report.js';
import type { Finding, VulnerabilityFinding } from '../../core/types.js';
import { SEVERITY_ORDER, severityRank } from '../../core/types.js';
import { write } from '../write.js';
import { adviceLine, allFindings, byDecisiveness, exceptionMarks, suppressionBy, suppressionLabel } from '../describe.js';
import { policyList, verdictLine } from '../../core/verdict.js';
import { sanitize } from '../sanitize.js';

const TOP = 25;

function cell(s: string | undefined): string {
  return sanitize(s ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
}

function vulnRow(v: VulnerabilityFinding, marks: Map<string, string>): string {
  const fix = v.fixState === 'fixed' ? `\`${v.fixedVersion}\`` : v.fixState.replace('-', ' ');
  const mark = marks.get(v.id);
  return `| ${v.severity}${v.kev ? ' (KEV)' : ''} | ${mark ? `~~${cell(v.advisoryId)}~~ suppressed: ${cell(mark)}` : cell(v.advisoryId)} | ${cell(v.package.name)} | \`${cell(v.installedVersion)}\` | ${cell(fix)} | ${v.layer ? `#${v.layer.index}${v.origin ? ` ${v.origin}` : ''}` : ''} |`;
}

/** The Markdown (long lists are pushed one line at a time, never spread into a call), capped for a comment. */
export function toMarkdown(r: ScanReport): string {
  const img = r.inventory.image;
  const findings = allFindings(r);
  const vulns = findings
    .filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability')
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.advisoryId < b.advisoryId ? -1 : a.advisoryId > b.advisoryId ? 1 : 0));
  const gaps = findings.filter((f) => f.kind === 'coverage-gap');
  const others = findings.filter((f) => f.kind !== 'vulnerability' && f.kind !== 'coverage-gap');
  const out: string[] = [];
  const d = r.decision;
  const marks = exceptionMarks(r);
  const verdict = d ? (d.verdict === 'pass' ? '✅ **Passed**' : d.verdict === 'fail' ? '❌ **Failed**' : '⚠️ **Could not decide**') : 'ℹ️ Scan only (no policy)';
  out.push(`### Portcullis: ${verdict} — \`${cell(img.name)}\``, '');
  if (d) {
    out.push(`**${cell(verdictLine(d))}**`, '');
    out.push(`Pipeline \`${cell(d.pipeline)}\`, policies: ${policyList(d, (p) => `\`${cell(p)}\``)}`, '');
  }
  if (r.checks) {
    out.push(`Checks: ${r.checks.map((c) => `${cell(c.check)} ${c.state === 'complete' ? '✓' : `**${c.state}**`}`).join(' · ')}`, '');
    for (const c of r.checks) if (c.state !== 'complete') out.push(`- ${cell(c.check)}: ${cell(c.detail)}`);
    if (r.checks.some((c) => c.state !== 'complete')) out.push('');
  } else {
    out.push('Checks: not reported (older scanner or another tool): no check counts as run', '');
  }
  if (r.lineage) {
    const base = r.lineage.chain[0];
    out.push(`Base image: ${base ? `\`${cell(base.name)}\`` : 'unknown'} (${r.lineage.method}, ${r.lineage.confidence} confidence)`, '');
    for (const a of r.lineage.advice ?? []) out.push(`- ${cell(adviceLine(a))}`);
    if (r.lineage.advice?.length) out.push('');
  }
  const fixable = (r.actions ?? []).filter((a) => a.kind !== 'no-fix');
  if (fixable.length) {
    out.push(`#### Actions (${fixable.length})`, '', ...fixable.map((a) => `- ${a.decides ? '❌' : '▫️'} ${cell(actionLine(a))}`), '');
  }
  const counts = SEVERITY_ORDER.slice().reverse().map((s) => vulns.filter((v) => v.severity === s).length);
  out.push('| critical | high | medium | low | negligible | unknown | not checked |', '|---:|---:|---:|---:|---:|---:|---:|', `| ${counts.join(' | ')} | ${gaps.length} |`, '');
  if (d && d.violations.length) {
    out.push(`#### Violations (${d.violations.length})`, '');
    for (const v of [...d.violations].sort(byDecisiveness(r))) out.push(`- **${cell(v.policy)} / ${cell(v.control)}**: ${cell(v.message)}${v.remediation ? `  \n  Fix: ${cell(v.remediation)}` : ''}`);
    out.push('');
  }
  if (d && d.warnings.length) {
    out.push(`<details><summary>Warnings (${d.warnings.length})</summary>`, '');
    for (const v of [...d.warnings].sort(byDecisiveness(r))) out.push(`- ${cell(v.policy)} / ${cell(v.control)}: ${cell(v.message)}`);
    out.push('', '</details>', '');
  }
  if (vulns.length) {
    const head = ['| severity | advisory | package | installed | fix | layer |', '|---|---|---|---|---|---|'];
    const row = (v: VulnerabilityFinding) => vulnRow(v, marks);
    out.push(`#### Vulnerabilities (${vulns.length})`, '', ...head, ...vulns.slice(0, TOP).map(row), '');
    if (vulns.length > TOP) out.push(`<details><summary>${vulns.length - TOP} more</summary>`, '', ...head, ...vulns.slice(TOP).map(row), '', '</details>', '');
  }
  const list = (title: string, fs: Finding[], text: (f: Finding) => string) => {
    if (!fs.length) return;
    out.push(`#### ${title} (${fs.length})`, '');
    for (const f of fs) out.push(`- ${cell(text(f))}`);
    out.push('');
  };
  list('Other findings', others, (f) => `${f.severity}: ${f.title}${marks.has(f.id) ? ` (suppressed: ${marks.get(f.id)})` : ''}${f.remediation ? ` — fix: ${f.remediation}` : ''}`);
  list('Not checked', gaps, (f) => (f.kind === 'coverage-gap' ? `${f.subject}: ${f.detail}` : f.title));
  if (d && d.suppressed.length) {
    const byId = new Map(findings.map((f) => [f.id, f]));
    out.push(`<details><summary>Suppressed (${d.suppressed.length})</summary>`, '');
    for (const s of d.suppressed) out.push(`- ${cell(suppressionLabel(byId.get(s.findingId), s.findingId))}: ${cell(suppressionBy(s))}`);
    out.push('', '</details>', '');
  }
  if (d) for (const n of d.notices) out.push(`> ${cell(n)}`);
  const footer = ['', `<sub>${cell(r.scanner.name)} ${cell(r.scanner.version)} · ${img.manifestDigest ?? ''} · ${r.createdAt}</sub>`, ''];
  return capForComment(out, footer);
}

/** GitHub refuses comments over 65,536 characters: keep whole lines up to the limit, then say so. */
export const COMMENT_LIMIT = 65_536;

function capForComment(lines: string[], footer: string[]): string {
  const tail = footer.join('\n');
  const note = '\n\n> Truncated to fit a pull-request comment: the full report is in the JSON or HTML output.\n';
  const whole = lines.join('\n') + '\n' + tail;
  if (whole.length <= COMMENT_LIMIT) return whole;
  const budget = COMMENT_LIMIT - tail.length - note.length - 32;
  const kept: string[] = [];
  let n = 0;
  let openDetails = 0;
  for (const l of lines) {
    if (n + l.length + 1 > budget) break;
    kept.push(l);
    n += l.length + 1;
    if (l.startsWith('<details>')) openDetails++;
    if (l === '</details>') openDetails--;
  }
  for (; openDetails > 0; openDetails--) kept.push('', '</details>');
  return kept.join('\n') + note + tail;
}

export const markdownReporter: Reporter = {
  format: 'markdown',
  modes: ['scan'],
  async render(report, out) {
    // bounded by the comment limit, so one string is fine
    await write(out, toMarkdown(report));
  },
};
