import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { sarifReporter, toSarif } from './index.js';
import { sampleReport } from '../testdata/sample.js';
import { assertGolden, renderToString } from '../golden.js';
import { sarifValidator } from '../schemas.js';

test('sarif validates against the official SARIF 2.1.0 schema', () => {
  const validate = sarifValidator();
  const doc = JSON.parse(JSON.stringify(toSarif(sampleReport())));
  assert.equal(validate(doc), true, JSON.stringify(validate.errors, null, 1));
  // the validator is not vacuous
  doc.runs[0].results[0].level = 'fatal';
  assert.equal(validate(doc), false);
});

test('sarif golden file; GitHub needs security-severity, a location and a fingerprint per result', async () => {
  const out = await renderToString(sarifReporter, sampleReport(), { mode: 'scan', color: false });
  assertGolden(out, fileURLToPath(new URL('./testdata/scan.golden.sarif', import.meta.url)));
  const doc = JSON.parse(out);
  const run = doc.runs[0];
  const rule = run.tool.driver.rules.find((r: { id: string }) => r.id === 'CVE-2023-38545');
  assert.equal(rule.properties['security-severity'], '9.8');
  for (const r of run.results) {
    assert.ok(r.locations[0].physicalLocation.artifactLocation.uri.length > 0);
    assert.ok(!r.locations[0].physicalLocation.artifactLocation.uri.startsWith('/'));
    assert.ok(r.partialFingerprints['portcullis/v1']);
  }
  const suppressed = run.results.find((r: { ruleId: string }) => r.ruleId === 'CVE-2020-8203');
  assert.equal(suppressed.suppressions[0].justification, 'exception EXC-42: not reachable');
});
