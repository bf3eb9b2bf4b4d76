// Freshness per source, through a real build: per-source ecosystems are recorded in the DB, old DBs
// without them are read and judged conservatively, KEV/EPSS never make advisories fresh, and a feed
// without a timestamp is "data time unknown".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fixedClock } from '../core/clock.js';
import type { Inventory } from '../core/report.js';
import { scanInventory } from '../scan/scan.js';
import { buildDb } from './build.js';
import { openDb } from './store/reader.js';
import { tempDir } from './testutil.js';

const rec = (id: string, eco: string, name: string, modified: string) =>
  JSON.stringify({ id, modified, affected: [{ package: { ecosystem: eco, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '9.9.9' }] }] }] });

function npmInventory(): Inventory {
  return {
    image: { ref: { input: 'x', transport: 'dir', path: '/x' }, name: 'x', repoTags: [], platform: { os: 'linux', architecture: 'amd64' }, config: { env: [], labels: {}, exposedPorts: [], history: [], diffIds: [] }, layers: [], annotations: {} },
    packages: [{ name: 'left-pad', version: '1.0.0', type: 'npm', purl: 'pkg:npm/left-pad@1.0.0', licenses: [], locations: [{ path: '/app/node_modules/left-pad/package.json', layer: { index: 0, diffId: 'sha256:00' } }], foundBy: 'npm' }],
    analyzers: [],
    gaps: [],
  };
}

async function build(t: { after(fn: () => void): void }, kevReleased: string) {
  const dir = tempDir(t);
  const npm = join(dir, 'npm');
  const pypi = join(dir, 'pypi');
  mkdirSync(npm);
  mkdirSync(pypi);
  writeFileSync(join(npm, 'a.json'), rec('GHSA-0000-0000-0001', 'npm', 'left-pad', '2024-11-01T00:00:00Z'));
  writeFileSync(join(pypi, 'b.json'), rec('PYSEC-2026-1', 'PyPI', 'requests', '2026-11-28T00:00:00Z'));
  const kev = join(dir, 'kev.json');
  writeFileSync(kev, JSON.stringify({ catalogVersion: '1', dateReleased: kevReleased, vulnerabilities: [{ cveID: 'CVE-2024-0001', dateAdded: '2024-01-01' }] }));
  const tracker = join(dir, 'tracker.json');
  writeFileSync(tracker, JSON.stringify({ zlib: { 'CVE-2023-45853': { releases: { bookworm: { status: 'open', urgency: 'low' } } } } }));
  const db = join(dir, 'db.sqlite');
  await buildDb([`osv:${npm}`, `osv:${pypi}`, `kev:${kev}`, `debian-tracker:${tracker}`], db, { clock: fixedClock('2026-11-29T00:00:00Z') });
  return db;
}

test('two-year-old OSV data plus a fresh KEV file (and fresh data for another ecosystem) gives db-stale', async (t) => {
  const path = await build(t, '2026-11-28T12:00:00Z');
  const db = openDb(path);
  t.after(() => db.close());
  const meta = db.meta();
  const by = Object.fromEntries(meta.sources.map((s) => [s.kind === 'osv' ? s.name.replace(/:.*/, `:${s.ecosystems?.join(',')}`) : s.kind, s]));
  assert.deepEqual(by['osv:npm']?.ecosystems, ['npm']);
  assert.deepEqual(by['osv:PyPI']?.ecosystems, ['PyPI']);
  assert.equal(by.kev?.ecosystems, undefined, 'an enrichment feed serves no ecosystem');
  assert.deepEqual(by['debian-tracker']?.ecosystems, ['Debian:12']);
  assert.equal(by['debian-tracker']?.updatedAt, undefined, 'the tracker JSON has no timestamp');

  const report = scanInventory(npmInventory(), db, { now: new Date('2026-11-29T00:00:00Z'), scanner: { name: 'portcullis', version: 'test' } });
  const stale = report.findings.filter((f) => f.kind === 'coverage-gap' && f.reason === 'db-stale');
  assert.equal(stale.length, 1, JSON.stringify(stale));
  assert.match(stale[0]!.kind === 'coverage-gap' ? stale[0]!.detail : '', /^for npm: data from 2024-11-01T00:00:00.000Z/);
});

test('a DB built before per-source ecosystems were recorded is read, and every advisory source is judged', async (t) => {
  const path = await build(t, '2026-11-28T12:00:00Z');
  const raw = new Database(path);
  raw.prepare("DELETE FROM meta WHERE key = 'source_ecosystems'").run();
  raw.close();
  const db = openDb(path);
  t.after(() => db.close());
  assert.ok(db.meta().sources.every((s) => s.ecosystems === undefined));
  const report = scanInventory(npmInventory(), db, { now: new Date('2026-11-29T00:00:00Z'), scanner: { name: 'portcullis', version: 'test' } });
  const subjects = report.findings.filter((f) => f.kind === 'coverage-gap' && f.reason === 'db-stale').map((f) => (f.kind === 'coverage-gap' ? f.subject : ''));
  // the old npm data and the timeless tracker both count (the DB does not say which serves npm); KEV never
  assert.equal(subjects.length, 2, subjects.join(', '));
  assert.ok(subjects.some((s) => s.startsWith('advisory source debian-tracker:')));
  assert.ok(!subjects.some((s) => s.includes('kev')));
});

test('db build --fetched-at gives timeless converted feeds a declared data time; feeds with their own time keep it', async (t) => {
  const dir = tempDir(t);
  const npm = join(dir, 'npm');
  mkdirSync(npm);
  writeFileSync(join(npm, 'a.json'), rec('GHSA-0000-0000-0001', 'npm', 'left-pad', '2024-11-01T00:00:00Z'));
  const tracker = join(dir, 'tracker.json');
  writeFileSync(tracker, JSON.stringify({ zlib: { 'CVE-2023-45853': { releases: { bookworm: { status: 'open', urgency: 'low' } } } } }));
  const path = join(dir, 'db.sqlite');
  const clock = fixedClock('2026-11-29T00:00:00Z');
  await buildDb([`osv:${npm}`, `debian-tracker:${tracker}`], path, { clock, fetchedAt: '2026-11-28T22:00:00+01:00' });
  const db = openDb(path);
  t.after(() => db.close());
  const by = Object.fromEntries(db.meta().sources.map((s) => [s.kind, s]));
  assert.equal(by['debian-tracker']?.updatedAt, '2026-11-28T21:00:00.000Z');
  assert.equal(by['debian-tracker']?.timeSource, 'declared');
  assert.equal(by.osv?.updatedAt, '2024-11-01T00:00:00.000Z', 'a feed with its own time keeps it');
  assert.equal(by.osv?.timeSource, 'feed');
  const inv = npmInventory();
  inv.os = { family: 'debian', versionId: '12', name: 'Debian GNU/Linux' } as Inventory['os'];
  inv.packages.push({
    name: 'zlib1g', version: '1:1.2.13.dfsg-1', type: 'deb', purl: 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?distro=debian-12',
    distro: { id: 'debian', versionId: '12', codename: 'bookworm' }, source: { name: 'zlib', version: '1:1.2.13.dfsg-1' },
    licenses: [], locations: [{ path: '/var/lib/dpkg/status', layer: { index: 0, diffId: 'sha256:00' } }], foundBy: 'dpkg',
  });
  const report = scanInventory(inv, db, { now: new Date('2026-11-29T00:00:00Z'), scanner: { name: 'portcullis', version: 'test' } });
  const subjects = report.findings.filter((f) => f.kind === 'coverage-gap' && f.reason === 'db-stale').map((f) => (f.kind === 'coverage-gap' ? f.subject : ''));
  assert.ok(!subjects.some((s) => s.includes('debian-tracker')), subjects.join(', '));
  // control: the same feeds built without --fetched-at leave the tracker's freshness unknown (a gap)
  const without = join(dir, 'without.sqlite');
  await buildDb([`osv:${npm}`, `debian-tracker:${tracker}`], without, { clock });
  const db2 = openDb(without);
  t.after(() => db2.close());
  const gaps2 = scanInventory(inv, db2, { now: new Date('2026-11-29T00:00:00Z'), scanner: { name: 'portcullis', version: 'test' } })
    .findings.filter((f) => f.kind === 'coverage-gap' && f.reason === 'db-stale' && f.subject.includes('debian-tracker'));
  assert.equal(gaps2.length, 1);
  assert.match(gaps2[0]!.kind === 'coverage-gap' ? gaps2[0]!.detail : '', /data time unknown .*--fetched-at/);

  // hostile or wrong: a future time, no zone, garbage
  for (const bad of ['2026-11-30T00:00:00Z', '2026-11-28', 'yesterday']) {
    await assert.rejects(buildDb([`debian-tracker:${tracker}`], join(dir, 'x.sqlite'), { clock, fetchedAt: bad }), /--fetched-at/, bad);
  }
});
