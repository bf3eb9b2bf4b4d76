import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PortcullisError } from '../../core/errors.js';
import { makeZip, osvRecord, tempDir } from '../testutil.js';
import { DEFAULT_LIMITS, type ImportItem } from '../types.js';
import { importOsv } from './import.js';
import { checkRecord } from './validate.js';

async function collect(path: string, limits = DEFAULT_LIMITS) {
  const warnings: string[] = [];
  const feeds: string[] = [];
  const items: ImportItem[] = [];
  for await (const it of importOsv(path, { warn: (w) => warnings.push(w), setUpdatedAt: () => undefined, limits, beginFeed: (n) => feeds.push(n) })) items.push(it);
  const ids = items.map((i) => (i.type === 'advisory' ? i.record.id : '')).sort();
  return { items, ids, warnings, feeds };
}

for (const mode of ['in memory', 'through the fd'])
test(`zip (${mode}): good records read; malformed, wrong schema, bomb and oversized entries skipped with warnings`, async (t) => {
  const dir = tempDir(t);
  const zip = join(dir, 'all.zip');
  writeFileSync(
    zip,
    makeZip([
      { name: 'GHSA-aaaa-bbbb-cccc.json', data: JSON.stringify(osvRecord('GHSA-aaaa-bbbb-cccc')) },
      { name: 'broken.json', data: '{"id": "X-1", "modified": ' },
      { name: 'v2.json', data: JSON.stringify(osvRecord('X-2', { schema_version: '2.0.0' })) },
      { name: 'noid.json', data: JSON.stringify({ modified: '2024-01-01T00:00:00Z' }) },
      { name: 'bomb.json', data: Buffer.alloc(2000, 32), declaredSize: 100 }, // inflates beyond its declared size
      { name: 'huge.json', data: JSON.stringify(osvRecord('X-3', { details: 'x'.repeat(5000) })) },
      { name: '../escape.json', data: JSON.stringify(osvRecord('X-4')) },
      { name: '/abs.json', data: JSON.stringify(osvRecord('X-5')) },
      { name: 'README.txt', data: 'not json' },
    ]),
  );
  const r = await collect(zip, { ...DEFAULT_LIMITS, maxEntryBytes: 4000, maxInMemoryZipBytes: mode === 'in memory' ? 1 << 20 : 0 });
  assert.deepEqual(r.ids, ['GHSA-aaaa-bbbb-cccc', 'X-4', 'X-5']);
  assert.equal(r.warnings.length, 5, r.warnings.join('\n'));
  assert.ok(r.warnings.some((w) => w.includes('broken.json') && w.includes('malformed JSON')));
  assert.ok(r.warnings.some((w) => w.includes('unsupported OSV schema_version 2.0.0')));
  assert.ok(r.warnings.some((w) => w.includes('noid.json') && w.includes('invalid or missing id')));
  assert.ok(r.warnings.some((w) => w.includes('bomb.json')));
  assert.ok(r.warnings.some((w) => w.includes('huge.json') && w.includes('exceeds')));
  // path entries are never extracted
  assert.equal(existsSync(join(dir, '..', 'escape.json')), false);
  assert.deepEqual(r.feeds, ['osv:all.zip']);
});

test('zip: total uncompressed cap stops reading with a warning', async (t) => {
  const dir = tempDir(t);
  const zip = join(dir, 'all.zip');
  writeFileSync(zip, makeZip(['A-1', 'A-2', 'A-3'].map((id) => ({ name: `${id}.json`, data: JSON.stringify(osvRecord(id)) }))));
  const one = Buffer.byteLength(JSON.stringify(osvRecord('A-1')));
  const r = await collect(zip, { ...DEFAULT_LIMITS, maxZipTotalBytes: one * 2 + 10 });
  assert.deepEqual(r.ids, ['A-1', 'A-2']);
  assert.ok(r.warnings.some((w) => w.includes('uncompressed total')));
});

test('zip: a corrupt or truncated archive is a whole-source BAD_INPUT error naming the file', async (t) => {
  const dir = tempDir(t);
  const zip = join(dir, 'all.zip');
  writeFileSync(zip, Buffer.from('PK\x03\x04 this is not really a zip'));
  await assert.rejects(collect(zip), (e: unknown) => e instanceof PortcullisError && e.code === 'BAD_INPUT' && e.message.includes(zip));
  const good = makeZip(['A-1', 'A-2'].map((id) => ({ name: `${id}.json`, data: JSON.stringify(osvRecord(id)) })));
  writeFileSync(zip, good.subarray(0, good.length - 30)); // end-of-central-directory cut off
  await assert.rejects(collect(zip), (e: unknown) => e instanceof PortcullisError && e.code === 'BAD_INPUT');
});

test('directory: github/advisory-database layout and the bulk-export root are walked recursively', async (t) => {
  const dir = tempDir(t);
  const gh = join(dir, 'advisory-database', 'advisories', 'github-reviewed', '2024', '01', 'GHSA-1111-2222-3333');
  mkdirSync(gh, { recursive: true });
  writeFileSync(join(gh, 'GHSA-1111-2222-3333.json'), JSON.stringify(osvRecord('GHSA-1111-2222-3333')));
  writeFileSync(join(dir, 'advisory-database', 'notes.md'), '# not a record');
  symlinkSync('/etc/passwd', join(dir, 'advisory-database', 'evil.json'));
  writeFileSync(join(dir, 'advisory-database', 'big.json'), JSON.stringify(osvRecord('GHSA-big0-big0-big0', { details: 'x'.repeat(10_000) })));
  mkdirSync(join(dir, 'advisory-database', 'Go'));
  writeFileSync(join(dir, 'advisory-database', 'Go', 'all.zip'), makeZip([{ name: 'GO-2024-0001.json', data: JSON.stringify(osvRecord('GO-2024-0001')) }]));
  const r = await collect(join(dir, 'advisory-database'), { ...DEFAULT_LIMITS, maxRecordBytes: 5000 });
  assert.deepEqual(r.ids, ['GHSA-1111-2222-3333', 'GO-2024-0001']);
  assert.deepEqual([...new Set(r.feeds)].sort(), ['osv:advisory-database', 'osv:advisory-database/Go/all.zip']);
  assert.equal(r.warnings.length, 2, r.warnings.join('\n'));
  assert.ok(r.warnings.some((w) => w.includes('evil.json') && w.includes('symbolic link not followed')));
  assert.ok(r.warnings.some((w) => w.includes('big.json') && w.includes('larger than 5000 bytes')));
});

test('checkRecord: keeps valid affected entries and reports bad ones', () => {
  const c = checkRecord(osvRecord('X-9', { affected: [{ package: { ecosystem: 'npm', name: 'a' } }, { package: { ecosystem: 5 } }, 'junk'] }));
  assert.ok(c.ok);
  assert.equal(c.record.affected?.length, 1);
  assert.equal(c.problems.length, 2);
  assert.equal(checkRecord([]).ok, false);
  assert.equal(checkRecord(osvRecord('bad id with spaces')).ok, false);
  assert.equal(checkRecord(osvRecord('X-10', { modified: 'yesterday' })).ok, false);
  assert.equal(checkRecord(osvRecord('X-11', { aliases: [1] })).ok, false);
});

test('real data: the shared GHSA and malicious directories import cleanly', async (t) => {
  const { sharedOrSkip } = await import('../../core/shared.js');
  const ghsa = sharedOrSkip(t, 'data/ghsa');
  const mal = sharedOrSkip(t, 'data/malicious');
  if (!ghsa || !mal) return;
  const g = await collect(ghsa);
  assert.equal(g.ids.length, 44);
  assert.equal(g.warnings.length, 0);
  const m = await collect(mal);
  assert.equal(m.ids.length, 18);
  assert.ok(m.items.every((i) => i.type === 'advisory' && i.malicious === true));
});
