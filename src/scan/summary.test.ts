import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verdictLines } from './summary.js';
import { sampleReport } from '../report/testdata/sample.js';

test('one verdict line with counts of the whole report', () => {
  assert.deepEqual(verdictLines(sampleReport()), [
    'portcullis: FAILED shop/orders-api:1.4.2 (pipeline release-1): 2 violations, 0 warnings, 1 suppressed; findings: 1 critical, 1 high, 1 coverage gap',
  ]);
  const pass = sampleReport();
  pass.decision = { ...pass.decision!, verdict: 'pass', violations: [] };
  assert.match(verdictLines(pass)[0]!, /^portcullis: PASSED .*: 0 violations,/);
  assert.deepEqual(verdictLines(sampleReport(false)), ['portcullis: scanned shop/orders-api:1.4.2 (no policy): findings: 1 critical, 1 high, 1 coverage gap']);
});

test('stale DB gaps get a line each; hostile names cannot break or colour the line', () => {
  const r = sampleReport(false);
  r.findings.push({ id: 'gap:stale', kind: 'coverage-gap', title: 'db-stale', severity: 'unknown', reason: 'db-stale', subject: 'advisory-db', detail: 'the data is 200 hours old' });
  r.inventory.image.name = 'evil\u001b[2J\nportcullis: PASSED';
  const lines = verdictLines(r);
  assert.equal(lines.length, 2);
  assert.equal(lines[1], 'portcullis: advisory DB is stale: advisory-db: the data is 200 hours old; update it with `portcullis db update`');
  // eslint-disable-next-line no-control-regex
  assert.ok(lines.every((l) => !/[\u0000-\u001f]/.test(l)));
  assert.match(lines[0]!, /^portcullis: scanned evil \[2J portcullis: PASSED \(no policy\)/);
  assert.equal(verdictLines({ ...sampleReport(false), findings: [] })[0], 'portcullis: scanned shop/orders-api:1.4.2 (no policy): findings: no findings');
});
