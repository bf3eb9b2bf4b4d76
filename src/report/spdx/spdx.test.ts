import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spdxReporter, toSpdx, spdxDate } from './index.js';
import { sampleReport } from '../testdata/sample.js';
import { assertGolden, renderToString } from '../golden.js';
import { SPDX_SCHEMA, spdxValidator } from '../schemas.js';
import { sharedOrSkip } from '../../core/shared.js';
import { collectInventory } from '../../scan/collect.js';
import type { ScanReport } from '../../core/report.js';

const testdata = fileURLToPath(new URL('./testdata/', import.meta.url));

type Doc = { packages?: { SPDXID: string }[]; relationships?: { spdxElementId: string; relatedSpdxElement: string }[] };

/** What the JSON Schema cannot say: unique SPDX ids, and relationships that point at elements that exist. */
function referenceProblems(doc: Doc): string[] {
  const problems: string[] = [];
  const ids = new Set<string>(['SPDXRef-DOCUMENT']);
  for (const p of doc.packages ?? []) {
    if (!/^SPDXRef-[A-Za-z0-9.-]+$/.test(p.SPDXID)) problems.push(`bad SPDXID ${p.SPDXID}`);
    if (ids.has(p.SPDXID)) problems.push(`duplicate SPDXID ${p.SPDXID}`);
    ids.add(p.SPDXID);
  }
  for (const r of doc.relationships ?? []) {
    for (const end of [r.spdxElementId, r.relatedSpdxElement]) if (!ids.has(end)) problems.push(`relationship to unknown element ${end}`);
  }
  return problems;
}

test('spdx 2.3 output validates against the official schema, with custom licenses', (t) => {
  if (!sharedOrSkip(t, SPDX_SCHEMA)) return;
  const validate = spdxValidator();
  const r = sampleReport(false);
  r.inventory.packages[1]!.licenses = ['MIT', 'Some Custom License'];
  const doc = JSON.parse(JSON.stringify(toSpdx(r)));
  assert.equal(validate(doc), true, JSON.stringify(validate.errors, null, 1));
  assert.deepEqual(referenceProblems(doc), []);
  const lodash = doc.packages.find((p: { name: string }) => p.name === 'lodash');
  assert.equal(lodash.licenseDeclared, 'MIT AND LicenseRef-Some-Custom-License');
  assert.equal(doc.hasExtractedLicensingInfos[0].extractedText, 'Some Custom License');
  assert.equal(doc.packages.find((p: { primaryPackagePurpose?: string }) => p.primaryPackagePurpose === 'OPERATING_SYSTEM').name, 'debian');
  // the validator is not vacuous: the enum spelling of the old output, and a missing required field, fail
  const os = doc.packages.find((p: { primaryPackagePurpose?: string }) => p.primaryPackagePurpose === 'OPERATING_SYSTEM');
  os.primaryPackagePurpose = 'OPERATING-SYSTEM';
  assert.equal(validate(doc), false);
  os.primaryPackagePurpose = 'OPERATING_SYSTEM';
  delete doc.packages[0].downloadLocation;
  assert.equal(validate(doc), false);
  assert.deepEqual(referenceProblems({ packages: [{ SPDXID: 'SPDXRef-a' }], relationships: [{ spdxElementId: 'SPDXRef-a', relatedSpdxElement: 'SPDXRef-b' }] }), ['relationship to unknown element SPDXRef-b']);
});

test('every SPDX golden file validates against the official schema', (t) => {
  if (!sharedOrSkip(t, SPDX_SCHEMA)) return;
  const validate = spdxValidator();
  const files = readdirSync(testdata).filter((f) => f.endsWith('.spdx.json'));
  assert.ok(files.length > 0);
  for (const f of files) {
    const doc = JSON.parse(readFileSync(testdata + f, 'utf8'));
    assert.equal(validate(doc), true, `${f}: ${JSON.stringify(validate.errors, null, 1)}`);
    assert.deepEqual(referenceProblems(doc), [], f);
  }
});

test('a generated SBOM of the real orders-api image validates against the official schema', async (t) => {
  const image = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!image || !sharedOrSkip(t, SPDX_SCHEMA)) return;
  const inventory = await collectInventory(image, {});
  const report: ScanReport = { schemaVersion: '1', scanner: { name: 'portcullis', version: 'test' }, createdAt: '2026-11-29T12:00:00.000Z', inventory, findings: [] };
  const doc = JSON.parse(await renderToString(spdxReporter, report, { mode: 'sbom', color: false }));
  const validate = spdxValidator();
  assert.equal(validate(doc), true, JSON.stringify(validate.errors?.slice(0, 5), null, 1));
  assert.deepEqual(referenceProblems(doc), []);
  assert.ok(doc.packages.length > 100, `orders-api has hundreds of packages, got ${doc.packages.length}`);
});

test('spdx golden file', async () => {
  assertGolden(await renderToString(spdxReporter, sampleReport(false), { mode: 'sbom', color: false }), fileURLToPath(new URL('./testdata/sbom.golden.spdx.json', import.meta.url)));
});

test('dates drop fractions of a second', () => {
  assert.equal(spdxDate('2026-11-29T12:00:00.123Z'), '2026-11-29T12:00:00Z');
});
