import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DbMeta } from '../core/report.js';
import { dbGaps } from './gaps.js';

const meta: DbMeta = {
  schemaVersion: 1,
  builtAt: '2025-01-10T00:00:00.000Z',
  sources: [
    { name: 'osv:Go', kind: 'osv', records: 10 },
    { name: 'osv:PyPI', kind: 'osv', records: 10, updatedAt: '2025-01-08T00:00:00.000Z' },
    { name: 'kev', kind: 'kev', records: 1, updatedAt: '2025-01-09T00:00:00.000Z' },
  ],
  ecosystems: ['Debian:12', 'Go', 'PyPI'],
};

test('fresh DB, covered ecosystems: no gaps', () => {
  assert.deepEqual(dbGaps(meta, ['PyPI', 'Debian:12'], new Date('2025-01-11T00:00:00Z')), []);
});

test('age counts from the newest source, not the build time', () => {
  const g = dbGaps(meta, [], new Date('2025-01-12T01:00:00Z'));
  assert.equal(g.length, 1);
  assert.equal(g[0]?.reason, 'db-stale');
  assert.match(g[0]?.detail ?? '', /2025-01-09T00:00:00.000Z, 73 hours old \(limit 72\)/);
  assert.deepEqual(dbGaps(meta, [], new Date('2025-01-12T01:00:00Z'), 100), []);
});

test('uncovered ecosystems are listed once each, sorted; suffixes must match exactly', () => {
  const g = dbGaps(meta, ['npm', 'Debian:11', 'npm', 'PyPI'], new Date('2025-01-10T00:00:00Z'));
  assert.deepEqual(
    g.map((x) => [x.reason, x.subject]),
    [
      ['ecosystem-not-covered', 'Debian:11'],
      ['ecosystem-not-covered', 'npm'],
    ],
  );
});

test('a DB without any time is stale', () => {
  const g = dbGaps({ ...meta, builtAt: '', sources: [] }, [], new Date('2025-01-10T00:00:00Z'));
  assert.equal(g[0]?.reason, 'db-stale');
});
