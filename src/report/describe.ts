// Shared wording for reporters: one line per finding, its location, and the rule id it falls under.
import { SEVERITY_ORDER, severityRank, type DependencyStep, type Finding, type Severity } from '../core/types.js';
import { findingSubject } from '../core/verdict.js';
import type { Action, BaseAdvice, ScanReport, Suppression, Violation } from '../core/report.js';
import { sanitize } from './sanitize.js';

/** Every finding of the report, including those the policy evaluation derived (base image, root user, ...). */
export function allFindings(r: ScanReport): Finding[] {
  const derived = r.decision?.derivedFindings ?? [];
  const seen = new Set(r.findings.map((f) => f.id));
  return [...r.findings, ...derived.filter((f) => !seen.has(f.id))];
}

/** The report without its package list, for the formats that show findings only (SARIF, JUnit). */
export function withoutPackages(r: ScanReport): ScanReport {
  return { ...r, inventory: { ...r.inventory, packages: [] } };
}

export function ruleId(f: Finding): string {
  switch (f.kind) {
    case 'vulnerability':
      return f.advisoryId;
    case 'secret':
      return `secret/${f.rule}`;
    case 'malware':
      return `malware/${f.signature}`;
    case 'config':
      return `config/${f.check}`;
    case 'license':
      return `license/${f.license}`;
    case 'base-image':
      return `base-image/${f.status}`;
    case 'coverage-gap':
      return `coverage-gap/${f.reason}`;
  }
}

/** The path in the image a finding points at (no leading slash), or undefined. */
export function findingPath(f: Finding): string | undefined {
  let p: string | undefined;
  switch (f.kind) {
    case 'vulnerability':
    case 'license':
      p = f.package.path;
      break;
    case 'secret':
      p = f.path;
      break;
    case 'malware':
      p = f.path ?? f.package?.path;
      break;
    case 'config':
      p = f.path;
      break;
    case 'coverage-gap':
      p = f.package?.path;
      break;
    default:
      p = undefined;
  }
  return p?.replace(/^\/+/, '');
}

/** One line describing a finding, for the text formats (image-derived text sanitized: no control characters). */
export function findingLine(f: Finding): string {
  return sanitize(rawFindingLine(f));
}

function rawFindingLine(f: Finding): string {
  switch (f.kind) {
    case 'vulnerability': {
      const fix = f.fixState === 'fixed' ? `fixed in ${f.fixedVersion}` : f.fixState.replace('-', ' ');
      return `${f.advisoryId} (${f.severity}) in ${f.package.name} ${f.installedVersion}: ${fix}. ${f.title}`;
    }
    case 'coverage-gap':
      return `not checked: ${f.subject}: ${f.detail}`;
    default:
      return f.title;
  }
}

/** Violations and warnings of the decision indexed by finding id. */
export function violationsByFinding(r: ScanReport): { violations: Map<string, Violation[]>; warnings: Map<string, Violation[]> } {
  const index = (list: Violation[]) => {
    const m = new Map<string, Violation[]>();
    for (const v of list) {
      if (!v.findingId) continue;
      const got = m.get(v.findingId);
      if (got) got.push(v);
      else m.set(v.findingId, [v]);
    }
    return m;
  };
  return { violations: index(r.decision?.violations ?? []), warnings: index(r.decision?.warnings ?? []) };
}

export function escapeXml(s: string): string {
  // also drops characters XML 1.0 cannot carry
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/**
 * One line of base-image advice: `move to debian:12.9-slim: fixes 12 of the base's findings, 3 remain —
 * FROM docker.io/library/debian:12.9-slim@sha256:…`; `rebuild on the current tag` when the tag moved.
 * `withFrom: false` leaves the FROM line out, for renderings that give it a line of its own.
 */
export function adviceLine(a: BaseAdvice, withFrom = true): string {
  // the FROM line carries the full digest; without one (older reports) the short digest says which build
  const short = !a.from && a.digest ? a.digest.slice(0, 19) : '';
  const what = a.kind === 'rebuild' ? `rebuild on the current tag ${a.name} (it moved to a newer build${short ? ` ${short}` : ''})` : `move to ${a.name}${short ? ` (${short})` : ''}`;
  const unchecked = a.unchecked ? `; ${a.unchecked} of its package(s) could not be checked` : '';
  const approval = a.approvedBy === undefined ? '' : a.approvedBy.length ? '' : ' (approved by the base catalog only: no policy in force names approved bases)';
  return `${what}: fixes ${a.fixes} of the base's findings, ${a.remaining} remain${unchecked}${approval}${withFrom && a.from ? ` — ${a.from}` : ''}`;
}

export function severitySummary(by: Partial<Record<Severity, number>>): string {
  return [...SEVERITY_ORDER]
    .reverse()
    .filter((s) => (by[s] ?? 0) > 0)
    .map((s) => `${by[s]} ${s}`)
    .join(', ');
}

/** "express 4.17.1 > body-parser 1.19.0 > qs 6.7.0" */
export function pathText(path: readonly DependencyStep[]): string {
  return path.map((s) => `${s.name} ${s.version}`).join(' > ');
}

/**
 * Which change to make in the project for a language package: nothing more for a direct dependency;
 * for a transitive one, the direct dependency to upgrade ("transitive via express 4.17.1 > qs 6.7.0:
 * upgrade express"); "direct dependency unknown" where no graph says (Go binaries, jars).
 */
export function dependencyNote(a: Action): string {
  const d = a.dependency;
  if (!d || d.status === 'direct') return '';
  if (d.status === 'transitive' && d.path && d.path.length > 1) return ` — transitive via ${pathText(d.path)}: upgrade ${d.path[0]!.name}`;
  return ' — direct dependency unknown';
}

/** "upgrade qs 6.7.0 → 6.14.2: fixes 3: 2 high, 1 low" (and what remains, and the direct dependency to upgrade). */
export function actionLine(a: Action): string {
  const n = a.fixes.ids.length;
  const fixes = n > 0 ? `: fixes ${n} (${severitySummary(a.fixes.bySeverity)})` : '';
  const rest = a.remaining.length > 0 && a.kind !== 'no-fix' ? `; still affected by ${a.remaining.join(', ')}` : '';
  return sanitize(`${a.text}${fixes}${rest}${dependencyNote(a)}`);
}
/** What a suppressed finding is about (CVE and package, rule, ...); the fingerprint when the finding is not in the report. */
export function suppressionLabel(f: Finding | undefined, findingId: string): string {
  return f ? findingSubject(f) : findingId;
}

/** finding id → `exception EXC-7 until 2027-01-31` for findings an exception suppressed. */
export function exceptionMarks(r: ScanReport): Map<string, string> {
  const m = new Map<string, string>();
  for (const s of r.decision?.suppressed ?? []) {
    if (s.by !== 'exception' || m.has(s.findingId)) continue;
    m.set(s.findingId, `exception ${s.ruleId}${s.owner ? ` (owner ${s.owner})` : ''}${s.expires ? ` until ${s.expires}` : ''}`);
  }
  return m;
}


/** The highest CVSS base score a finding carries (0 without one). */
function maxCvss(f: Finding | undefined): number {
  return f?.kind === 'vulnerability' ? f.cvss.reduce((m, c) => Math.max(m, c.score), 0) : 0;
}

/** What a violation is about, for the last tie-break: the advisory or rule id, else the control. */
function violationId(v: Violation, f: Finding | undefined): string {
  return f ? ruleId(f) : `${v.policy}/${v.control}`;
}

/**
 * Violations (and warnings) in the order that decides the verdict: a deny-list or known-exploited hit
 * first, then severity, then CVSS, then id (and policy/control, message, for a total order). A violation
 * without a finding (a control over the whole image) ranks by its derived finding when there is one.
 */
export function byDecisiveness(r: ScanReport): (a: Violation, b: Violation) => number {
  const byId = new Map(allFindings(r).map((f) => [f.id, f]));
  const key = (v: Violation) => {
    const f = v.findingId ? byId.get(v.findingId) : undefined;
    const strict = /\.(?:deny|knownExploited)$/.test(v.control) || (f?.kind === 'vulnerability' && f.kev !== undefined);
    return { strict: strict ? 1 : 0, sev: f ? severityRank(f.severity) : -1, cvss: maxCvss(f), id: violationId(v, f) };
  };
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    return kb.strict - ka.strict || kb.sev - ka.sev || kb.cvss - ka.cvss || cmp(ka.id, kb.id) || cmp(`${a.policy}/${a.control}`, `${b.policy}/${b.control}`) || cmp(a.message, b.message);
  };
}

/** "by exception EXC-7 (owner security@example.com) until 2026-10-15", for a suppressed finding. */
export function suppressionBy(s: Suppression): string {
  const by = s.by === 'exception' ? `exception ${s.ruleId}` : s.by === 'allowlist' ? `allowlist ${s.ruleId}` : `${s.policy ? `[${s.policy}] ` : ''}${s.ruleId}`;
  return `by ${by}${s.owner ? ` (owner ${s.owner})` : ''}${s.expires ? ` until ${s.expires}` : ''}`;
}
