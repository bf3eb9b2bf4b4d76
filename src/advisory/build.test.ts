import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fixedClock } from '../core/clock.js';
import { PortcullisError } from '../core/errors.js';
import { sharedOrSkip } from '../core/shared.js';
import { buildDb, openDb } from './index.js';
import { makeZip, osvRecord, tempDir } from './testutil.js';

const clock = fixedClock('2025-02-01T00:00:00Z');

test('build: duplicates keep the newest modified; aliases lend CVSS; KEV/EPSS enrich; malicious flagged', async (t) => {
  const d = tempDir(t);
  const src = join(d, 'recs');
  mkdirSync(src);
  const vec = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
  writeFileSync(join(src, 'a-old.json'), JSON.stringify(osvRecord('GHSA-aaaa-aaaa-aaaa', { modified: '2024-01-01T00:00:00Z', summary: 'old', aliases: ['CVE-2024-1111'] })));
  writeFileSync(
    join(src, 'b-new.json'),
    JSON.stringify(
      osvRecord('GHSA-aaaa-aaaa-aaaa', {
        modified: '2024-06-01T00:00:00Z',
        summary: 'new',
        aliases: ['CVE-2024-1111'],
        severity: [{ type: 'CVSS_V3', score: vec }],
        database_specific: { severity: 'CRITICAL' },
        affected: [{ package: { ecosystem: 'PyPI', name: 'Some_Pkg' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] }] }],
      }),
    ),
  );
  writeFileSync(join(src, 'c-older.json'), JSON.stringify(osvRecord('GHSA-aaaa-aaaa-aaaa', { modified: '2023-01-01T00:00:00Z', summary: 'older' })));
  writeFileSync(join(src, 'mal.json'), JSON.stringify(osvRecord('MAL-2024-1', { affected: [{ package: { ecosystem: 'npm', name: 'evil' } }] })));
  const deb = join(d, 'debian.json');
  writeFileSync(deb, JSON.stringify({ somepkg: { 'CVE-2024-1111': { releases: { bookworm: { status: 'open', urgency: 'low' } } } } }));
  const epss = join(d, 'scores.csv');
  writeFileSync(epss, '#model_version:v1,score_date:2025-01-30T00:00:00+0000\ncve,epss,percentile\nCVE-2024-1111,0.5,0.9\n');
  const kev = join(d, 'kev.json');
  writeFileSync(kev, JSON.stringify({ dateReleased: '2025-01-31T00:00:00Z', vulnerabilities: [{ cveID: 'CVE-2024-1111', dateAdded: '2025-01-15' }] }));
  const out = join(d, 'out', 'p.db');
  const warnings: string[] = [];
  const s = await buildDb([src, deb, epss, kev], out, { clock, onWarning: (w) => warnings.push(w) });
  assert.equal(s.records, 3);
  assert.equal(s.duplicates, 2);
  assert.equal(warnings.filter((w) => w.includes('duplicate id GHSA-aaaa-aaaa-aaaa')).length, 2);
  assert.deepEqual(s.ecosystems, { 'Debian:12': 1, PyPI: 1 });
  assert.deepEqual(s.maliciousByEcosystem, { npm: 1 });
  const db = openDb(out);
  t.after(() => db.close());
  const g = db.byId('GHSA-aaaa-aaaa-aaaa');
  assert.equal(g?.record.summary, 'new');
  assert.equal(db.byPackage('npm', 'left-pad').length, 0); // the replaced record's index rows are gone
  assert.deepEqual(db.byPackage('PyPI', 'some.pkg').map((a) => a.record.id), ['GHSA-aaaa-aaaa-aaaa']); // PEP 503 both sides
  assert.deepEqual(g?.vendorSeverity, { source: 'ghsa', severity: 'critical', label: 'CRITICAL' });
  const debRec = db.byPackage('Debian:12', 'somepkg')[0];
  assert.equal(debRec?.record.id, 'DEBIAN-CVE-2024-1111');
  assert.deepEqual(debRec?.cvss, [{ version: '3.1', vector: vec, score: 9.8, severity: 'critical', source: 'ghsa' }]);
  assert.deepEqual(debRec?.vendorSeverity, { source: 'debian', severity: 'low', label: 'low' });
  assert.deepEqual(debRec?.kev, { dateAdded: '2025-01-15' });
  assert.deepEqual(debRec?.epss, { score: 0.5, percentile: 0.9, date: '2025-01-30' });
  assert.equal(db.byPackage('npm', 'evil')[0]?.malicious, true);
  assert.equal(db.byPackage('npm', 'evil')[0]?.source, 'ossf-malicious');
  const m = db.meta();
  assert.equal(m.builtAt, '2025-02-01T00:00:00.000Z');
  assert.deepEqual(
    m.sources.map((x) => [x.name, x.kind, x.records, x.updatedAt]),
    [
      ['debian-tracker:debian.json', 'debian-tracker', 1, undefined],
      ['epss:scores.csv', 'epss', 1, '2025-01-30T00:00:00.000Z'],
      ['kev:kev.json', 'kev', 1, '2025-01-31T00:00:00.000Z'],
      ['osv:recs', 'osv', 4, '2024-06-01T00:00:00.000Z'],
    ],
  );
  assert.ok(m.sources.every((x) => /^sha256:[0-9a-f]{64}$/.test(x.checksum ?? '')));
  assert.ok(db.covers('Debian:12') && db.covers('PyPI') && !db.covers('Debian') && !db.covers('Debian:11'));
  assert.equal(db.covers('npm'), false); // only a malicious-package report: not covered for vulnerabilities
  const batch = db.byPackages([
    { ecosystem: 'PyPI', name: 'Some-Pkg' },
    { ecosystem: 'npm', name: 'evil' },
    { ecosystem: 'npm', name: 'nothing' },
  ]);
  assert.deepEqual([...batch.keys()], ['PyPI\u0000some-pkg', 'npm\u0000evil', 'npm\u0000nothing']);
  assert.equal(batch.get('npm\u0000nothing')?.length, 0);
  // no temp files left beside the output
  assert.deepEqual(readdirSync(join(d, 'out')), ['p.db']);
});

test('build: a broken source fails the whole build and leaves no DB and no temp file', async (t) => {
  const d = tempDir(t);
  const bad = join(d, 'all.zip');
  writeFileSync(bad, 'PK\x03\x04garbage');
  const good = join(d, 'good.json');
  writeFileSync(good, JSON.stringify(osvRecord('GHSA-bbbb-bbbb-bbbb')));
  const out = join(d, 'db', 'p.db');
  await assert.rejects(buildDb([good, bad], out, { clock }), (e: unknown) => e instanceof PortcullisError && e.code === 'BAD_INPUT');
  assert.deepEqual(readdirSync(join(d, 'db')), []);
});

test('build: an existing DB is replaced only when the new one is complete', async (t) => {
  const d = tempDir(t);
  const good = join(d, 'good.json');
  writeFileSync(good, JSON.stringify(osvRecord('GHSA-cccc-cccc-cccc')));
  const out = join(d, 'p.db');
  await buildDb([good], out, { clock });
  await assert.rejects(buildDb([good, join(d, 'missing.zip')], out, { clock }));
  const db = openDb(out);
  assert.ok(db.byId('GHSA-cccc-cccc-cccc'));
  db.close();
});

test('openDb: missing, corrupt and other-schema files give DB_MISSING / DB_INVALID with the update hint', async (t) => {
  const d = tempDir(t);
  assert.throws(() => openDb(join(d, 'nope.db')), (e: unknown) => e instanceof PortcullisError && e.code === 'DB_MISSING' && /portcullis db update/.test(e.message));
  const junk = join(d, 'junk.db');
  writeFileSync(junk, 'this is not sqlite at all'.repeat(100));
  assert.throws(() => openDb(junk), (e: unknown) => e instanceof PortcullisError && e.code === 'DB_INVALID' && /portcullis db update/.test(e.message));
  const empty = join(d, 'empty.db');
  new Database(empty).close();
  assert.throws(() => openDb(empty), (e: unknown) => e instanceof PortcullisError && e.code === 'DB_INVALID');
  const good = join(d, 'good.json');
  writeFileSync(good, JSON.stringify(osvRecord('GHSA-dddd-dddd-dddd')));
  const other = join(d, 'other.db');
  await buildDb([good], other, { clock });
  const w = new Database(other);
  w.prepare("UPDATE meta SET value = '999' WHERE key = 'schema_version'").run();
  w.close();
  assert.throws(() => openDb(other), (e: unknown) => e instanceof PortcullisError && e.code === 'DB_INVALID' && /schema version 999/.test(e.message));
  // a corrupt record blob surfaces as DB_INVALID on read, not a crash
  const blob = join(d, 'blob.db');
  await buildDb([good], blob, { clock });
  const w2 = new Database(blob);
  w2.prepare("UPDATE advisories SET record = x'00112233'").run();
  w2.close();
  const db = openDb(blob);
  assert.throws(() => db.byId('GHSA-dddd-dddd-dddd'), (e: unknown) => e instanceof PortcullisError && e.code === 'DB_INVALID');
  db.close();
});

test('build: explicit kind prefix and unknown kinds', async (t) => {
  const d = tempDir(t);
  const z = join(d, 'records.bin');
  writeFileSync(z, makeZip([{ name: 'GO-2024-0002.json', data: JSON.stringify(osvRecord('GO-2024-0002')) }]));
  await assert.rejects(buildDb([z], join(d, 'a.db'), { clock }), /cannot tell what kind/);
  // osv: prefix on a zip with another extension is read as a single JSON file -> warns, no crash
  const s = await buildDb([`osv:${z}`], join(d, 'b.db'), { clock, onWarning: () => undefined });
  assert.equal(s.records, 0);
  assert.equal(s.skipped, 1);
});

test('detectSources: a directory mixing kinds is split per child; JSON Schema and other files are not sources', async (t) => {
  const { detectSources } = await import('./detect.js');
  const d = tempDir(t);
  mkdirSync(join(d, 'kev'));
  writeFileSync(join(d, 'kev', 'kev.json'), JSON.stringify({ catalogVersion: '1', vulnerabilities: [] }));
  writeFileSync(join(d, 'kev', 'schema.json'), JSON.stringify({ $schema: 'x', properties: { catalogVersion: { type: 'string' }, cveID: {} } }));
  mkdirSync(join(d, 'secdb', 'v3.19'), { recursive: true });
  writeFileSync(join(d, 'secdb', 'v3.19', 'main.yaml'), 'distroversion: v3.19\npackages: []\n');
  mkdirSync(join(d, 'ghsa'));
  writeFileSync(join(d, 'ghsa', 'GHSA-x.json'), JSON.stringify(osvRecord('GHSA-eeee-eeee-eeee')));
  writeFileSync(join(d, 'README.md'), '# data');
  writeFileSync(join(d, 'scores.csv'), 'cve,epss,percentile\n');
  assert.deepEqual(
    (await detectSources(d)).map((s) => [s.kind, s.path.slice(d.length + 1)]),
    [
      ['osv', 'ghsa'],
      ['kev', 'kev/kev.json'],
      ['epss', 'scores.csv'],
      ['alpine-secdb', 'secdb'],
    ],
  );
  // a plain OSV tree stays one source
  assert.deepEqual(await detectSources(join(d, 'ghsa')), [{ kind: 'osv', path: join(d, 'ghsa') }]);
  assert.deepEqual(await detectSources(`kev:${join(d, 'kev', 'kev.json')}`), [{ kind: 'kev', path: join(d, 'kev', 'kev.json') }]);
});

// Counts of the shared data set (../shared/data, see its README); printed for the report.
const SHARED_COUNTS: Record<string, number> = {
  'AlmaLinux:10': 660,
  'AlmaLinux:8': 3237,
  'AlmaLinux:9': 1783,
  'Alpine:v3.10': 1735,
  'Alpine:v3.11': 1916,
  'Alpine:v3.3': 458,
  'Alpine:v3.4': 680,
  'Alpine:v3.5': 880,
  'Alpine:v3.6': 1050,
  'Alpine:v3.7': 1406,
  'Alpine:v3.8': 1502,
  'Alpine:v3.9': 1582,
  'Debian:12': 16,
  Go: 4291,
  Maven: 6,
  PyPI: 2675,
  'crates.io': 1206,
  npm: 24,
};
const SHARED_MALICIOUS: Record<string, number> = { PyPI: 6, npm: 12 };

test('real data: build from everything in ../shared/data, spot checks', async (t) => {
  const data = sharedOrSkip(t, 'data');
  if (!data) return;
  const d = tempDir(t);
  const out = join(d, 'portcullis.db');
  // the whole directory: split into its sources by detection
  const s = await buildDb([data], out, { clock, onWarning: () => undefined });
  assert.ok(s.sources.every((x) => /^sha256:[0-9a-f]{64}$/.test(x.checksum ?? '')));
  assert.deepEqual(
    s.sources.map((x) => x.name),
    [
      'alpine-secdb:alpine-secdb',
      'debian-tracker:bookworm-sample.json',
      'kev:known_exploited_vulnerabilities.json',
      'osv:ghsa',
      'osv:malicious',
      'osv:osv/AlmaLinux:10/all.zip',
      'osv:osv/AlmaLinux:8/all.zip',
      'osv:osv/AlmaLinux:9/all.zip',
      'osv:osv/crates.io/all.zip',
      'osv:osv/Go/all.zip',
      'osv:osv/PyPI/all.zip',
    ],
  );
  console.log(`shared data: ${s.records} advisories, ${s.malicious} malicious, ${s.kev} KEV, ${s.warnings} warnings, ${s.bytes} bytes, ${s.durationMs} ms`);
  for (const [eco, n] of Object.entries(s.ecosystems)) console.log(`  ${eco}: ${n}${s.maliciousByEcosystem[eco] ? ` (+${s.maliciousByEcosystem[eco]} malicious)` : ''}`);
  assert.deepEqual(s.ecosystems, SHARED_COUNTS);
  assert.deepEqual(s.maliciousByEcosystem, SHARED_MALICIOUS);
  assert.equal(s.records, 16348);
  assert.equal(s.malicious, 18);
  assert.equal(s.kev, 1404);
  assert.equal(s.duplicates, 43);
  assert.equal(s.skipped, 0);
  const db = openDb(out);
  t.after(() => db.close());
  // GO-2022-0969: stdlib and golang.org/x/net
  assert.ok(db.byPackage('Go', 'stdlib').some((a) => a.record.id === 'GO-2022-0969'));
  assert.ok(db.byPackage('Go', 'golang.org/x/net').some((a) => a.record.id === 'GO-2022-0969'));
  // PYSEC-2023-74: requests < 2.31.0, CVSS borrowed from GHSA-j8r2-6x86-q33q via CVE-2023-32681
  const pysec = db.byPackage('PyPI', 'Requests').find((a) => a.record.id === 'PYSEC-2023-74');
  const ranges = pysec?.record.affected?.[0]?.ranges?.find((r) => r.type === 'ECOSYSTEM');
  assert.deepEqual(ranges?.events.at(-1), { fixed: '2.31.0' });
  assert.equal(pysec?.cvss[0]?.score, 6.1);
  // an AlmaLinux ALSA with EVR (epoch) fixes and its Red Hat-style vendor severity
  const alsa = db.byPackage('AlmaLinux:9', 'openssl').find((a) => a.record.id.startsWith('ALSA-'));
  assert.ok(alsa);
  assert.match(String(alsa.record.affected?.[0]?.ranges?.[0]?.events.find((e) => e.fixed)?.fixed), /^\d+:/);
  assert.equal(alsa.vendorSeverity?.source, 'almalinux');
  // an Alpine secfix
  const apk = db.byPackage('Alpine:v3.10', 'ansible').find((a) => a.record.id === 'ALPINE-CVE-2019-10206');
  assert.deepEqual(apk?.record.affected?.[0]?.ranges?.[0]?.events, [{ introduced: '0' }, { fixed: '2.8.4-r0' }]);
  // Debian: an unimportant and an open entry
  const tar = db.byPackage('Debian:12', 'tar').find((a) => a.record.id === 'DEBIAN-CVE-2005-2541');
  assert.equal(tar?.record.affected?.[0]?.database_specific?.fix_state, 'unimportant');
  assert.equal(tar?.vendorSeverity?.severity, 'negligible');
  const krb = db.byPackage('Debian:12', 'krb5').find((a) => a.record.id === 'DEBIAN-CVE-2024-26458');
  assert.equal(krb?.record.affected?.[0]?.database_specific?.status, 'open');
  // KEV on log4shell
  const l4s = db.byPackage('Maven', 'org.apache.logging.log4j:log4j-core').find((a) => a.record.id === 'GHSA-jfh8-c2jp-5v3q');
  assert.deepEqual(l4s?.kev, { dateAdded: '2021-12-10', dueDate: '2021-12-24', ransomware: true });
  assert.equal(l4s?.cvss[0]?.score, 10);
  // malicious npm package
  assert.ok(db.byPackage('npm', '--hiljson').every((a) => a.malicious));
  // every record about one CVE
  assert.deepEqual(
    db.byAlias('CVE-2023-32681').map((a) => a.record.id),
    ['GHSA-j8r2-6x86-q33q', 'PYSEC-2023-74'],
  );
  assert.deepEqual(db.byAlias('CVE-2023-4911').map((a) => a.record.id), ['DEBIAN-CVE-2023-4911']);
  assert.ok(existsSync(out));
});
