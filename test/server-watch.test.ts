// Registry watch against Debian's docker-registry on loopback: a new tag is scanned at the next poll,
// once; a tag moved to a new digest is scanned again; nothing changes between polls → nothing queued.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDb } from '../src/advisory/index.js';
import { sharedOrSkip } from '../src/core/shared.js';
import { movableClock, freshStore } from '../src/server/testkit.js';
import { haveTools, push, startRegistry } from '../src/source/registry/testregistry.js';
import { assuranceHandlers } from '../src/server/assure/jobs.js';
import { addWatch, pollWatches } from '../src/server/assure/watch.js';
import { advisoryDb, criticalPolicy, npmAdvisory, putRules } from '../src/server/assure/testkit.js';
import { drain } from '../src/server/queue/runner.js';

const missing = haveTools('docker-registry', 'skopeo');

test('registry watch: a new tag is scanned within one poll interval, once; a moved tag is scanned again', { skip: missing.length ? `SKIPPED: ${missing.join(', ')} not installed` : false }, async (t) => {
  const slim = sharedOrSkip(t, 'fixtures/images/debian-12-slim.oci.tar');
  const app = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!slim || !app) return;
  const reg = await startRegistry();
  t.after(() => reg.stop());
  const store = (await freshStore('sqlite', 'watch'))!;
  t.after(() => store.close());
  const clock = movableClock('2026-11-30T00:00:00Z');
  const db = await advisoryDb([npmAdvisory('TEST-2026-0777', 'minimist', '1.2.6', '2026-11-28T00:00:00Z')], '2026-11-29T00:00:00Z');
  await putRules(store, [{ file: 'policies/prod.yaml', raw: criticalPolicy() }], clock.now());
  const runner = { store, clock, worker: 'w', handlers: assuranceHandlers({ store, openDb: () => openDb(db), scan: { scanner: { name: 'portcullis', version: 'test' } } }) };
  const repository = `${reg.host}/watched/app`;
  await push(`oci-archive:${slim}`, reg, 'watched/app:1');
  await addWatch(store, { repository, pipeline: 'prod', intervalSeconds: 60, concurrency: 2 }, clock.now());

  const scans = async () => store.db.selectFrom('scans').select(['tag', 'digest', 'verdict']).orderBy('id').execute();
  assert.deepEqual((await pollWatches(store, clock.now())).queued, 1);
  assert.equal(await drain(runner), 1);
  const first = await scans();
  assert.deepEqual(first.map((s) => s.tag), ['1']);
  assert.equal(first[0]!.verdict, 'pass');

  // not due yet, then due with nothing new: nothing queued
  clock.set('2026-11-30T00:00:30Z');
  assert.equal((await pollWatches(store, clock.now())).polled, 0);
  clock.set('2026-11-30T00:01:00Z');
  assert.deepEqual(await pollWatches(store, clock.now()), { polled: 1, queued: 0, errors: [] });

  // a new tag: scanned at the next poll, once
  await push(`docker-archive:${app}`, reg, 'watched/app:2');
  clock.set('2026-11-30T00:02:00Z');
  assert.equal((await pollWatches(store, clock.now())).queued, 1);
  await drain(runner);
  // tag 1 moves to the application image's digest: scanned again
  await push(`docker-archive:${app}`, reg, 'watched/app:1');
  clock.set('2026-11-30T00:03:00Z');
  assert.equal((await pollWatches(store, clock.now())).queued, 1);
  await drain(runner);
  clock.set('2026-11-30T00:04:00Z');
  assert.equal((await pollWatches(store, clock.now())).queued, 0);
  const all = await scans();
  assert.deepEqual(all.map((s) => s.tag), ['1', '2', '1']);
  assert.equal(all[1]!.digest, all[2]!.digest);
  assert.notEqual(all[0]!.digest, all[2]!.digest);
  assert.equal(all[1]!.verdict, 'fail', 'orders-api holds minimist 1.2.0');
  // the application image is one assured image of the pipeline, whatever its tags
  const assured = await store.db.selectFrom('assured_images').select(['digest', 'verdict']).orderBy('id').execute();
  assert.deepEqual(assured.map((a) => a.verdict), ['pass', 'fail']);
  const jobs = await store.db.selectFrom('jobs').select(['state']).execute();
  assert.ok(jobs.length === 3 && jobs.every((j) => j.state === 'done'));

  // a whole registry, by catalog listing: every repository's tags, each once
  await push(`oci-archive:${slim}`, reg, 'other/base:12');
  await addWatch(store, { repository: `${reg.host}/*`, pipeline: 'all', intervalSeconds: 60 }, clock.now());
  assert.deepEqual(await pollWatches(store, clock.now()), { polled: 1, queued: 3, errors: [] });
  const queued = await store.db.selectFrom('jobs').select('key').where('state', '=', 'queued').orderBy('key').execute();
  assert.deepEqual(queued.map((j) => j.key.replace(/@sha256:[0-9a-f]+$/, '')), [`scan:all:${reg.host}/other/base:12`, `scan:all:${reg.host}/watched/app:1`, `scan:all:${reg.host}/watched/app:2`]);
  clock.set('2026-11-30T00:05:00Z');
  assert.equal((await pollWatches(store, clock.now())).queued, 0);
});
