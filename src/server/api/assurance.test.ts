// The continuous-assurance routes: watches (validated, listed, removed), re-evaluation on demand, the
// job queue and its dead letters (admin only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { client, freshStore, movableClock, serverOn, tokenFor, T0 } from '../testkit.js';
import { enqueue, claim, fail } from '../queue/queue.js';

test('watches, reevaluations and dead letters through the API', async (t) => {
  const store = (await freshStore('sqlite', 'assurance_api'))!;
  const clock = movableClock(T0);
  const server = await serverOn(store, clock);
  t.after(() => server.close());
  const kicks: string[] = [];
  server.ctx.jobs = { kick: () => void kicks.push('kick') };
  const sec = client(server, await tokenFor(store, 'security', [], 'sec', clock));
  const admin = client(server, await tokenFor(store, 'admin', [], 'adm', clock));
  const viewer = client(server, await tokenFor(store, 'viewer', [], 'view', clock));

  assert.equal((await sec('POST', '/api/v1/watches', { repository: 'no-registry-here', pipeline: 'prod' })).status, 400);
  assert.equal((await sec('POST', '/api/v1/watches', { repository: 'registry.example.com/team/app', pipeline: 'prod', intervalSeconds: 5 })).status, 400, 'interval below 30 s');
  const made = await sec('POST', '/api/v1/watches', { repository: 'registry.example.com/team/app', pipeline: 'prod', intervalSeconds: 600, concurrency: 2 });
  assert.equal(made.status, 201, made.text);
  assert.equal((await viewer('POST', '/api/v1/watches', { repository: 'registry.example.com/team/b', pipeline: 'prod' })).status, 403);
  const listed = await viewer('GET', '/api/v1/watches');
  assert.deepEqual(listed.json.items.map((w: { repository: string; intervalSeconds: number }) => [w.repository, w.intervalSeconds]), [['registry.example.com/team/app', 600]]);
  assert.equal((await sec('DELETE', `/api/v1/watches/${made.json.id}`)).status, 200);
  assert.equal((await sec('DELETE', `/api/v1/watches/${made.json.id}`)).status, 404);

  const plan = await sec('POST', '/api/v1/reevaluations', { reason: 'expiry' });
  assert.equal(plan.status, 202, plan.text);
  assert.equal(plan.json.images, 0);
  assert.ok(kicks.length >= 2);

  await enqueue(store, [{ queue: 'reevaluate', key: 'k', payload: {}, maxAttempts: 1 }], clock.now());
  const job = (await claim(store, ['reevaluate'], 'w', 1000, clock.now()))!;
  await fail(store, job, 'w', 'worker DB differs', clock.now());
  assert.equal((await sec('GET', '/api/v1/jobs?state=dead')).status, 403, 'admin only');
  const dead = await admin('GET', '/api/v1/jobs?state=dead');
  assert.deepEqual([dead.json.counts.dead, dead.json.items[0].lastError], [1, 'worker DB differs']);
  assert.equal((await admin('POST', `/api/v1/jobs/${job.id}/retry`)).status, 200);
  assert.equal((await admin('POST', `/api/v1/jobs/${job.id}/retry`)).status, 404, 'no longer dead');
});
