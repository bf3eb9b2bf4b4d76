// matchInventory on hostile and odd inventories: never a crash, never "clean" for what was not judged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoverageGapFinding, OsvRecord } from '../core/types.js';
import { matchInventory } from './index.js';
import { inventory, pkg, tempFiles, testDb, vulns } from './testutil.js';

const rec: OsvRecord = {
  id: 'GHSA-test-0001-0001',
  modified: '2024-01-01T00:00:00Z',
  aliases: ['CVE-2099-1000'],
  affected: [
    { package: { ecosystem: 'npm', name: 'victim' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }] },
    { package: { ecosystem: 'Go', name: 'example.com/mod' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.0.0' }] }] },
  ],
};

test('hostile inventory values: gaps or nothing, no exception', async () => {
  const db = await testDb([tempFiles({ 'r.json': JSON.stringify(rec) })]);
  try {
    const inv = inventory([
      pkg({ type: 'npm', name: 'victim', version: '' }), // empty version
      pkg({ type: 'npm', name: 'victim', version: '\u0000\u0001', path: '/b' }), // control characters
      pkg({ type: 'npm', name: 'victim', version: '1.'.repeat(5000) + '0', path: '/c' }), // absurdly long
      pkg({ type: 'npm', name: 'victim', version: '99999999999999999999999.0.0', path: '/d' }), // beyond 2^53
      pkg({ type: 'npm', name: '', version: '1.0.0', path: '/e' }), // no name
      pkg({ type: 'npm', name: 'x'.repeat(100_000), version: '1.0.0', path: '/f' }),
      pkg({ type: 'golang', name: 'example.com/app', version: '(devel)', path: '/g' }), // the binary itself
      pkg({ type: 'npm', name: 'victim', version: '1.0.0', path: '/h' }), // the one real hit
    ]);
    const r = matchInventory(inv, db);
    assert.deepEqual(vulns(r.findings).map((v) => `${v.advisoryId} ${v.package.path}`), ['CVE-2099-1000 /h']);
    const gaps = r.findings.filter((f): f is CoverageGapFinding => f.kind === 'coverage-gap');
    // the unreadable versions are reported, each once
    // (a 23-digit major is valid SemVer, compared exactly: above the fix, so not affected — no gap)
    assert.deepEqual(gaps.map((g) => `${g.reason} ${g.package?.path}`).sort(), ['version-unparsable /b', 'version-unparsable /c', 'version-unparsable /test/npm/victim']);
    // the (devel) main module of a Go binary is not matched and is not a gap
    assert.ok(!r.findings.some((f) => 'package' in f && f.package?.path === '/g'));
  } finally {
    db.close();
  }
});

test('deb and rpm packages with broken source or epoch data are gaps, not clean', async () => {
  const db = await testDb([tempFiles({ 'r.json': JSON.stringify({ ...rec, affected: [{ package: { ecosystem: 'Debian:12', name: 'src' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }, { package: { ecosystem: 'AlmaLinux:9', name: 'bin' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }] }) })]);
  try {
    const debian = { family: 'debian', name: 'Debian', versionId: '12', source: '/etc/os-release' };
    const deb = matchInventory(inventory([pkg({ type: 'deb', name: 'bin', version: '1.0-1', source: { name: 'src', version: 'not a version!' } })], debian), db);
    assert.deepEqual(deb.findings.map((f) => (f.kind === 'coverage-gap' ? f.reason : f.kind)), ['version-unparsable']);
    const alma = { family: 'almalinux', name: 'AlmaLinux', versionId: '9.4', source: '/etc/os-release' };
    const rpm = matchInventory(inventory([pkg({ type: 'rpm', name: 'bin', version: '1.0-1-2', source: { name: 'bin', version: '1.0-1-2' } })], alma), db);
    assert.deepEqual(rpm.findings.map((f) => (f.kind === 'coverage-gap' ? f.reason : f.kind)), ['version-unparsable']);
  } finally {
    db.close();
  }
});
