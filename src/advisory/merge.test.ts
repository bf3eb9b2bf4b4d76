import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDb, openDb } from './index.js';
import { mergeRecords } from './store/writer.js';
import { fixedClock } from '../core/clock.js';
import { sharedOrSkip } from '../core/shared.js';

test('converted records with the same id from two sources keep both sources\' affected entries', () => {
  const a = { id: 'ALPINE-CVE-1', modified: '2024-01-01T00:00:00Z', aliases: ['CVE-1'], affected: [{ package: { ecosystem: 'Alpine:v3.10', name: 'openssl' } }] };
  const b = { id: 'ALPINE-CVE-1', modified: '2024-02-01T00:00:00Z', aliases: ['CVE-1'], affected: [{ package: { ecosystem: 'Alpine:v3.11', name: 'openssl' } }, { package: { ecosystem: 'Alpine:v3.10', name: 'openssl' } }] };
  const m = mergeRecords(a, b);
  assert.deepEqual(m.affected?.map((x) => x.package?.ecosystem), ['Alpine:v3.10', 'Alpine:v3.11']);
  assert.equal(m.modified, '2024-02-01T00:00:00Z');
  assert.deepEqual(m.aliases, ['CVE-1']);
});

test('secdb branches given as separate sources give the same DB as their common folder', async (t) => {
  const secdb = sharedOrSkip(t, 'data/alpine-secdb');
  if (!secdb) return;
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-merge-'));
  const clock = fixedClock('2026-08-22T00:00:00Z');
  await buildDb([join(secdb, 'v3.10'), join(secdb, 'v3.11')], join(dir, 'split.db'), { clock });
  await buildDb([secdb], join(dir, 'whole.db'), { clock });
  const split = openDb(join(dir, 'split.db'));
  const whole = openDb(join(dir, 'whole.db'));
  try {
    for (const eco of ['Alpine:v3.10', 'Alpine:v3.11']) {
      const counts = (db: typeof split) => db.counts()[eco]?.advisories;
      assert.ok((counts(split) ?? 0) > 1000, `${eco} records`);
      assert.equal(counts(split), counts(whole), eco);
    }
  } finally {
    split.close();
    whole.close();
  }
});
