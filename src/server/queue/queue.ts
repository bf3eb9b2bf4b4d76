// The job queue: one table in the server's store. On PostgreSQL, `portcullis worker` processes on any
// number of machines claim jobs with FOR UPDATE SKIP LOCKED under a lease; on SQLite the same jobs run
// in the server process. Delivery is at-least-once: a job whose worker died (lease expired) is claimed
// again, so every handler is idempotent (keyed writes). A failure retries with exponential backoff; a
// job out of attempts is dead (kept, listed by `portcullis worker --dead` and GET /api/v1/jobs?state=dead).
import { sql } from 'kysely';
import type { Store } from '../store/db.js';

export type JobState = 'queued' | 'running' | 'done' | 'dead';

export interface Job {
  id: number;
  queue: string;
  key: string;
  payload: unknown;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  lockedBy: string | null;
  lastError: string | null;
  result: unknown;
}

export interface EnqueueInput {
  queue: string;
  /** idempotency key: a second enqueue with the same key is ignored */
  key: string;
  payload: unknown;
  maxAttempts?: number;
}

export const DEFAULT_MAX_ATTEMPTS = 5;
/** retry delay after the n-th failed attempt: base · 2^(n-1), capped */
export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_CAP_MS = 10 * 60_000;

export function backoffMs(attempts: number, base = BACKOFF_BASE_MS): number {
  return Math.min(BACKOFF_CAP_MS, base * 2 ** Math.max(0, attempts - 1));
}

const iso = (t: number) => new Date(t).toISOString();

type Row = { id: number | bigint; queue: string; key: string; payload: string; state: string; attempts: number; max_attempts: number; locked_by: string | null; last_error: string | null; result: string | null };

function toJob(r: Row): Job {
  return {
    id: Number(r.id),
    queue: r.queue,
    key: r.key,
    payload: JSON.parse(r.payload) as unknown,
    state: r.state as JobState,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    lockedBy: r.locked_by,
    lastError: r.last_error,
    result: r.result === null ? null : (JSON.parse(r.result) as unknown),
  };
}

/** Add jobs; returns how many were new (the rest were already queued or done under their key). */
export async function enqueue(store: Store, jobs: EnqueueInput[], now: Date): Promise<number> {
  let added = 0;
  for (let i = 0; i < jobs.length; i += 200) {
    const r = await store.db
      .insertInto('jobs')
      .values(jobs.slice(i, i + 200).map((j) => ({
        queue: j.queue, key: j.key, payload: JSON.stringify(j.payload), state: 'queued', attempts: 0, max_attempts: j.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        run_after: now.toISOString(), locked_by: null, locked_until: null, last_error: null, result: null, created_at: now.toISOString(), updated_at: now.toISOString(),
      })))
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    added += Number(r.numInsertedOrUpdatedRows ?? 0);
  }
  return added;
}

/**
 * Claim the next ready job of `queues` for `worker` for `leaseMs`: a queued job due now, or a running
 * job whose lease expired (its worker died). Its attempt is counted at claim time, so a job that kills
 * its workers ends dead after max_attempts.
 */
export async function claim(store: Store, queues: string[], worker: string, leaseMs: number, now: Date): Promise<Job | undefined> {
  const t = now.toISOString();
  const until = iso(now.getTime() + leaseMs);
  const lock = store.dialect === 'postgres' ? sql`FOR UPDATE SKIP LOCKED` : sql``;
  const pick = sql<{ id: number }>`SELECT id FROM jobs
    WHERE queue IN (${sql.join(queues)}) AND ((state = 'queued' AND run_after <= ${t}) OR (state = 'running' AND locked_until < ${t}))
    ORDER BY run_after, id LIMIT 1 ${lock}`;
  return store.db.transaction().execute(async (trx) => {
    const found = (await pick.execute(trx)).rows[0];
    if (!found) return undefined;
    const r = await sql<Row>`UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ${worker}, locked_until = ${until}, updated_at = ${t}
      WHERE id = ${found.id} RETURNING id, queue, key, payload, state, attempts, max_attempts, locked_by, last_error, result`.execute(trx);
    const row = r.rows[0];
    if (!row) return undefined;
    if (row.attempts > row.max_attempts) {
      // its earlier attempts died with their workers: dead letter, never run again
      await sql`UPDATE jobs SET state = 'dead', locked_by = NULL, locked_until = NULL, last_error = ${`${row.last_error ?? 'the worker running it stopped'} (out of attempts)`} WHERE id = ${found.id}`.execute(trx);
      return undefined;
    }
    return toJob(row);
  });
}

/** Extend the lease of a job this worker still holds (long jobs); false when it was taken over. */
export async function heartbeat(store: Store, job: Job, worker: string, leaseMs: number, now: Date): Promise<boolean> {
  const r = await store.db.updateTable('jobs').set({ locked_until: iso(now.getTime() + leaseMs), updated_at: now.toISOString() })
    .where('id', '=', job.id).where('state', '=', 'running').where('locked_by', '=', worker).where('attempts', '=', job.attempts).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Store the result, once: only the holder of the current attempt may finish the job. */
export async function complete(store: Store, job: Job, worker: string, result: unknown, now: Date): Promise<boolean> {
  const r = await store.db.updateTable('jobs').set({ state: 'done', result: JSON.stringify(result ?? null), locked_by: null, locked_until: null, updated_at: now.toISOString() })
    .where('id', '=', job.id).where('state', '=', 'running').where('locked_by', '=', worker).where('attempts', '=', job.attempts).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Record a failed attempt: queued again after the backoff, or dead when out of attempts. */
export async function fail(store: Store, job: Job, worker: string, error: string, now: Date, baseMs = BACKOFF_BASE_MS): Promise<JobState> {
  const dead = job.attempts >= job.maxAttempts;
  const state: JobState = dead ? 'dead' : 'queued';
  await store.db.updateTable('jobs')
    .set({ state, last_error: error.slice(0, 2000), locked_by: null, locked_until: null, run_after: iso(now.getTime() + backoffMs(job.attempts, baseMs)), updated_at: now.toISOString() })
    .where('id', '=', job.id).where('locked_by', '=', worker).where('attempts', '=', job.attempts).execute();
  return state;
}

export interface JobFilter {
  state?: JobState;
  queue?: string;
  before?: number;
  limit: number;
}

export async function listJobs(store: Store, f: JobFilter): Promise<Job[]> {
  let q = store.db.selectFrom('jobs').select(['id', 'queue', 'key', 'payload', 'state', 'attempts', 'max_attempts', 'locked_by', 'last_error', 'result']).orderBy('id', 'desc').limit(f.limit);
  if (f.state) q = q.where('state', '=', f.state);
  if (f.queue) q = q.where('queue', '=', f.queue);
  if (f.before !== undefined) q = q.where('id', '<', f.before);
  return (await q.execute()).map(toJob);
}

/** Put a dead job back in the queue with fresh attempts (after fixing what killed it). */
export async function retryDead(store: Store, id: number, now: Date): Promise<boolean> {
  const r = await store.db.updateTable('jobs').set({ state: 'queued', attempts: 0, run_after: now.toISOString(), updated_at: now.toISOString() })
    .where('id', '=', id).where('state', '=', 'dead').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function countJobs(store: Store): Promise<Record<JobState, number>> {
  const rows = await store.db.selectFrom('jobs').select(['state', (e) => e.fn.countAll().as('n')]).groupBy('state').execute();
  const out: Record<JobState, number> = { queued: 0, running: 0, done: 0, dead: 0 };
  for (const r of rows) out[r.state as JobState] = Number(r.n);
  return out;
}
