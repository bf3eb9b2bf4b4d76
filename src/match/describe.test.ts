// fixStateOf / entryVendorSeverity read the keys the Debian tracker importer really writes: checked on
// records of ../shared/data/debian/bookworm-sample.json built into a DB, and on hand-made tracker
// entries (written to a temp file) for the states the sample does not contain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedOrSkip } from '../core/shared.js';
import type { OsvAffected } from '../core/types.js';
import type { StoredAdvisory } from '../advisory/index.js';
import { entryFixState, entryVendorSeverity, fixStateOf, remediationFor, severityOf, titleOf, vendorSeverityOf } from './describe.js';
import { pkg, tempFiles, testDb } from './testutil.js';

function entry(adv: StoredAdvisory, name: string): OsvAffected {
  const a = adv.record.affected?.find((x) => x.package?.name === name && x.package.ecosystem === 'Debian:12');
  assert.ok(a, `${adv.record.id} has a Debian:12 entry for ${name}`);
  return a;
}

test('fixStateOf on real Debian tracker records (bookworm sample)', async (t) => {
  const file = sharedOrSkip(t, 'data/debian/bookworm-sample.json');
  if (!file) return;
  const db = await testDb([file]);
  try {
    const one = (id: string, name: string) => {
      const adv = db.byId(id);
      assert.ok(adv, id);
      const a = entry(adv, name);
      return { adv, a };
    };
    // zlib CVE-2023-45853: status open, nodsa "contrib/minizip not built..." → will not fix
    const zlib = one('DEBIAN-CVE-2023-45853', 'zlib');
    assert.equal(zlib.a.database_specific?.fix_state, 'wont-fix', 'the importer stores the state under database_specific.fix_state');
    assert.equal(fixStateOf([{ adv: zlib.adv, affected: zlib.a }]), 'wont-fix');
    // tar CVE-2005-2541: open, urgency unimportant → unimportant, rated negligible for this release
    const tar = one('DEBIAN-CVE-2005-2541', 'tar');
    assert.equal(fixStateOf([{ adv: tar.adv, affected: tar.a }]), 'unimportant');
    assert.deepEqual(entryVendorSeverity(tar.a), { source: 'debian', severity: 'negligible', label: 'unimportant' });
    // krb5 CVE-2024-26458: open, nodsa "Minor issue", urgency "not yet assigned" → wont-fix, unrated
    const krb5 = one('DEBIAN-CVE-2024-26458', 'krb5');
    assert.equal(fixStateOf([{ adv: krb5.adv, affected: krb5.a }]), 'wont-fix');
    assert.equal(entryVendorSeverity(krb5.a)?.severity, 'unknown');
    // glibc CVE-2023-4911: resolved in 2.36-9+deb12u3 → the entry says fixed (the range carries the version)
    const glibc = one('DEBIAN-CVE-2023-4911', 'glibc');
    assert.equal(entryFixState(glibc.a), 'fixed');
    assert.deepEqual(glibc.a.ranges?.[0]?.events, [{ introduced: '0' }, { fixed: '2.36-9+deb12u3' }]);
  } finally {
    db.close();
  }
});

test('fixStateOf: not-fixed and unknown tracker states (hand-made tracker entries)', async () => {
  // Synthetic tracker JSON in the real format: an open entry with no nodsa and a rated urgency (→ not
  // fixed), and a resolved entry without fixed_version (→ unknown).
  const dir = tempFiles({
    'tracker.json': JSON.stringify({
      demo: {
        'TEMP-0000001-ABCDEF': { description: 'open, rated', releases: { bookworm: { status: 'open', repositories: {}, urgency: 'medium' } } },
        'TEMP-0000002-ABCDEF': { description: 'resolved, no version', releases: { bookworm: { status: 'resolved', repositories: {}, urgency: 'low' } } },
      },
    }),
  });
  const db = await testDb([`${dir}/tracker.json`]);
  try {
    const open = db.byId('DEBIAN-TEMP-0000001-ABCDEF')!;
    const resolved = db.byId('DEBIAN-TEMP-0000002-ABCDEF')!;
    const oa = entry(open, 'demo');
    const ra = entry(resolved, 'demo');
    assert.equal(fixStateOf([{ adv: open, affected: oa }]), 'not-fixed');
    assert.equal(fixStateOf([{ adv: resolved, affected: ra }]), 'unknown');
    assert.equal(entryVendorSeverity(oa)?.severity, 'medium');
    // merged with a not-fixed record, unknown gives way; unimportant/wont-fix win over not-fixed
    assert.equal(fixStateOf([{ adv: open, affected: oa }, { adv: resolved, affected: ra }]), 'not-fixed');
  } finally {
    db.close();
  }
});

test('fixStateOf: records without a tracker status (OSV, secdb) are not-fixed; unrelated keys are ignored', () => {
  const adv = { record: { id: 'X', modified: '2024-01-01T00:00:00Z' }, source: 'x', malicious: false, cvss: [] } as StoredAdvisory;
  assert.equal(fixStateOf([{ adv, affected: {} }]), 'not-fixed');
  // keys the old code guessed (status/state) are not the importer's; "status: open" means nothing here
  assert.equal(fixStateOf([{ adv, affected: { database_specific: { status: 'ignored' }, ecosystem_specific: { state: 'wont-fix' } } }]), 'not-fixed');
  assert.equal(entryFixState({ database_specific: { fix_state: 'bogus' } }), undefined);
  assert.equal(entryVendorSeverity({ database_specific: { urgency: 'high' } }), undefined, 'urgency counts only on tracker entries');
});

test('severityOf: vendor rating first, else the highest CVSS rating, else unknown', () => {
  const c = (score: number, severity: 'low' | 'high' | 'critical') => ({ version: '3.1' as const, vector: `v${score}`, score, severity });
  assert.equal(severityOf({ source: 'ghsa', severity: 'medium', label: 'MODERATE' }, [c(9.8, 'critical')]), 'medium');
  assert.equal(severityOf({ source: 'debian', severity: 'unknown', label: 'not yet assigned' }, [c(3, 'low'), c(7.5, 'high')]), 'high');
  assert.equal(severityOf(undefined, []), 'unknown');
});

test('remediationFor: Debian names the binary and its source package', () => {
  const p = pkg({ type: 'deb', name: 'libc6', version: '2.36-9+deb12u1', source: { name: 'glibc', version: '2.36-9+deb12u1' } });
  const base = { id: 'x', kind: 'vulnerability' as const, title: 't', severity: 'high' as const, advisoryId: 'CVE-2023-4911', aliases: [], package: { name: 'libc6', version: '', type: 'deb' as const, purl: p.purl }, installedVersion: p.version, cvss: [], dataSource: 'x', urls: [] };
  assert.equal(remediationFor({ ...base, fixState: 'fixed', fixedVersion: '2.36-9+deb12u3' }, p), 'upgrade libc6 to 2.36-9+deb12u3 (source package glibc)');
  assert.match(remediationFor({ ...base, fixState: 'wont-fix' }, p), /will not fix CVE-2023-4911 in libc6/);
  assert.match(remediationFor({ ...base, fixState: 'unimportant' }, p), /rates CVE-2023-4911 unimportant/);
  assert.match(remediationFor({ ...base, fixState: 'not-fixed' }, p), /^no fix is available yet/);
});

test('vendorSeverityOf: this release\'s urgency first, then the records\' ratings; rated before unrated', () => {
  const adv = (vendorSeverity?: StoredAdvisory['vendorSeverity']) => ({ record: { id: 'X', modified: '2024-01-01T00:00:00Z' }, source: 'x', malicious: false, cvss: [], ...(vendorSeverity ? { vendorSeverity } : {}) }) as StoredAdvisory;
  const entry = (urgency: string): OsvAffected => ({ database_specific: { fix_state: 'not-fixed', urgency } });
  // bookworm unimportant, while the record (highest over releases) says high: the release's word wins
  assert.deepEqual(vendorSeverityOf([{ adv: adv({ source: 'debian', severity: 'high', label: 'high' }), affected: entry('unimportant') }]), { source: 'debian', severity: 'negligible', label: 'unimportant' });
  // bookworm "not yet assigned", merged with a GHSA-rated record: the GHSA rating speaks
  const ghsa = { source: 'ghsa', severity: 'medium' as const, label: 'MODERATE' };
  assert.deepEqual(vendorSeverityOf([{ adv: adv(), affected: entry('not yet assigned') }, { adv: adv(ghsa), affected: {} }]), ghsa);
  // nothing rated: the unrated entry is still shown (severity then comes from CVSS)
  assert.equal(vendorSeverityOf([{ adv: adv(), affected: entry('not yet assigned') }])?.label, 'not yet assigned');
  assert.equal(vendorSeverityOf([{ adv: adv(), affected: {} }]), undefined);
});

test('remediationFor: Go stdlib is a rebuild with a newer toolchain; Go modules an upgrade and a rebuild', () => {
  const std = pkg({ type: 'golang', name: 'stdlib', version: 'go1.19.8', path: '/usr/sbin/gosu' });
  const mod = pkg({ type: 'golang', name: 'golang.org/x/net', version: 'v0.7.0', path: '/usr/local/bin/app' });
  const f = (p: typeof std, fixedVersion: string) => ({ id: 'x', kind: 'vulnerability' as const, title: 't', severity: 'high' as const, advisoryId: 'CVE-1', aliases: [], package: { name: p.name, version: p.version, type: p.type, purl: p.purl }, installedVersion: p.version, fixState: 'fixed' as const, fixedVersion, cvss: [], dataSource: 'x', urls: [] });
  assert.equal(remediationFor(f(std, '1.19.9'), std), 'rebuild /usr/sbin/gosu with Go 1.19.9 or later');
  assert.equal(remediationFor(f(mod, '0.17.0'), mod), 'upgrade golang.org/x/net to 0.17.0 and rebuild /usr/local/bin/app');
});

test('titleOf: a summary of any merged record, else the first line of a description, else id in package', () => {
  const p = pkg({ type: 'deb', name: 'libc6', version: '2.36-9' });
  assert.equal(titleOf([{}, { summary: ' Remote code injection in Log4j ' }], 'CVE-1', p), 'Remote code injection in Log4j');
  assert.equal(titleOf([{ details: 'The iconv() function in glibc may overflow.\nMore text.' }], 'CVE-1', p), 'The iconv() function in glibc may overflow.');
  assert.equal(titleOf([{ details: 'x'.repeat(200) }], 'CVE-1', p).length, 120);
  assert.equal(titleOf([{ summary: '  ', details: '' }], 'CVE-1', p), 'CVE-1 in libc6');
});
