import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runImporter, tempDir } from '../testutil.js';
import { importEpss, parseScoreDate } from './import.js';

const here = dirname(fileURLToPath(import.meta.url));

const run = (path: string): ReturnType<typeof runImporter> => runImporter(importEpss, path);

for (const file of ['epss.csv', 'epss.csv.gz']) {
  test(`EPSS ${file}: rows, score date, malformed rows skipped`, async () => {
    const r = await run(join(here, 'testdata', file));
    assert.deepEqual(r.items[0], { type: 'epss', cve: 'CVE-2021-44228', score: 0.94358, percentile: 0.99961, date: '2025-08-25' });
    assert.equal(r.items.length, 3);
    assert.equal(r.warnings.length, 3);
    assert.equal(r.updated, '2025-08-25T12:55:00.000Z');
  });
}

test('score dates in both published spellings', () => {
  assert.equal(parseScoreDate('2025-08-25T12:55:00+0000'), '2025-08-25T12:55:00.000Z');
  assert.equal(parseScoreDate('2025-08-25T12:55:00Z'), '2025-08-25T12:55:00.000Z');
  assert.equal(parseScoreDate('tomorrow'), undefined);
});

test('a CSV without the EPSS header is a whole-source error', async (t) => {
  const p = join(tempDir(t), 'x.csv');
  writeFileSync(p, 'a,b,c\n1,2,3\n');
  await assert.rejects(run(p), /expected header/);
});
