import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { jsonReporter } from './index.js';
import { sampleReport } from '../testdata/sample.js';
import { assertGolden, renderToString } from '../golden.js';

test('json output is the report with sorted keys and a schema version', async () => {
  const out = await renderToString(jsonReporter, sampleReport(), { mode: 'scan', color: false });
  assertGolden(out, fileURLToPath(new URL('./testdata/scan.golden.json', import.meta.url)));
  const parsed = JSON.parse(out) as { schemaVersion: string; findings: unknown[] };
  assert.equal(parsed.schemaVersion, '1');
  assert.equal(parsed.findings.length, 3);
  // deterministic: same input, same bytes
  assert.equal(out, await renderToString(jsonReporter, sampleReport(), { mode: 'scan', color: false }));
});
