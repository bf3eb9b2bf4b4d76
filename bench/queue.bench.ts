// The job queue engine, chosen by measurement (issue 24): our queue (src/server/queue), pg-boss and
// graphile-worker on the local PostgreSQL ($PORTCULLIS_TEST_PG), a fresh database per engine and run.
// Each: enqueue N idempotent jobs with a dedupe key (half of them enqueued twice), drain them with 1 and
// 2 worker processes doing trivial work (one row per run); then a worker is SIGKILLed mid-job and we time
// how long until another worker runs the job again, each engine's lease/expiry at its minimum sane value.
// pg-boss and graphile-worker are installed at pinned versions into .cache/bench/queue-peers (npm install
// --prefix), never into the project's dependencies: the newest releases that support Node 20.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import pg from 'pg';
import { systemClock } from '../src/core/clock.js';
import { enqueue } from '../src/server/queue/queue.js';
import { openStore } from '../src/server/store/db.js';
import { createDatabase } from '../src/server/testkit.js';

const ROOT = join(import.meta.dirname, '..');
const PEERS = join(ROOT, '.cache', 'bench', 'queue-peers');
// pg-boss 11+ and graphile-worker 0.18 require Node 22; these are the newest that run on Node 20
const VERSIONS = { 'pg-boss': '10.4.2', 'graphile-worker': '0.17.3' } as const;
const N = Number(process.env.BENCH_QUEUE_JOBS ?? 10_000);
const KILL_CAP_S = Number(process.env.BENCH_QUEUE_KILL_CAP_S ?? 30);
const ENGINES = ['portcullis', 'pg-boss', 'graphile-worker'] as const;
type Engine = (typeof ENGINES)[number];
/** minimum sane lease: ours is renewed by a heartbeat (a third of it), so it bounds only a dead worker */
const OUR_LEASE_MS = 2_000;
const PGBOSS_EXPIRE_S = 2;

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));
const peer = createRequire(join(PEERS, 'package.json'));

function installPeers(): void {
  if (Object.keys(VERSIONS).every((p) => existsSync(join(PEERS, 'node_modules', p, 'package.json')))) return;
  mkdirSync(PEERS, { recursive: true });
  const r = spawnSync('npm', ['install', '--prefix', PEERS, '--no-audit', '--no-fund', '--ignore-scripts', ...Object.entries(VERSIONS).map(([p, v]) => `${p}@${v}`)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm install of the queue peers: ${r.stderr.slice(-2000)}`);
}

interface PgBoss {
  start(): Promise<unknown>;
  stop(o?: object): Promise<void>;
  createQueue(name: string, o: object): Promise<void>;
  insert(jobs: object[]): Promise<unknown>;
}
interface WorkerUtils { migrate(): Promise<void>; addJobs(specs: object[]): Promise<unknown>; release(): Promise<void> }

/** Create the engine's schema and queue `q`, then enqueue `keys` (in batches of 500). */
async function setup(engine: Engine, url: string, kill: boolean, fresh = true): Promise<{ add(keys: string[]): Promise<void>; close(): Promise<void> }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  if (fresh) await c.query('CREATE TABLE bench_runs (key text NOT NULL, worker text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())');
  if (fresh) await c.query('CREATE TABLE bench_started (key text NOT NULL, worker text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())');
  await c.end();
  const batches = async (keys: string[], f: (b: string[]) => Promise<unknown>) => {
    for (let i = 0; i < keys.length; i += 500) await f(keys.slice(i, i + 500));
  };
  if (engine === 'portcullis') {
    const store = await openStore(url);
    return { add: (keys) => batches(keys, (b) => enqueue(store, b.map((key) => ({ queue: 'q', key, payload: { key } })), systemClock.now())), close: () => store.close() };
  }
  if (engine === 'pg-boss') {
    const PgBoss = peer('pg-boss') as new (o: object) => PgBoss;
    const boss = new PgBoss({ connectionString: url, max: 2, supervise: false, schedule: false });
    await boss.start();
    // 'short': a second job with the same singleton key is refused while the first is queued
    if (fresh) await boss.createQueue('q', { name: 'q', policy: 'short', retryLimit: 4, ...(kill ? { expireInSeconds: PGBOSS_EXPIRE_S, retryDelay: 0 } : {}) });
    return { add: (keys) => batches(keys, (b) => boss.insert(b.map((key) => ({ name: 'q', data: { key }, singletonKey: key })))), close: () => boss.stop({ graceful: false, wait: true }) };
  }
  const g = peer('graphile-worker') as { makeWorkerUtils(o: object): Promise<WorkerUtils> };
  const utils = await g.makeWorkerUtils({ connectionString: url });
  await utils.migrate();
  return { add: (keys) => batches(keys, (b) => utils.addJobs(b.map((key) => ({ identifier: 'q', payload: { key }, jobKey: key, maxAttempts: 5 })))), close: () => utils.release() };
}

function worker(engine: Engine, url: string, mode: string, name: string, leaseMs: number): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', 'queue-worker.ts'), engine, url, mode, name, PEERS, String(leaseMs)], { stdio: ['ignore', 'inherit', 'inherit'] });
}

const exited = (p: ChildProcess) => new Promise<void>((res, rej) => p.on('exit', (code, sig) => (code === 0 ? res() : rej(new Error(`worker exited ${code ?? sig}`)))));

async function query<T>(url: string, text: string): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows[0] as T;
  } finally {
    await c.end();
  }
}

interface Drain { engine: Engine; workers: number; enqueueS: number; wallS: number; spanS: number; runs: number; distinct: number; requeued: number }

/** Jobs waiting to run in the engine's own table. */
const PENDING: Record<Engine, string> = {
  portcullis: "SELECT count(*) AS n FROM jobs WHERE state = 'queued'",
  'pg-boss': "SELECT count(*) AS n FROM pgboss.job WHERE name = 'q' AND state IN ('created', 'retry')",
  'graphile-worker': 'SELECT count(*) AS n FROM graphile_worker._private_jobs WHERE locked_at IS NULL',
};

async function drain(admin: string, engine: Engine, workers: number): Promise<Drain> {
  const url = await createDatabase(admin, `bench_queue_${engine.replace('-', '_')}_${workers}`);
  const q = await setup(engine, url, false);
  const keys = Array.from({ length: N }, (_, i) => `job-${i}`);
  const t0 = performance.now();
  await q.add(keys);
  await q.add(keys.filter((_, i) => i % 2 === 0)); // the duplicates: must not run again
  const enqueueS = (performance.now() - t0) / 1000;
  await q.close();
  const t1 = performance.now();
  await Promise.all(Array.from({ length: workers }, (_, i) => exited(worker(engine, url, 'drain', `w${i}`, 60_000))));
  const wallS = (performance.now() - t1) / 1000;
  // the same keys once more after they ran (a registry poll seeing the same digest): must not run again
  const again = await setup(engine, url, false, false);
  await again.add(keys.filter((_, i) => i % 2 === 0));
  await again.close();
  const requeued = Number((await query<{ n: string }>(url, PENDING[engine])).n);
  const r = await query<{ runs: string; distinct: string; span: number }>(url, 'SELECT count(*) AS runs, count(DISTINCT key) AS distinct, extract(epoch FROM max(at) - min(at))::float8 AS span FROM bench_runs');
  return { engine, workers, enqueueS, wallS, spanS: r.span, runs: Number(r.runs), distinct: Number(r.distinct), requeued };
}

/** Seconds from the SIGKILL of the worker running the job until another worker ran it; undefined past the cap. */
async function killed(admin: string, engine: Engine): Promise<number | undefined> {
  const url = await createDatabase(admin, `bench_queue_${engine.replace('-', '_')}_kill`);
  const q = await setup(engine, url, true);
  await q.add(['slow']);
  await q.close();
  const a = worker(engine, url, 'hang', 'A', OUR_LEASE_MS);
  for (let i = 0; !(await query<{ n: string }>(url, 'SELECT count(*) AS n FROM bench_started')).n.startsWith('1'); i++) {
    if (i > 600) throw new Error(`${engine}: the hanging worker never started the job`);
    await sleep(50);
  }
  const b = worker(engine, url, 'recover', 'B', OUR_LEASE_MS);
  await sleep(2_000); // B is up and polling before A dies
  const t0 = performance.now();
  a.kill('SIGKILL');
  let s: number | undefined;
  while ((performance.now() - t0) / 1000 < KILL_CAP_S) {
    if (Number((await query<{ n: string }>(url, "SELECT count(*) AS n FROM bench_runs WHERE worker = 'B'")).n) > 0) {
      s = (performance.now() - t0) / 1000;
      break;
    }
    await sleep(50);
  }
  if (s === undefined) b.kill('SIGKILL');
  await new Promise<void>((res) => (b.exitCode !== null || b.signalCode !== null ? res() : b.on('exit', () => res())));
  return s;
}

// What the engines offer for retries and dead letters, read from their sources at the pinned versions
const SEMANTICS: Record<Engine, { dedupe: string; kill: string; backoff: string; dead: string; fence: string }> = {
  portcullis: {
    dedupe: 'unique key for the job\'s whole life (queued, running, done, dead)',
    kill: 'lease renewed by a heartbeat every third of it: a dead worker\'s job is claimable one lease after its last heartbeat, however long jobs run',
    backoff: 'base · 2^(n-1), base configurable (default 2 s), capped at 10 min',
    dead: 'state `dead` with last error, listed (`worker --dead`, GET /api/v1/jobs?state=dead), retried by id',
    fence: 'only the holder of the current attempt can complete (stale completion refused)',
  },
  'pg-boss': {
    dedupe: 'singletonKey with policy `short` refuses a duplicate only while the first is still queued (job_i1: `state = created`); once it started or finished, the same key enqueues a new job',
    kill: `no heartbeat in 10.x: expireInSeconds must exceed the longest job; a killed worker's job is failed by the supervisor after expireIn (min 1 s) + maintenance interval (min 1 s) — ${PGBOSS_EXPIRE_S} s here, minutes for a real scan`,
    backoff: 'retryDelay, retryBackoff (exponential), retryLimit per queue or job',
    dead: 'deadLetter: a queue receiving a copy of the failed job; the failed job itself stays `failed` until archived',
    fence: 'complete() by id while `active`: a stale worker whose job was expired and re-fetched completes it too',
  },
  'graphile-worker': {
    dedupe: 'jobKey replaces (or, preserve_run_at, keeps) the pending job; a completed job is deleted, so the same key enqueues it again',
    kill: 'a locked job is only freed after a fixed 4 hours (resetLockedAt.js / get_job: `locked_at < now() - interval \'4 hours\'`), not configurable',
    backoff: 'fixed exp(min(attempts, 10)) seconds (failJobs.js), not configurable',
    dead: 'no dead-letter queue: a job out of attempts stays in the table (attempts = max_attempts, last_error); retried with reschedule_jobs',
    fence: 'completion by job id and worker id',
  },
};

export async function run(): Promise<string | void> {
  const admin = process.env.PORTCULLIS_TEST_PG;
  if (!admin) {
    console.log('queue: skipped ($PORTCULLIS_TEST_PG not set)');
    return;
  }
  installPeers();
  const version = (p: string) => (peer(`${p}/package.json`) as { version: string }).version;
  const rows: Drain[] = [];
  const kills = new Map<Engine, number | undefined>();
  for (const engine of ENGINES) {
    for (const w of [1, 2]) {
      const r = await drain(admin, engine, w);
      console.log(`${engine}, ${w} worker(s): ${r.runs} runs of ${r.distinct} jobs in ${r.spanS.toFixed(2)} s (${r.wallS.toFixed(2)} s with start-up); enqueue ${r.enqueueS.toFixed(2)} s`);
      rows.push(r);
    }
    const k = await killed(admin, engine);
    console.log(`${engine}: killed worker's job ran again ${k === undefined ? `not within ${KILL_CAP_S} s` : `after ${k.toFixed(2)} s`}`);
    kills.set(engine, k);
  }
  const label = (e: Engine) => (e === 'portcullis' ? 'ours (src/server/queue)' : `${e} ${version(e)}`);
  const table = rows.map((r) => `| ${label(r.engine)} | ${r.workers} | ${(N * 1.5 / r.enqueueS).toFixed(0)} | ${r.distinct} | ${(r.distinct / r.spanS).toFixed(0)} | ${(r.distinct / r.wallS).toFixed(0)} | ${r.runs - r.distinct} | ${r.requeued} |`);
  const killRows = ENGINES.map((e) => {
    const k = kills.get(e);
    return `| ${label(e)} | ${k === undefined ? `not within ${KILL_CAP_S} s` : `${k.toFixed(1)} s`} | ${SEMANTICS[e].kill} |`;
  });
  const sem = ENGINES.map((e) => `| ${label(e)} | ${SEMANTICS[e].dedupe} | ${SEMANTICS[e].backoff} | ${SEMANTICS[e].dead} | ${SEMANTICS[e].fence} |`);
  for (const l of [...table, ...killRows]) console.log(l);
  return [
    `Method: \`bench/queue.bench.ts\` on the local PostgreSQL, a fresh database per engine and run. ${N} jobs with a dedupe key, half of them enqueued a second time (${N * 1.5} enqueues, in batches of 500), then drained by 1 and by 2 worker processes (\`bench/queue-worker.ts\`) that claim one job at a time and do trivial work (one INSERT per run, so runs and duplicates are counted in the database); after the drain the same half is enqueued once more (a registry poll seeing the same digest again) and the jobs pending again are counted. Jobs/s over the span from the first run to the last, and over the processes' wall time including start-up. Then one job is run by a worker that hangs in it and is SIGKILLed while a second worker polls; the time from the kill until the second worker ran the job, each engine's lease/expiry at its minimum sane value (ours: ${OUR_LEASE_MS / 1000} s lease with heartbeat; pg-boss: expireInSeconds ${PGBOSS_EXPIRE_S}, maintenance every 1 s; graphile-worker: not configurable), capped at ${KILL_CAP_S} s. Peers at the newest versions that run on Node 20 (pg-boss 11+ needs Node 22, graphile-worker 0.18 needs Node 22.18), installed into .cache/bench/queue-peers.`,
    '',
    '| engine | workers | enqueues/s | jobs | jobs/s (first→last run) | jobs/s (with start-up) | duplicate runs | re-enqueued after done: pending again |',
    '|---|---|---|---|---|---|---|---|',
    ...table,
    '',
    '| engine | killed mid-job: ran again after | why |',
    '|---|---|---|',
    ...killRows,
    '',
    '| engine | dedupe key | backoff | dead letters | stale completion |',
    '|---|---|---|---|---|',
    ...sem,
  ].join('\n');
}
