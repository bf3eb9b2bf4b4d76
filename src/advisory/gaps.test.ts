import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DbMeta } from '../core/report.js';
import { dataTime, dbGaps, judgeSources } from './gaps.js';

const meta: DbMeta = {
  schemaVersion: 1,
  builtAt: '2025-01-10T00:00:00.000Z',
  sources: [
    { name: 'osv:Go', kind: 'osv', records: 10, updatedAt: '2025-01-07T00:00:00.000Z', ecosystems: ['Go'] },
    { name: 'osv:PyPI', kind: 'osv', records: 10, updatedAt: '2025-01-08T00:00:00.000Z', ecosystems: ['PyPI'] },
    { name: 'debian-tracker:bookworm.json', kind: 'debian-tracker', records: 5, ecosystems: ['Debian:12'] },
    { name: 'kev', kind: 'kev', records: 1, updatedAt: '2025-01-09T00:00:00.000Z' },
  ],
  ecosystems: ['Debian:12', 'Go', 'PyPI'],
};

test('fresh sources for the ecosystems needed, covered: no gaps', () => {
  assert.deepEqual(dbGaps(meta, ['PyPI', 'Go'], new Date('2025-01-10T00:00:00Z')), []);
});

test('each source is judged for the ecosystems it serves; KEV never makes advisories fresh', () => {
  // PyPI data 73 h old: stale, although KEV (a day newer) is within the limit
  const g = dbGaps(meta, ['PyPI'], new Date('2025-01-11T01:00:00Z'));
  assert.deepEqual(g.map((x) => [x.reason, x.subject]), [['db-stale', 'advisory source osv:PyPI']]);
  assert.equal(g[0]!.subject, 'advisory source osv:PyPI');
  assert.match(g[0]!.detail, /^for PyPI: data from 2025-01-08T00:00:00.000Z, 73 hours old \(limit 72\)/);
  assert.deepEqual(dbGaps(meta, ['PyPI'], new Date('2025-01-11T01:00:00Z'), 100), []);
  // an old Go source is a gap only for images that need Go, whatever the newest source says
  assert.deepEqual(dbGaps(meta, ['PyPI', 'Go'], new Date('2025-01-10T12:00:00Z')).map((x) => x.subject), ['advisory source osv:Go']);
  assert.deepEqual(dbGaps(meta, ['PyPI'], new Date('2025-01-10T12:00:00Z')), []);
});

test('two-year-old OSV data plus a fresh KEV file is stale', () => {
  const m: DbMeta = {
    schemaVersion: 1,
    builtAt: '2026-11-29T00:00:00.000Z',
    sources: [
      { name: 'osv:npm', kind: 'osv', records: 100, updatedAt: '2024-11-01T00:00:00.000Z', ecosystems: ['npm'] },
      { name: 'kev:known_exploited_vulnerabilities.json', kind: 'kev', records: 1400, updatedAt: '2026-11-28T00:00:00.000Z' },
      { name: 'epss:epss.csv', kind: 'epss', records: 1400, updatedAt: '2026-11-28T00:00:00.000Z' },
    ],
    ecosystems: ['npm'],
  };
  const g = dbGaps(m, ['npm'], new Date('2026-11-29T00:00:00Z'));
  assert.deepEqual(g.map((x) => [x.reason, x.subject]), [['db-stale', 'advisory source osv:npm']]);
  assert.equal(dataTime(m), '2024-11-01T00:00:00.000Z', 'the data time shown is the oldest advisory source, never KEV/EPSS');
});

test('a feed without a timestamp is a gap (data time unknown), not fresh at build time', () => {
  const g = dbGaps(meta, ['Debian:12'], new Date('2025-01-10T00:00:00Z'));
  assert.deepEqual(g.map((x) => [x.reason, x.subject]), [['db-stale', 'advisory source debian-tracker:bookworm.json']]);
  assert.match(g[0]!.detail, /^for Debian:12: data time unknown/);
  assert.equal(dataTime(meta), undefined);
});

test('a data time in the future is not believed', () => {
  const m: DbMeta = { ...meta, sources: [{ name: 'osv:npm', kind: 'osv', records: 1, updatedAt: '2099-01-01T00:00:00Z', ecosystems: ['npm'] }], ecosystems: ['npm'] };
  const g = dbGaps(m, ['npm'], new Date('2025-01-10T00:00:00Z'));
  assert.equal(g.length, 1);
  assert.match(g[0]!.detail, /in the future/);
});

test('an old DB without per-source ecosystems is judged conservatively: every advisory source counts', () => {
  const old: DbMeta = {
    ...meta,
    sources: [
      { name: 'osv:Go', kind: 'osv', records: 10, updatedAt: '2024-01-07T00:00:00.000Z' },
      { name: 'osv:PyPI', kind: 'osv', records: 10, updatedAt: '2025-01-09T00:00:00.000Z' },
      { name: 'kev', kind: 'kev', records: 1, updatedAt: '2025-01-09T00:00:00.000Z' },
    ],
  };
  const g = dbGaps(old, ['PyPI'], new Date('2025-01-10T00:00:00Z'));
  assert.deepEqual(g.map((x) => x.subject), ['advisory source osv:Go']);
  assert.match(g[0]!.detail, /for every ecosystem \(this DB does not record/);
  const j = judgeSources(old, ['PyPI'], new Date('2025-01-10T00:00:00Z'), 72);
  assert.deepEqual(j.map((x) => [x.source, x.state, x.ecosystemsKnown]), [['osv:Go', 'stale', false], ['osv:PyPI', 'fresh', false]]);
});

test('nothing needed: nothing judged; `all` judges every advisory source (db status)', () => {
  assert.deepEqual(dbGaps(meta, [], new Date('2030-01-01T00:00:00Z')), []);
  const all = dbGaps(meta, 'all', new Date('2025-01-10T01:00:00Z'));
  assert.deepEqual(all.map((x) => x.subject), ['advisory source debian-tracker:bookworm.json', 'advisory source osv:Go']);
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
