// One worker process of bench/queue.bench.ts: runs the queue `q` of one engine (ours, pg-boss or
// graphile-worker, the latter two loaded from .cache/bench/queue-peers) with trivial work — one row in
// bench_runs per run, so the bench counts runs and duplicates. Modes: `drain` (run until no job is ready,
// then exit), `hang` (record the start of the first job, then hang until killed), `recover` (poll until a
// run of the job `slow` is recorded by this process, then exit).
// Usage: node --import tsx bench/queue-worker.ts <engine> <database url> <mode> <name> <peers dir> <lease ms>
import { createRequire } from 'node:module';
import { join } from 'node:path';
import pg from 'pg';
import { systemClock } from '../src/core/clock.js';
import { openStore } from '../src/server/store/db.js';
import { runOne } from '../src/server/queue/runner.js';

const [engine, url, mode, name, peers, lease] = process.argv.slice(2) as [string, string, string, string, string, string];
const leaseMs = Number(lease);
const pool = new pg.Pool({ connectionString: url, max: 2 });
const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

async function work(key: string): Promise<void> {
  await pool.query('INSERT INTO bench_runs (key, worker) VALUES ($1, $2)', [key, name]);
  if (mode === 'hang') {
    await pool.query('INSERT INTO bench_started (key, worker) VALUES ($1, $2)', [key, name]);
    await sleep(3_600_000);
  }
}

async function recovered(): Promise<boolean> {
  const r = await pool.query("SELECT 1 FROM bench_runs WHERE key = 'slow' AND worker = $1", [name]);
  return r.rowCount !== null && r.rowCount > 0;
}

async function ours(): Promise<void> {
  const store = await openStore(url);
  const o = { store, clock: systemClock, worker: name, leaseMs, handlers: { q: async (job: { key: string }) => work(job.key) } };
  if (mode === 'recover') {
    while (!(await recovered())) if (!(await runOne(o))) await sleep(100);
  } else while (await runOne(o));
  await store.close();
}

const peer = createRequire(join(peers, 'package.json'));

interface PgBossJob { id: string; data: { key: string } }
interface PgBoss {
  start(): Promise<unknown>;
  stop(o?: { graceful?: boolean; wait?: boolean }): Promise<void>;
  fetch(name: string, o: { batchSize: number }): Promise<PgBossJob[] | null>;
  complete(name: string, id: string): Promise<unknown>;
}

async function pgBoss(): Promise<void> {
  const PgBoss = peer('pg-boss') as new (o: object) => PgBoss;
  // only the recovering worker supervises (expires the killed worker's job), every second (the minimum)
  const boss = new PgBoss({ connectionString: url, max: 2, supervise: mode === 'recover', schedule: false, migrate: false, maintenanceIntervalSeconds: 1 });
  await boss.start();
  for (;;) {
    const [job] = (await boss.fetch('q', { batchSize: 1 })) ?? [];
    if (!job) {
      if (mode !== 'recover') break;
      await sleep(100);
      continue;
    }
    await work(job.data.key);
    await boss.complete('q', job.id);
    if (mode === 'recover' && (await recovered())) break;
  }
  await boss.stop({ graceful: false, wait: true });
}

type Task = (payload: unknown) => Promise<void>;
interface Runner {
  stop(): Promise<void>;
  promise: Promise<void>;
}
interface Graphile {
  Logger: new (f: () => () => void) => unknown;
  runOnce(o: object): Promise<void>;
  run(o: object): Promise<Runner>;
}

async function graphile(): Promise<void> {
  const g = peer('graphile-worker') as Graphile;
  const taskList: Record<string, Task> = { q: async (p) => work((p as { key: string }).key) };
  const opts = { connectionString: url, concurrency: 1, noHandleSignals: true, taskList, pollInterval: 100, logger: new g.Logger(() => () => undefined) };
  if (mode === 'recover') {
    const r = await g.run(opts);
    while (!(await recovered())) await sleep(100);
    await r.stop();
  } else if (mode === 'hang') {
    // the runner works until it is killed (run() resolves once it has started)
    await (await g.run(opts)).promise;
  } else await g.runOnce(opts);
}

try {
  if (engine === 'portcullis') await ours();
  else if (engine === 'pg-boss') await pgBoss();
  else if (engine === 'graphile-worker') await graphile();
  else throw new Error(`unknown engine ${engine}`);
  await pool.end();
} catch (e) {
  console.error(`queue-worker ${engine} ${mode}: ${(e as Error).message}`);
  process.exit(1);
}
