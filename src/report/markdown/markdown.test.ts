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

test('markdown for a huge image stays under GitHub\'s comment limit, whole lines, details closed, with a note', async () => {
  const { COMMENT_LIMIT } = await import('./index.js');
  const r = sampleReport();
  const v = r.findings.find((f) => f.kind === 'vulnerability')!;
  for (let i = 0; i < 3000; i++) r.findings.push({ ...v, id: `vulnerability:${i}`, advisoryId: `CVE-2099-${10000 + i}` });
  const md = toMarkdown(r);
  assert.ok(md.length <= COMMENT_LIMIT, `${md.length} characters`);
  assert.match(md, /Truncated to fit a pull-request comment/);
  assert.equal((md.match(/<details>/g) ?? []).length, (md.match(/<\/details>/g) ?? []).length);
  assert.match(md, /<sub>portcullis/);
});
