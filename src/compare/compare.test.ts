import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScanReport } from '../core/report.js';
import type { Package } from '../core/types.js';
import { fixedClock } from '../core/clock.js';
import { buildDb, openDb } from '../advisory/index.js';
import { osvRecord, tempDir } from '../advisory/testutil.js';
import { compareReports, nameKey, versionKey } from './compare.js';
import { detectTool, readForeignReport } from './foreign.js';
import { renderCompareTable } from './render.js';

const pkg = (name: string, version: string, type: Package['type'], over: Partial<Package> = {}): Package => ({
  name,
  version,
  type,
  purl: `pkg:${type}/${name}@${version}`,
  licenses: [],
  locations: [],
  foundBy: 'test',
  ...over,
});

const vuln = (advisoryId: string, aliases: string[], p: Package, fixState = 'fixed') => ({
  id: `f-${advisoryId}-${p.name}`,
  kind: 'vulnerability',
  title: advisoryId,
  severity: 'high',
  advisoryId,
  aliases,
  package: { name: p.name, version: p.version, type: p.type, purl: p.purl },
  installedVersion: p.version,
  fixState,
  cvss: [],
  dataSource: 'test',
  urls: [],
});

const libc = pkg('libc6', '2.36-9', 'deb', { source: { name: 'glibc', version: '2.36-9' } });
const lodash = pkg('lodash', '4.17.21', 'npm');
const owned = pkg('semver', '7.5.2', 'npm', { ownedBy: { name: 'nodejs', purl: 'pkg:deb/debian/nodejs@18' } });
const declared = pkg('left-pad', '1.0.0', 'npm', { declaredOnly: 'not-installed' });
const jackson = pkg('com.fasterxml.jackson.core:jackson-databind', '2.13.0', 'maven');
const gonet = pkg('golang.org/x/net', 'v0.17.0', 'golang');

function ours(): ScanReport {
  return {
    schemaVersion: '1',
    scanner: { name: 'portcullis', version: 'test' },
    createdAt: '2026-12-05T00:00:00Z',
    inventory: {
      image: { name: 'orders-api:1.4.2' },
      os: { family: 'debian', name: 'Debian GNU/Linux', versionId: '12', source: '/etc/os-release' },
      packages: [libc, lodash, owned, declared, jackson, gonet],
      analyzers: [],
      gaps: [],
    },
    findings: [
      vuln('CVE-2024-0001', [], libc),
      vuln('DSA-5000-1', ['CVE-2024-0009'], libc),
      vuln('CVE-2024-0002', [], libc, 'not-fixed'),
      vuln('GHSA-aaaa-bbbb-cccc', [], lodash),
      vuln('GHSA-dddd-eeee-ffff', ['CVE-2021-44906'], lodash),
      vuln('CVE-2020-0001', [], declared),
      vuln('GHSA-jack-jack-jack', ['CVE-2022-42003'], jackson),
      vuln('GO-2023-2102', ['CVE-2023-39325'], gonet),
    ],
    decision: { suppressed: [{ findingId: 'f-GHSA-dddd-eeee-ffff-lodash', by: 'exception', ruleId: 'e1', reason: 'not reachable' }] },
  } as unknown as ScanReport;
}

const trivy = (vulns: object[], packages?: object[]) =>
  JSON.stringify({ SchemaVersion: 2, ArtifactName: 'orders-api.tar', ArtifactType: 'container_image', Results: [{ Target: 'orders-api (debian 12.5)', Class: 'os-pkgs', Type: 'debian', Vulnerabilities: vulns, ...(packages ? { Packages: packages } : {}) }] });
const tv = (id: string, name: string, version: string, fixed?: string, extra: object = {}) => ({ VulnerabilityID: id, PkgName: name, InstalledVersion: version, ...(fixed ? { FixedVersion: fixed, Status: 'fixed' } : { Status: 'affected' }), Severity: 'HIGH', ...extra });

test('formats are told apart; anything else is one line naming the file', () => {
  assert.equal(detectTool({ SchemaVersion: 2, ArtifactName: 'x', Results: [] }), 'trivy');
  assert.equal(detectTool({ matches: [], descriptor: { name: 'grype' } }), 'grype');
  assert.equal(detectTool({ bomFormat: 'CycloneDX' }), undefined);
  assert.throws(() => readForeignReport('{"bomFormat":"CycloneDX"}', 'x.json'), /^.*x\.json: neither a Trivy JSON report .* nor a Grype JSON report/);
  assert.throws(() => readForeignReport('{"Results": [', 'cut.json'), /cut\.json: not JSON/);
  assert.throws(() => readForeignReport('[]', 'arr.json'), /arr\.json: neither/);
});

test('hostile entries are skipped and counted, never thrown', () => {
  const r = readForeignReport(
    JSON.stringify({ SchemaVersion: 2, ArtifactName: 'a', Results: [null, 5, { Vulnerabilities: [null, {}, { VulnerabilityID: 'CVE-1' }, { VulnerabilityID: 'CVE-2', PkgName: 'x'.repeat(5000), InstalledVersion: '1' }, tv('CVE-3', 'ok', '1')] }] }),
    't.json',
  );
  assert.equal(r.findings.length, 1);
  assert.equal(r.skipped, 6);
  const g = readForeignReport(JSON.stringify({ matches: [{}, { vulnerability: { id: 'X' } }, { vulnerability: { id: 'CVE-4', fix: { state: 'fixed', versions: [1, '2.0'] } }, artifact: { name: 'a', version: '1', locations: ['x', { path: '/p' }] }, relatedVulnerabilities: [null, { id: 'CVE-4' }, { id: 'GHSA-1' }] }] }), 'g.json');
  assert.deepEqual(g.findings, [{ id: 'CVE-4', aliases: ['GHSA-1'], name: 'a', version: '1', fixState: 'fixed', path: '/p', fixedVersion: '2.0' }]);
  assert.equal(g.skipped, 2);
});

test('names and versions as the tools print them', () => {
  assert.equal(versionKey('1:2.36-9'), '2.36-9');
  assert.equal(versionKey('v0.17.0'), '0.17.0');
  assert.equal(versionKey('go1.21.3'), '1.21.3');
  assert.equal(nameKey('Flask_Login'), nameKey('flask-login'));
});

test('Trivy beside ours: rows where they differ, joined through aliases, each with the reason', () => {
  const t = readForeignReport(
    trivy([
      tv('CVE-2024-0001', 'libc6', '2.36-9', '2.36-9+deb12u4'),
      tv('CVE-2024-0009', 'libc6', '1:2.36-9', '2.36-9+deb12u4'),
      tv('CVE-2024-0003', 'libc6', '2.36-9', '2.36-9+deb12u7'),
      tv('CVE-2021-44906', 'lodash', '4.17.21', '4.17.22'),
      tv('CVE-2019-0001', 'lodash', '4.17.20', '4.17.21'),
      tv('CVE-2023-0001', 'ghostpkg', '1.0', undefined, { PkgPath: 'opt/ghost/package.json' }),
      tv('CVE-2023-0002', 'semver', '7.5.2', '7.5.3'),
      tv('CVE-2022-42003', 'com.fasterxml.jackson.core:jackson-databind', '2.13.0', '2.13.4'),
      tv('CVE-2023-39325', 'golang.org/x/net', 'v0.17.0', '0.17.0'),
    ]),
    'trivy.json',
  );
  const r = compareReports({ ours: ours(), oursFile: 'ours.json', others: [t] });
  assert.deepEqual(r.tools.map((x) => [x.name, x.findings]), [['Portcullis', 8], ['Trivy', 9]]);
  // CVE-2024-0001, DSA-5000-1 = CVE-2024-0009 (epoch), GHSA-dddd = CVE-2021-44906, jackson, x/net (v prefix)
  assert.equal(r.agreed, 5);
  const row = (id: string) => r.rows.find((x) => x.ids.includes(id))!;
  assert.match(row('CVE-2024-0003').why.Portcullis!, /in Portcullis's inventory; its advisory data does not list CVE-2024-0003 for libc6 2\.36-9 \(give --db/);
  assert.equal(row('CVE-2019-0001').why.Portcullis, 'Portcullis saw lodash 4.17.21, not 4.17.20');
  assert.equal(row('CVE-2023-0001').why.Portcullis, "not in Portcullis's inventory (reported in opt/ghost/package.json)");
  assert.match(row('CVE-2023-0002').why.Portcullis!, /^OS-owned: its files belong to the OS package nodejs/);
  assert.equal(row('CVE-2024-0002').why.Trivy, 'unfixed (not-fixed): Trivy leaves these out when run with --ignore-unfixed');
  assert.match(row('GHSA-aaaa-bbbb-cccc').why.Trivy!, /^no CVE id is known for it/);
  assert.match(row('CVE-2020-0001').why.Trivy!, /^declared by a lockfile but not installed/);
  assert.equal(r.only.Portcullis, 3);
  assert.equal(r.only.Trivy, 4);
  assert.equal(r.rows.length, 7);
  // the suppressed finding agrees with Trivy: not a row; a table names every difference
  const text = renderCompareTable(r);
  assert.match(text, /reported by all: 5; only Portcullis: 3; only Trivy: 4; not by Portcullis: 4; not by Trivy: 3/);
  assert.match(text, /CVE-2024-0003 +libc6 +2\.36-9 +- +yes\n {4}not by Portcullis: /);
});

test("Trivy's package list: a package it never saw is said so; Grype's GHSA joined to our CVE by its related ids, Maven by purl", () => {
  const t = readForeignReport(trivy([], [{ Name: 'libc6', Version: '2.36-9' }]), 'trivy.json');
  const g = readForeignReport(
    JSON.stringify({
      descriptor: { name: 'grype', version: '0.74.0' },
      source: { target: { userInput: 'orders-api.tar' } },
      matches: [
        { vulnerability: { id: 'GHSA-57q7-jjjj-kkkk', fix: { state: 'fixed', versions: ['2.13.4'] } }, relatedVulnerabilities: [{ id: 'CVE-2022-42003' }], artifact: { name: 'jackson-databind', version: '2.13.0', type: 'java-archive', purl: 'pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.13.0' } },
      ],
    }),
    'grype.json',
  );
  const r = compareReports({ ours: ours(), oursFile: 'ours.json', others: [t, g] });
  assert.deepEqual(r.tools.map((x) => `${x.name} ${x.version ?? ''}`.trim()), ['Portcullis', 'Trivy', 'Grype 0.74.0']);
  const jack = r.rows.find((x) => x.ids.includes('GHSA-57q7-jjjj-kkkk'))!;
  assert.deepEqual(jack.found, { Portcullis: true, Trivy: false, Grype: true });
  assert.equal(jack.why.Trivy, "Trivy's inventory has no com.fasterxml.jackson.core:jackson-databind 2.13.0");
  assert.equal(jack.vulnerability, 'CVE-2022-42003');
  const lodashRow = r.rows.find((x) => x.ids.includes('GHSA-dddd-eeee-ffff'))!;
  assert.equal(lodashRow.suppressed, 'exception: not reachable');
  assert.match(r.rows.find((x) => x.ids.includes('CVE-2024-0002'))!.why.Grype!, /--only-fixed/);
});

test('with our advisory DB: not in the DB, in the DB for another package, or the distro not listing the version', async (t) => {
  const dir = tempDir(t, 'pc-compare-');
  const src = join(dir, 'src');
  mkdirSync(src);
  const debian = (id: string, name: string, fixed: string) => osvRecord(id, { affected: [{ package: { ecosystem: 'Debian:12', name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }] });
  writeFileSync(join(src, 'DSA-1.json'), JSON.stringify({ ...debian('DSA-1', 'glibc', '2.36-8'), aliases: ['CVE-2024-1000'] }));
  writeFileSync(join(src, 'GHSA-2.json'), JSON.stringify({ ...osvRecord('GHSA-2'), aliases: ['CVE-2024-2000'] }));
  const out = join(dir, 'db.sqlite');
  await buildDb([src], out, { clock: fixedClock('2026-12-01T00:00:00Z') });
  const db = openDb(out);
  t.after(() => db.close());
  const tr = readForeignReport(trivy([tv('CVE-2024-1000', 'libc6', '2.36-9', '2.36-9+deb12u1'), tv('CVE-2024-2000', 'libc6', '2.36-9', '2.36-10'), tv('CVE-2024-3000', 'libc6', '2.36-9', '2.37')]), 'trivy.json');
  const r = compareReports({ ours: ours(), oursFile: 'ours.json', others: [tr], db });
  const why = (id: string) => r.rows.find((x) => x.ids.includes(id))!.why.Portcullis;
  assert.match(why('CVE-2024-1000')!, /^the distro's data \(DSA-1\) does not list glibc 2\.36-9 as affected: a backported fix, or triaged not affected$/);
  assert.match(why('CVE-2024-2000')!, /^Portcullis's advisory DB has GHSA-2, but none names glibc in Debian:12$/);
  assert.match(why('CVE-2024-3000')!, /^CVE-2024-3000: not in Portcullis's advisory DB \(built 2026-12-01/);
});
