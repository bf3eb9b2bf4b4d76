// `table`: what a person reads in a terminal or a CI log. Findings grouped by package, a summary of
// counts, the verdict with each violation and its fix. Coloured only when asked (TTY, no --no-color).
import type { Reporter, ScanReport, RenderOptions } from '../../core/report.js';
import type { Finding, Package, Severity, VulnerabilityFinding } from '../../core/types.js';
import { SEVERITY_ORDER, severityRank } from '../../core/types.js';
import { adviceLine } from '../describe.js';
import { ChunkWriter } from '../stream.js';
import { sanitize as t } from '../sanitize.js';

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
  return [...columnsOf(rows.length, (i) => rows[i]!)];
}

/** Aligned lines of `count` rows made by `rowAt` (called twice per row: widths, then lines; no row list kept). */
export function* columnsOf(count: number, rowAt: (i: number) => string[], prefix = ''): Generator<string> {
  const widths: number[] = [];
  for (let n = 0; n < count; n++) rowAt(n).forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(c).length)));
  for (let n = 0; n < count; n++) {
    const r = rowAt(n);
    yield prefix + r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - visible(c).length))).join('  ').trimEnd();
  }
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
    `Image     ${t(img.name)}${img.name !== img.ref.input ? `  (${t(img.ref.input)})` : ''}`,
    `Digest    ${t(img.manifestDigest ?? img.configDigest ?? '-')}`,
    `Platform  ${t(`${img.platform.os}/${img.platform.architecture}${img.platform.variant ? '/' + img.platform.variant : ''}`)}`,
    `OS        ${t(os ? os.prettyName ?? `${os.name} ${os.versionId ?? ''}`.trim() : 'not identified')}`,
  ];
  if (r.lineage) {
    const base = r.lineage.chain[0];
    lines.push(
      `Base      ${base ? `${t(base.name)}${base.digest ? ' ' + t(short(base.digest)) : ''}` : 'unknown'}  (${r.lineage.method}, ${r.lineage.confidence} confidence${r.lineage.chain.length > 1 ? `; chain: ${r.lineage.chain.map((c) => t(c.name)).join(' → ')}` : ''})`,
    );
  }
  for (const a of r.lineage?.advice ?? []) lines.push(`Advice    ${t(adviceLine(a))}`);
  if (r.db) lines.push(`DB        built ${r.db.builtAt}, ${r.db.sources.length} source(s)`);
  return lines;
}

function* layersBlock(r: ScanReport): Generator<string> {
  const layers = r.inventory.image.layers;
  const rowAt = (i: number) => {
    const l = layers[i]!;
    return [`#${l.index}`, t(short(l.diffId)), l.size !== undefined ? `${(l.size / 1e6).toFixed(1)} MB` : '', oneLine(l.createdBy ?? '', 80)];
  };
  yield '';
  yield `Layers (${layers.length})`;
  yield* columnsOf(layers.length, rowAt, '  ');
}

function oneLine(s: string, max: number): string {
  const v = t(s).replace(/\s+/g, ' ').trim();
  return v.length > max ? v.slice(0, max - 1) + '…' : v;
}

function packageCounts(pkgs: Package[]): string {
  const m = new Map<string, number>();
  for (const p of pkgs) m.set(p.type, (m.get(p.type) ?? 0) + 1);
  return [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([type, n]) => `${n} ${t(type)}`).join(' · ') || 'none';
}

function* sbomTable(r: ScanReport): Generator<string> {
  const pkgs = r.inventory.packages;
  const rowAt = (i: number): string[] => {
    if (i === 0) return ['TYPE', 'NAME', 'VERSION', 'SOURCE', 'LAYER', 'PATH'];
    const p = pkgs[i - 1]!;
    const os = p.type === 'deb' || p.type === 'apk' || p.type === 'rpm';
    return [
      t(p.type),
      t(p.name),
      t(p.version),
      p.source && (p.source.name !== p.name || p.source.version !== p.version) ? t(`${p.source.name} ${p.source.version}`) : '',
      p.layer ? `#${p.layer.index}` : '',
      os ? '' : t((p.locations[0]?.path ?? '') + (p.ownedBy ? ` (owned by ${p.ownedBy.name})` : '')),
    ];
  };
  yield '';
  yield `Packages  ${packageCounts(pkgs)}`;
  yield* columnsOf(pkgs.length + 1, rowAt);
}

export function severityCounts(findings: Finding[]): Record<Severity, number> {
  const c = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) if (f.kind !== 'coverage-gap') c[f.severity]++;
  return c;
}

function* vulnBlock(vulns: VulnerabilityFinding[], color: boolean): Generator<string> {
  const groups = new Map<string, VulnerabilityFinding[]>();
  for (const v of vulns) {
    const k = `${v.package.name}\u0000${v.package.version}\u0000${v.package.path ?? ''}`;
    const g = groups.get(k);
    if (g) g.push(v);
    else groups.set(k, [v]);
  }
  const keys = [...groups.keys()].sort();
  for (const k of keys) {
    const g = groups.get(k)!.sort((a, b) => severityRank(b.severity) - severityRank(a.severity) || (a.advisoryId < b.advisoryId ? -1 : 1));
    const p = g[0]!;
    const where = [t(p.package.type), p.layer ? `layer #${p.layer.index}` : '', t(p.origin ?? ''), p.package.path && !['deb', 'apk', 'rpm'].includes(p.package.type) ? t(p.package.path) : '']
      .filter(Boolean)
      .join(', ');
    yield '';
    yield `${t(p.package.name)} ${t(p.installedVersion)}  (${where})`;
    yield* columnsOf(g.length, (i) => {
      const v = g[i]!;
      return [
        '  ' + sev(v.severity, color),
        t(v.advisoryId) + (v.kev ? ' [KEV]' : ''),
        v.fixState === 'fixed' ? `fixed in ${t(v.fixedVersion)}` : v.fixState.replace('-', ' '),
        oneLine(v.title, 70),
      ];
    });
  }
}

function* otherBlock(title: string, findings: Finding[], color: boolean): Generator<string> {
  if (findings.length === 0) return;
  yield '';
  yield `${title} (${findings.length})`;
  yield* columnsOf(findings.length, (i) => {
    const f = findings[i]!;
    return ['  ' + sev(f.severity, color), oneLine(f.kind === 'coverage-gap' ? `${f.subject}: ${f.detail}` : f.title, 140)];
  });
}

function* decisionBlock(r: ScanReport, color: boolean): Generator<string> {
  const d = r.decision;
  if (!d) return;
  const verdict = d.verdict.toUpperCase();
  const paint = color ? (d.verdict === 'pass' ? '\x1b[1;32m' : '\x1b[1;31m') : '';
  yield '';
  yield `Verdict   ${paint}${verdict}${color ? RESET : ''}  (pipeline ${t(d.pipeline)}; policies: ${d.policies.map(t).join(', ') || 'none'})`;
  for (const v of d.violations) {
    yield `  ✗ [${t(v.policy)}/${t(v.control)}] ${t(v.message)}`;
    if (v.remediation) yield `      fix: ${t(v.remediation)}`;
  }
  for (const w of d.warnings) {
    yield `  ! [${t(w.policy)}/${t(w.control)}] ${t(w.message)}`;
    if (w.remediation) yield `      fix: ${t(w.remediation)}`;
  }
  if (d.suppressed.length) yield `  ${d.suppressed.length} finding(s) suppressed by exceptions or policy rules (see json output)`;
  for (const n of d.notices) yield `  note: ${t(n)}`;
}

/** The table, line by line (image-derived text sanitized; nothing spread into a call). */
export function* tableLines(r: ScanReport, opts: RenderOptions): Generator<string> {
  yield* header(r);
  if (opts.mode === 'sbom') {
    yield* layersBlock(r);
    yield* sbomTable(r);
    yield* otherBlock('Coverage gaps', r.findings.filter((f) => f.kind === 'coverage-gap'), opts.color);
    return;
  }
  const vulns = r.findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability');
  const counts = severityCounts(r.findings);
  const gaps = r.findings.filter((f) => f.kind === 'coverage-gap');
  yield `Packages  ${packageCounts(r.inventory.packages)}`;
  yield '';
  yield `Findings  ${vulns.length} vulnerabilities: ${[...SEVERITY_ORDER].reverse().map((s) => `${counts[s]} ${s}`).join(', ')}; ${gaps.length} coverage gap(s)`;
  yield* vulnBlock(vulns, opts.color);
  for (const kind of ['malware', 'secret', 'config', 'license', 'base-image'] as const) {
    yield* otherBlock(kind, r.findings.filter((f) => f.kind === kind), opts.color);
  }
  yield* otherBlock('Coverage gaps (not checked)', gaps, opts.color);
  yield* decisionBlock(r, opts.color);
}

export function renderTable(r: ScanReport, opts: RenderOptions): string {
  return [...tableLines(r, opts)].join('\n') + '\n';
}

export const tableReporter: Reporter = {
  format: 'table',
  modes: ['sbom', 'scan'],
  async render(report, out, opts) {
    const w = new ChunkWriter(out);
    await w.lines(tableLines(report, opts));
    await w.flush();
  },
};
