// The re-evaluation job: for each image of the batch, the decision now (stored inventory × the worker's
// advisory DB × the server's rules), written with its cause when the verdict changed, and notified to
// the owners (each failing or warning policy's `spec.notify`, and its `spec.owners` their share). Idempotent: the write is conditional on
// the row's revision and a change is recorded once per (event, image); a job run twice changes nothing
// the second time. A notification may repeat when a worker dies between the write and the send.
import { PortcullisError } from '../../core/errors.js';
import type { ScanReport } from '../../core/report.js';
import type { AdvisoryDb } from '../../advisory/index.js';
import { notify, type NotifyOptions } from '../../notify/index.js';
import { notifyOwners } from '../../notify/route.js';
import type { Policy } from '../../policy/schema.js';
import type { Store } from '../store/db.js';
import type { Job } from '../queue/queue.js';
import type { Handler, JobContext } from '../queue/runner.js';
import { dbFingerprint } from './dbdiff.js';
import { decideStored, Rules, writeDecision } from './evaluate.js';
import { firstSeenKey, getInventory, type StoredInventory } from './inventory.js';
import { REEVALUATE_QUEUE, type ReevaluatePayload } from './plan.js';
import { scanJob, type ScanDeps } from './scanjob.js';
import { SCAN_QUEUE } from './watch.js';

export interface Notifier {
  /**
   * `urls`: the failing or warning policies' `spec.notify` (the whole message); `policies`, when given:
   * the policies in force, whose `spec.owners` get their share (notify/route.ts).
   */
  (report: ScanReport, urls: string[], policies?: readonly Policy[]): Promise<void>;
}

export function webhookNotifier(secret?: string, opts: NotifyOptions = {}, log?: (l: string) => void): Notifier {
  return async (report, urls, policies) => {
    if (policies) {
      // the server has no owners file and no --notify: spec.notify gets everything, spec.owners their share
      for (const f of await notifyOwners(report, { policies, defaults: [] }, { ...opts, ...(secret ? { secret } : {}) })) log?.(f);
      return;
    }
    if (urls.length === 0) return;
    for (const f of await notify(report, urls.map((url) => ({ url, ...(secret ? { secret } : {}) })), opts)) log?.(f);
  };
}

export interface ReevaluateDeps {
  store: Store;
  /** the advisory DB to match with (opened per job: a replaced file is picked up) */
  openDb(): AdvisoryDb;
  notifier?: Notifier;
}

/** images of a batch in flight at once (database round trips overlap) */
const WRITE_LANES = 4;

export interface ReevaluateResult {
  evaluated: number;
  changed: number;
  /** images skipped: no policy applies to their pipeline any more, or the row is gone */
  skipped: number;
}

export async function reevaluateJob(deps: ReevaluateDeps, job: Job, ctx: JobContext): Promise<ReevaluateResult> {
  const p = job.payload as ReevaluatePayload;
  const db = deps.openDb();
  try {
    if (p.db !== undefined && dbFingerprint(db.meta()) !== p.db) {
      // never judge a DB event with another DB: retried until this worker's DB is the one planned with
      throw new PortcullisError('DB_INVALID', `this worker's advisory DB is ${dbFingerprint(db.meta())}; the job was planned for ${p.db} (update the worker's DB)`);
    }
    const now = ctx.now();
    const rules = await Rules.load(deps.store, now);
    const out: ReevaluateResult = { evaluated: 0, changed: 0, skipped: 0 };
    const ids = p.items.map((i) => i.id);
    const readRow = async (id: number) =>
      deps.store.db.selectFrom('assured_images').select(['id', 'pipeline', 'image_key', 'repository', 'digest', 'verdict', 'revision', 'inventory_id']).where('id', '=', id).executeTakeFirst();
    // one read for the batch's rows and one for their inventories (each distinct inventory parsed once)
    const rows = new Map((ids.length ? await deps.store.db.selectFrom('assured_images').select(['id', 'pipeline', 'image_key', 'repository', 'digest', 'verdict', 'revision', 'inventory_id']).where('id', 'in', ids).execute() : []).map((r) => [Number(r.id), r]));
    const invIds = [...new Set([...rows.values()].map((r) => Number(r.inventory_id)))];
    const inventories = new Map<number, StoredInventory | undefined>();
    if (invIds.length) for (const r of await deps.store.db.selectFrom('inventories').select(['id', 'body']).where('id', 'in', invIds).execute()) inventories.set(Number(r.id), JSON.parse(r.body) as StoredInventory);
    const one = async (item: ReevaluatePayload['items'][number]) => {
      let row = rows.get(item.id);
      for (let attempt = 0; ; attempt++) {
        const gate = row ? rules.gate(row.pipeline) : undefined;
        if (!row || !gate) {
          out.skipped++;
          return;
        }
        const invId = Number(row.inventory_id);
        if (!inventories.has(invId)) inventories.set(invId, await getInventory(deps.store, invId));
        const { report, decision } = await decideStored(deps.store, inventories.get(invId), gate, row.pipeline, firstSeenKey(row.repository, row.image_key), db, now);
        const w = await writeDecision(deps.store, { ...row, id: Number(row.id) }, decision, { kind: p.kind, what: item.what, key: p.event }, now);
        if (w === false) {
          if (attempt >= 5) throw new Error(`image ${item.id}: written concurrently ${attempt + 1} times; retrying the job`);
          row = await readRow(item.id); // someone wrote it meanwhile: decide again from the new row
          continue;
        }
        out.evaluated++;
        if (w.changed) {
          out.changed++;
          if (deps.notifier && report) {
            const told = new Set([...decision.violations, ...decision.warnings].map((v) => v.policy));
            const urls = [...new Set(gate.policies.policies.filter((x) => told.has(x.metadata.name)).flatMap((x) => x.spec.notify ?? []))];
            await deps.notifier(report, urls, gate.policies.policies);
          }
        }
        return;
      }
    };
    // writes overlap (PostgreSQL round trips); matching and evaluate() run one at a time on this thread
    let next = 0;
    const lanes = Array.from({ length: Math.min(deps.store.dialect === 'postgres' ? WRITE_LANES : 1, p.items.length) }, async () => {
      while (next < p.items.length) {
        if (!ctx.alive()) throw new Error('lease lost: another worker runs this job');
        await one(p.items[next++]!);
      }
    });
    await Promise.all(lanes);
    return out;
  } finally {
    db.close();
  }
}

/** The queue handlers of continuous assurance (the worker and the in-process runner use the same). */
export function assuranceHandlers(deps: ReevaluateDeps & { scan?: Omit<ScanDeps, 'store' | 'openDb'> }): Record<string, Handler> {
  const scan = deps.scan;
  return {
    [REEVALUATE_QUEUE]: (job, ctx) => reevaluateJob(deps, job, ctx),
    ...(scan ? { [SCAN_QUEUE]: (job: Job, ctx: JobContext) => scanJob({ ...scan, store: deps.store, openDb: deps.openDb }, job, ctx) } : {}),
  };
}
