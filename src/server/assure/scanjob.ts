// The scan job of registry watch: pull the image by digest, inventory it with the content checks in one
// pass, match with the worker's advisory DB, evaluate with the server's rules, and store the report and
// the decision like an upload. Idempotent: the scan row carries the job's key, so a job run again after
// its worker died finds the stored scan instead of storing a second one.
import type { AdvisoryDb } from '../../advisory/index.js';
import type { ContentCheck } from '../../checks/types.js';
import type { ScanReport } from '../../core/report.js';
import { evaluate, imageOf } from '../../policy/evaluate.js';
import { normaliseImageName } from '../../policy/imageref.js';
import { collectWithChecks } from '../../scan/collect.js';
import { scanInventory } from '../../scan/scan.js';
import type { RegistryOptions } from '../../source/registry/resolve.js';
import { exceptionsOf } from '../bundle.js';
import type { Store } from '../store/db.js';
import { getScan, insertScan } from '../store/scans.js';
import type { Job } from '../queue/queue.js';
import type { JobContext } from '../queue/runner.js';
import { Rules } from './evaluate.js';
import { assureScan, firstSeenKey, trackFirstSeen } from './inventory.js';
import type { ScanPayload } from './watch.js';

export interface ScanDeps {
  store: Store;
  openDb(): AdvisoryDb;
  registry?: RegistryOptions;
  checks?: () => Promise<ContentCheck[]>;
  scanner: { name: string; version: string };
}

export async function scanJob(deps: ScanDeps, job: Job, ctx: JobContext): Promise<{ scan: number; verdict: string | null; again: boolean }> {
  const p = job.payload as ScanPayload;
  const by = `watch job ${job.key}`;
  const store = deps.store;
  const record = async (scanId: number, report: ScanReport) => {
    const repository = normaliseImageName(p.repository);
    await assureScan(store, { pipeline: p.pipeline, scanId, repository, tag: p.tag, digest: p.digest, report, ...(report.decision ? { decision: report.decision } : {}) }, ctx.now());
  };
  const prior = await store.db.selectFrom('scans').select('id').where('uploaded_by', '=', by).executeTakeFirst();
  if (prior) {
    // stored by an earlier run that died before finishing the job: make sure the image is assured, once
    const s = (await getScan(store, Number(prior.id)))!;
    await record(s.id, s.report as ScanReport);
    return { scan: s.id, verdict: s.verdict, again: true };
  }
  const { inventory, checkResults } = await collectWithChecks(`${p.repository}@${p.digest}`, { registry: deps.registry ?? {}, checks: deps.checks ? await deps.checks() : [] });
  inventory.image.ref = { ...inventory.image.ref, tag: p.tag };
  const now = ctx.now();
  const db = deps.openDb();
  let report: ScanReport;
  try {
    report = scanInventory(inventory, db, { now, scanner: deps.scanner, checkResults });
  } finally {
    db.close();
  }
  const gate = (await Rules.load(store, now)).gate(p.pipeline);
  const firstSeen = await trackFirstSeen(store, firstSeenKey(normaliseImageName(p.repository), p.digest), report, now);
  if (gate) report = { ...report, decision: evaluate(report, gate.policies.policies, exceptionsOf(gate), { pipeline: p.pipeline, image: imageOf(report), now, firstSeen }) };
  if (!ctx.alive()) throw new Error('lease lost: another worker runs this job');
  const scanId = await insertScan(store, { pipeline: p.pipeline, repository: normaliseImageName(p.repository), tag: p.tag, digest: p.digest, verdict: report.decision?.verdict, report, by, at: now });
  await record(scanId, report);
  return { scan: scanId, verdict: report.decision?.verdict ?? null, again: false };
}
