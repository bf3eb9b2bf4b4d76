// `markdown`: a summary for pull-request / merge-request comments: verdict, counts, violations with their
// fix, the most severe findings, and what was not checked. Long lists fold into <details>.
import type { Reporter, ScanReport } from '../../core/report.js';
import type { Finding, VulnerabilityFinding } from '../../core/types.js';
import { SEVERITY_ORDER, severityRank } from '../../core/types.js';
import { adviceLine, allFindings } from '../describe.js';
import { ChunkWriter } from '../stream.js';
import { sanitize } from '../sanitize.js';

const TOP = 25;

function cell(s: string | undefined): string {
  return sanitize(s ?? '').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
}

function vulnRow(v: VulnerabilityFinding): string {
  const fix = v.fixState === 'fixed' ? `\`${v.fixedVersion}\`` : v.fixState.replace('-', ' ');
  return `| ${v.severity}${v.kev ? ' (KEV)' : ''} | ${cell(v.advisoryId)} | ${cell(v.package.name)} | \`${cell(v.installedVersion)}\` | ${cell(fix)} | ${v.layer ? `#${v.layer.index}${v.origin ? ` ${v.origin}` : ''}` : ''} |`;
}

export function toMarkdown(r: ScanReport): string {
  return markdownLines(r).join('\n');
}

/** The Markdown, line by line (long lists are pushed one at a time, never spread into a call). */
export function markdownLines(r: ScanReport): string[] {
  const img = r.inventory.image;
  const findings = allFindings(r);
  const vulns = findings
    .filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability')
    .sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.advisoryId < b.advisoryId ? -1 : a.advisoryId > b.advisoryId ? 1 : 0));
  const gaps = findings.filter((f) => f.kind === 'coverage-gap');
  const others = findings.filter((f) => f.kind !== 'vulnerability' && f.kind !== 'coverage-gap');
  const out: string[] = [];
  const d = r.decision;
  const verdict = d ? (d.verdict === 'pass' ? '✅ **Passed**' : d.verdict === 'fail' ? '❌ **Failed**' : '⚠️ **Could not decide**') : 'ℹ️ Scan only (no policy)';
  out.push(`### Portcullis: ${verdict} — \`${cell(img.name)}\``, '');
  if (d) out.push(`Pipeline \`${cell(d.pipeline)}\`, policies: ${d.policies.map((p) => `\`${cell(p)}\``).join(', ') || 'none'}`, '');
  if (r.lineage) {
    const base = r.lineage.chain[0];
    out.push(`Base image: ${base ? `\`${cell(base.name)}\`` : 'unknown'} (${r.lineage.method}, ${r.lineage.confidence} confidence)`, '');
    for (const a of r.lineage.advice ?? []) out.push(`- ${cell(adviceLine(a))}`);
    if (r.lineage.advice?.length) out.push('');
  }
  const counts = SEVERITY_ORDER.slice().reverse().map((s) => vulns.filter((v) => v.severity === s).length);
  out.push('| critical | high | medium | low | negligible | unknown | not checked |', '|---:|---:|---:|---:|---:|---:|---:|', `| ${counts.join(' | ')} | ${gaps.length} |`, '');
  if (d && d.violations.length) {
    out.push(`#### Violations (${d.violations.length})`, '');
    for (const v of d.violations) out.push(`- **${cell(v.policy)} / ${cell(v.control)}**: ${cell(v.message)}${v.remediation ? `  \n  Fix: ${cell(v.remediation)}` : ''}`);
    out.push('');
  }
  if (d && d.warnings.length) {
    out.push(`<details><summary>Warnings (${d.warnings.length})</summary>`, '');
    for (const v of d.warnings) out.push(`- ${cell(v.policy)} / ${cell(v.control)}: ${cell(v.message)}`);
    out.push('', '</details>', '');
  }
  if (vulns.length) {
    const head = ['| severity | advisory | package | installed | fix | layer |', '|---|---|---|---|---|---|'];
    out.push(`#### Vulnerabilities (${vulns.length})`, '', ...head);
    for (const v of vulns.slice(0, TOP)) out.push(vulnRow(v));
    out.push('');
    if (vulns.length > TOP) {
      out.push(`<details><summary>${vulns.length - TOP} more</summary>`, '', ...head);
      for (let i = TOP; i < vulns.length; i++) out.push(vulnRow(vulns[i]!));
      out.push('', '</details>', '');
    }
  }
  const list = (title: string, fs: Finding[], text: (f: Finding) => string) => {
    if (!fs.length) return;
    out.push(`#### ${title} (${fs.length})`, '');
    for (const f of fs) out.push(`- ${cell(text(f))}`);
    out.push('');
  };
  list('Other findings', others, (f) => `${f.severity}: ${f.title}${f.remediation ? ` — fix: ${f.remediation}` : ''}`);
  list('Not checked', gaps, (f) => (f.kind === 'coverage-gap' ? `${f.subject}: ${f.detail}` : f.title));
  if (d && d.suppressed.length) out.push(`${d.suppressed.length} finding(s) suppressed by exceptions or policy rules.`, '');
  if (d) for (const n of d.notices) out.push(`> ${cell(n)}`);
  out.push('', `<sub>${cell(r.scanner.name)} ${cell(r.scanner.version)} · ${cell(img.manifestDigest)} · ${cell(r.createdAt)}</sub>`, '');
  return out;
}

export const markdownReporter: Reporter = {
  format: 'markdown',
  modes: ['scan'],
  async render(report, out) {
    // lines joined by '\n' with none after the last one (the last line is empty): the same bytes as toMarkdown
    const lines = markdownLines(report);
    const w = new ChunkWriter(out);
    for (let i = 0; i < lines.length; i++) if (w.add(i ? '\n' + lines[i]! : lines[i]!)) await w.flush();
    await w.flush();
  },
};
