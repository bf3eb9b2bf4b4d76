import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { toJunit } from './index.js';
import { sampleReport } from '../testdata/sample.js';
import { assertGolden } from '../golden.js';

const golden = (n: string) => fileURLToPath(new URL(`./testdata/${n}`, import.meta.url));

test('junit with a decision: violations fail, suppressed are skipped', () => {
  const xml = toJunit(sampleReport());
  assertGolden(xml, golden('decision.golden.xml'));
  assert.match(xml, /<testsuites name="portcullis shop\/orders-api:1.4.2" tests="3" failures="2"/);
  assert.match(xml, /<skipped message="exception EXC-42: not reachable"\/>/);
});

test('junit without a decision: every vulnerability and gap is a failure', () => {
  const xml = toJunit(sampleReport(false));
  assertGolden(xml, golden('scan.golden.xml'));
  assert.match(xml, /failures="3"/);
  assert.match(xml, /coverage: not checked/);
});

test('junit escapes hostile text', () => {
  const r = sampleReport(false);
  const f = r.findings[0]!;
  f.title = '<script>"&\u0001</script>';
  const xml = toJunit(r);
  assert.doesNotMatch(xml, /<script>/);
  assert.match(xml, /&lt;script&gt;&quot;&amp;&lt;\/script&gt;/);
});
