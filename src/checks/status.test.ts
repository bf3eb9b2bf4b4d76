import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECK_NAMES, type AnalyzerStatus, type CheckStatus } from '../core/types.js';
import type { Inventory } from '../core/report.js';
import { analyzerState, checkStatuses, MAX_REASONS } from './status.js';
import { pkg, report, secret } from '../policy/testdata/synthetic.js';
import type { CheckResult } from './types.js';

function inv(p: Partial<Inventory> = {}): Inventory {
  return { ...report().inventory, ...p };
}
const byName = (s: CheckStatus[]) => Object.fromEntries(s.map((x) => [x.check, x]));

test('every check of CHECK_NAMES, in that order; content checks without a result are not-run', () => {
  const s = checkStatuses(inv({ packages: [pkg({ name: 'curl', type: 'npm', licenses: ['MIT'] })] }));
  assert.deepEqual(s.map((x) => x.check), [...CHECK_NAMES]);
  const m = byName(s);
  assert.equal(m.vulnerabilities!.state, 'complete');
  assert.equal(m.licenses!.state, 'complete');
  for (const n of ['secrets', 'malware', 'config']) {
    assert.equal(m[n]!.state, 'not-run');
    assert.equal(m[n]!.detail, `no ${n} scanner ran`);
  }
});

test('vulnerabilities: partial naming each incomplete analyzer and its file-level reasons', () => {
  const analyzers: AnalyzerStatus[] = [
    { analyzer: 'rpm', files: 1, warnings: [], state: 'failed', reasons: ['/var/lib/rpm/rpmdb.sqlite: not a SQLite database'] },
    { analyzer: 'dpkg', files: 1, warnings: ['/var/lib/dpkg/status: stanza 3 skipped'] },
    { analyzer: 'apk', files: 1, warnings: [] },
  ];
  const v = byName(checkStatuses(inv({ analyzers })))['vulnerabilities']!;
  assert.equal(v.state, 'partial');
  assert.match(v.detail, /dpkg \(partial\), rpm \(failed\)/);
  assert.deepEqual(v.reasons, ['dpkg: /var/lib/dpkg/status: stanza 3 skipped', 'rpm: /var/lib/rpm/rpmdb.sqlite: not a SQLite database']);
  // a report without state: complete only when warnings is empty
  assert.equal(analyzerState({ analyzer: 'x', files: 0, warnings: [] }), 'complete');
  assert.equal(analyzerState({ analyzer: 'x', files: 0, warnings: ['w'] }), 'partial');
  assert.equal(analyzerState({ analyzer: 'x', files: 0, warnings: [], state: 'failed' }), 'failed');
});

test('vulnerabilities: not-run without a DB', () => {
  const v = byName(checkStatuses(inv(), { dbMissing: true }))['vulnerabilities']!;
  assert.equal(v.state, 'not-run');
  assert.match(v.detail, /no advisory database/);
});

test('reasons are capped, and the cap says how many were left out', () => {
  const warnings = Array.from({ length: 50 }, (_, i) => `/f${i}: bad`);
  const v = byName(checkStatuses(inv({ analyzers: [{ analyzer: 'npm', files: 50, warnings }] })))['vulnerabilities']!;
  assert.equal(v.reasons.length, MAX_REASONS + 1);
  assert.equal(v.reasons.at(-1), `… and ${50 - MAX_REASONS} more`);
});

test('licenses: partial naming every package type without any license data, with counts', () => {
  const packages = [
    pkg({ name: 'libc6' }), pkg({ name: 'zlib1g' }),
    pkg({ name: 'lodash', type: 'npm', licenses: ['MIT'] }), pkg({ name: 'qs', type: 'npm' }),
    pkg({ name: 'requests', type: 'pypi' }),
  ];
  const l = byName(checkStatuses(inv({ packages })))['licenses']!;
  assert.equal(l.state, 'partial');
  assert.equal(l.detail, 'no license data for deb (2 packages), pypi (1 package)');
  assert.deepEqual(l.stats, { packages: 5, withLicenseData: 1 });
  // an npm package without a license next to one with: the type has license data, so npm is not named
  assert.ok(!l.reasons.some((r) => r.startsWith('npm')));
  // an incomplete inventory makes the license check incomplete too
  const l2 = byName(checkStatuses(inv({ packages: [pkg({ name: 'a', licenses: ['MIT'] })], analyzers: [{ analyzer: 'dpkg', files: 1, warnings: ['x'] }] })))['licenses']!;
  assert.equal(l2.state, 'partial');
  assert.match(l2.detail, /inventory is incomplete: dpkg/);
});

test('content results: status and findings of the checks that ran; an SBOM never ran them', () => {
  const ran: CheckResult = { findings: [secret()], status: { check: 'secrets', state: 'complete', detail: '120 files scanned', reasons: [], rulesDigest: 'sha256:1' } };
  const partial: CheckResult = { findings: [], status: { check: 'malware', state: 'partial', detail: '2 files not scanned', reasons: ['/a.zip: too large'] } };
  const m = byName(checkStatuses(inv(), { contentResults: [ran, partial] }));
  assert.equal(m.secrets!.state, 'complete');
  assert.equal(m.secrets!.rulesDigest, 'sha256:1');
  assert.equal(m.malware!.state, 'partial');
  assert.equal(m.config!.state, 'not-run');
  const s = byName(checkStatuses(inv(), { contentResults: [ran], sbom: true }));
  for (const n of ['secrets', 'malware', 'config']) {
    assert.equal(s[n]!.state, 'not-run');
    assert.match(s[n]!.detail, /an SBOM carries no file contents/);
  }
  // two results for one check: never complete
  const dup = byName(checkStatuses(inv(), { contentResults: [ran, ran] }));
  assert.equal(dup.secrets!.state, 'partial');
});
