// Rules that hold for every ecosystem, on real records of ../shared/data: withdrawn advisories are
// skipped, aliases are one finding under the preferred id, what the DB cannot judge is a coverage gap,
// malicious-package reports are malware findings, and a vulnerability finding carries every field a
// policy and a developer need (ids, package, versions, fix, severity with CVSS, dates, KEV, EPSS, layer,
// remediation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedOrSkip } from '../src/core/shared.js';
import type { CoverageGapFinding, Finding, MalwareFinding, OsvRecord } from '../src/core/types.js';
import { matchInventory } from '../src/match/index.js';
import { LAYER, inventory, pkg, readZipRecords, tempFiles, testDb, vulns } from '../src/match/testutil.js';

const gaps = (f: Finding[]) => f.filter((x): x is CoverageGapFinding => x.kind === 'coverage-gap').map((g) => `${g.reason} ${g.subject}`).sort();

test('withdrawn advisories are skipped (GO-2026-6170, withdrawn, would otherwise affect lib/pq 1.10.9)', async (t) => {
  const zip = sharedOrSkip(t, 'data/osv/Go/all.zip');
  if (!zip) return;
  const rec = (await readZipRecords(zip)).find((r) => r.id === 'GO-2026-6170')!;
  // the real record: withdrawn, affected github.com/lib/pq from 1.0.0 with no fix
  assert.ok(rec.withdrawn);
  assert.deepEqual(rec.affected?.[0]?.ranges?.[0]?.events, [{ introduced: '1.0.0' }]);
  const pq = pkg({ type: 'golang', name: 'github.com/lib/pq', version: 'v1.10.9' });
  const db = await testDb([zip]);
  try {
    const ids = vulns(matchInventory(inventory([pq]), db).findings).flatMap((v) => [v.advisoryId, ...v.aliases]);
    assert.ok(!ids.includes('GO-2026-6170') && !ids.includes('CVE-2026-56871'));
  } finally {
    db.close();
  }
  // control: the same record without `withdrawn` is reported — so the absence above is the rule at work
  const { withdrawn: _w, ...live } = rec;
  const db2 = await testDb([tempFiles({ 'GO-2026-6170.json': JSON.stringify(live) })]);
  try {
    const found = vulns(matchInventory(inventory([pq]), db2).findings);
    assert.deepEqual(found.map((v) => `${v.advisoryId} ${v.aliases.join(',')} ${v.fixState}`), ['CVE-2026-56871 GO-2026-6170 not-fixed']);
  } finally {
    db2.close();
  }
});

test('aliases: requests 2.28.1 is one finding CVE-2023-32681 listing PYSEC-2023-74 and GHSA-j8r2-6x86-q33q', async (t) => {
  const zip = sharedOrSkip(t, 'data/osv/PyPI/all.zip');
  const ghsa = sharedOrSkip(t, 'data/ghsa');
  if (!zip || !ghsa) return;
  const db = await testDb([zip, ghsa]);
  try {
    const requests = pkg({ type: 'pypi', name: 'requests', version: '2.28.1', path: '/usr/lib/python3/dist-packages/requests-2.28.1.egg-info' });
    const found = vulns(matchInventory(inventory([requests]), db).findings);
    const f = found.filter((v) => [v.advisoryId, ...v.aliases].includes('GHSA-j8r2-6x86-q33q'));
    assert.equal(f.length, 1, 'reported once');
    assert.equal(f[0]!.advisoryId, 'CVE-2023-32681', 'under the CVE id');
    assert.deepEqual(f[0]!.aliases, ['GHSA-j8r2-6x86-q33q', 'PYSEC-2023-74']);
    // both records say fixed in 2.31.0
    assert.equal(f[0]!.fixedVersion, '2.31.0');
    assert.match(f[0]!.dataSource, /, /, 'both feeds named as the data source');
    // GHSA-9wv6 (CVE-2024-35195, fixed 2.32.0) is another vulnerability: its own finding
    assert.equal(new Set(found.map((v) => v.advisoryId)).size, found.length, 'no vulnerability twice');
    // every PYSEC/GHSA id appears once across the findings for this package
    const all = found.flatMap((v) => [v.advisoryId, ...v.aliases]);
    assert.equal(new Set(all).size, all.length);
  } finally {
    db.close();
  }
});

test('aliases: a merged finding reports the highest of its members\' nearest fixes (one upgrade for all)', async () => {
  // hand-made records: two feeds describe CVE-2099-0002 with different fixes; following the lower one
  // would leave the package affected according to the other
  const a: OsvRecord = { id: 'PYSEC-2099-1', modified: '2024-01-01T00:00:00Z', aliases: ['CVE-2099-0002'], affected: [{ package: { ecosystem: 'PyPI', name: 'demo' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2.0' }] }] }] };
  const b: OsvRecord = { id: 'GHSA-aaaa-bbbb-cccc', modified: '2024-01-01T00:00:00Z', aliases: ['CVE-2099-0002'], affected: [{ package: { ecosystem: 'PyPI', name: 'demo' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.3.0' }] }] }] };
  const db = await testDb([tempFiles({ 'a.json': JSON.stringify(a), 'b.json': JSON.stringify(b) })]);
  try {
    const found = vulns(matchInventory(inventory([pkg({ type: 'pypi', name: 'Demo', version: '1.1' })]), db).findings);
    assert.deepEqual(found.map((v) => `${v.advisoryId} ${v.aliases.join(',')} ${v.fixedVersion}`), ['CVE-2099-0002 GHSA-aaaa-bbbb-cccc,PYSEC-2099-1 1.3.0']);
  } finally {
    db.close();
  }
});

test('coverage gaps: an ecosystem the DB lacks, an OS with no advisory ecosystem, an unparsable version', async (t) => {
  const zip = sharedOrSkip(t, 'data/osv/PyPI/all.zip');
  if (!zip) return;
  const db = await testDb([zip]);
  try {
    const inv = inventory(
      [
        pkg({ type: 'gem', name: 'rails', version: '5.2.0' }), // RubyGems: no records in this DB
        pkg({ type: 'gem', name: 'rack', version: '2.0.0' }),
        pkg({ type: 'pypi', name: 'requests', version: 'not a version!' }), // PEP 440 cannot read it
        pkg({ type: 'pypi', name: 'flask', version: '2.0.0' }), // judged normally
        pkg({ type: 'deb', name: 'bash', version: '5.2.15-2', source: { name: 'bash', version: '5.2.15-2' } }), // no OS identified
      ],
      undefined,
    );
    const r = matchInventory(inv, db);
    assert.deepEqual(gaps(r.findings), [
      'ecosystem-not-covered RubyGems', // one gap per missing ecosystem, counting its packages
      'ecosystem-not-covered deb packages on an unidentified OS', // a deb without an OS release has no ecosystem at all (one gap per type and OS)
      `version-unparsable ${inv.packages[2]!.purl}`,
    ].sort());
    const rubygems = r.findings.find((f) => f.kind === 'coverage-gap' && f.subject === 'RubyGems') as CoverageGapFinding;
    assert.match(rubygems.detail, /2 package\(s\) could not be checked/);
    assert.deepEqual(r.ecosystems, ['PyPI', 'RubyGems']);
    // flask 2.0.0 was matched (PYSEC-2023-62, fixed 2.2.5)
    assert.ok(vulns(r.findings).some((v) => v.package.name === 'flask' && v.fixedVersion === '2.2.5'));
  } finally {
    db.close();
  }
});

test('coverage gaps: a range that cannot be evaluated is a gap naming the advisory (ids with ":" intact)', async () => {
  // an ALSA-style id with a colon and a fixed event that is not a valid RPM EVR (two '-')
  const rec: OsvRecord = { id: 'ALSA-2099:0001', modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'AlmaLinux:9', name: 'demo' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.1-1-bad.el9' }] }] }] };
  const db = await testDb([tempFiles({ 'r.json': JSON.stringify(rec) })]);
  try {
    const p = pkg({ type: 'rpm', name: 'demo', version: '1.0-1.el9', source: { name: 'demo', version: '1.0-1.el9' } });
    const r = matchInventory(inventory([p], { family: 'almalinux', name: 'AlmaLinux', versionId: '9.4', source: '/etc/os-release' }), db);
    const g = r.findings.filter((f): f is CoverageGapFinding => f.kind === 'coverage-gap');
    assert.equal(g.length, 1);
    assert.equal(g[0]!.reason, 'range-not-evaluable');
    assert.ok(g[0]!.subject.endsWith(' ALSA-2099:0001'), g[0]!.subject);
    assert.match(g[0]!.detail, /affected by ALSA-2099:0001: /);
  } finally {
    db.close();
  }
});

test('malicious packages: MAL-* records give malware findings, even from a DB with no vulnerability records', async (t) => {
  const mal = sharedOrSkip(t, 'data/malicious');
  if (!mal) return;
  const db = await testDb([mal]);
  try {
    const inv = inventory([
      pkg({ type: 'npm', name: '0-dns', version: '1.0.0' }), // MAL-2022-9: every version (introduced 0)
      pkg({ type: 'npm', name: '02-echo', version: '0.0.7' }), // MAL-2025-191025: versions [0.0.7]
      pkg({ type: 'npm', name: '02-echo', version: '0.0.6', path: '/other' }), // not a listed version
      pkg({ type: 'pypi', name: '233_misc', version: '0.0.3' }), // MAL-2024-4724 (233-misc, PEP 503 spelling)
      pkg({ type: 'pypi', name: '1q847', version: '9.9.9' }), // MAL-2026-443 lists other versions only
      pkg({ type: 'npm', name: 'lodash', version: '4.17.21' }),
    ]);
    const r = matchInventory(inv, db);
    const malware = r.findings.filter((f): f is MalwareFinding => f.kind === 'malware');
    assert.deepEqual(malware.map((m) => `${m.signature} ${m.package?.name}@${m.package?.version}`).sort(), [
      'MAL-2022-9 0-dns@1.0.0',
      'MAL-2024-4724 233_misc@0.0.3',
      'MAL-2025-191025 02-echo@0.0.7',
    ]);
    for (const m of malware) {
      assert.equal(m.severity, 'critical');
      assert.equal(m.engine, 'advisory-db');
      assert.match(m.remediation ?? '', /^remove /);
    }
    assert.deepEqual(vulns(r.findings), [], 'not vulnerabilities');
    // the DB holds malicious reports only: npm and PyPI vulnerabilities were NOT checked, and say so
    assert.deepEqual(gaps(r.findings), ['ecosystem-not-covered PyPI', 'ecosystem-not-covered npm']);
  } finally {
    db.close();
  }
});

test('finding fields on log4j-core 2.14.1: ids, versions, fix, severity and CVSS, dates, KEV, EPSS, layer, remediation', async (t) => {
  const ghsa = sharedOrSkip(t, 'data/ghsa');
  const kev = sharedOrSkip(t, 'data/kev/known_exploited_vulnerabilities.json');
  if (!ghsa || !kev) return;
  // a small EPSS file in the official format (the shared data has none): scores for two of the CVEs
  const epss = join(tempFiles({ 'epss.csv': '#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000\ncve,epss,percentile\nCVE-2021-44228,0.94358,0.99961\nCVE-2021-45046,0.94325,0.99950\n' }), 'epss.csv');
  const db = await testDb([ghsa, kev, epss]);
  try {
    const log4j = pkg({ type: 'maven', name: 'org.apache.logging.log4j:log4j-core', namespace: 'org.apache.logging.log4j', version: '2.14.1', path: '/app/lib/log4j-core-2.14.1.jar' });
    const found = vulns(matchInventory(inventory([log4j]), db).findings);
    // GHSA-jfh8 (CVE-2021-44228, [2.13.0, 2.15.0)), GHSA-7rjr (CVE-2021-45046, [2.13.0, 2.16.0)),
    // GHSA-p6xc (CVE-2021-45105, [2.13.0, 2.17.0)) — by hand from ../shared/data/ghsa
    assert.deepEqual(found.map((v) => `${v.advisoryId} ${v.fixedVersion}`).sort(), ['CVE-2021-44228 2.15.0', 'CVE-2021-45046 2.16.0', 'CVE-2021-45105 2.17.0']);
    const shell = found.find((v) => v.advisoryId === 'CVE-2021-44228')!;
    const raw = JSON.parse(readFileSync(join(ghsa, 'GHSA-jfh8-c2jp-5v3q.json'), 'utf8')) as OsvRecord;
    assert.deepEqual(shell.aliases, ['GHSA-jfh8-c2jp-5v3q']);
    assert.equal(shell.package.name, 'org.apache.logging.log4j:log4j-core');
    assert.equal(shell.package.purl, 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1');
    assert.equal(shell.package.path, '/app/lib/log4j-core-2.14.1.jar');
    assert.equal(shell.installedVersion, '2.14.1');
    assert.equal(shell.fixedVersion, '2.15.0', 'the nearest fix above 2.14.1 (also listed: 2.3.1, 2.12.2)');
    assert.equal(shell.fixState, 'fixed');
    // GitHub rates it CRITICAL; its CVSS 3.1 vector scores 10.0
    assert.equal(shell.severity, 'critical');
    assert.deepEqual(shell.vendorSeverity, { source: 'ghsa', severity: 'critical', label: 'CRITICAL' });
    assert.ok(shell.cvss.some((c) => c.vector === 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H' && c.score === 10 && c.severity === 'critical'));
    assert.equal(shell.published, raw.published);
    assert.equal(shell.modified, raw.modified);
    // CISA KEV: added 2021-12-10, due 2021-12-24, known ransomware use
    assert.deepEqual(shell.kev, { dateAdded: '2021-12-10', dueDate: '2021-12-24', ransomware: true });
    assert.equal(shell.epss?.score, 0.94358);
    assert.equal(shell.epss?.percentile, 0.99961);
    assert.deepEqual(shell.layer, LAYER);
    assert.equal(shell.remediation, 'upgrade org.apache.logging.log4j:log4j-core to 2.15.0 (/app/lib/log4j-core-2.14.1.jar)');
    assert.ok(shell.urls.length > 0);
    // CVE-2021-45105 is not in KEV and has no EPSS row in our file: the fields are absent, not invented
    const later = found.find((v) => v.advisoryId === 'CVE-2021-45105')!;
    assert.equal(later.kev, undefined);
    assert.equal(later.epss, undefined);
    assert.ok(found.find((v) => v.advisoryId === 'CVE-2021-45046')!.kev, 'CVE-2021-45046 is in KEV too');
  } finally {
    db.close();
  }
});

test('npm scopes: @scope/name is one name on both sides', async () => {
  // shaped like GHSA-67hx-6x53-jw92 (@babel/traverse < 7.23.2); hand-made, the shared GHSA set has no scoped package
  const rec: OsvRecord = {
    id: 'GHSA-67hx-6x53-jw92',
    modified: '2024-01-01T00:00:00Z',
    aliases: ['CVE-2023-45133'],
    affected: [{ package: { ecosystem: 'npm', name: '@babel/traverse' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '7.23.2' }] }] }],
  };
  const db = await testDb([tempFiles({ 'r.json': JSON.stringify(rec) })]);
  try {
    const inv = inventory([
      pkg({ type: 'npm', name: '@babel/traverse', namespace: '@babel', version: '7.23.0', path: '/app/node_modules/@babel/traverse/package.json' }),
      pkg({ type: 'npm', name: 'traverse', version: '0.6.6' }), // the unscoped package of the same base name is another package
      pkg({ type: 'npm', name: '@other/traverse', namespace: '@other', version: '7.0.0' }),
    ]);
    const found = vulns(matchInventory(inv, db).findings);
    assert.deepEqual(found.map((v) => `${v.advisoryId} ${v.package.purl} ${v.fixedVersion}`), ['CVE-2023-45133 pkg:npm/%40babel/traverse@7.23.0 7.23.2']);
    assert.equal(found[0]!.remediation, 'upgrade @babel/traverse to 7.23.2 (/app/node_modules/@babel/traverse/package.json)');
  } finally {
    db.close();
  }
});

test('several entries for one package: the advice is a version no entry still calls affected', async () => {
  // hand-made: two overlapping entries (as a record for two branches might be written); 1.5.0 closes the
  // first but sits inside the second, so following it would leave the package vulnerable
  const rec: OsvRecord = {
    id: 'GHSA-dddd-eeee-ffff',
    modified: '2024-01-01T00:00:00Z',
    affected: [
      { package: { ecosystem: 'PyPI', name: 'demo2' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.5.0' }] }] },
      { package: { ecosystem: 'PyPI', name: 'demo2' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.4.0' }, { fixed: '2.0.0' }] }] },
      { package: { ecosystem: 'PyPI', name: 'demo3' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.5.0' }] }] },
      { package: { ecosystem: 'PyPI', name: 'demo3' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1.4.0' }] }] },
    ],
  };
  const db = await testDb([tempFiles({ 'r.json': JSON.stringify(rec) })]);
  try {
    const found = vulns(matchInventory(inventory([pkg({ type: 'pypi', name: 'demo2', version: '1.3' }), pkg({ type: 'pypi', name: 'demo3', version: '1.3' })]), db).findings);
    assert.deepEqual(found.map((v) => `${v.package.name} ${v.fixState} ${v.fixedVersion ?? '-'}`).sort(), [
      'demo2 fixed 2.0.0',
      // every version from 1.4.0 on is affected by the second entry: no upgrade leaves it, so no fix is claimed
      'demo3 not-fixed -',
    ]);
  } finally {
    db.close();
  }
});

test('distribution errata carry the CVEs they list under `related` as aliases (deny lists and exceptions name CVEs)', async () => {
  const rec: OsvRecord = {
    id: 'ALSA-2099:0002',
    modified: '2024-01-01T00:00:00Z',
    related: ['CVE-2099-0001', 'CVE-2099-0002', 'RHSA-2099:0002'],
    affected: [{ package: { ecosystem: 'AlmaLinux:9', name: 'demo' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.1-1.el9' }] }] }],
  };
  const db = await testDb([tempFiles({ 'r.json': JSON.stringify(rec) })]);
  try {
    const p = pkg({ type: 'rpm', name: 'demo', version: '1.0-1.el9', source: { name: 'demo', version: '1.0-1.el9' } });
    const r = matchInventory(inventory([p], { family: 'almalinux', name: 'AlmaLinux', versionId: '9.4', source: '/etc/os-release' }), db);
    const v = vulns(r.findings);
    assert.equal(v.length, 1);
    assert.equal(v[0]!.advisoryId, 'ALSA-2099:0002');
    assert.deepEqual(v[0]!.aliases, ['CVE-2099-0001', 'CVE-2099-0002']);
  } finally {
    db.close();
  }
});
