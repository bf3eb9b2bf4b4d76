// Continuous assurance (issue 24): the server stores the fixture image's inventory and 1,000 generated
// ones; a DB update adding one advisory changes the verdict of exactly the images holding the affected
// package, each once, with the advisory as the cause; an exception ending (injected clock) does the same
// for the images it covered. Re-evaluation touches only images whose inventory holds a changed key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDb } from '../src/advisory/index.js';
import { sharedOrSkip } from '../src/core/shared.js';
import type { ScanReport } from '../src/core/report.js';
import { diffDbs } from '../src/server/assure/dbdiff.js';
import { assuranceHandlers, type Notifier } from '../src/server/assure/jobs.js';
import { planDbUpdate, planExpiry, planRules } from '../src/server/assure/plan.js';
import { advisoryDb, criticalPolicy, npmAdvisory, putRules, seedFleet, V1 } from '../src/server/assure/testkit.js';
import { drain } from '../src/server/queue/runner.js';
import { countJobs } from '../src/server/queue/queue.js';
import { client, freshStore, movableClock, serverOn, tokenFor } from '../src/server/testkit.js';
import type { Store } from '../src/server/store/db.js';
import { cli } from './helpers/cli.js';

const NOW = '2026-11-30T00:00:00Z';
const MODIFIED = '2026-11-28T00:00:00Z';
const N = 1000;
const BASE = [npmAdvisory('TEST-2026-0001', 'gen-lib-3', '0.9.0', MODIFIED)]; // affects nothing installed (1.0.x is fixed)
const NEW = npmAdvisory('TEST-2026-0777', 'minimist', '1.2.6', MODIFIED);

async function changes(store: Store, event?: string) {
  let q = store.db.selectFrom('verdict_changes').selectAll().orderBy('id');
  if (event) q = q.where('cause_key', '=', event);
  return q.execute();
}

function runner(store: Store, dbPath: string, clock: { now(): Date }, notifier?: Notifier) {
  return { store, clock, worker: 'test-worker', handlers: assuranceHandlers({ store, openDb: () => openDb(dbPath), ...(notifier ? { notifier } : {}) }) };
}

test('a DB update adding one advisory re-judges exactly the images holding the package, each once, cause recorded', async (t) => {
  const image = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!image) return;
  const clock = movableClock(NOW);
  const dbV1 = await advisoryDb(BASE, '2026-11-29T00:00:00Z');
  const dbV2 = await advisoryDb([...BASE, NEW], '2026-11-29T12:00:00Z');
  const store = (await freshStore('sqlite', 'reeval'))!;
  const sent: { image: string; urls: string[] }[] = [];
  const notifier: Notifier = async (r, urls) => void sent.push({ image: r.inventory.image.name, urls });
  await putRules(store, [{ file: 'policies/prod.yaml', raw: criticalPolicy('prod-gate', 'https://hooks.example.test/team') }], clock.now());

  // the fixture goes through the upload route, as `scan --server` sends it
  const scanned = await cli(['scan', image, '--db', dbV1, '--format', 'json', '--quiet'], { now: NOW });
  assert.equal(scanned.code, 0, scanned.stderr);
  const server = await serverOn(store, clock);
  t.after(() => server.close());
  const api = client(server, await tokenFor(store, 'ci', ['prod'], 'ci', clock));
  const up = await api('POST', '/api/v1/reports', { pipeline: 'prod', report: JSON.parse(scanned.stdout) as ScanReport });
  assert.equal(up.status, 201, up.text);
  const fleet = await seedFleet(store, 'prod', N, clock.now());
  const fixture = await store.db.selectFrom('assured_images').select('id').where('scan_id', '=', Number(up.json.id)).executeTakeFirstOrThrow();

  // baseline: the server judges every image with its rules and DB v1 (an initial rules event)
  const base = await planRules(store, 'initial', clock.now());
  assert.equal(base.images, N + 1);
  await drain(runner(store, dbV1, clock, notifier));
  const verdicts = await store.db.selectFrom('assured_images').select(['id', 'verdict']).execute();
  assert.equal(verdicts.length, N + 1);
  assert.ok(verdicts.every((v) => v.verdict === 'pass'), 'every image passes before the new advisory');
  sent.length = 0;

  // the DB update: one advisory for minimist < 1.2.6
  const diff = diffDbs(dbV1, dbV2, clock.now());
  assert.deepEqual(diff.advisories, ['TEST-2026-0777']);
  assert.deepEqual([...diff.keys.keys()], ['npm\u0001minimist']);
  const plan = await planDbUpdate(store, diff, clock.now());
  const holding = [...fleet].filter(([, g]) => g.minimist !== undefined).map(([id]) => id);
  // only the images holding minimist are re-evaluated (the fixture has minimist 1.2.0), not the fleet
  assert.equal(plan.images, holding.length + 1);
  assert.ok(plan.images < N / 5);
  await drain(runner(store, dbV2, clock, notifier));

  const expected = [...[...fleet].filter(([, g]) => g.minimist === '1.2.0').map(([id]) => id), Number(fixture.id)].sort((a, b) => a - b);
  const got = await changes(store, `db:${diff.fingerprint}`);
  assert.deepEqual(got.map((c) => Number(c.assured_id)).sort((a, b) => a - b), expected, 'exactly the images with an affected minimist changed');
  assert.equal(new Set(got.map((c) => c.assured_id)).size, got.length, 'each once');
  for (const c of got) {
    assert.equal(c.before, 'pass');
    assert.equal(c.after, 'fail');
    assert.equal(c.cause_kind, 'advisory');
    assert.equal(c.cause, 'TEST-2026-0777');
  }
  assert.equal(sent.length, expected.length, 'one notification per changed image');
  assert.ok(sent.every((s) => s.urls.length === 1 && s.urls[0] === 'https://hooks.example.test/team'));

  // the same event planned again (a second `reevaluate`, a retried job) changes nothing more
  const again = await planDbUpdate(store, diffDbs(dbV1, dbV2, clock.now()), clock.now());
  assert.equal(again.queued, 0);
  assert.equal((await changes(store, `db:${diff.fingerprint}`)).length, got.length);
  // the first judgement of each image (no uploaded decision) is recorded too, under the rules event
  assert.equal((await changes(store, 'policy:initial')).length, N + 1);
  assert.deepEqual(await countJobs(store), { queued: 0, running: 0, done: base.jobs + plan.jobs, dead: 0 });

  // the API lists the changes with their cause
  const admin = client(server, await tokenFor(store, 'admin', [], 'admin', clock));
  const listed = await admin('GET', `/api/v1/verdict-changes?limit=200`);
  assert.equal(listed.status, 200, listed.text);
  assert.equal(listed.json.items.length, 200);
  assert.equal(listed.json.items[0].cause, 'TEST-2026-0777');
});

test('an exception ending (injected clock) re-judges exactly the images it covered, each once, cause recorded', async () => {
  const clock = movableClock(NOW);
  const db = await advisoryDb([...BASE, NEW], '2026-11-29T12:00:00Z');
  const store = (await freshStore('sqlite', 'expiry'))!;
  const exceptions = `${V1}\nkind: Exceptions\nexceptions:\n` +
    `  - {id: team-a-minimist, finding: TEST-2026-0777, scope: {repository: 'registry.test/team-a/**'}, expires: 2026-12-01, owner: team-a, reason: upgrade planned}\n` +
    `  - {id: team-b-minimist, finding: TEST-2026-0777, scope: {repository: 'registry.test/team-b/**'}, expires: 2027-01-31, owner: team-b, reason: upgrade planned}\n`;
  await putRules(store, [{ file: 'policies/prod.yaml', raw: criticalPolicy() }, { file: 'exceptions/teams.yaml', raw: exceptions }], clock.now());
  const fleet = await seedFleet(store, 'prod', N, clock.now());
  await planRules(store, 'initial', clock.now());
  await drain(runner(store, db, clock));
  const before = await store.db.selectFrom('assured_images').select(['id', 'verdict', 'next_expiry']).execute();
  assert.ok(before.every((r) => r.verdict === 'pass'), 'suppressed by the exceptions');

  // nothing has ended yet: the clock tick plans nothing
  assert.equal((await planExpiry(store, clock.now())).images, 0);
  clock.set('2026-12-02T00:00:01Z'); // team-a's exception ran through the end of 2026-12-01
  const plan = await planExpiry(store, clock.now());
  const covered = [...fleet].filter(([, g]) => g.minimist === '1.2.0' && g.repository.includes('/team-a/')).map(([id]) => id).sort((a, b) => a - b);
  assert.equal(plan.images, covered.length, 'only images whose decision rests on the ended exception');
  await drain(runner(store, db, clock));
  const got = await changes(store, plan.event);
  assert.deepEqual(got.map((c) => Number(c.assured_id)).sort((a, b) => a - b), covered);
  for (const c of got) assert.deepEqual([c.before, c.after, c.cause_kind, c.cause], ['pass', 'fail', 'exception', 'team-a-minimist']);
  // the next tick finds nothing due (the re-evaluated images no longer rest on it)
  assert.equal((await planExpiry(store, clock.now())).images, 0);
});

test('SLA gating: a critical first seen in the repository warns until fixWithinDays, then the clock fails it, cause recorded', async () => {
  const clock = movableClock(NOW);
  const db = await advisoryDb([...BASE, NEW], '2026-11-29T12:00:00Z');
  const store = (await freshStore('sqlite', 'sla'))!;
  const sla = `${V1}\nkind: AssurancePolicy\nmetadata: {name: sla}\nspec:\n  appliesTo: {pipelines: [prod]}\n  controls:\n    vulnerabilities: {failOn: critical, fixWithinDays: {critical: 7}}\n    coverage: {onGap: warn}\n`;
  await putRules(store, [{ file: 'policies/sla.yaml', raw: sla }], clock.now());
  const fleet = await seedFleet(store, 'prod', 200, clock.now());
  await planRules(store, 'initial', clock.now());
  await drain(runner(store, db, clock));
  const affected = [...fleet].filter(([, g]) => g.minimist === '1.2.0').map(([id]) => id).sort((a, b) => a - b);
  const rows = await store.db.selectFrom('assured_images').select(['id', 'verdict', 'next_expiry', 'decision']).execute();
  assert.ok(rows.every((r) => r.verdict === 'pass'));
  const due = rows.filter((r) => r.next_expiry !== null).map((r) => Number(r.id)).sort((a, b) => a - b);
  assert.deepEqual(due, affected, 'the deadline is the next time their verdict can change');
  const warned = JSON.parse(rows.find((r) => Number(r.id) === affected[0])!.decision!) as { warnings: { control: string; deadline: string }[] };
  assert.deepEqual(warned.warnings.map((w) => [w.control, w.deadline]), [['vulnerabilities.fixWithinDays', '2026-12-07T00:00:00.000Z']]);
  clock.set('2026-12-06T23:59:59Z');
  assert.equal((await planExpiry(store, clock.now())).images, 0);
  clock.set('2026-12-07T00:00:00Z');
  const plan = await planExpiry(store, clock.now());
  assert.equal(plan.images, affected.length);
  await drain(runner(store, db, clock));
  const got = await changes(store, `deadline:${clock.now().toISOString()}`);
  assert.deepEqual(got.map((c) => Number(c.assured_id)).sort((a, b) => a - b), affected);
  for (const c of got) assert.deepEqual([c.before, c.after, c.cause_kind, c.cause], ['pass', 'fail', 'clock', 'fixWithinDays:TEST-2026-0777']);
});
