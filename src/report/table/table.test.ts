import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { tableReporter } from './index.js';
import { sampleReport } from '../testdata/sample.js';
import { assertGolden, renderToString } from '../golden.js';

const golden = (n: string) => fileURLToPath(new URL(`./testdata/${n}`, import.meta.url));

test('table scan output matches the golden file', async () => {
  const out = await renderToString(tableReporter, sampleReport(), { mode: 'scan', color: false });
  assertGolden(out, golden('scan.golden.txt'));
  assert.match(out, /Verdict {3}FAIL/);
  assert.match(out, /fix: upgrade curl to 7\.88\.1-10\+deb12u4/);
  assert.equal(out.includes('\x1b['), false);
});

test('table sbom output lists packages with layers', async () => {
  const out = await renderToString(tableReporter, sampleReport(false), { mode: 'sbom', color: false });
  assertGolden(out, golden('sbom.golden.txt'));
  assert.match(out, /Packages {2}1 deb · 1 npm/);
});

test('colour only when asked', async () => {
  const out = await renderToString(tableReporter, sampleReport(), { mode: 'scan', color: true });
  assert.ok(out.includes('\x1b[1;31mCRITICAL'));
});
