// `table`: what a person reads in a terminal or a CI log. Findings grouped by package, a summary of
// counts, the verdict with each violation and its fix. Coloured only when asked (TTY, no --no-color).
import type { Reporter, ScanReport, RenderOptions } from '../../core/report.js';
import type { Finding, MalwareFinding, Package, Severity, VulnerabilityFinding } from '../../core/types.js';
import { SEVERITY_ORDER, severityRank } from '../../core/types.js';
import { write } from '../write.js';
import { adviceLine } from '../describe.js';

const COLORS: Record<Severity, string> = {
  critical: '\x1b[1;31m',
  high: '\x1b[31m',
  medium: '\x1b[33m',
  low: '\x1b[36m',
  negligible: '\x1b[2m',
  unknown: '\x1b[2m',
};
const RESET = '\x1b[0m';

function sev(s: Severity, color: boolean): string {
  const label = s.toUpperCase().padEnd(10);
  return color ? `${COLORS[s]}${label}${RESET}` : label;
}

export function columns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(c).length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - visible(c).length))).join('  ').trimEnd());
}

function visible(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}

function short(d: string | undefined): string {
  if (!d) return '-';
  return d.startsWith('sha256:') ? d.slice(0, 19) : d;
}

function header(r: ScanReport): string[] {
  const img = r.inventory.image;
  const os = r.inventory.os;
  const lines = [
    `Image     ${img.name}${img.name !== img.ref.input ? `  (${img.ref.input})` : ''}`,
    `Digest    ${img.manifestDigest ?? img.configDigest ?? '-'}`,
    `Platform  ${img.platform.os}/${img.platform.architecture}${img.platform.variant ? '/' + img.platform.variant : ''}`,
    `OS        ${os ? os.prettyName ?? `${os.name} ${os.versionId ?? ''}`.trim() : 'not identified'}`,
  ];
  if (r.lineage) {
    const base = r.lineage.chain[0];
    lines.push(
      `Base      ${base ? `${base.name}${base.digest ? ' ' + short(base.digest) : ''}` : 'unknown'}  (${r.lineage.method}, ${r.lineage.confidence} confidence${r.lineage.chain.length > 1 ? `; chain: ${r.lineage.chain.map((c) => c.name).join(' → ')}` : ''})`,
    );
  }
  for (const a of r.lineage?.advice ?? []) lines.push(`Advice    ${adviceLine(a)}`);
  if (r.db) lines.push(`DB        built ${r.db.builtAt}, ${r.db.sources.length} source(s)`);
  return lines;
}

function layersBlock(r: ScanReport): string[] {
  const rows = r.inventory.image.layers.map((l) => [
    `#${l.index}`,
    short(l.diffId),
    l.size !== undefined ? `${(l.size / 1e6).toFixed(1)} MB` : '',
    oneLine(l.createdBy ?? '', 80),
  ]);
  return ['', `Layers (${rows.length})`, ...columns(rows).map((l) => '  ' + l)];
}

function oneLine(s: string, max: number): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

function packageCounts(pkgs: Package[]): string {
  const m = new Map<string, number>();
  for (const p of pkgs) m.set(p.type, (m.get(p.type) ?? 0) + 1);
  return [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, n]) => `${n} ${t}`).join(' · ') || 'none';
}

function sbomTable(r: ScanReport): string[] {
  const rows = [['TYPE', 'NAME', 'VERSION', 'SOURCE', 'LAYER', 'PATH']];
  for (const p of r.inventory.packages) {
    const os = p.type === 'deb' || p.type === 'apk' || p.type === 'rpm';
    rows.push([
      p.type,
      p.name,
      p.version,
      p.source && (p.source.name !== p.name || p.source.version !== p.version) ? `${p.source.name} ${p.source.version}` : '',
      p.layer ? `#${p.layer.index}` : '',
      os ? '' : (p.locations[0]?.path ?? '') + (p.ownedBy ? ` (owned by ${p.ownedBy.name})` : ''),
    ]);
  }
  return ['', `Packages  ${packageCounts(r.inventory.packages)}`, ...columns(rows)];
}

export function severityCounts(findings: Finding[]): Record<Severity, number> {
  const c = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) if (f.kind !== 'coverage-gap') c[f.severity]++;
  return c;
}

function vulnBlock(vulns: VulnerabilityFinding[], color: boolean): string[] {
  const groups = new Map<string, VulnerabilityFinding[]>();
  for (const v of vulns) {
    const k = `${v.package.name}\u0000${v.package.version}\u0000${v.package.path ?? ''}`;
    groups.set(k, [...(groups.get(k) ?? []), v]);
  }
  const out: string[] = [];
  const keys = [...groups.keys()].sort();
  for (const k of keys) {
    const g = groups.get(k)!.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.advisoryId < b.advisoryId ? -1 : 1));
    const p = g[0]!;
    const where = [p.package.type, p.layer ? `layer #${p.layer.index}` : '', p.origin ?? '', p.package.path && !['deb', 'apk', 'rpm'].includes(p.package.type) ? p.package.path : '']
      .filter(Boolean)
      .join(', ');
    out.push('', `${p.package.name} ${p.installedVersion}  (${where})`);
    const rows = g.map((v) => [
      '  ' + sev(v.severity, color),
      v.advisoryId + (v.kev ? ' [KEV]' : ''),
      v.fixState === 'fixed' ? `fixed in ${v.fixedVersion}` : v.fixState.replace('-', ' '),
      oneLine(v.title, 70),
    ]);
    out.push(...columns(rows));
  }
  return out;
}

/** Malware: signature hits and known malicious packages (OSV MAL-*) alike, with file, layer and what matched. */
function malwareBlock(findings: MalwareFinding[], color: boolean): string[] {
  if (findings.length === 0) return [];
  const rows = findings.map((f) => [
    '  ' + sev(f.severity, color),
    f.signature,
    oneLine(`${f.path ?? f.package?.path ?? ''}${f.member ? `!${f.member}` : ''}`, 80),
    [f.layer ? `layer #${f.layer.index}` : '', f.origin ?? ''].filter(Boolean).join(', '),
    f.package ? `${f.engine}: ${f.package.name}@${f.package.version}` : f.engine,
  ]);
  return ['', `malware (${findings.length})`, ...columns(rows)];
}

function otherBlock(title: string, findings: Finding[], color: boolean): string[] {
  if (findings.length === 0) return [];
  const rows = findings.map((f) => ['  ' + sev(f.severity, color), oneLine(f.kind === 'coverage-gap' ? `${f.subject}: ${f.detail}` : f.title, 140)]);
  return ['', `${title} (${findings.length})`, ...columns(rows)];
}

function decisionBlock(r: ScanReport, color: boolean): string[] {
  const d = r.decision;
  if (!d) return [];
  const verdict = d.verdict.toUpperCase();
  const paint = color ? (d.verdict === 'pass' ? '\x1b[1;32m' : '\x1b[1;31m') : '';
  const out = ['', `Verdict   ${paint}${verdict}${color ? RESET : ''}  (pipeline ${d.pipeline}; policies: ${d.policies.join(', ') || 'none'})`];
  for (const v of d.violations) {
    out.push(`  ✗ [${v.policy}/${v.control}] ${v.message}`);
    if (v.remediation) out.push(`      fix: ${v.remediation}`);
  }
  for (const w of d.warnings) {
    out.push(`  ! [${w.policy}/${w.control}] ${w.message}`);
    if (w.remediation) out.push(`      fix: ${w.remediation}`);
  }
  if (d.suppressed.length) out.push(`  ${d.suppressed.length} finding(s) suppressed by exceptions or policy rules (see json output)`);
  for (const n of d.notices) out.push(`  note: ${n}`);
  return out;
}

export function renderTable(r: ScanReport, opts: RenderOptions): string {
  const lines = header(r);
  if (opts.mode === 'sbom') {
    lines.push(...layersBlock(r), ...sbomTable(r));
    lines.push(...otherBlock('Coverage gaps', r.findings.filter((f) => f.kind === 'coverage-gap'), opts.color));
    return lines.join('\n') + '\n';
  }
  const vulns = r.findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability');
  const counts = severityCounts(r.findings);
  const gaps = r.findings.filter((f) => f.kind === 'coverage-gap');
  lines.push(
    `Packages  ${packageCounts(r.inventory.packages)}`,
    '',
    `Findings  ${vulns.length} vulnerabilities: ${[...SEVERITY_ORDER].reverse().map((s) => `${counts[s]} ${s}`).join(', ')}; ${gaps.length} coverage gap(s)`,
  );
  lines.push(...vulnBlock(vulns, opts.color));
  lines.push(...malwareBlock(r.findings.filter((f): f is MalwareFinding => f.kind === 'malware'), opts.color));
  for (const kind of ['secret', 'config', 'license', 'base-image'] as const) {
    lines.push(...otherBlock(kind, r.findings.filter((f) => f.kind === kind), opts.color));
  }
  lines.push(...otherBlock('Coverage gaps (not checked)', gaps, opts.color));
  lines.push(...decisionBlock(r, opts.color));
  return lines.join('\n') + '\n';
}

export const tableReporter: Reporter = {
  format: 'table',
  modes: ['sbom', 'scan'],
  async render(report, out, opts) {
    await write(out, renderTable(report, opts));
  },
};
