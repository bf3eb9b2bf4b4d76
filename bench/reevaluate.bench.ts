// Continuous assurance: re-evaluation throughput after an advisory DB update with 10,000 stored
// inventories (SQLite in-process; PostgreSQL with one worker and with two `portcullis worker` processes
// when $PORTCULLIS_TEST_PG is set), and how much a targeted update re-evaluates.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openDb } from '../src/advisory/index.js';
import { fixedClock } from '../src/core/clock.js';
import { diffDbs } from '../src/server/assure/dbdiff.js';
import { assuranceHandlers } from '../src/server/assure/jobs.js';
import { planDbUpdate, planRules } from '../src/server/assure/plan.js';
import { advisoryDb, criticalPolicy, npmAdvisory, putRules, seedFleet } from '../src/server/assure/testkit.js';
import { drain } from '../src/server/queue/runner.js';
import { openStore, type Store } from '../src/server/store/db.js';
import { createDatabase, freshStore } from '../src/server/testkit.js';

const N = Number(process.env.PORTCULLIS_BENCH_IMAGES ?? 10_000);
const NOW = '2026-11-30T00:00:00Z';
const M = '2026-11-28T00:00:00Z';
const clock = fixedClock(NOW);

interface Row { backend: string; event: string; workers: string; images: number; seconds: number }

async function dbs() {
  const base = [npmAdvisory('TEST-2026-0001', 'gen-lib-3', '0.9.0', M)];
  const everyImage = npmAdvisory('TEST-2026-0002', 'express', '4.17.3', M); // express 4.17.1 is in every image
  return {
    v1: await advisoryDb(base, '2026-11-29T00:00:00Z'),
    v2: await advisoryDb([...base, everyImage], '2026-11-29T06:00:00Z'),
    v3: await advisoryDb([...base, everyImage, npmAdvisory('TEST-2026-0777', 'minimist', '1.2.6', M)], '2026-11-29T12:00:00Z'),
    v4: await advisoryDb([...base, { ...everyImage, modified: '2026-11-28T12:00:00Z', summary: 'changed' }, npmAdvisory('TEST-2026-0777', 'minimist', '1.2.6', M)], '2026-11-29T18:00:00Z'),
  };
}

async function inProcess(store: Store, db: string): Promise<void> {
  await drain({ store, clock, worker: 'bench', handlers: assuranceHandlers({ store, openDb: () => openDb(db) }) });
}

function workerProcesses(url: string, db: string, n: number): Promise<void> {
  const main = join('src', 'cli', 'main.ts');
  return Promise.all(
    Array.from({ length: n }, () => new Promise<void>((res, rej) => {
      const p = spawn(process.execPath, ['--import', 'tsx', main, 'worker', '--database', url, '--db', db, '--once', '--quiet'], { stdio: 'inherit' });
      p.on('exit', (code) => (code === 0 ? res() : rej(new Error(`worker exited ${code}`))));
    })),
  ).then(() => undefined);
}

async function timed(f: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await f();
  return (performance.now() - t0) / 1000;
}

async function scenario(backend: string, store: Store, d: Awaited<ReturnType<typeof dbs>>, url?: string): Promise<Row[]> {
  const rows: Row[] = [];
  const now = clock.now();
  await putRules(store, [{ file: 'policies/prod.yaml', raw: criticalPolicy() }], now);
  const seedS = await timed(async () => void (await seedFleet(store, 'prod', N, now)));
  console.log(`${backend}: ${N} inventories stored in ${seedS.toFixed(1)} s`);
  await planRules(store, 'initial', now);
  rows.push({ backend, event: 'first judgement of every image', workers: '1 in-process', images: N, seconds: await timed(() => inProcess(store, d.v1)) });
  let plan = await planDbUpdate(store, diffDbs(d.v1, d.v2, now), now);
  rows.push({ backend, event: 'DB update: 1 advisory on a package in every image', workers: '1 in-process', images: plan.images, seconds: await timed(() => inProcess(store, d.v2)) });
  const planS = await timed(async () => void (plan = await planDbUpdate(store, diffDbs(d.v2, d.v3, now), now)));
  console.log(`${backend}: targeted update planned in ${planS.toFixed(2)} s (${plan.images} of ${N} images)`);
  rows.push({ backend, event: 'DB update: 1 advisory on a package in 1/7 of the images', workers: '1 in-process', images: plan.images, seconds: await timed(() => inProcess(store, d.v3)) });
  if (url) {
    plan = await planDbUpdate(store, diffDbs(d.v3, d.v4, now), now);
    rows.push({ backend, event: 'DB update: 1 advisory on a package in every image', workers: '2 `portcullis worker` processes (incl. start-up)', images: plan.images, seconds: await timed(() => workerProcesses(url, d.v4, 2)) });
  }
  return rows;
}

export async function run(): Promise<string> {
  const d = await dbs();
  const rows: Row[] = [];
  const sqlite = (await freshStore('sqlite', 'bench'))!;
  rows.push(...(await scenario('SQLite', sqlite, d)));
  await sqlite.close();
  const admin = process.env.PORTCULLIS_TEST_PG;
  if (admin) {
    const url = await createDatabase(admin, 'bench_reevaluate');
    const pg = await openStore(url);
    rows.push(...(await scenario('PostgreSQL', pg, d, url)));
    await pg.close();
  } else console.log('PostgreSQL: skipped ($PORTCULLIS_TEST_PG not set)');
  const lines = rows.map((r) => `| ${r.backend} | ${r.event} | ${r.workers} | ${r.images} | ${r.seconds.toFixed(1)} | ${Math.round(r.images / r.seconds)} |`);
  for (const l of lines) console.log(l);
  return [
    `Re-evaluation of stored inventories (bench/reevaluate.bench.ts): ${N} generated images (3 npm packages each), one policy, a DB`,
    'update planned from the package-key index, then the jobs run (re-match + evaluate() + conditional write per image).',
    'Target: ≥ 500 images/s on one worker, so a DB update touching all 10,000 images is re-judged within a minute.',
    '',
    '| store | event | workers | images | seconds | images/s |',
    '|---|---|---|---|---|---|',
    ...lines,
  ].join('\n');
}
