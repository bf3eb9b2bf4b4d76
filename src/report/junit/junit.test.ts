import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateXML } from 'xmllint-wasm';
import { toJunit } from './index.js';
import { sampleReport } from '../testdata/sample.js';
import { assertGolden } from '../golden.js';
import type { ScanReport } from '../../core/report.js';

const testdata = fileURLToPath(new URL('./testdata/', import.meta.url));
const golden = (n: string) => testdata + n;
const XSD = readFileSync(golden('junit-10.xsd'), 'utf8');

/** libxml2's XSD validation (xmllint, compiled to WebAssembly) against the xunit plugin's junit-10.xsd. */
async function xsdErrors(xml: string): Promise<string[]> {
  const r = await validateXML({ xml: { fileName: 'report.xml', contents: xml }, schema: { fileName: 'junit-10.xsd', contents: XSD } });
  return r.errors.map((e) => e.rawMessage);
}

/** What Jenkins' junit plugin counts: failing cases (failure or error) make the build UNSTABLE. */
function jenkinsCounts(xml: string): { tests: number; failed: number; skipped: number } {
  const cases = xml.split('<testcase ').slice(1);
  return {
    tests: cases.length,
    failed: cases.filter((c) => /^[^]*?<(failure|error)[\s>]/.test(c.split('</testcase>')[0]!)).length,
    skipped: cases.filter((c) => c.split('</testcase>')[0]!.includes('<skipped')).length,
  };
}

test('every JUnit golden file is valid against the xunit plugin XSD', async () => {
  const files = readdirSync(testdata).filter((f) => f.endsWith('.xml'));
  assert.ok(files.length >= 2);
  for (const f of files) assert.deepEqual(await xsdErrors(readFileSync(golden(f), 'utf8')), [], f);
  // the validator is not vacuous
  assert.notDeepEqual(await xsdErrors('<testsuites><testsuite name="x"><testcase/></testsuite></testsuites>'), []);
  assert.notDeepEqual(await xsdErrors('<testsuites><testsuite tests="1"><testcase name="a"><failed/></testcase></testsuite></testsuites>'), []);
});

test('junit with a failing decision: blocking violations fail, suppressed are skipped', async () => {
  const xml = toJunit(sampleReport());
  assertGolden(xml, golden('decision.golden.xml'));
  assert.match(xml, /<testsuites name="portcullis shop\/orders-api:1.4.2" tests="3" failures="2"/);
  assert.match(xml, /<skipped message="exception EXC-42: not reachable"\/>/);
  assert.deepEqual(jenkinsCounts(xml), { tests: 3, failed: 2, skipped: 1 });
  assert.deepEqual(await xsdErrors(xml), []);
});

test('junit without a decision: the gate passes, so nothing fails; gaps are skipped, never green', async () => {
  const r = sampleReport(false);
  r.findings.push({ id: 'vulnerability:u', kind: 'vulnerability', title: 'unimportant', severity: 'negligible', advisoryId: 'CVE-2011-3374', aliases: [], package: { name: 'apt', version: '2.6.1', type: 'deb', purl: 'pkg:deb/debian/apt@2.6.1' }, installedVersion: '2.6.1', fixState: 'unimportant', cvss: [], dataSource: 'debian-tracker', urls: [] });
  const xml = toJunit(r);
  assert.deepEqual(jenkinsCounts(xml), { tests: 4, failed: 0, skipped: 1 });
  assert.match(xml, /failures="0" errors="0"/);
  assert.match(xml, /<system-out>CVE-2011-3374 \(negligible\) in apt 2.6.1: unimportant/);
  assert.match(xml, /coverage: not checked/);
  assert.deepEqual(await xsdErrors(xml), []);
  assertGolden(toJunit(sampleReport(false)), golden('scan.golden.xml'));
});

test('failures mirror the verdict: warnings and audit violations are reported without failing', async () => {
  const r: ScanReport = sampleReport();
  const d = r.decision!;
  d.warnings = [{ policy: 'production', control: 'labels', message: 'label org.opencontainers.image.revision is missing', enforcement: 'audit' }];
  d.violations = [{ ...d.violations[1]!, enforcement: 'audit' }];
  d.verdict = 'pass';
  const passed = toJunit(r);
  assert.equal(jenkinsCounts(passed).failed, 0);
  assert.match(passed, /<system-out>warning \(audit\): label org.opencontainers.image.revision is missing<\/system-out>/);
  assert.deepEqual(await xsdErrors(passed), []);
  // a failed verdict always shows a failing case, even when no violation is blocking
  d.verdict = 'fail';
  const failed = toJunit(r);
  assert.equal(jenkinsCounts(failed).failed, 1);
  assert.match(failed, /<testcase name="pipeline release-1 failed"/);
  // could not decide: an error, which Jenkins also counts as failed
  d.verdict = 'error';
  const error = toJunit(r);
  assert.match(error, /<error message="the gate could not decide"/);
  assert.match(error, /errors="1"/);
  assert.deepEqual(await xsdErrors(error), []);
});

test('junit escapes hostile text and stays valid', async () => {
  const r = sampleReport(false);
  const f = r.findings[0]!;
  f.title = '<script>"&\u0001</script>]]><!-- \ud800';
  const xml = toJunit(r);
  assert.doesNotMatch(xml, /<script>/);
  assert.match(xml, /&lt;script&gt;&quot;&amp;&lt;\/script&gt;/);
  assert.deepEqual(await xsdErrors(xml), []);
});
