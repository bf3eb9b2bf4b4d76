// Re-evaluating one stored image: re-match its stored inventory against the advisory DB in hand, keep
// the findings that do not depend on the DB (content checks), and run the same evaluate() the CLI runs
// with the server's current policies, exceptions and VEX documents for the image's pipeline. A change of verdict is
// written with its cause in the same transaction as the new decision, at most once per (event, image).
import type { Decision, ScanReport } from '../../core/report.js';
import type { Finding } from '../../core/types.js';
import type { AdvisoryDb } from '../../advisory/index.js';
import { scanInventory, sortFindings } from '../../scan/scan.js';
import { attributeOrigin } from '../../baseimage/index.js';
import { evaluate, imageOf } from '../../policy/evaluate.js';
import { PortcullisError } from '../../core/errors.js';
import { exceptionsOf, gateFromBundle, type BundleGate } from '../bundle.js';
import { activeObjects, type StoredObject } from '../store/objects.js';
import { applies } from '../api/objects.js';
import type { Store } from '../store/db.js';
import { nextExpiry, trackFirstSeen, type StoredInventory } from './inventory.js';

/** The server's rules, loaded once per job and turned into a gate per pipeline on first use. */
export class Rules {
  private readonly gates = new Map<string, BundleGate | undefined>();
  private constructor(private readonly objects: readonly StoredObject[], private readonly at: Date) {}

  static async load(store: Store, now: Date): Promise<Rules> {
    return new Rules(await activeObjects(store), now);
  }

  /** undefined when no policy applies to the pipeline (nothing to decide) */
  gate(pipeline: string): BundleGate | undefined {
    if (!this.gates.has(pipeline)) {
      const docs = this.objects.filter((o) => applies(o, pipeline));
      let g: BundleGate | undefined;
      try {
        g = gateFromBundle({
          pipeline,
          generatedAt: this.at.toISOString(),
          documents: docs.map((o) => ({ kind: o.kind, name: o.name, revision: o.revision, digest: o.digest, file: o.file, position: o.position, raw: o.raw })),
        });
      } catch (e) {
        if (!(e instanceof PortcullisError && e.code === 'NO_POLICY')) throw e;
      }
      this.gates.set(pipeline, g);
    }
    return this.gates.get(pipeline);
  }
}

/** The stored inventory matched again: DB-derived findings from `db`, content findings as stored. */
export function rematch(s: StoredInventory, db: AdvisoryDb, now: Date): ScanReport {
  const fresh = scanInventory(s.inventory, db, { now, scanner: s.scanner });
  const seen = new Set(fresh.findings.map((f) => f.id));
  const content: Finding[] = s.content.filter((f) => !seen.has(f.id));
  let findings = sortFindings([...fresh.findings, ...content]);
  if (s.lineage) findings = attributeOrigin(findings, s.lineage);
  return { ...fresh, findings, ...(s.checks ? { checks: s.checks } : {}), ...(s.lineage ? { lineage: s.lineage } : {}) };
}

/**
 * The decision for one stored image now. Never fails open: an inventory that cannot be re-matched
 * (corrupt, or a matcher error) gets an `error` verdict saying so, not the previous verdict.
 */
export async function decideStored(
  store: Store,
  s: StoredInventory | undefined,
  gate: BundleGate,
  pipeline: string,
  firstSeenKey: string,
  db: AdvisoryDb,
  now: Date,
  /** how first-seen dates are had: recorded (default), or only read (readFirstSeen: a dryRun writes nothing) */
  firstSeenOf: typeof trackFirstSeen = trackFirstSeen,
): Promise<{ report?: ScanReport; decision: Decision }> {
  let report: ScanReport;
  try {
    if (!s) throw new Error('the stored inventory is missing');
    report = rematch(s, db, now);
  } catch (e) {
    const why = `coverage gap: the stored inventory could not be re-matched (${(e as Error).message}); scan the image again`;
    return { decision: { verdict: 'error', pipeline, policies: gate.policies.policies.map((p) => p.metadata.name), violations: [], warnings: [], suppressed: [], notices: [why], evaluatedAt: now.toISOString() } };
  }
  const firstSeen = await firstSeenOf(store, firstSeenKey, report, now);
  // the served VEX documents count as in `scan --server` (the policy's spec.vex.trust decides whose)
  const decision = evaluate(report, gate.policies.policies, exceptionsOf(gate), { pipeline, image: imageOf(report), now, firstSeen });
  return { report: { ...report, decision }, decision };
}

export interface Cause {
  kind: 'advisory' | 'exception' | 'clock' | 'policy' | 'db' | 'ingest';
  /** advisory ids, exception ids, policy revisions */
  what: string;
  /** the event: one change per image per key */
  key: string;
}

export interface Written {
  changed: boolean;
  before: string | null;
  after: string;
}

/**
 * Write a new decision for an assured image if nobody wrote one since `revision` (false: re-read and
 * retry), with a verdict_changes row when the verdict differs; a change already recorded for this event
 * (a job run twice) is not recorded again.
 */
export async function writeDecision(
  store: Store,
  row: { id: number; pipeline: string; repository: string | null; digest: string | null; verdict: string | null; revision: number },
  decision: Decision,
  cause: Cause,
  now: Date,
): Promise<Written | false> {
  return store.db.transaction().execute(async (trx) => {
    const u = await trx
      .updateTable('assured_images')
      .set({ verdict: decision.verdict, decision: JSON.stringify(decision), evaluated_at: now.toISOString(), next_expiry: nextExpiry(decision), revision: row.revision + 1 })
      .where('id', '=', row.id)
      .where('revision', '=', row.revision)
      .executeTakeFirst();
    if (Number(u.numUpdatedRows) !== 1) return false;
    const changed = row.verdict !== decision.verdict;
    if (changed) {
      await trx
        .insertInto('verdict_changes')
        .values({ assured_id: row.id, pipeline: row.pipeline, repository: row.repository, digest: row.digest, at: now.toISOString(), before: row.verdict, after: decision.verdict, cause_kind: cause.kind, cause: cause.what, cause_key: cause.key })
        .onConflict((oc) => oc.columns(['cause_key', 'assured_id']).doNothing())
        .execute();
    }
    return { changed, before: row.verdict, after: decision.verdict };
  });
}
