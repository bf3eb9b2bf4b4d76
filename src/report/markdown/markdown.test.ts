import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { toMarkdown } from './index.js';
import { sampleReport } from '../testdata/sample.js';
import { assertGolden } from '../golden.js';

test('markdown summary for pull requests', () => {
  const md = toMarkdown(sampleReport());
  assertGolden(md, fileURLToPath(new URL('./testdata/scan.golden.md', import.meta.url)));
  assert.match(md, /❌ \*\*Failed\*\*/);
  assert.match(md, /\| 1 \| 1 \| 0 \| 0 \| 0 \| 0 \| 1 \|/);
  assert.match(md, /Fix: upgrade curl to 7\.88\.1-10\+deb12u4/);
});

test('markdown escapes table-breaking text', () => {
  const r = sampleReport(false);
  const f = r.findings[0]!;
  if (f.kind === 'vulnerability') f.advisoryId = 'X|<img src=x>';
  const md = toMarkdown(r);
  assert.match(md, /X\\\|&lt;img src=x&gt;/);
});
