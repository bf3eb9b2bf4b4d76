import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedOrSkip } from '../../core/shared.js';
import { runImporter, tempDir } from '../testutil.js';
import { importKev } from './import.js';

const here = dirname(fileURLToPath(import.meta.url));

const run = (path: string): ReturnType<typeof runImporter> => runImporter(importKev, path);

test('KEV catalog rows; malformed rows are skipped with warnings', async () => {
  const r = await run(join(here, 'testdata', 'kev.json'));
  assert.deepEqual(r.items, [
    { type: 'kev', cve: 'CVE-2021-44228', dateAdded: '2021-12-10', dueDate: '2021-12-24', ransomware: true },
    { type: 'kev', cve: 'CVE-2023-4911', dateAdded: '2023-11-21', dueDate: '2023-12-12', ransomware: false },
  ]);
  assert.equal(r.warnings.length, 3);
  assert.equal(r.updated, '2025-01-02T10:00:00.000Z');
});

test('not a catalog is a whole-source error', async (t) => {
  const p = join(tempDir(t), 'k.json');
  writeFileSync(p, '{"vulns": []}');
  await assert.rejects(run(p), /not a KEV catalog/);
});

test('real data: the shared KEV catalog flags log4shell', async (t) => {
  const p = sharedOrSkip(t, 'data/kev/known_exploited_vulnerabilities.json');
  if (!p) return;
  const r = await run(p);
  assert.equal(r.items.length, 1404);
  assert.equal(r.warnings.length, 0);
  assert.ok(r.items.some((i) => i.type === 'kev' && i.cve === 'CVE-2021-44228' && i.ransomware === true));
});
