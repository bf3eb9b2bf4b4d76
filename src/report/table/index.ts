// `table`: what a person reads in a terminal or a CI log. Findings grouped by package, a summary of
// counts, the verdict with each violation and its fix. Coloured only when asked (TTY, no --no-color).
import { sanitizeDeep } from '../sanitize.js';
import { actionLine } from '../describe.js';
import type { Reporter, ScanReport, RenderOptions } from '../../core/report.js';
import type { Finding, MalwareFinding, Package, Severity, VulnerabilityFinding } from '../../core/types.js';
import { SEVERITY_ORDER, severityRank } from '../../core/types.js';
import { write } from '../write.js';
import { adviceLine, allFindings, byDecisiveness, exceptionMarks, suppressionBy, suppressionLabel, violationsByFinding } from '../describe.js';
import { DEFAULT_WIDTH, MAX_TITLE_LINES, fitColumns, type Fit } from './wrap.js';
import type { Violation } from '../../core/report.js';
import { policyList, verdictLine } from '../../core/verdict.js';

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

/** Append without spreading into a call (no argument-count limit for huge reports). */
function pushAll(into: string[], more: Iterable<string>): void {
  for (const l of more) into.push(l);
}

export function columns(rows: string[][]): string[] {
  return fitColumns(rows, { width: Infinity, wide: true });
}

function short(d: string | undefined): string {
  if (!d) return '-';
  return d.startsWith('sha256:') ? d.slice(0, 19) : d;
}

function header(r: ScanReport, fit: Fit): string[] {
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
  for (const a of r.lineage?.advice ?? []) {
    // the advice wraps to the width; the FROM line stands alone, whole, to be copied into the Dockerfile
    pushAll(lines, fitColumns([['Advice   ', adviceLine(a, false)]], fit, Infinity, 1));
    if (a.from) lines.push(`          ${a.from}`);
  }
  if (r.db) lines.push(`DB        built ${r.db.builtAt}, ${r.db.sources.length} source(s)`);
  return lines;
}

/** Which checks ran and how completely; the detail of each that did not run completely. */
function checksBlock(r: ScanReport): string[] {
  if (!r.checks) return ['Checks    not reported (a report from an older scanner or another tool): no check counts as run'];
  const out = [`Checks    ${r.checks.map((c) => `${c.check} ${c.state}`).join(' · ')}`];
  for (const c of r.checks) if (c.state !== 'complete') out.push(`          ${c.check}: ${oneLine(c.detail, 140)}`);
  return out;
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

/**
 * Package groups in the order that decides the verdict: packages with a violation first (by their most
 * decisive one), then those with a warning, then the rest by top severity; name breaks ties.
 */
function groupOrder(r: ScanReport, groups: Map<string, VulnerabilityFinding[]>): string[] {
  const { violations, warnings } = violationsByFinding(r);
  const cmp = byDecisiveness(r);
  const best = (g: VulnerabilityFinding[], index: Map<string, Violation[]>) =>
    g.flatMap((f) => index.get(f.id) ?? []).sort(cmp)[0];
  const keyed = [...groups].map(([k, g]) => ({ k, v: best(g, violations), w: best(g, warnings), top: g.reduce((m, f) => Math.max(m, severityRank(f.severity)), -1) }));
  return keyed
    .sort((a, b) => {
      const tier = (x: typeof a) => (x.v ? 0 : x.w ? 1 : 2);
      const t = tier(a) - tier(b);
      if (t !== 0) return t;
      const va = a.v ?? a.w;
      const vb = b.v ?? b.w;
      return (va && vb ? cmp(va, vb) : 0) || b.top - a.top || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0);
    })
    .map((x) => x.k);
}

function vulnBlock(r: ScanReport, vulns: VulnerabilityFinding[], color: boolean, fit: Fit, marks: Map<string, string> = new Map()): string[] {
  const groups = new Map<string, VulnerabilityFinding[]>();
  for (const v of vulns) {
    const k = `${v.package.name}\u0000${v.package.version}\u0000${v.package.path ?? ''}`;
    const g = groups.get(k);
    if (g) g.push(v);
    else groups.set(k, [v]);
  }
  const out: string[] = [];
  for (const k of groupOrder(r, groups)) {
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
      oneLine(v.title, Infinity) + (marks.has(v.id) ? `  [${marks.get(v.id)}]` : ''),
    ]);
    pushAll(out, fitColumns(rows, fit, MAX_TITLE_LINES));
  }
  return out;
}

/** One line for a finding of a kind without its own block: what it is and where. */
function findingLine(f: Finding): string {
  if (f.kind === 'coverage-gap') return `${f.subject}: ${f.detail}`;
  if (f.kind === 'config') return `${f.check}  ${f.title}: ${f.detail}${f.origin ? ` (${f.origin})` : ''}`;
  if (f.kind === 'secret') return `${f.rule}  ${f.path}${f.line !== undefined ? `:${f.line}` : ''}  ${f.match}${f.layer ? `  (layer #${f.layer.index}${f.origin ? `, ${f.origin}` : ''})` : ''}`;
  return f.title;
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

function otherBlock(title: string, findings: Finding[], color: boolean, fit: Fit, marks: Map<string, string> = new Map()): string[] {
  if (findings.length === 0) return [];
  const rows = findings.map((f) => ['  ' + sev(f.severity, color), oneLine(findingLine(f), Infinity) + (marks.has(f.id) ? `  [${marks.get(f.id)}]` : '')]);
  return ['', `${title} (${findings.length})`, ...fitColumns(rows, fit, MAX_TITLE_LINES + 1)];
}

/** What to change first: one line per package (actions that decide the verdict marked ✗), then the packages with no fix. */
function actionsBlock(r: ScanReport, fit: Fit): string[] {
  const actions = r.actions ?? [];
  if (actions.length === 0) return [];
  const fixable = actions.filter((a) => a.kind !== 'no-fix');
  const noFix = actions.filter((a) => a.kind === 'no-fix');
  const out = ['', `Actions (${fixable.length} change${fixable.length === 1 ? '' : 's'} fix ${fixable.reduce((n, a) => n + a.fixes.ids.length, 0)} vulnerabilities)`];
  for (const a of fixable) pushAll(out, fitColumns([[`  ${a.decides ? '✗' : '•'}`, actionLine(a)]], fit, Infinity, 1));
  if (noFix.length) pushAll(out, fitColumns([['  no fix yet:', noFix.map((a) => `${a.package.name} ${a.package.version}`).join(', ')]], fit, Infinity, 1));
  return out;
}

/** Suppressed findings with the exception (id, owner, expiry) or rule that suppressed each. */
function suppressedRows(r: ScanReport): [string, string][] {
  const d = r.decision!;
  const byId = new Map(allFindings(r).map((f) => [f.id, f]));
  return d.suppressed.map((s) => ['  ~', `${suppressionLabel(byId.get(s.findingId), s.findingId)}: ${suppressionBy(s)}`]);
}

function decisionBlock(r: ScanReport, color: boolean, fit: Fit): string[] {
  const d = r.decision;
  if (!d) return [];
  const line = verdictLine(d);
  const word = line.split(' ')[0]!;
  const paint = color ? (d.verdict === 'pass' ? '\x1b[1;32m' : '\x1b[1;31m') : '';
  const out = [
    '',
    `Verdict   ${paint}${word}${color ? RESET : ''}${line.slice(word.length)}`,
    `          pipeline ${d.pipeline}; policies: ${policyList(d)}`,
  ];
  const order = byDecisiveness(r);
  const say = (prefix: string, text: string) => pushAll(out, fitColumns([[prefix, text]], fit, Infinity, 1));
  for (const v of [...d.violations].sort(order)) {
    say('  ✗', `[${v.policy}/${v.control}] ${v.message}`);
    if (v.remediation) say('     ', `fix: ${v.remediation}`);
  }
  for (const w of [...d.warnings].sort(order)) {
    say('  !', `[${w.policy}/${w.control}] ${w.message}`);
    if (w.remediation) say('     ', `fix: ${w.remediation}`);
  }
  const sup = suppressedRows(r);
  if (sup.length) out.push(`  Suppressed (${sup.length}):`);
  for (const [p, t] of sup) say(p, t);
  for (const n of d.notices) say('  note:', n);
  return out;
}

export function renderTable(r: ScanReport, opts: RenderOptions): string {
  const fit: Fit = { width: opts.width ?? DEFAULT_WIDTH, wide: opts.wide === true };
  const lines = header(r, fit);
  if (opts.mode === 'sbom') {
    pushAll(lines, layersBlock(r));
    pushAll(lines, sbomTable(r));
    pushAll(lines, otherBlock('Coverage gaps', r.findings.filter((f) => f.kind === 'coverage-gap'), opts.color, fit));
    return lines.join('\n') + '\n';
  }
  const vulns = r.findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability');
  const counts = severityCounts(r.findings);
  const gaps = r.findings.filter((f) => f.kind === 'coverage-gap');
  lines.push(
    `Packages  ${packageCounts(r.inventory.packages)}`,
    ...checksBlock(r),
    '',
    `Findings  ${vulns.length} vulnerabilities: ${[...SEVERITY_ORDER].reverse().map((s) => `${counts[s]} ${s}`).join(', ')}; ${gaps.length} coverage gap(s)`,
  );
  const marks = exceptionMarks(r);
  pushAll(lines, vulnBlock(r, vulns, opts.color, fit, marks));
  pushAll(lines, malwareBlock(r.findings.filter((f): f is MalwareFinding => f.kind === 'malware'), opts.color));
  for (const kind of ['secret', 'config', 'license', 'base-image'] as const) {
    pushAll(lines, otherBlock(kind, r.findings.filter((f) => f.kind === kind), opts.color, fit, marks));
  }
  pushAll(lines, otherBlock('Coverage gaps (not checked)', gaps, opts.color, fit, marks));
  pushAll(lines, actionsBlock(r, fit));
  pushAll(lines, decisionBlock(r, opts.color, fit));
  return lines.join('\n') + '\n';
}

export const tableReporter: Reporter = {
  format: 'table',
  modes: ['sbom', 'scan'],
  async render(report, out, opts) {
    // every string of the report is image- or advisory-derived until proven otherwise: sanitized first
    await write(out, renderTable(sanitizeDeep(report), opts));
  },
};
