// Re-judging at admission (issue 23): the webhook found the latest decision for an image digest expired,
// or made under other policies or exceptions than the pipeline's current ones. The image's stored inventory is judged
// again by the same code continuous assurance runs (decideStored: re-match with today's advisory DB, then
// evaluate() with the server's current policies, exceptions and VEX documents for the pipeline), and the new decision is
// stored as a decision record (the webhook's next lookup finds it) and, when the verdict changed, as a
// verdict change with its cause, once per stale decision. A dryRun re-judgement reads and writes nothing.
// Satisfies admission/judge.ts's `Rejudger` (structurally: admission/ never imports server/, and this
// file does not import admission/); cli/commands/admission.ts wires the two.
import { existsSync } from 'node:fs';
import type { Clock } from '../../core/clock.js';
import { openDb } from '../../advisory/index.js';
import { decisionRecord, type DecisionRecord } from '../../policy/record.js';
import { decisionValidity } from '../../policy/validity.js';
import type { Store } from '../store/db.js';
import { insertScan } from '../store/scans.js';
import { decideStored, Rules, writeDecision, type Cause } from './evaluate.js';
import { firstSeenKey, getInventory, readFirstSeen, trackFirstSeen } from './inventory.js';

export interface RejudgeOptions {
  store: Store;
  /** the cluster's pipeline: whose rules judge, and under which the new decision is stored */
  pipeline: string;
  /** the advisory DB file, opened per re-judgement so a DB replaced by `portcullis db update` counts at once */
  dbPath: string;
  clock: Clock;
  /** how long a request waits for a re-judgement */
  deadlineMs: number;
  /** how long the server's rules are reused between reads (default 10 s) */
  rulesTtlMs?: number;
  log?: (line: string) => void;
}

export type RejudgeResult = { record: DecisionRecord; stored: boolean } | { problem: string };

export interface RejudgeRequest {
  name: string;
  digest: string;
  previous: DecisionRecord;
  reason: string;
  kind: 'expired' | 'policy';
  write: boolean;
}

export const REJUDGED_BY = 'portcullis admission (re-judged)';

/** The cause recorded with a verdict change: what ended the stale decision. */
export function causeOf(r: Pick<RejudgeRequest, 'previous' | 'reason' | 'kind'>): Cause {
  const key = `admission:${r.previous.recordDigest}`;
  if (r.kind === 'policy') return { kind: 'policy', what: r.reason, key };
  const by = r.previous.validUntilBy ?? '';
  const rule = /^(?:exception|grace-period) (\S+) expires /.exec(by)?.[1];
  if (rule) return { kind: 'exception', what: rule, key };
  const allowed = /^allowlist entry (\S+) expires /.exec(by)?.[1];
  if (allowed) return { kind: 'exception', what: allowed, key };
  if (by.startsWith('advisory source ')) return { kind: 'db', what: by, key };
  return { kind: 'clock', what: by || r.reason, key };
}

export class StoreRejudge {
  readonly deadlineMs: number;
  private rules?: { at: number; value: Promise<Rules> };
  constructor(private readonly o: RejudgeOptions) {
    this.deadlineMs = o.deadlineMs;
  }

  private currentRules(): Promise<Rules> {
    const now = this.o.clock.now().getTime();
    if (!this.rules || now - this.rules.at >= (this.o.rulesTtlMs ?? 10_000) || now < this.rules.at) {
      const value = Rules.load(this.o.store, new Date(now));
      value.catch(() => (this.rules = undefined)); // a failed read is not reused
      this.rules = { at: now, value };
    }
    return this.rules.value;
  }

  async rulesDigests(): Promise<{ policies: string; exceptions: string; vex?: string } | undefined> {
    // a valid decision is questioned on its rules only when a re-judgement can answer: without a DB it
    // still counts until it expires (an expired one is never admitted, DB or not)
    if (!existsSync(this.o.dbPath)) return undefined;
    try {
      const g = (await this.currentRules()).gate(this.o.pipeline);
      return g && { policies: g.policies.digest, exceptions: g.exceptions.digest, ...(g.vex ? { vex: g.vex.digest } : {}) };
    } catch (e) {
      // the rules cannot be read or parsed: the stored decision is not questioned on these grounds (its expiry still is)
      this.o.log?.(`cannot read the pipeline's current policies: ${(e as Error).message}`);
      return undefined;
    }
  }

  async rejudge(r: RejudgeRequest): Promise<RejudgeResult> {
    const { store, pipeline } = this.o;
    const now = this.o.clock.now();
    // the inventory is the image's, whichever pipeline uploaded it; the pipeline's own row is preferred
    const rows = await store.db.selectFrom('assured_images').select(['id', 'pipeline', 'image_key', 'repository', 'tag', 'digest', 'verdict', 'revision', 'inventory_id']).where('digest', '=', r.digest).orderBy('id', 'desc').execute();
    const row = rows.find((x) => x.pipeline === pipeline) ?? rows[0];
    if (!row) return { problem: `the server has no stored inventory for ${r.digest}` };
    if (!existsSync(this.o.dbPath)) return { problem: `no advisory DB at ${this.o.dbPath} (--db)` };
    const gate = (await this.currentRules()).gate(pipeline);
    if (!gate) return { problem: `no policy on the server applies to pipeline ${pipeline}` };
    const inventory = await getInventory(store, Number(row.inventory_id));
    const db = openDb(this.o.dbPath);
    let decided;
    try {
      decided = await decideStored(store, inventory, gate, pipeline, firstSeenKey(row.repository, row.image_key), db, now, r.write ? trackFirstSeen : readFirstSeen);
    } finally {
      db.close();
    }
    const { report, decision } = decided;
    if (!report || decision.verdict === 'error') return { problem: decision.notices[0] ?? 'the stored inventory could not be evaluated' };
    const record = decisionRecord(report, {
      policyDigest: gate.policies.digest,
      policyFiles: gate.policies.files,
      exceptionsDigest: gate.exceptions.digest,
      exceptionFiles: gate.exceptions.files,
      vexDigest: gate.vex?.digest,
      vexFiles: gate.vex?.files,
      server: gate.provenance,
      validity: decisionValidity(decision, report, gate.policies.policies),
    });
    // a decision already past its validUntil (a DB older than the policy's age limit) would be re-judged,
    // and stored again, by every request: not stored, said instead
    if (record.validUntil !== undefined && !(Date.parse(record.validUntil) > now.getTime())) {
      return { problem: `the new decision is already expired: validUntil ${record.validUntil}${record.validUntilBy ? ` (${record.validUntilBy})` : ''}; update the advisory DB at ${this.o.dbPath}` };
    }
    if (!r.write) return { record, stored: false };
    if (row.pipeline === pipeline) {
      let current: typeof row | undefined = row;
      for (let attempt = 0; current; attempt++) {
        const w = await writeDecision(store, { ...current, id: Number(current.id) }, decision, causeOf(r), now);
        if (w !== false) break;
        if (attempt >= 5) throw new Error(`the stored decision of ${r.digest} was written concurrently ${attempt + 1} times`);
        current = await store.db.selectFrom('assured_images').select(['id', 'pipeline', 'image_key', 'repository', 'tag', 'digest', 'verdict', 'revision', 'inventory_id']).where('id', '=', row.id).executeTakeFirst();
      }
    }
    await insertScan(store, { pipeline, repository: row.repository ?? record.image.name, tag: row.tag ?? undefined, digest: r.digest, verdict: record.verdict, report, decision: record, by: REJUDGED_BY, at: now });
    this.o.log?.(`re-judged ${r.name}@${r.digest}: ${r.previous.verdict} → ${record.verdict} (${r.reason})`);
    return { record, stored: true };
  }
}
