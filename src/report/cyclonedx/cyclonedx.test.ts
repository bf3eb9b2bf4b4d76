import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { cyclonedxReporter, toCycloneDx } from './index.js';
import { licenseChoice } from './licenses.js';
import { sampleReport } from '../testdata/sample.js';
import { assertGolden, renderToString } from '../golden.js';
import { cyclonedxValidator } from '../schemas.js';
import { LazyArray } from '../stream.js';

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

test('dependencies: the resolved graph, each purl at the copy nearest its dependent, made as written', async () => {
  const r = sampleReport(false);
  const L2 = r.inventory.packages[1]!.layer!;
  const npm = (name: string, version: string, path: string, dependsOn?: string[]) => ({
    name, version, type: 'npm' as const, purl: `pkg:npm/${name}@${version}`, licenses: [], layer: L2, foundBy: 'npm-installed',
    locations: [{ path: `${path}/package.json`, layer: L2 }], ...(dependsOn ? { dependsOn } : {}),
  });
  r.inventory.packages.push(
    npm('express', '4.17.1', '/srv/app/node_modules/express', ['pkg:npm/qs@6.7.0', 'pkg:npm/gone@1.0.0']),
    npm('qs', '6.7.0', '/srv/app/node_modules/qs'),
    npm('qs', '6.7.0', '/srv/app/node_modules/express/node_modules/qs'),
    npm('body-parser', '1.19.0', '/srv/app/node_modules/body-parser', ['pkg:npm/qs@6.7.0']),
  );
  const lazy = toCycloneDx(r, 'sbom', true) as { dependencies: LazyArray<unknown> };
  assert.ok(lazy.dependencies instanceof LazyArray, 'streamed like the components');
  assert.equal(lazy.dependencies.length, 3, 'the image and the two packages with a graph');
  const doc = JSON.parse(JSON.stringify(toCycloneDx(r, 'sbom'))) as { dependencies: { ref: string; dependsOn: string[] }[] };
  assert.deepEqual(JSON.parse(JSON.stringify(lazy)).dependencies, doc.dependencies);
  const of = (ref: string) => doc.dependencies.find((d) => d.ref === ref)?.dependsOn;
  // indices: curl 0, lodash 1, express 2, qs 3 (hoisted), qs 4 (nested under express), body-parser 5
  assert.deepEqual(of('pkg:npm/express@4.17.1#2'), ['pkg:npm/qs@6.7.0#4'], 'the nested copy require() finds first; an unknown purl is dropped');
  assert.deepEqual(of('pkg:npm/body-parser@1.19.0#5'), ['pkg:npm/qs@6.7.0#3']);
  assert.equal(cyclonedxValidator()(doc), true);
  // streamed bytes equal the whole-string rendering
  const streamed = await renderToString(cyclonedxReporter, r, { mode: 'sbom', color: false });
  assert.deepEqual(JSON.parse(streamed).dependencies, doc.dependencies);
});
