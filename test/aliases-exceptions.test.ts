// Issue 11: aliases merge transitively, but a GHSA that lists two CVEs must not merge them into one
// finding, or an exception for one CVE would suppress the other. One finding per vulnerability; an
// exception names exactly what it covers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OsvRecord } from '../src/core/types.js';
import { matchInventory } from '../src/match/index.js';
import { inventory, pkg, tempFiles, testDb, vulns } from '../src/match/testutil.js';
import { findingKeys, keyMatches } from '../src/policy/exceptions.js';

const affected = [{ package: { ecosystem: 'npm', name: 'twofold' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }] }];
const ghsa: OsvRecord = { id: 'GHSA-2222-3333-4444', modified: '2024-01-01T00:00:00Z', aliases: ['CVE-2099-0001', 'CVE-2099-0002'], affected };
const nvd: OsvRecord = { id: 'CVE-2099-0001', modified: '2024-01-01T00:00:00Z', affected };

test('a GHSA listing two CVEs gives two findings; an exception for one CVE covers only that one', async () => {
  const db = await testDb([tempFiles({ 'ghsa.json': JSON.stringify(ghsa), 'cve.json': JSON.stringify(nvd) })]);
  try {
    const r = matchInventory(inventory([pkg({ type: 'npm', name: 'twofold', version: '1.0.0' })]), db);
    const found = vulns(r.findings);
    assert.deepEqual(found.map((f) => `${f.advisoryId} [${f.aliases.join(' ')}]`), ['CVE-2099-0001 [GHSA-2222-3333-4444]', 'CVE-2099-0002 [GHSA-2222-3333-4444]']);
    assert.notEqual(found[0]!.id, found[1]!.id);
    const coveredBy = (id: string) => found.filter((f) => keyMatches(id, findingKeys(f))).map((f) => f.advisoryId);
    assert.deepEqual(coveredBy('CVE-2099-0001'), ['CVE-2099-0001']);
    assert.deepEqual(coveredBy('CVE-2099-0002'), ['CVE-2099-0002']);
    // the GHSA names both vulnerabilities: an exception for it covers both, as it says
    assert.deepEqual(coveredBy('GHSA-2222-3333-4444'), ['CVE-2099-0001', 'CVE-2099-0002']);
  } finally {
    db.close();
  }
});
