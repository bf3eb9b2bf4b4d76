// Per-finding judgements: what one policy's controls say about one finding, before suppressions.
// Pure. Every judgement names its control and says why, also when the finding passes (for `explain`).
import { SEVERITY_ORDER, severityRank, type Finding, type Severity, type VulnerabilityFinding } from '../core/types.js';
import { globMatch } from '../core/glob.js';
import { keyMatches } from './exceptions.js';
import { UNRATED_CONTROL } from '../core/verdict.js';
import { licenseDenied } from './license.js';
import type { Controls, Threshold } from './schema.js';

export type Level = 'violation' | 'warning' | 'pass';

export interface Judgement {
  level: Level;
  /** e.g. `vulnerabilities.failOn`; `-` when no control looks at this kind */
  control: string;
  message: string;
  remediation?: string;
  /** deny-listed or known-exploited (knownExploited: fail): exempt from ignoreUnfixed, gracePeriodDays and appOnly */
  strict?: boolean;
  /** deny-listed: the policy's own ignore list does not apply either */
  denied?: boolean;
}

/** Does a severity meet a `failOn` threshold? `unknown` meets only `any`. */
export function meetsThreshold(sev: Severity, t: Threshold): boolean {
  if (t === 'none') return false;
  if (t === 'any') return true;
  if (sev === 'unknown') return false;
  return severityRank(sev) >= severityRank(t as Severity);
}

/** The CVSS base score a policy compares: the highest v3.x/v4.0 score, else the highest v2 score. */
export function bestCvss(f: Pick<VulnerabilityFinding, 'cvss'>): number | undefined {
  const modern = f.cvss.filter((c) => c.version !== '2.0' && Number.isFinite(c.score));
  const pool = modern.length > 0 ? modern : f.cvss.filter((c) => Number.isFinite(c.score));
  if (pool.length === 0) return undefined;
  return Math.max(...pool.map((c) => c.score));
}

function pkgLabel(f: VulnerabilityFinding): string {
  return `${f.package.name} ${f.installedVersion || f.package.version}`;
}

export function vulnRemediation(f: VulnerabilityFinding): string {
  if (f.remediation) return f.remediation;
  if (f.fixedVersion) return `upgrade ${f.package.name} to ${f.fixedVersion}`;
  return `no fixed version of ${f.package.name} yet: remove the package, move to a base without it, or add an exception with a reason and an expiry`;
}

function notChecked(kind: string, control: string): Judgement {
  return { level: 'pass', control: '-', message: `not checked: the policy has no ${control} control for ${kind} findings` };
}

function judgeVulnerability(f: VulnerabilityFinding, c: Controls): Judgement {
  const v = c.vulnerabilities;
  if (!v) return notChecked('vulnerability', 'vulnerabilities');
  const ids = [f.advisoryId, ...f.aliases];
  const cvss = bestCvss(f);
  const head = `${f.advisoryId} (${f.severity}${cvss !== undefined ? `, CVSS ${cvss.toFixed(1)}` : ''}) in ${pkgLabel(f)}`;
  const remediation = vulnRemediation(f);
  const reasons: { control: string; text: string; level: 'violation' | 'warning'; strict?: boolean; denied?: boolean }[] = [];
  const denyHit = (v.deny ?? []).find((d) => keyMatches(d, ids));
  if (denyHit) reasons.push({ control: 'vulnerabilities.deny', text: `${denyHit} is on the policy's deny list`, level: 'violation', strict: true, denied: true });
  if (f.kev && v.knownExploited === 'fail') {
    reasons.push({ control: 'vulnerabilities.knownExploited', text: `known exploited (CISA KEV, added ${f.kev.dateAdded})`, level: 'violation', strict: true });
  }
  if (v.failOn !== undefined && meetsThreshold(f.severity, v.failOn)) {
    reasons.push({ control: 'vulnerabilities.failOn', text: `severity ${f.severity} is at or above failOn: ${v.failOn}`, level: 'violation' });
  }
  if (v.maxCvss !== undefined && cvss !== undefined && cvss > v.maxCvss) {
    reasons.push({ control: 'vulnerabilities.maxCvss', text: `CVSS ${cvss.toFixed(1)} is greater than maxCvss: ${v.maxCvss}`, level: 'violation' });
  }
  if (f.kev && v.knownExploited === 'warn') {
    reasons.push({ control: 'vulnerabilities.knownExploited', text: `known exploited (CISA KEV, added ${f.kev.dateAdded})`, level: 'warning' });
  }
  // Unrated: no severity and no CVSS score, also from every alias record in the DB (match/rating.ts).
  // Under a failOn threshold it fails by default (vulnerabilities.unrated: fail): a gate that cannot say
  // how bad a vulnerability is must not call it harmless. `unrated: warn` reports it only.
  if (
    f.severity === 'unknown' &&
    cvss === undefined &&
    v.failOn !== undefined &&
    v.failOn !== 'any' &&
    v.failOn !== 'none' &&
    f.fixState !== 'unimportant'
  ) {
    const mode = v.unrated ?? 'fail';
    reasons.push({
      control: UNRATED_CONTROL,
      text:
        mode === 'fail'
          ? `unrated (no severity and no CVSS score in any record about it) counts against failOn: ${v.failOn} (vulnerabilities.unrated: fail)`
          : `unrated (no severity and no CVSS score in any record about it): not counted against failOn: ${v.failOn} (vulnerabilities.unrated: warn); review it`,
      level: mode === 'fail' ? 'violation' : 'warning',
    });
  }
  const top = reasons.find((r) => r.level === 'violation') ?? reasons[0];
  if (!top) {
    const parts: string[] = [];
    if (v.failOn !== undefined) parts.push(`severity ${f.severity} below failOn: ${v.failOn}`);
    if (v.maxCvss !== undefined) parts.push(cvss === undefined ? 'no CVSS score for maxCvss' : `CVSS ${cvss.toFixed(1)} ≤ maxCvss: ${v.maxCvss}`);
    if (parts.length === 0) parts.push('no severity rule (failOn/maxCvss) in the policy and not deny-listed or known exploited');
    return { level: 'pass', control: 'vulnerabilities', message: `${head}: ${parts.join('; ')}` };
  }
  const same = reasons.filter((r) => r.level === top.level);
  return {
    level: top.level,
    control: top.control,
    message: `${head}: ${same.map((r) => r.text).join('; ')}`,
    remediation,
    strict: reasons.some((r) => r.strict),
    denied: reasons.some((r) => r.denied),
  };
}

function judgeBySeverity(
  f: Finding,
  control: 'secrets' | 'malware' | 'config',
  t: Threshold | undefined,
  subject: string,
  remediation: string,
): Judgement {
  if (t === undefined) return notChecked(f.kind, control);
  const head = `${subject} (${f.severity})`;
  if (meetsThreshold(f.severity, t)) {
    return { level: 'violation', control: `${control}.failOn`, message: `${head}: severity ${f.severity} is at or above failOn: ${t}`, remediation };
  }
  if (f.severity === 'unknown' && t !== 'none') {
    return { level: 'warning', control: `${control}.failOn`, message: `${head}: severity unknown, not counted against failOn: ${t}; review it`, remediation };
  }
  return { level: 'pass', control: `${control}.failOn`, message: `${head}: below failOn: ${t}` };
}

export type GapAction = 'fail' | 'warn' | 'ignore';

export function gapAction(c: Controls, reason: string): GapAction {
  const r = c.coverage?.reasons as Record<string, GapAction | undefined> | undefined;
  return r?.[reason] ?? c.coverage?.onGap ?? 'fail';
}

/** Judge one finding from the scan against one policy's controls. */
export function judgeFinding(f: Finding, c: Controls): Judgement {
  switch (f.kind) {
    case 'vulnerability':
      return judgeVulnerability(f, c);
    case 'secret': {
      const allowed = (c.secrets?.allow ?? []).find((a) => a === f.rule || (a.includes('/') || a.includes(':') ? globMatch(a, f.path) : false));
      if (allowed !== undefined && c.secrets) {
        return { level: 'pass', control: 'secrets.allow', message: `secret ${f.rule} in ${f.path}: allowed by secrets.allow: ${allowed}` };
      }
      return judgeBySeverity(
        f,
        'secrets',
        c.secrets?.failOn,
        `secret ${f.rule} in ${f.path}${f.line !== undefined ? `:${f.line}` : ''}`,
        f.remediation ?? `remove the secret from ${f.path} (and from every earlier layer), rotate it, and pass it at runtime instead`,
      );
    }
    case 'malware':
      return judgeBySeverity(
        f,
        'malware',
        c.malware?.failOn,
        `malware ${f.signature}${f.path ? ` in ${f.path}` : ''}`,
        f.remediation ?? `remove ${f.path ?? 'the infected file'}${f.package ? ` (package ${f.package.name})` : ''} and rebuild from a trusted source`,
      );
    case 'config': {
      const subject = `config check ${f.check}: ${f.title}${f.path ? ` (${f.path})` : ''}`;
      if (c.config?.ignore?.includes(f.check)) return { level: 'pass', control: 'config.ignore', message: `${subject}: ${f.check} is in config.ignore` };
      return judgeBySeverity(f, 'config', c.config?.failOn, subject, f.remediation ?? `fix: ${f.detail}`);
    }
    case 'license': {
      const deny = c.licenses?.deny;
      if (!deny) return notChecked('license', 'licenses');
      const head = `license ${f.license} of ${f.package.name} ${f.package.version}`;
      const hit = licenseDenied(f.license, deny);
      if (hit) {
        return {
          level: 'violation',
          control: 'licenses.deny',
          message: `${head}: ${hit} matches the deny list`,
          remediation: f.remediation ?? `replace ${f.package.name} with an alternative under an allowed license, or add an exception after legal review`,
        };
      }
      return { level: 'pass', control: 'licenses.deny', message: `${head}: not on the deny list` };
    }
    case 'base-image': {
      const b = c.baseImage;
      if (!b) return notChecked('base-image', 'baseImage');
      const head = `base image ${f.base?.name ?? '(unidentified)'}: ${f.status}`;
      const alts = f.approvedAlternatives.length ? `; approved: ${f.approvedAlternatives.join(', ')}` : '';
      const remediation = f.remediation ?? (f.approvedAlternatives[0] ? `rebuild FROM ${f.approvedAlternatives[0]}` : 'rebuild from an approved base image');
      if (f.status === 'unknown') {
        const a = b.unknown ?? 'fail';
        if (a === 'pass') return { level: 'pass', control: 'baseImage.unknown', message: `${head}: unknown bases pass (unknown: pass)` };
        return { level: a === 'fail' ? 'violation' : 'warning', control: 'baseImage.unknown', message: `${head}${alts}`, remediation };
      }
      return { level: 'violation', control: f.status === 'too-old' ? 'baseImage.maxAgeDays' : 'baseImage.approved', message: `${head}${alts}`, remediation };
    }
    case 'coverage-gap': {
      if (f.reason === 'db-stale' && c.database?.maxAgeHours !== undefined) {
        // The policy's own DB age limit decides (derive.ts), not the scanner's default threshold.
        return { level: 'pass', control: 'database.maxAgeHours', message: `coverage gap (db-stale) ${f.subject}: decided by the policy's database.maxAgeHours: ${c.database.maxAgeHours}` };
      }
      const a = gapAction(c, f.reason);
      const head = `coverage gap (${f.reason}) ${f.subject}: ${f.detail}`;
      const ctl = (c.coverage?.reasons as Record<string, unknown> | undefined)?.[f.reason] !== undefined ? `coverage.reasons.${f.reason}` : 'coverage.onGap';
      if (a === 'ignore') return { level: 'pass', control: ctl, message: `${head}: ignored by ${ctl}: ignore` };
      return {
        level: a === 'fail' ? 'violation' : 'warning',
        control: ctl,
        message: `${head}: not checked${c.coverage ? '' : ' (gaps fail unless the policy relaxes coverage.onGap)'}`,
        remediation: f.remediation ?? `make it checkable (${f.reason}), or accept the gap explicitly with coverage.reasons.${f.reason}: warn`,
      };
    }
  }
}

export { SEVERITY_ORDER };
