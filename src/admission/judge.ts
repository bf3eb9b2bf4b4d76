// One image digest → admitted or not, from the latest decision for it under the cluster's pipeline:
// a signed decision by a trusted key (no server needed), else the decision store. A decision counts
// only when its recordDigest matches its content, it is about this exact digest and this pipeline, and
// it has not expired (validUntil, and the webhook's own maximum age). An expired stored decision (or one
// made under other policies than the pipeline's current ones) is re-judged when a `Rejudger` is wired:
// the image's stored inventory evaluated again with today's advisory DB, policies and exceptions; what
// cannot be re-judged (no inventory, no DB, an error, the deadline) counts as no decision, never a pass.
import type { Clock } from '../core/clock.js';
import { verifyDecisionRecord, type DecisionRecord } from '../policy/record.js';

export interface DecisionStore {
  /** the newest stored decision record for this pipeline and image digest (unverified JSON) */
  latest(pipeline: string, digest: string): Promise<unknown>;
}

export interface SignedDecisions {
  /** decision records from attestations on `digest` whose DSSE signature verified with a trusted key */
  find(name: string, digest: string): Promise<{ record: unknown; key: string }[]>;
}

/** what a re-judgement gave: a new decision record (stored unless `write` was false), or why there is none */
export type Rejudged = { record: DecisionRecord; stored: boolean } | { problem: string };

export interface Rejudger {
  /**
   * the digests of the pipeline's current policies and exceptions, and of the VEX documents the server
   * serves it (absent: none); undefined when unknown (then not questioned)
   */
  rulesDigests(): Promise<{ policies: string; exceptions: string; vex?: string } | undefined>;
  /**
   * Evaluate the stored inventory of `digest` again, now. `write: false` (dryRun) stores nothing.
   * `previous` is the decision that no longer counts, `reason` why (the cause recorded with a change).
   */
  rejudge(r: { name: string; digest: string; previous: DecisionRecord; reason: string; kind: 'expired' | 'policy'; write: boolean }): Promise<Rejudged>;
  /** how long a request waits for a re-judgement (it goes on in the background and stores its result) */
  deadlineMs: number;
}

export interface JudgeOptions {
  pipeline: string;
  clock: Clock;
  store?: DecisionStore;
  signed?: SignedDecisions;
  /** signed decisions count only under one of these policy digests (required with `signed`) */
  policyDigests?: string[];
  /** a decision older than this is expired whatever its validUntil (hours; default 168) */
  maxDecisionAgeHours?: number;
  /** how long a store answer is reused (default 5000 ms; 0 = never) */
  cacheMs?: number;
  /** re-judge expired or policy-stale stored decisions (needs `store`) */
  rejudge?: Rejudger;
}

export type Outcome = 'pass' | 'fail' | 'missing';

export interface Judgement {
  outcome: Outcome;
  /** one line: what was decided, by what, and for a failure the blocking controls and the fix */
  message: string;
  by?: 'store' | 'signature';
  allowlisted?: boolean;
  /** why decisions that were found did not count (expired, another policy digest, ...) */
  refused: string[];
  /** a stored decision was re-judged: stored, judged without storing (dryRun), still running, or impossible */
  rejudged?: 'stored' | 'not-stored' | 'pending' | 'failed';
}

const HOUR_MS = 3_600_000;
const FUTURE_SLACK_MS = 5 * 60_000;

const short = (d: string) => `${d.slice(0, 19)}…`;

function isRecord(v: unknown): v is DecisionRecord {
  const r = v as DecisionRecord | null;
  return typeof r === 'object' && r !== null && r.kind === 'portcullis/decision' && typeof r.recordDigest === 'string' && typeof r.evaluatedAt === 'string' && typeof r.pipeline === 'string'
    && typeof r.image === 'object' && r.image !== null && (r.verdict === 'pass' || r.verdict === 'fail') && Array.isArray(r.violations);
}

/** Why a record does not count for (digest, pipeline) now, or undefined when it does. */
export function refusal(v: unknown, digest: string, pipeline: string, now: Date, maxAgeHours: number, policyDigests?: string[], verify: (r: DecisionRecord) => boolean = verifyDecisionRecord): string | undefined {
  if (!isRecord(v)) return 'not a decision record';
  if (!verify(v)) return 'its recordDigest does not match its content';
  if (v.image.digest !== digest) return `made for another image digest (${v.image.digest ?? 'none'})`;
  if (v.pipeline !== pipeline) return `made for pipeline ${v.pipeline}, not ${pipeline}`;
  if (policyDigests && !policyDigests.includes(v.policies.digest)) return `made under policy digest ${v.policies.digest}, not a trusted one`;
  const evaluated = Date.parse(v.evaluatedAt);
  if (!Number.isFinite(evaluated) || evaluated - now.getTime() > FUTURE_SLACK_MS) return `evaluatedAt ${v.evaluatedAt} is not believable`;
  const until = Math.min(v.validUntil !== undefined ? Date.parse(v.validUntil) : Infinity, evaluated + maxAgeHours * HOUR_MS);
  if (!(now.getTime() < until)) {
    const why = v.validUntil !== undefined && Date.parse(v.validUntil) <= evaluated + maxAgeHours * HOUR_MS ? `validUntil ${v.validUntil}${v.validUntilBy ? ` (${v.validUntilBy})` : ''}` : `older than the webhook's maximum decision age (${maxAgeHours}h)`;
    return `expired: ${why}`;
  }
  return undefined;
}

/** `vulnerabilities: CVE-… in minimist 1.2.0 (fix: upgrade minimist to 1.2.6)`, at most `max` of them. */
export function blocking(r: DecisionRecord, max = 5): string {
  const block = r.violations.filter((v) => v.enforcement === 'block');
  const shown = block.slice(0, max).map((v) => `${v.control}: ${v.subject ?? v.message}${v.remediation ? ` (fix: ${v.remediation})` : ''}`);
  if (block.length > max) shown.push(`and ${block.length - max} more`);
  return shown.length ? shown.join('; ') : 'no blocking control recorded';
}

export class Judge {
  private readonly cache = new Map<string, { at: number; value: unknown }>();
  /** lookups under way: concurrent requests for one digest share one query */
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** re-judgements under way, by digest and whether they store */
  private readonly rejudging = new Map<string, Promise<Rejudged>>();
  /** recordDigest checks of cached records (a big record is hashed once, not per request) */
  private readonly verified = new WeakMap<object, boolean>();
  private readonly verify = (r: DecisionRecord): boolean => {
    let ok = this.verified.get(r);
    if (ok === undefined) this.verified.set(r, (ok = verifyDecisionRecord(r)));
    return ok;
  };
  constructor(private readonly opts: JudgeOptions) {}

  private async stored(digest: string): Promise<unknown> {
    const now = this.opts.clock.now().getTime();
    const ttl = this.opts.cacheMs ?? 5000;
    const hit = this.cache.get(digest);
    if (hit && now - hit.at < ttl) return hit.value;
    const running = this.inflight.get(digest);
    if (running) return running;
    const p = this.opts.store!.latest(this.opts.pipeline, digest).then((value) => {
      if (this.cache.size > 10_000) this.cache.delete(this.cache.keys().next().value!);
      if (ttl > 0) this.cache.set(digest, { at: now, value });
      return value;
    }).finally(() => this.inflight.delete(digest));
    this.inflight.set(digest, p);
    return p;
  }

  async judge(image: string, name: string, digest: string, o: { dryRun?: boolean } = {}): Promise<Judgement> {
    const { pipeline } = this.opts;
    const now = this.opts.clock.now();
    const maxAge = this.opts.maxDecisionAgeHours ?? 168;
    const refused: string[] = [];
    const what = `${image} (${short(digest)})`;
    if (this.opts.signed) {
      let signed: { record: unknown; key: string }[] = [];
      try {
        signed = await this.opts.signed.find(name, digest);
      } catch (e) {
        // with a store the decision can still come from there; without one this is an internal error
        if (!this.opts.store) throw e;
        refused.push(`signed decisions could not be read: ${(e as Error).message}`);
      }
      for (const s of signed) {
        const why = refusal(s.record, digest, pipeline, now, maxAge, this.opts.policyDigests ?? [], this.verify);
        if (why) refused.push(`signed decision (key ${s.key}): ${why}`);
        else if ((s.record as DecisionRecord).verdict === 'pass') {
          const r = s.record as DecisionRecord;
          return { outcome: 'pass', by: 'signature', refused, allowlisted: r.allowlisted !== undefined, message: `${what} passed pipeline ${pipeline}: signed decision of ${r.evaluatedAt} by key ${s.key}${allowNote(r)}` };
        } else refused.push(`signed decision (key ${s.key}): verdict ${(s.record as DecisionRecord).verdict}`);
      }
    }
    if (this.opts.store) {
      const v = await this.stored(digest);
      if (v !== undefined && v !== null) {
        let why = refusal(v, digest, pipeline, now, maxAge, undefined, this.verify);
        let kind: 'expired' | 'policy' | undefined = why?.startsWith('expired: ') ? 'expired' : undefined;
        if (!why && this.opts.rejudge) {
          // a policy changed, an exception or allowlist entry was added or revoked, or a VEX document, since the decision
          const current = await this.opts.rejudge.rulesDigests();
          const made = v as DecisionRecord;
          if (current && made.policies.digest !== current.policies) [why, kind] = [`made under policy digest ${made.policies.digest}; the pipeline's policies are now ${current.policies}`, 'policy'];
          else if (current && made.exceptions.digest !== current.exceptions) [why, kind] = [`made under exceptions digest ${made.exceptions.digest}; the pipeline's exceptions are now ${current.exceptions}`, 'policy'];
          // a VEX document uploaded, changed or revoked since (or VEX the server does not serve): judged again with the served ones
          else if (current && made.vex?.digest !== current.vex) [why, kind] = [`made under ${made.vex ? `VEX digest ${made.vex.digest}` : 'no VEX documents'}; the pipeline's VEX documents are now ${current.vex ?? 'none'}`, 'policy'];
        }
        if (!why) return this.verdictOf(image, what, v as DecisionRecord, refused);
        refused.push(`stored decision: ${why}`);
        if (kind && this.opts.rejudge) return this.rejudged(image, name, digest, v as DecisionRecord, why, kind, refused, !o.dryRun);
      }
    }
    const detail = refused.length ? `: ${refused.join('; ')}` : '';
    return { outcome: 'missing', refused, message: `${what} has no valid decision for pipeline ${pipeline}${detail}; scan it in CI with \`portcullis scan ${image} --pipeline ${pipeline} --server …\`` };
  }

  /** A record just made for this digest (scan on admission): judged like a stored one, and cached as one. */
  judgeRecord(image: string, digest: string, record: unknown): Judgement {
    const now = this.opts.clock.now();
    const what = `${image} (${short(digest)})`;
    if (this.opts.store) this.cache.set(digest, { at: now.getTime(), value: record });
    const why = refusal(record, digest, this.opts.pipeline, now, this.opts.maxDecisionAgeHours ?? 168, undefined, this.verify);
    if (why) return { outcome: 'missing', refused: [`scan on admission: ${why}`], message: `${what}: the scan on admission gave no valid decision: ${why}` };
    return this.verdictOf(image, what, record as DecisionRecord, []);
  }

  /** One re-judgement per digest at a time (concurrent requests share it), waited for up to its deadline. */
  private rejudgeShared(name: string, digest: string, previous: DecisionRecord, reason: string, kind: 'expired' | 'policy', write: boolean): Promise<Rejudged | 'deadline'> {
    const r = this.opts.rejudge!;
    const key = `${digest}\u0000${write}`;
    let p = this.rejudging.get(key);
    if (!p) {
      p = r.rejudge({ name, digest, previous, reason, kind, write })
        .catch((e: unknown): Rejudged => ({ problem: `re-judging failed: ${(e as Error).message}` }))
        .then((x) => {
          // a re-judgement that outlived its request still serves the next one from the cache
          if ('record' in x && x.stored && (this.opts.cacheMs ?? 5000) > 0) this.cache.set(digest, { at: this.opts.clock.now().getTime(), value: x.record });
          return x;
        })
        .finally(() => this.rejudging.delete(key));
      this.rejudging.set(key, p);
    }
    let t: NodeJS.Timeout | undefined;
    const late = new Promise<'deadline'>((resolve) => (t = setTimeout(() => resolve('deadline'), r.deadlineMs)));
    return Promise.race([p, late]).finally(() => clearTimeout(t));
  }

  private async rejudged(image: string, name: string, digest: string, previous: DecisionRecord, why: string, kind: 'expired' | 'policy', refused: string[], write: boolean): Promise<Judgement> {
    const { pipeline } = this.opts;
    const what = `${image} (${short(digest)})`;
    const stale = `the stored decision of ${previous.evaluatedAt} ${kind === 'expired' ? why : `was ${why}`}`;
    const none = (problem: string, state: Judgement['rejudged']): Judgement => ({
      outcome: 'missing',
      refused: [...refused, `re-judging: ${problem}`],
      rejudged: state,
      message: `${what} has no valid decision for pipeline ${pipeline}: ${stale}; it could not be re-judged: ${problem}; scan it in CI with \`portcullis scan ${image} --pipeline ${pipeline} --server …\``,
    });
    const r = await this.rejudgeShared(name, digest, previous, why, kind, write);
    if (r === 'deadline') return none(`no result within ${this.opts.rejudge!.deadlineMs} ms (it goes on${write ? ' and stores its decision' : ''}; retry shortly)`, 'pending');
    if ('problem' in r) return none(r.problem, 'failed');
    const invalid = refusal(r.record, digest, pipeline, this.opts.clock.now(), this.opts.maxDecisionAgeHours ?? 168, undefined, this.verify);
    if (invalid) return none(`the new decision does not count either: ${invalid}`, 'failed');
    const note = `${r.stored ? 're-judged' : 're-judged for a dryRun, not stored'} (${stale})`;
    return { ...this.verdictOf(image, what, r.record, refused, note, previous.verdict), rejudged: r.stored ? 'stored' : 'not-stored' };
  }

  private verdictOf(image: string, what: string, r: DecisionRecord, refused: string[], note?: string, before?: string): Judgement {
    const { pipeline } = this.opts;
    const lead = note ? `${what} ${note}: ${before === r.verdict ? 'still' : 'now'} ${r.verdict === 'pass' ? 'passes' : 'fails'}` : `${what} ${r.verdict === 'pass' ? 'passed' : 'failed'}`;
    if (r.verdict === 'pass') return { outcome: 'pass', by: 'store', refused, allowlisted: r.allowlisted !== undefined, message: `${lead} pipeline ${pipeline} (decision of ${r.evaluatedAt})${allowNote(r)}` };
    return {
      outcome: 'fail',
      by: 'store',
      refused,
      message: `${lead} pipeline ${pipeline} (decision of ${r.evaluatedAt}): ${blocking(r)}; fix these and rescan with \`portcullis scan ${r.image.name ?? image} --pipeline ${pipeline}\``,
    };
  }
}

function allowNote(r: DecisionRecord): string {
  return r.allowlisted ? `; admitted by allowlist entry ${r.allowlisted.image} until ${r.allowlisted.expires} (owner ${r.allowlisted.owner})` : '';
}
