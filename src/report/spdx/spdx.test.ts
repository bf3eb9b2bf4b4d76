import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { spdxReporter, toSpdx, spdxDate } from './index.js';
import { spdxDocument, spdxProblems } from './model.js';
import { sampleReport } from '../testdata/sample.js';
import { assertGolden, renderToString } from '../golden.js';

test('spdx 2.3 document satisfies the spec model', () => {
  const r = sampleReport(false);
  r.inventory.packages[1]!.licenses = ['MIT', 'Some Custom License'];
  const doc = JSON.parse(JSON.stringify(toSpdx(r)));
  const parsed = spdxDocument.safeParse(doc);
  assert.equal(parsed.success, true, parsed.success ? '' : JSON.stringify(parsed.error.issues));
  assert.deepEqual(spdxProblems(parsed.data!), []);
  const lodash = doc.packages.find((p: { name: string }) => p.name === 'lodash');
  assert.equal(lodash.licenseDeclared, 'MIT AND LicenseRef-Some-Custom-License');
  assert.equal(doc.hasExtractedLicensingInfos[0].extractedText, 'Some Custom License');
  // the model is not vacuous
  assert.equal(spdxDocument.safeParse({ ...doc, creationInfo: { created: '2026-11-29T12:00:00.000Z', creators: ['portcullis'] } }).success, false);
});

test('spdx golden file', async () => {
  assertGolden(await renderToString(spdxReporter, sampleReport(false), { mode: 'sbom', color: false }), fileURLToPath(new URL('./testdata/sbom.golden.spdx.json', import.meta.url)));
});

test('dates drop fractions of a second', () => {
  assert.equal(spdxDate('2026-11-29T12:00:00.123Z'), '2026-11-29T12:00:00Z');
});
