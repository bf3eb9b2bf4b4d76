// Unrated findings take their rating from alias records anywhere in the DB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OsvRecord } from '../core/types.js';
import { matchInventory } from './index.js';
import { isUnrated } from './rating.js';
import { inventory, pkg, tempFiles, testDb, vulns } from './testutil.js';

// an npm record with no rating of its own, aliased to a CVE that a PyPI GHSA rates HIGH (no vector), and
// a second unrated npm record whose alias record has only a CVSS vector
const unrated: OsvRecord = {
  id: 'OSV-2099-1',
  modified: '2025-01-01T00:00:00Z',
  aliases: ['CVE-2099-0001'],
  affected: [{ package: { ecosystem: 'npm', name: 'victim' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }] }],
};
const rater: OsvRecord = {
  id: 'GHSA-aaaa-bbbb-cccc',
  modified: '2025-01-01T00:00:00Z',
  aliases: ['CVE-2099-0001'],
  database_specific: { severity: 'HIGH' },
  affected: [{ package: { ecosystem: 'PyPI', name: 'other' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }],
};
const lowRater: OsvRecord = { ...rater, id: 'GHSA-dddd-eeee-ffff', database_specific: { severity: 'LOW' } };
const unrated2: OsvRecord = { ...unrated, id: 'OSV-2099-2', aliases: ['GO-2099-0002'], affected: [{ package: { ecosystem: 'npm', name: 'victim2' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }] };
const scored: OsvRecord = {
  id: 'GO-2099-0002',
  modified: '2025-01-01T00:00:00Z',
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
  affected: [{ package: { ecosystem: 'Go', name: 'example.com/x' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }],
};
const nobody: OsvRecord = { ...unrated, id: 'OSV-2099-3', aliases: ['CVE-2099-0003'], affected: [{ package: { ecosystem: 'npm', name: 'victim3' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }] };

test('an unrated finding takes the highest vendor rating, else CVSS, of any alias record; truly unrated stays unknown', async () => {
  const files = { 'a.json': unrated, 'b.json': rater, 'c.json': lowRater, 'd.json': unrated2, 'e.json': scored, 'f.json': nobody };
  const db = await testDb([tempFiles(Object.fromEntries(Object.entries(files).map(([k, v]) => [k, JSON.stringify(v)])))]);
  try {
    const r = matchInventory(inventory([
      pkg({ type: 'npm', name: 'victim', version: '1.0.0' }),
      pkg({ type: 'npm', name: 'victim2', version: '1.0.0' }),
      pkg({ type: 'npm', name: 'victim3', version: '1.0.0' }),
    ]), db);
    const by = Object.fromEntries(vulns(r.findings).map((v) => [v.package.name, v]));
    assert.equal(by.victim!.severity, 'high');
    assert.match(by.victim!.vendorSeverity!.source, /via GHSA-aaaa-bbbb-cccc/);
    assert.equal(by.victim2!.severity, 'critical');
    // (CVSS vectors of alias records are already borrowed when the DB is built; the rating follows them)
    assert.ok(by.victim2!.cvss.some((c) => c.score === 9.8));
    assert.equal(by.victim3!.severity, 'unknown');
    assert.ok(isUnrated(by.victim3!));
    assert.ok(!isUnrated(by.victim!));
  } finally {
    db.close();
  }
});
