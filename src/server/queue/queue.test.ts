// The job queue on both backends: idempotent enqueue, leases (a dead worker's job is claimed again),
// fenced completion (only the current attempt stores a result), retries with backoff, dead letters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freshStore, movableClock, type Backend } from '../testkit.js';
import { backoffMs, claim, complete, countJobs, enqueue, listJobs, retryDead } from './queue.js';
import { drain } from './runner.js';

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  test(`${backend}: enqueue is idempotent by key; a lease that runs out lets another worker claim the job; only its run stores the result`, async (t) => {
    const store = await freshStore(backend, 'queue_lease');
    if (!store) return t.skip('SKIPPED: PostgreSQL not available');
    t.after(() => store.close());
    const clock = movableClock('2026-11-30T00:00:00Z');
    assert.equal(await enqueue(store, [{ queue: 'q', key: 'k1', payload: { n: 1 } }, { queue: 'q', key: 'k1', payload: { n: 2 } }], clock.now()), 1);
    const a = await claim(store, ['q'], 'A', 1000, clock.now());
    assert.deepEqual([a?.key, a?.attempts, a?.payload], ['k1', 1, { n: 1 }]);
    assert.equal(await claim(store, ['q'], 'B', 1000, clock.now()), undefined, 'held by A');
    clock.set('2026-11-30T00:00:02Z'); // A died: its lease ran out
    const b = await claim(store, ['q'], 'B', 1000, clock.now());
    assert.deepEqual([b?.key, b?.attempts, b?.lockedBy], ['k1', 2, 'B']);
    assert.equal(await complete(store, a!, 'A', 'from A', clock.now()), false, 'a stale attempt cannot finish the job');
    assert.equal(await complete(store, b!, 'B', 'from B', clock.now()), true);
    const [done] = await listJobs(store, { limit: 10 });
    assert.deepEqual([done?.state, done?.result], ['done', 'from B']);
  });

  test(`${backend}: failures retry with backoff, then the job is a dead letter that can be retried`, async (t) => {
    const store = await freshStore(backend, 'queue_dead');
    if (!store) return t.skip('SKIPPED: PostgreSQL not available');
    t.after(() => store.close());
    const clock = movableClock('2026-11-30T00:00:00Z');
    await enqueue(store, [{ queue: 'q', key: 'boom', payload: {}, maxAttempts: 2 }], clock.now());
    let calls = 0;
    const runner = { store, clock, worker: 'W', handlers: { q: async () => { calls++; throw new Error('no DB'); } } };
    assert.equal(await drain(runner), 1);
    assert.equal(await drain(runner), 0, 'not due before the backoff');
    clock.set(new Date(clock.now().getTime() + backoffMs(1)).toISOString());
    assert.equal(await drain(runner), 1);
    assert.equal(calls, 2);
    const [dead] = await listJobs(store, { state: 'dead', limit: 10 });
    assert.deepEqual([dead?.key, dead?.attempts, dead?.lastError], ['boom', 2, 'no DB']);
    assert.deepEqual(await countJobs(store), { queued: 0, running: 0, done: 0, dead: 1 });
    assert.equal(await retryDead(store, dead!.id, clock.now()), true);
    const ok = { ...runner, handlers: { q: async () => 'fixed' } };
    assert.equal(await drain(ok), 1);
    assert.deepEqual(await countJobs(store), { queued: 0, running: 0, done: 1, dead: 0 });
  });

  test(`${backend}: a job whose workers keep dying ends dead after max attempts`, async (t) => {
    const store = await freshStore(backend, 'queue_dying');
    if (!store) return t.skip('SKIPPED: PostgreSQL not available');
    t.after(() => store.close());
    const clock = movableClock('2026-11-30T00:00:00Z');
    await enqueue(store, [{ queue: 'q', key: 'k', payload: {}, maxAttempts: 2 }], clock.now());
    for (let i = 0; i < 2; i++) {
      assert.ok(await claim(store, ['q'], `W${i}`, 1000, clock.now()));
      clock.advanceDays(1);
    }
    assert.equal(await claim(store, ['q'], 'W3', 1000, clock.now()), undefined);
    const [dead] = await listJobs(store, { state: 'dead', limit: 1 });
    assert.match(dead!.lastError!, /out of attempts/);
  });
}
