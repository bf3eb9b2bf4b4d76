// Running jobs: claim, run the queue's handler under a lease kept alive by a heartbeat, then store the
// result (once) or record the failure (retry with backoff, or dead letter). `drain` runs until no job is
// ready (SQLite: in-process, and tests); `work` polls until stopped (`portcullis worker`).
import type { Clock } from '../../core/clock.js';
import type { Store } from '../store/db.js';
import { claim, complete, fail, heartbeat, type Job } from './queue.js';

export interface JobContext {
  now(): Date;
  /** still ours? (false: the lease was lost; stop, another worker runs it) */
  alive(): boolean;
}

export type Handler = (job: Job, ctx: JobContext) => Promise<unknown>;

export interface RunnerOptions {
  store: Store;
  handlers: Record<string, Handler>;
  /** this worker's name (host:pid:random): who holds a lease */
  worker: string;
  clock: Clock;
  /** lease length; the heartbeat renews it every third of it (default 60 s) */
  leaseMs?: number;
  /** base of the retry backoff (default 2 s) */
  backoffBaseMs?: number;
  log?: (line: string) => void;
}

/** Claim and run one job; false when none was ready. */
export async function runOne(o: RunnerOptions): Promise<boolean> {
  const leaseMs = o.leaseMs ?? 60_000;
  const job = await claim(o.store, Object.keys(o.handlers), o.worker, leaseMs, o.clock.now());
  if (!job) return false;
  let alive = true;
  const timer = setInterval(() => {
    heartbeat(o.store, job, o.worker, leaseMs, o.clock.now()).then((ok) => (alive = alive && ok), () => undefined);
  }, Math.max(50, Math.floor(leaseMs / 3)));
  try {
    const result = await o.handlers[job.queue]!(job, { now: () => o.clock.now(), alive: () => alive });
    clearInterval(timer);
    const ok = await complete(o.store, job, o.worker, result, o.clock.now());
    o.log?.(ok ? `job ${job.id} (${job.key}) done` : `job ${job.id} (${job.key}) finished after its lease was taken over; the other run stores the result`);
  } catch (e) {
    clearInterval(timer);
    const msg = (e as Error).message ?? String(e);
    const state = await fail(o.store, job, o.worker, msg, o.clock.now(), o.backoffBaseMs);
    o.log?.(`job ${job.id} (${job.key}) failed (attempt ${job.attempts} of ${job.maxAttempts}): ${msg}${state === 'dead' ? ' — dead letter' : ''}`);
  }
  return true;
}

/** Run ready jobs until none is left; returns how many ran. */
export async function drain(o: RunnerOptions, max = Number.POSITIVE_INFINITY): Promise<number> {
  let n = 0;
  while (n < max && (await runOne(o))) n++;
  return n;
}

/** Poll until `signal` aborts; `pollMs` between empty polls. */
export async function work(o: RunnerOptions & { pollMs?: number; signal: AbortSignal }): Promise<void> {
  const pollMs = o.pollMs ?? 1000;
  while (!o.signal.aborted) {
    let ran = false;
    try {
      ran = await runOne(o);
    } catch (e) {
      o.log?.(`queue unreachable: ${(e as Error).message}; retrying`);
    }
    if (!ran && !o.signal.aborted) await new Promise<void>((res) => {
      const t = setTimeout(res, pollMs);
      o.signal.addEventListener('abort', () => (clearTimeout(t), res()), { once: true });
    });
  }
}
