// Continuous assurance in a process: noticing a new advisory DB (the file at --db, replaced by
// `portcullis db update`), the clock tick for ended exceptions, and — with SQLite, or when asked — an
// in-process runner for the queued jobs. The DB last applied is kept as a snapshot copy so the next
// update can be diffed against it; without a snapshot (first run) every stored image is re-evaluated.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../../core/clock.js';
import { openDb } from '../../advisory/index.js';
import type { Store } from '../store/db.js';
import { latestObjects } from '../store/objects.js';
import { drain } from '../queue/runner.js';
import { dbFingerprint, diffDbs } from './dbdiff.js';
import { assuranceHandlers, type Notifier } from './jobs.js';
import { planDbUpdate, planExpiry, planRules, type Plan } from './plan.js';
import type { ScanDeps } from './scanjob.js';
import { pollWatches } from './watch.js';
import { sendReminders, type RemindOptions } from './remind.js';

function fingerprintOf(path: string): string {
  const db = openDb(path);
  try {
    return dbFingerprint(db.meta());
  } finally {
    db.close();
  }
}

/**
 * Plan the re-evaluation for the DB at `dbPath` against the one last applied (`snapshot`), then make it
 * the snapshot. Returns undefined when the DB is the one already applied.
 */
export async function applyDbUpdate(store: Store, dbPath: string, snapshot: string, now: Date): Promise<Plan | undefined> {
  const current = fingerprintOf(dbPath);
  let plan: Plan;
  if (existsSync(snapshot)) {
    if (fingerprintOf(snapshot) === current) return undefined;
    plan = await planDbUpdate(store, diffDbs(snapshot, dbPath, now), now);
  } else {
    // nothing to diff against: every stored image, judged with this DB
    plan = await planRules(store, `db-initial:${current}`, now);
  }
  mkdirSync(dirname(snapshot), { recursive: true });
  const tmp = `${snapshot}.${process.pid}.tmp`;
  copyFileSync(dbPath, tmp);
  renameSync(tmp, snapshot);
  return plan;
}

export interface AssuranceOptions {
  store: Store;
  dbPath: string;
  snapshot: string;
  clock: Clock;
  /** how often to look for a new DB and ended exceptions (default 5 min) */
  intervalMs?: number;
  /** run the queued jobs in this process (SQLite: always) */
  runJobs: boolean;
  worker: string;
  notifier?: Notifier;
  log?: (line: string) => void;
  /** registry watch: how to reach registries, and the scanner that scans what the watches find */
  scan?: Omit<ScanDeps, 'store' | 'openDb'>;
  /** reminders before exceptions expire (days ahead; 0: none) */
  remind?: RemindOptions;
}

export interface AssuranceService {
  /** look now (new DB, ended exceptions) and run what is queued */
  kick(): void;
  /** a policy, exception or VEX document changed: plan the new rules revision, then run */
  rulesChanged(): void;
  /** resolves when the current round ends */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startAssurance(o: AssuranceOptions): AssuranceService {
  let running: Promise<void> = Promise.resolve();
  let again = false;
  let busy = false;
  let stopped = false;
  let rules = false;
  const round = async () => {
    const now = o.clock.now();
    try {
      if (rules) {
        rules = false;
        const r = await planRulesRevision(o.store, now);
        if (r.queued) o.log?.(`rules changed (${r.event}): ${r.images} image(s) to re-evaluate`);
      }
      const db = await applyDbUpdate(o.store, o.dbPath, o.snapshot, now);
      if (db) o.log?.(`advisory DB changed: ${db.images} image(s) to re-evaluate in ${db.jobs} job(s) (${db.event})`);
      const ex = await planExpiry(o.store, now);
      if (ex.images) o.log?.(`exceptions ended: ${ex.images} image(s) to re-evaluate`);
      if (o.remind && o.remind.days !== 0) {
        const n = await sendReminders(o.store, now, { log: o.log, ...o.remind });
        if (n) o.log?.(`reminders: ${n} exception(s) or allowlist entries expiring soon, owners told`);
      }
      const w = await pollWatches(o.store, now, o.scan?.registry ?? {});
      if (w.queued) o.log?.(`registry watch: ${w.queued} new or moved tag(s) to scan`);
      for (const e of w.errors) o.log?.(`registry watch: ${e}`);
      if (o.runJobs) {
        await drain({ store: o.store, clock: o.clock, worker: o.worker, handlers: assuranceHandlers({ store: o.store, openDb: () => openDb(o.dbPath), ...(o.notifier ? { notifier: o.notifier } : {}), ...(o.scan ? { scan: o.scan } : {}) }), log: o.log });
      }
    } catch (e) {
      o.log?.(`re-evaluation round failed: ${(e as Error).message}`);
    }
  };
  const kick = () => {
    if (stopped) return;
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    running = (async () => {
      do {
        again = false;
        await round();
      } while (again && !stopped);
      busy = false;
    })();
  };
  const timer = setInterval(kick, o.intervalMs ?? 5 * 60_000);
  timer.unref();
  kick();
  return {
    kick,
    rulesChanged: () => {
      rules = true;
      kick();
    },
    idle: () => running,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}

/**
 * After a policy, exception or VEX document change: plan every image of the store under the new rules
 * revision (the digest of the latest revision of every policy, exception and VEX document, revoked
 * ones included; planning the same revision twice queues nothing).
 * The cause names the documents changed last (`VexDocument/vendor-x@3`; a revoke as `...@4 (revoked)`).
 */
export async function planRulesRevision(store: Store, now: Date): Promise<Plan> {
  const RULE_KINDS = new Set(['AssurancePolicy', 'Exceptions', 'VexDocument']);
  const latest = (await latestObjects(store)).filter((o) => RULE_KINDS.has(o.kind));
  // every latest revision, revoked ones included: revisions only grow, so a revoke that brings the
  // active set back to an earlier one is still a new event (an old key would queue nothing)
  const ids = latest.map((o) => `${o.kind}/${o.name}@${o.revision}`).sort();
  // the cause: the documents changed last, a revoke included (named as such)
  const last = latest.reduce((m, o) => (o.createdAt > m ? o.createdAt : m), '');
  const changed = latest.filter((o) => o.createdAt === last).map((o) => `${o.kind}/${o.name}@${o.revision}${o.state === 'revoked' ? ' (revoked)' : ''}`).sort();
  const digest = createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 16);
  return planRules(store, `rules:${digest}`, now, undefined, undefined, changed.join(',') || 'rules revoked');
}
