// Debian matching rules on real tracker data (../shared/data/debian/bookworm-sample.json):
// advisories name the SOURCE package and are compared with the SOURCE version; releases are matched by
// the ecosystem string the importer writes (`Debian:12`) and osvEcosystemFor produces for the image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedOrSkip } from '../src/core/shared.js';
import type { OsInfo } from '../src/core/types.js';
import { osvEcosystemFor } from '../src/analyzers/os/release/index.js';
import { collectInventory } from '../src/scan/collect.js';
import { matchInventory } from '../src/match/index.js';
import { inventory, pkg, tempFiles, testDb, vulns } from '../src/match/testutil.js';

const BOOKWORM: OsInfo = { family: 'debian', name: 'Debian GNU/Linux', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)', source: '/etc/os-release' };

test('Debian 12: the importer writes Debian:12 and osvEcosystemFor of a real Debian 12 image says the same', async (t) => {
  const file = sharedOrSkip(t, 'data/debian/bookworm-sample.json');
  const image = sharedOrSkip(t, 'fixtures/images/debian-12-slim.oci.tar');
  if (!file || !image) return;
  const db = await testDb([file]);
  try {
    // the tracker's codename "bookworm" becomes the OSV ecosystem Debian:12
    assert.deepEqual(db.meta().ecosystems, ['Debian:12']);
    assert.equal(db.byPackage('Debian:12', 'zlib')[0]?.record.affected?.[0]?.package?.ecosystem, 'Debian:12');
    // the real image: os-release VERSION_ID=12 → Debian:12
    const inv = await collectInventory(`oci-archive:${image}`);
    assert.equal(inv.os?.versionId, '12');
    assert.equal(osvEcosystemFor(inv.os!), 'Debian:12');
    // an os-release with only a codename (VERSION_ID absent) maps by codename
    assert.equal(osvEcosystemFor({ family: 'debian', name: 'Debian', codename: 'bookworm', source: '/etc/os-release' }), 'Debian:12');
    // and the whole image matched: every finding is about a source package the sample names
    const found = vulns(matchInventory(inv, db).findings);
    assert.ok(found.length > 0);
    for (const v of found) assert.ok(['zlib', 'tar', 'perl', 'shadow', 'glibc', 'openssl', 'krb5'].includes(v.package.source?.name ?? v.package.name), v.package.name);
  } finally {
    db.close();
  }
});

test('Debian: source package and source version decide; statuses become fixed / wont-fix / unimportant', async (t) => {
  const file = sharedOrSkip(t, 'data/debian/bookworm-sample.json');
  if (!file) return;
  const db = await testDb([file]);
  try {
    const deb = (name: string, version: string, src: string, srcVersion = version) => pkg({ type: 'deb', name, version, source: { name: src, version: srcVersion } });
    const inv = inventory(
      [
        deb('libc6', '2.36-9+deb12u1', 'glibc'), // older than the CVE-2023-4911 fix 2.36-9+deb12u3
        deb('libc-bin', '2.36-9+deb12u3', 'glibc'), // exactly the fixed version: not affected by CVE-2023-4911
        deb('zlib1g', '1:1.2.13.dfsg-1', 'zlib'),
        deb('tar', '1.34+dfsg-1.2+deb12u1', 'tar'),
        deb('libssl3', '3.0.11-1~deb12u2', 'openssl'), // < 3.0.13-1~deb12u1 (CVE-2023-5678)
        deb('libcurl4', '7.88.1-10+deb12u5', 'curl'), // >= deb12u4 (CVE-2023-38545), < deb12u6 (CVE-2024-2398)
        deb('libssh2-1', '1.10.0-3+b1', 'libssh2', '1.10.0-3'), // CVE-2023-48795 fixed_version "0": never affected
      ],
      BOOKWORM,
    );
    const got = vulns(matchInventory(inv, db).findings)
      .map((v) => `${v.advisoryId} ${v.package.name} ${v.fixState} ${v.fixedVersion ?? '-'} ${v.severity}`)
      .sort();
    assert.deepEqual(got, [
      // glibc entries apply to both glibc binaries except the one fixed in deb12u3
      'CVE-2010-4756 libc-bin unimportant - negligible', // open, urgency unimportant
      'CVE-2010-4756 libc6 unimportant - negligible',
      'CVE-2019-1010022 libc-bin unimportant - negligible',
      'CVE-2019-1010022 libc6 unimportant - negligible',
      'CVE-2023-4911 libc6 fixed 2.36-9+deb12u3 unknown', // resolved in 2.36-9+deb12u3; urgency "not yet assigned"
      'CVE-2023-45853 zlib1g wont-fix - unknown', // open with nodsa (minizip not built)
      'CVE-2023-5678 libssl3 fixed 3.0.13-1~deb12u1 unknown', // resolved in 3.0.13-1~deb12u1
      'CVE-2024-2398 libcurl4 fixed 7.88.1-10+deb12u6 unknown', // resolved in deb12u6 > installed deb12u5
      'CVE-2024-5535 libssl3 wont-fix - unknown', // open with nodsa "Minor issue"
      'CVE-2005-2541 tar unimportant - negligible', // open, urgency unimportant
    ].sort());
    const libc = vulns(matchInventory(inv, db).findings).find((v) => v.advisoryId === 'CVE-2023-4911')!;
    assert.deepEqual(libc.aliases, ['DEBIAN-CVE-2023-4911']);
    assert.equal(libc.package.source?.name, 'glibc');
    assert.equal(libc.remediation, 'upgrade libc6 to 2.36-9+deb12u3 (source package glibc)');
    // a binary looked up under its own name finds nothing: the tracker only knows source packages
    const bare = inventory([pkg({ type: 'deb', name: 'libc6', version: '2.36-9+deb12u1' })], BOOKWORM);
    assert.deepEqual(vulns(matchInventory(bare, db).findings), []);
  } finally {
    db.close();
  }
});

test('Debian binNMU: libssh2-1 1.10.0-3+b1 is judged as source libssh2 1.10.0-3', async () => {
  // A hand-made OSV record shaped like osv.dev's Debian records, which enumerate the affected SOURCE
  // versions in `versions`. The binNMU binary version 1.10.0-3+b1 is in no such list; only comparing
  // the source version 1.10.0-3 finds it. (Synthetic id: no real advisory is claimed.)
  const dir = tempFiles({
    'DEBIAN-TEST-1.json': JSON.stringify({
      id: 'DEBIAN-TEST-1',
      modified: '2024-01-01T00:00:00Z',
      aliases: ['CVE-2099-0001'],
      affected: [{ package: { ecosystem: 'Debian:12', name: 'libssh2' }, versions: ['1.10.0-2', '1.10.0-3'] }],
    }),
  });
  const db = await testDb([dir]);
  try {
    const binnmu = pkg({ type: 'deb', name: 'libssh2-1', version: '1.10.0-3+b1', source: { name: 'libssh2', version: '1.10.0-3' } });
    const found = vulns(matchInventory(inventory([binnmu], BOOKWORM), db).findings);
    assert.deepEqual(found.map((v) => `${v.advisoryId} ${v.package.name} ${v.installedVersion} ${v.fixState}`), ['CVE-2099-0001 libssh2-1 1.10.0-3+b1 not-fixed']);
    // a later source upload (1.10.0-4) is not in the list: clean
    const newer = pkg({ type: 'deb', name: 'libssh2-1', version: '1.10.0-4', source: { name: 'libssh2', version: '1.10.0-4' } });
    assert.deepEqual(vulns(matchInventory(inventory([newer], BOOKWORM), db).findings), []);
    // other releases do not share Debian:12 records: the same package on bullseye is not covered at all
    const bullseye: OsInfo = { ...BOOKWORM, versionId: '11', codename: 'bullseye' };
    const r = matchInventory(inventory([binnmu], bullseye), db);
    assert.deepEqual(vulns(r.findings), []);
    assert.deepEqual(r.findings.map((f) => (f.kind === 'coverage-gap' ? `${f.reason} ${f.subject}` : f.kind)), ['ecosystem-not-covered Debian:11']);
  } finally {
    db.close();
  }
});
