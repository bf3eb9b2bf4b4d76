import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { cyclonedxReporter, toCycloneDx } from './index.js';
import { licenseChoice } from './licenses.js';
import { sampleReport } from '../testdata/sample.js';
import { assertGolden, renderToString } from '../golden.js';
import { cyclonedxValidator } from '../schemas.js';

const golden = (n: string) => fileURLToPath(new URL(`./testdata/${n}`, import.meta.url));

test('cyclonedx 1.6 validates against the official schema, in both modes', () => {
  const validate = cyclonedxValidator();
  for (const mode of ['sbom', 'scan'] as const) {
    const doc = JSON.parse(JSON.stringify(toCycloneDx(sampleReport(), mode)));
    assert.equal(validate(doc), true, `${mode}: ${JSON.stringify(validate.errors, null, 1)}`);
  }
  const bad = JSON.parse(JSON.stringify(toCycloneDx(sampleReport(), 'scan')));
  bad.vulnerabilities[0].affects[0].versions[0].status = 'maybe';
  assert.equal(validate(bad), false);
});

test('cyclonedx golden files', async () => {
  assertGolden(await renderToString(cyclonedxReporter, sampleReport(), { mode: 'scan', color: false }), golden('scan.golden.cdx.json'));
  assertGolden(await renderToString(cyclonedxReporter, sampleReport(false), { mode: 'sbom', color: false }), golden('sbom.golden.cdx.json'));
});

test('vulnerabilities point at their component and keep aliases and the fix', () => {
  const doc = toCycloneDx(sampleReport(), 'scan') as { components: { 'bom-ref': string }[]; vulnerabilities: { id: string; affects: { ref: string }[]; references?: { id: string }[]; recommendation?: string; analysis?: { state: string } }[] };
  const v = doc.vulnerabilities.find((x) => x.id === 'CVE-2023-38545')!;
  assert.ok(doc.components.some((c) => c['bom-ref'] === v.affects[0]!.ref));
  assert.deepEqual(v.references!.map((r) => r.id), ['DSA-5523-1']);
  assert.equal(v.recommendation, 'upgrade curl to 7.88.1-10+deb12u4');
  assert.equal(doc.vulnerabilities.find((x) => x.id === 'CVE-2023-38545')!.analysis, undefined);
});

test('VEX: a suppression is accepted risk (exploitable), never not_affected without a justification', () => {
  type Doc = { vulnerabilities: { id: string; analysis?: { state: string; response?: string[]; detail?: string; justification?: string }; properties?: { name: string; value: string }[] }[] };
  const doc = JSON.parse(JSON.stringify(toCycloneDx(sampleReport(), 'scan'))) as Doc;
  const lodash = doc.vulnerabilities.find((x) => x.id === 'CVE-2020-8203')!;
  assert.deepEqual(lodash.analysis, { state: 'exploitable', response: ['update'], detail: 'not reachable' });
  assert.equal(lodash.properties!.find((p) => p.name === 'portcullis:suppression:rule')?.value, 'exception EXC-42');
  assert.equal(lodash.properties!.find((p) => p.name === 'portcullis:suppression:expires')?.value, '2026-12-31');
  // ignoreUnfixed on a finding without a fix: will_not_fix
  const r = sampleReport();
  const f = r.findings[1]!;
  if (f.kind !== 'vulnerability') throw new Error('sample changed');
  f.fixState = 'not-fixed';
  delete f.fixedVersion;
  r.decision!.suppressed = [{ findingId: f.id, by: 'ignore-unfixed', ruleId: 'vulnerabilities.ignoreUnfixed', policy: 'production', reason: 'no fixed version (fix state not-fixed)' }];
  const a = (toCycloneDx(r, 'scan') as Doc).vulnerabilities.find((x) => x.id === 'CVE-2020-8203')!.analysis!;
  assert.deepEqual(a, { state: 'exploitable', response: ['will_not_fix'], detail: 'no fixed version (fix state not-fixed)' });
  r.decision!.suppressed = [{ findingId: f.id, by: 'grace-period', ruleId: 'vulnerabilities.gracePeriod', policy: 'production' }];
  assert.equal((toCycloneDx(r, 'scan') as Doc).vulnerabilities.find((x) => x.id === 'CVE-2020-8203')!.analysis!.state, 'in_triage');
  // every output of every suppression kind validates and none claims not_affected
  const validate = cyclonedxValidator();
  for (const by of ['exception', 'policy-ignore', 'ignore-unfixed', 'grace-period', 'allowlist', 'app-only'] as const) {
    r.decision!.suppressed = [{ findingId: f.id, by, ruleId: 'x' }];
    const out = JSON.parse(JSON.stringify(toCycloneDx(r, 'scan'))) as Doc;
    assert.equal(validate(out), true, `${by}: ${JSON.stringify(validate.errors)}`);
    assert.ok(out.vulnerabilities.every((v) => v.analysis?.state !== 'not_affected'), by);
  }
});

test('the verdict and every violation with its fix travel in the metadata', () => {
  const doc = toCycloneDx(sampleReport(), 'scan') as { metadata: { component: { properties: { name: string; value: string }[] } }; vulnerabilities: { id: string; properties?: { name: string; value: string }[] }[] };
  const props = doc.metadata.component.properties;
  assert.equal(props.find((p) => p.name === 'portcullis:decision:verdict')?.value, 'fail');
  const violations = props.filter((p) => p.name === 'portcullis:decision:violation').map((p) => p.value);
  assert.deepEqual(violations, [
    'production/vulnerabilities: CVE-2023-38545 (critical) in curl 7.88.1-10+deb12u3 is at or above failOn high — fix: upgrade curl to 7.88.1-10+deb12u4',
    'production/user: the image runs as root (no USER) — fix: add USER 10001 to the Dockerfile',
  ]);
  const curl = doc.vulnerabilities.find((v) => v.id === 'CVE-2023-38545')!;
  assert.equal(curl.properties?.find((p) => p.name === 'portcullis:policy:violated')?.value, 'production/vulnerabilities');
});

test('licenses: ids, expressions and free text', () => {
  assert.deepEqual(licenseChoice(['mit']), [{ license: { id: 'MIT' } }]);
  assert.deepEqual(licenseChoice(['MIT OR Apache-2.0']), [{ expression: 'MIT OR Apache-2.0' }]);
  assert.deepEqual(licenseChoice(['Custom License v1']), [{ license: { name: 'Custom License v1' } }]);
  assert.equal(licenseChoice([]), undefined);
});
