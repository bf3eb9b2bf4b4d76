// `portcullis worker` as real processes: two workers share one PostgreSQL queue of re-evaluation jobs;
// one is killed with SIGKILL while it holds a job; its job is claimed again after the lease and every
// job ends done with one stored result, every image judged, each change recorded once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/server/store/db.js';
import { createDatabase, testPostgres } from '../src/server/testkit.js';
import { advisoryDb, criticalPolicy, npmAdvisory, putRules, seedFleet } from '../src/server/assure/testkit.js';
import { planRules } from '../src/server/assure/plan.js';
import { addWatch, pollWatches } from '../src/server/assure/watch.js';
import { sharedOrSkip } from '../src/core/shared.js';
import { haveTools, push, startRegistry } from '../src/source/registry/testregistry.js';

const MAIN = join('src', 'cli', 'main.ts');
const N = 600;
const NOW = new Date('2026-11-30T00:00:00Z');

function startWorker(database: string, db: string): { proc: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const env = { ...process.env, PORTCULLIS_DATA_DIR: mkdtempSync(join(tmpdir(), 'portcullis-worker-')) };
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, 'worker', '--database', database, '--db', db, '--lease', '2', '--poll-interval', '0.2'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return { proc, stderr: () => err, exited: new Promise((res) => proc.on('exit', (code) => res(code))) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('two workers on one PostgreSQL, one SIGKILLed mid-job: every job ends done once, every image judged once', async (t) => {
  const admin = process.env.PORTCULLIS_TEST_PG ?? (await testPostgres());
  if (!admin) return t.skip('SKIPPED: PostgreSQL not available (set PORTCULLIS_TEST_PG or install postgresql)');
  const url = await createDatabase(admin, `workers_${process.pid}`);
  const store = await openStore(url);
  t.after(() => store.close());
  const db = await advisoryDb([npmAdvisory('TEST-2026-0777', 'minimist', '1.2.6', '2026-11-28T00:00:00Z')], '2026-11-29T00:00:00Z');
  await putRules(store, [{ file: 'policies/prod.yaml', raw: criticalPolicy() }], NOW);
  await seedFleet(store, 'prod', N, NOW);
  const plan = await planRules(store, 'initial', NOW, undefined, 100);
  assert.equal(plan.jobs, N / 100);

  const a = startWorker(url, db);
  const b = startWorker(url, db);
  t.after(() => {
    for (const w of [a, b]) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
  });
  // wait until A holds a job, then kill it without a chance to clean up
  const pidTag = `:${a.proc.pid}:`;
  let killedHolding = 0;
  for (let i = 0; i < 600 && killedHolding === 0; i++) {
    const held = await store.db.selectFrom('jobs').select('id').where('state', '=', 'running').where('locked_by', 'like', `%${pidTag}%`).execute();
    if (held.length > 0) {
      a.proc.kill('SIGKILL');
      await a.exited;
      const still = await store.db.selectFrom('jobs').select('id').where('state', '=', 'running').where('locked_by', 'like', `%${pidTag}%`).execute();
      killedHolding = still.length;
      if (killedHolding === 0) return t.skip('worker A finished its job before the kill landed (timing); nothing to check');
    } else await sleep(50);
  }
  assert.ok(killedHolding > 0, `worker A never held a job: ${a.stderr()}`);

  // B finishes everything, including A's job once its lease ran out
  for (let i = 0; i < 1200; i++) {
    const open = await store.db.selectFrom('jobs').select('id').where('state', '!=', 'done').execute();
    if (open.length === 0) break;
    await sleep(100);
  }
  b.proc.kill('SIGTERM');
  assert.equal(await b.exited, 0, b.stderr());
  const jobs = await store.db.selectFrom('jobs').selectAll().orderBy('id').execute();
  assert.equal(jobs.length, plan.jobs);
  for (const j of jobs) {
    assert.equal(j.state, 'done', `${j.key}: ${j.last_error ?? ''}`);
    const r = JSON.parse(j.result!) as { evaluated: number; changed: number };
    assert.equal(r.evaluated, 100);
  }
  assert.ok(jobs.some((j) => j.attempts === 2), 'the killed worker\'s job ran again');
  const changes = await store.db.selectFrom('verdict_changes').select(['assured_id']).where('cause_key', '=', plan.event).execute();
  assert.equal(changes.length, N, 'one first judgement per image');
  assert.equal(new Set(changes.map((c) => c.assured_id)).size, N, 'never twice');
  const unjudged = await store.db.selectFrom('assured_images').select('id').where('verdict', 'is', null).execute();
  assert.equal(unjudged.length, 0);
  const failing = await store.db.selectFrom('assured_images').select('id').where('verdict', '=', 'fail').execute();
  assert.equal(failing.length, [...Array(N).keys()].filter((i) => i % 14 === 0).length, 'minimist 1.2.0 fails, 1.2.8 passes');
});

test('two workers share a queue of scans from the local registry; one SIGKILLed mid-scan; every image ends with exactly one stored result', { skip: haveTools('docker-registry', 'skopeo').length ? 'SKIPPED: docker-registry or skopeo not installed' : false }, async (t) => {
  const admin = process.env.PORTCULLIS_TEST_PG ?? (await testPostgres());
  if (!admin) return t.skip('SKIPPED: PostgreSQL not available (set PORTCULLIS_TEST_PG or install postgresql)');
  const slim = sharedOrSkip(t, 'fixtures/images/debian-12-slim.oci.tar');
  const app = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!slim || !app) return;
  const reg = await startRegistry();
  t.after(() => reg.stop());
  const tags = ['1', '2', '3', '4'];
  for (const tag of tags) await push(`docker-archive:${app}`, reg, `fleet/app:${tag}`);
  await push(`oci-archive:${slim}`, reg, 'fleet/base:12');
  const url = await createDatabase(admin, `scanworkers_${process.pid}`);
  const store = await openStore(url);
  t.after(() => store.close());
  const db = await advisoryDb([npmAdvisory('TEST-2026-0777', 'minimist', '1.2.6', '2026-11-28T00:00:00Z')], '2026-11-29T00:00:00Z');
  await putRules(store, [{ file: 'policies/prod.yaml', raw: criticalPolicy() }], NOW);
  await addWatch(store, { repository: `${reg.host}/*`, pipeline: 'prod' }, NOW);
  assert.equal((await pollWatches(store, NOW)).queued, tags.length + 1);

  const a = startWorker(url, db);
  const b = startWorker(url, db);
  t.after(() => {
    for (const w of [a, b]) if (w.proc.exitCode === null) w.proc.kill('SIGKILL');
  });
  const pidTag = `:${a.proc.pid}:`;
  let killed = false;
  for (let i = 0; i < 1200 && !killed; i++) {
    const held = await store.db.selectFrom('jobs').select('id').where('state', '=', 'running').where('locked_by', 'like', `%${pidTag}%`).execute();
    if (held.length > 0) {
      a.proc.kill('SIGKILL');
      await a.exited;
      killed = (await store.db.selectFrom('jobs').select('id').where('state', '=', 'running').where('locked_by', 'like', `%${pidTag}%`).execute()).length > 0;
      if (!killed) return t.skip('worker A finished its scan before the kill landed (timing); nothing to check');
    } else await sleep(50);
  }
  assert.ok(killed, `worker A never held a job: ${a.stderr()}`);
  for (let i = 0; i < 1800; i++) {
    if ((await store.db.selectFrom('jobs').select('id').where('state', '!=', 'done').execute()).length === 0) break;
    await sleep(100);
  }
  b.proc.kill('SIGTERM');
  assert.equal(await b.exited, 0, b.stderr());
  const jobs = await store.db.selectFrom('jobs').selectAll().execute();
  assert.ok(jobs.every((j) => j.state === 'done'), JSON.stringify(jobs.map((j) => [j.key, j.state, j.last_error])));
  assert.ok(jobs.some((j) => j.attempts === 2), 'the killed worker\'s scan ran again');
  const scans = await store.db.selectFrom('scans').select(['repository', 'tag', 'digest', 'verdict']).execute();
  const keys = scans.map((s) => `${s.repository}:${s.tag}`).sort();
  assert.deepEqual(keys, [`${reg.host}/fleet/app:1`, `${reg.host}/fleet/app:2`, `${reg.host}/fleet/app:3`, `${reg.host}/fleet/app:4`, `${reg.host}/fleet/base:12`].sort(), 'exactly one stored result per image tag');
  assert.deepEqual(scans.filter((s) => s.repository!.endsWith('/fleet/app')).map((s) => s.verdict), ['fail', 'fail', 'fail', 'fail']);
  const assured = await store.db.selectFrom('assured_images').select('id').execute();
  assert.equal(assured.length, 2, 'two distinct images (digests) in the pipeline');
});
