// evaluate(): the gate. Pure: no I/O, the clock comes in ctx.now. The same function runs in the CLI,
// the server and the admission webhook. Order per finding and policy:
//   judge (controls) → exception → trusted VEX statement → policy relaxations (ignore, appOnly, ignoreUnfixed, gracePeriodDays)
//   → allowlist → violation (block) or warning (audit / warn-level rules).
import type { Decision, ScanReport, Suppression, Violation } from '../core/report.js';
import type { Finding } from '../core/types.js';
import { judgeFinding, type Judgement } from './controls.js';
import { applySla } from './sla.js';
import { deriveFindings } from './derive.js';
import { judgeOverlapsOnce } from './overlap.js';
import { indexVex, vexNotices, vexSuppression } from './vex.js';
import {
  EXPIRY_WARNING_DAYS,
  allowEntryMatches,
  daysLeft,
  exceptionInScope,
  exceptionMatchesFinding,
  expiryLabel,
  findingKeys,
  isActive,
  keyMatches,
} from './exceptions.js';
import { parseImageRef, formatImage, normaliseImageName, type ImageId } from './imageref.js';
import type { AllowEntry, ExceptionSet, Policy, PolicyException } from './schema.js';
import { selectPolicies } from './select.js';
import { lifetimeProblems } from './lifetime.js';
import { PortcullisError } from '../core/errors.js';
import { findingSubject } from '../core/verdict.js';

export interface EvalContext {
  pipeline: string;
  image: ImageId;
  now: Date;
  /** advisory id → when it was first seen in this image's repository (the server's record; for fixWithinDays) */
  firstSeen?: Readonly<Record<string, string>>;
}

export type Outcome = 'violation' | 'warning' | 'suppressed' | 'pass';

/** Why one finding ended up where it did under one policy (for `policy explain`). */
export interface TraceEntry {
  finding: Finding;
  derived: boolean;
  policy: string;
  enforcement: 'block' | 'audit';
  judgement: Judgement;
  outcome: Outcome;
  suppression?: Suppression;
  /** exceptions that name this finding but did not apply (expired, out of scope), with why */
  notApplied: string[];
}

const DAY_MS = 24 * 3600_000;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The image identity a report is about: name and tag from the reference the pipeline gave (else the
 * first repo tag); digests only as computed from the image's bytes (manifest, config). A digest typed
 * in the reference was checked against those when the image was opened and is never used here; an
 * SBOM's digest is the SBOM's claim, not something we hashed, so an SBOM scan has no digest identity.
 */
export function imageOf(report: ScanReport): ImageId {
  const img = report.inventory.image;
  let name = img.ref.name;
  let tag = img.ref.tag;
  if (name === undefined && img.repoTags.length > 0) {
    const p = parseImageRef(img.repoTags[0]!);
    name = p?.name;
    tag = tag ?? p?.tag;
  }
  const hashed = img.ref.transport !== 'sbom';
  return {
    name: name !== undefined ? normaliseImageName(name) : undefined,
    tag,
    digest: hashed ? img.manifestDigest : undefined,
    id: hashed ? img.configDigest : undefined,
  };
}

function publishedAt(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = /^\d{4}-\d{2}-\d{2}$/.test(s) ? Date.parse(s + 'T00:00:00Z') : Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}

/** The policy's own relaxations for a vulnerability that would otherwise violate or warn. */
function relaxation(f: Finding, j: Judgement, p: Policy, now: Date): Omit<Suppression, 'findingId'> | undefined {
  if (f.kind === 'config' && f.origin === 'base' && p.spec.controls.config?.appOnly && j.control.startsWith('config.')) {
    return { by: 'app-only', ruleId: 'config.appOnly', policy: p.metadata.name, reason: 'about a base image layer; the policy judges the image\'s own layers only' };
  }
  if (f.kind !== 'vulnerability') return undefined;
  const v = p.spec.controls.vulnerabilities;
  if (!v) return undefined;
  const policy = p.metadata.name;
  const ids = [f.advisoryId, ...f.aliases];
  const ign = j.denied ? undefined : (v.ignore ?? []).find((i) => keyMatches(i, ids));
  if (ign) return { by: 'policy-ignore', ruleId: `vulnerabilities.ignore:${ign}`, policy, reason: `${ign} is in vulnerabilities.ignore of policy ${policy}` };
  if (j.strict) return undefined; // deny-listed or known exploited: only an exception (or the ignore list, for KEV) relaxes it
  if (v.appOnly && f.origin === 'base') {
    return { by: 'app-only', ruleId: 'vulnerabilities.appOnly', policy, reason: 'introduced by the base image; the policy checks application layers only' };
  }
  if (v.ignoreUnfixed && f.fixState !== 'fixed') {
    return { by: 'ignore-unfixed', ruleId: 'vulnerabilities.ignoreUnfixed', policy, reason: `no fixed version (fix state ${f.fixState})` };
  }
  if (v.gracePeriodDays !== undefined && v.gracePeriodDays > 0) {
    const t = publishedAt(f.published);
    if (t !== undefined) {
      const end = t + v.gracePeriodDays * DAY_MS;
      if (now.getTime() < end) {
        return {
          by: 'grace-period',
          ruleId: 'vulnerabilities.gracePeriodDays',
          policy,
          reason: `published ${f.published}, within the ${v.gracePeriodDays}-day grace period`,
          expires: new Date(end).toISOString(),
        };
      }
    }
  }
  return undefined;
}

interface ExceptionState {
  e: PolicyException;
  order: number;
  active: boolean;
  inScope: boolean;
  matched: boolean;
}

export function evaluateWithTrace(
  report: ScanReport,
  policies: readonly Policy[],
  exceptions: ExceptionSet,
  ctx: EvalContext,
  opts: { trace?: boolean } = {},
): { decision: Decision; trace: TraceEntry[] } {
  const tracing = opts.trace !== false;
  const { now, pipeline } = ctx;
  const image: ImageId = { ...ctx.image, name: ctx.image.name !== undefined ? normaliseImageName(ctx.image.name) : undefined };
  const selected = selectPolicies(policies, pipeline, image);
  const notices: string[] = [];
  const vex = indexVex(exceptions.vex ?? []);
  notices.push(...vexNotices(vex, selected), ...(exceptions.warnings ?? []));

  const states: ExceptionState[] = exceptions.exceptions.map((e, order) => ({
    e,
    order,
    active: isActive(e, now),
    inScope: exceptionInScope(e, pipeline, image),
    matched: false,
  }));

  // Lifetimes: every entry in scope of this image and pipeline must fit spec.exceptions.maxDays of every
  // policy selected for it; one that does not makes the decision impossible (exit 2), never a pass.
  const lifetime = lifetimeProblems(
    [...states.filter((s) => s.inScope).map((s) => s.e), ...exceptions.allowlist.filter((a) => allowEntryMatches(a, pipeline, image))],
    selected,
    now,
  );
  if (lifetime.length > 0) throw new PortcullisError('POLICY_INVALID', lifetime.join('\n'));

  // Allowlist: the first active entry that matches passes the image.
  let allow: AllowEntry | undefined;
  for (const a of exceptions.allowlist) {
    if (!allowEntryMatches(a, pipeline, image)) continue;
    if (!isActive(a, now)) {
      notices.push(`allowlist entry ${a.image} expired ${expiryLabel(a)} and no longer applies (owner ${a.owner})`);
      continue;
    }
    if (!allow) allow = a;
  }
  if (allow) {
    notices.push(`image allowlisted by ${allow.image} until ${expiryLabel(allow)}: ${allow.reason} (owner ${allow.owner})`);
    const left = daysLeft(allow, now);
    if (left !== undefined && left <= EXPIRY_WARNING_DAYS) {
      notices.push(`allowlist entry ${allow.image} expires ${expiryLabel(allow)} (in ${left} day${left === 1 ? '' : 's'})`);
    }
  }

  // Index exceptions by their `finding:` key (upper-cased), so matching is not findings × exceptions.
  const index = new Map<string, ExceptionState[]>();
  for (const s of states) {
    const k = s.e.finding.toUpperCase();
    const list = index.get(k);
    if (list) list.push(s);
    else index.set(k, [s]);
  }
  const candidatesCache = new Map<string, ExceptionState[]>();
  const candidates = (f: Finding): ExceptionState[] => {
    let hit = candidatesCache.get(f.id);
    if (hit) return hit;
    const seen = new Set<ExceptionState>();
    for (const k of [...findingKeys(f), '*']) for (const s of index.get(k.toUpperCase()) ?? []) seen.add(s);
    hit = [...seen].filter((s) => exceptionMatchesFinding(s.e, f)).sort((a, b) => a.order - b.order);
    candidatesCache.set(f.id, hit);
    return hit;
  };

  // Gaps found while reading the image are findings too, even if a producer forgot to copy them over.
  const seenIds = new Set(report.findings.map((f) => f.id));
  const scanFindings = [...report.findings, ...(report.inventory.gaps ?? []).filter((g) => !seenIds.has(g.id))];

  const violations: Violation[] = [];
  const warnings: Violation[] = [];
  const suppressed = new Map<string, Suppression>();
  const derivedById = new Map<string, Finding>();
  const trace: TraceEntry[] = [];

  for (const p of selected) {
    const policy = p.metadata.name;
    const enforcement = p.spec.enforcement ?? 'block';
    const deadlines = new Map<string, string>();
    const items: { finding: Finding; judgement: Judgement; derived: boolean }[] = scanFindings.map((f) => {
      const sla = applySla(f, judgeFinding(f, p.spec.controls), p.spec.controls, now, ctx.firstSeen, report.createdAt);
      if (sla.deadline) deadlines.set(f.id, sla.deadline);
      return { finding: f, judgement: sla.judgement, derived: false };
    });
    for (const d of deriveFindings(report, p.spec.controls, now)) {
      derivedById.set(d.finding.id, d.finding);
      items.push({ ...d, derived: true });
    }
    judgeOverlapsOnce(items);
    for (const { finding: f, judgement: j, derived } of items) {
      const notApplied: string[] = [];
      let matchedException: PolicyException | undefined;
      for (const s of candidates(f)) {
        if (!s.inScope) {
          if (tracing) notApplied.push(`${s.e.id}: scope/pipelines do not match this image and pipeline`);
          continue;
        }
        s.matched = true;
        if (!s.active) {
          if (tracing) notApplied.push(`${s.e.id}: expired ${expiryLabel(s.e)}`);
          continue;
        }
        matchedException ??= s.e;
      }
      const entry: TraceEntry = { finding: f, derived, policy, enforcement, judgement: j, outcome: 'pass', notApplied };
      if (tracing) trace.push(entry);
      if (j.level === 'pass') continue;
      let sup: Omit<Suppression, 'findingId'> | undefined;
      if (matchedException) {
        sup = { by: 'exception', ruleId: matchedException.id, reason: matchedException.reason, expires: expiryLabel(matchedException) };
        if (matchedException.owner) sup.owner = matchedException.owner;
        if (matchedException.source !== undefined) sup.source = matchedException.source;
      } else {
        sup = vexSuppression(f, p, image, vex) ?? relaxation(f, j, p, now);
      }
      if (!sup && allow && j.level === 'violation') {
        sup = { by: 'allowlist', ruleId: allow.image, reason: allow.reason, expires: expiryLabel(allow) };
        if (allow.owner) sup.owner = allow.owner;
      }
      if (sup) {
        const s: Suppression = { findingId: f.id, subject: findingSubject(f), ...sup };
        entry.outcome = 'suppressed';
        entry.suppression = s;
        suppressed.set(`${s.findingId}\u0000${s.by}\u0000${s.ruleId}\u0000${s.policy ?? ''}`, s);
        continue;
      }
      const v: Violation = {
        policy,
        control: j.control,
        findingId: f.id,
        subject: findingSubject(f),
        message: j.message,
        remediation: j.remediation,
        enforcement,
        ...(deadlines.has(f.id) ? { deadline: deadlines.get(f.id) } : {}),
      };
      if (j.level === 'violation' && enforcement === 'block') {
        violations.push(v);
        entry.outcome = 'violation';
      } else {
        warnings.push(v);
        entry.outcome = 'warning';
      }
    }
  }

  // Exception bookkeeping: expired, expiring soon, unused (only those in scope of this image/pipeline).
  for (const s of states) {
    if (!s.inScope) continue;
    const label = expiryLabel(s.e);
    if (!s.active) {
      notices.push(`exception ${s.e.id} (${s.e.finding}) expired ${label} and no longer applies${s.matched ? ' — it matches a finding in this image' : ''} (owner ${s.e.owner})`);
      continue;
    }
    if (!s.matched) {
      notices.push(`exception ${s.e.id} (${s.e.finding}) matched no finding in this image; remove it if it is obsolete`);
    }
    const left = daysLeft(s.e, now);
    if (left !== undefined && left <= EXPIRY_WARNING_DAYS) {
      notices.push(`exception ${s.e.id} (${s.e.finding}) expires ${label} (in ${left} day${left === 1 ? '' : 's'}); fix the finding or renew it (owner ${s.e.owner})`);
    }
  }

  const byV = (a: Violation, b: Violation) =>
    cmp(a.policy, b.policy) || cmp(a.control, b.control) || cmp(a.findingId ?? '', b.findingId ?? '') || cmp(a.message, b.message);
  const decision: Decision = {
    verdict: violations.length > 0 ? 'fail' : 'pass',
    pipeline,
    policies: selected.map((p) => p.metadata.name),
    violations: violations.sort(byV),
    warnings: warnings.sort(byV),
    suppressed: [...suppressed.values()].sort(
      (a, b) => cmp(a.findingId, b.findingId) || cmp(a.by, b.by) || cmp(a.ruleId, b.ruleId) || cmp(a.policy ?? '', b.policy ?? ''),
    ),
    notices: [...new Set(notices)].sort(),
    evaluatedAt: now.toISOString(),
    image: { name: image.name, tag: image.tag, digest: image.digest, ...(image.id !== undefined ? { configDigest: image.id } : {}) },
  };
  if (derivedById.size > 0) decision.derivedFindings = [...derivedById.values()].sort((a, b) => cmp(a.id, b.id));
  if (allow) decision.allowlisted = { image: allow.image, reason: allow.reason, owner: allow.owner, expires: expiryLabel(allow) };
  return { decision, trace };
}

/**
 * Evaluate a scan report against the policies that apply to (ctx.pipeline, ctx.image), with exceptions
 * and the allowlist. Pure. Throws PortcullisError NO_POLICY when no policy applies and none is named default.
 */
export function evaluate(report: ScanReport, policies: readonly Policy[], exceptions: ExceptionSet, ctx: EvalContext): Decision {
  return evaluateWithTrace(report, policies, exceptions, ctx, { trace: false }).decision;
}

export { formatImage };
