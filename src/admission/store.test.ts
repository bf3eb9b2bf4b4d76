// The webhook's decision lookup on the server's store, SQLite and PostgreSQL ($PORTCULLIS_TEST_PG or a
// local cluster; skipped with a reason when neither can run): the newest decision per (pipeline,
// digest) wins, reports without a decision and other pipelines do not count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insertScan, latestDecision } from '../server/store/scans.js';
import { freshStore, type Backend } from '../server/testkit.js';
import { record } from './testkit.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  test(`latest decision per pipeline and digest (${backend})`, async (t) => {
    const store = await freshStore(backend, `admission_${process.pid}`);
    if (!store) return t.skip('PostgreSQL cannot run here');
    try {
      const at = new Date('2026-03-01T10:00:00Z');
      const put = (pipeline: string, digest: string, verdict: 'pass' | 'fail', withDecision = true) =>
        insertScan(store, { pipeline, repository: 'r.example/shop/api', tag: '1', digest, verdict, report: {}, decision: withDecision ? record({ name: 'r.example/shop/api', digest, pipeline, verdict, evaluatedAt: at.toISOString() }) : undefined, by: 'ci', at });
      assert.equal(await latestDecision(store, 'prod-cluster', D1), undefined);
      await put('prod-cluster', D1, 'fail');
      await put('prod-cluster', D1, 'pass');
      await put('prod-cluster', D1, 'fail', false); // a report without a decision does not count
      await put('dev', D1, 'fail');
      await put('prod-cluster', D2, 'fail');
      assert.equal((await latestDecision(store, 'prod-cluster', D1) as { verdict: string }).verdict, 'pass');
      assert.equal((await latestDecision(store, 'dev', D1) as { verdict: string }).verdict, 'fail');
      assert.equal((await latestDecision(store, 'prod-cluster', D2) as { verdict: string }).verdict, 'fail');
      assert.equal(await latestDecision(store, "prod-cluster' OR 1=1 --", D1), undefined);
    } finally {
      await store.close();
    }
  });
}
