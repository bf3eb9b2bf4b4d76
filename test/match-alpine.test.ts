// Alpine matching on real images (trivy's alpine 3.10.4 and 3.11.5 docker-save archives) against a DB
// built from the real secdb (../shared/data/alpine-secdb, every branch v3.3–v3.11). Rules: the secdb
// names the ORIGIN package (libcrypto1.1 and libssl1.1 come from openssl), the branch is the image's
// major.minor (3.10.4 → Alpine:v3.10), and a secfix `V: [ids]` means "versions below V are affected".
// Every expectation below was checked by hand against the YAML (grep -A12 'name: <origin>' vX.Y/main.yaml).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedOrSkip } from '../src/core/shared.js';
import type { Inventory } from '../src/core/report.js';
import { osvEcosystemFor } from '../src/analyzers/os/release/index.js';
import { collectInventory } from '../src/scan/collect.js';
import { matchInventory } from '../src/match/index.js';
import { testDb, vulns } from '../src/match/testutil.js';

const IMAGES = 'fixtures/third-party/images/trivy';
const invs = new Map<string, Promise<Inventory>>();
function inv(path: string): Promise<Inventory> {
  let p = invs.get(path);
  if (!p) invs.set(path, (p = collectInventory(path)));
  return p;
}

const summary = (i: Inventory, db: Parameters<typeof matchInventory>[1]) =>
  matchInventory(i, db).findings.map((f) => (f.kind === 'vulnerability' ? `${f.advisoryId} ${f.package.name} ${f.installedVersion} fixed ${f.fixedVersion}` : `${f.kind}`)).sort();

test('alpine 3.10.4 and 3.11.5 images: origin packages, branch, secfixes (checked by hand)', async (t) => {
  const secdb = sharedOrSkip(t, 'data/alpine-secdb');
  const a310 = sharedOrSkip(t, `${IMAGES}/alpine-310.tar.gz`);
  const a311 = sharedOrSkip(t, `${IMAGES}/alpine-311.tar.gz`);
  if (!secdb || !a310 || !a311) return;
  const db = await testDb([secdb]);
  try {
    const i310 = await inv(a310);
    const i311 = await inv(a311);
    // the branch: VERSION_ID 3.10.4 → Alpine:v3.10 (the secdb file's distroversion), 3.11.5 → Alpine:v3.11
    assert.equal(osvEcosystemFor(i310.os!), 'Alpine:v3.10');
    assert.equal(osvEcosystemFor(i311.os!), 'Alpine:v3.11');
    // origins as the secdb names them
    const origin = (i: Inventory, n: string) => i.packages.find((p) => p.name === n)?.source?.name;
    assert.equal(origin(i310, 'libcrypto1.1'), 'openssl');
    assert.equal(origin(i310, 'ssl_client'), 'busybox');
    assert.equal(origin(i310, 'musl-utils'), 'musl');
    // alpine-310 (v3.10/main.yaml), package by package, secfixes that name its origin:
    //   busybox 1.30.1-r3: fixes 1.30.1-r2, 1.29.3-r10, 1.27.2-r4 — all at or below → clean
    //   musl 1.1.22-r3 (musl, musl-utils): fixes 1.1.22-r3 (CVE-2019-14697, equal → fixed), 1.1.15-r4 → clean
    //   openssl 1.1.1d-r2 (libcrypto1.1, libssl1.1): fixes 1.1.1d-r0, 1.1.1b-r1, 1.1.1a-r0 → clean
    //   alpine-baselayout, alpine-keys, apk-tools, ca-certificates, libc-dev, libtls-standalone,
    //   pax-utils, zlib: no secfixes in v3.10 → clean
    assert.deepEqual(summary(i310, db), []);
    // alpine-311 (v3.11/main.yaml):
    //   busybox 1.31.1-r9: fixes up to 1.30.1-r2 → clean
    //   musl 1.1.24-r2: fixes 1.1.23-r2, 1.1.15-r4 → clean
    //   openssl 1.1.1d-r3: fixes 1.1.1d-r3 (CVE-2019-1551, equal → fixed), 1.1.1d-r1, ... → clean
    //   the other origins: no secfixes in v3.11 → clean
    assert.deepEqual(summary(i311, db), []);
    // both images were checked, not skipped: their ecosystems are covered, no gap was reported
    assert.deepEqual(matchInventory(i310, db).ecosystems, ['Alpine:v3.10']);
  } finally {
    db.close();
  }
});

test('alpine: the branch decides — the 3.10 packages judged by v3.11 secfixes are affected', async (t) => {
  const secdb = sharedOrSkip(t, 'data/alpine-secdb');
  const a310 = sharedOrSkip(t, `${IMAGES}/alpine-310.tar.gz`);
  if (!secdb || !a310) return;
  const db = await testDb([secdb]);
  try {
    const real = await inv(a310);
    const as311: Inventory = { ...real, os: { ...real.os!, versionId: '3.11.5' } };
    assert.deepEqual(summary(as311, db), [
      // v3.11 openssl: 1.1.1d-r3 fixes CVE-2019-1551; installed 1.1.1d-r2 is below it (both openssl binaries)
      'CVE-2019-1551 libcrypto1.1 1.1.1d-r2 fixed 1.1.1d-r3',
      'CVE-2019-1551 libssl1.1 1.1.1d-r2 fixed 1.1.1d-r3',
      // v3.11 musl: 1.1.23-r2 fixes CVE-2019-14697; installed 1.1.22-r3 is below it (v3.10 had it in -r3)
      'CVE-2019-14697 musl 1.1.22-r3 fixed 1.1.23-r2',
      'CVE-2019-14697 musl-utils 1.1.22-r3 fixed 1.1.23-r2',
    ].sort());
  } finally {
    db.close();
  }
});

test('alpine secfix semantics: every fix above the installed version, the nearest one reported', async (t) => {
  const secdb = sharedOrSkip(t, 'data/alpine-secdb');
  const a310 = sharedOrSkip(t, `${IMAGES}/alpine-310.tar.gz`);
  if (!secdb || !a310) return;
  const db = await testDb([secdb]);
  try {
    const real = await inv(a310);
    // the real inventory with older versions of the openssl and busybox builds (as an older 3.10 image had)
    const older = (name: string, version: string) => {
      const p = real.packages.find((x) => x.name === name)!;
      return { ...p, version, source: { name: p.source!.name, version } };
    };
    const i: Inventory = { ...real, packages: [older('libssl1.1', '1.1.1b-r0'), older('busybox', '1.29.3-r9'), older('ssl_client', '1.30.1-r1')] };
    const got = vulns(matchInventory(i, db).findings);
    assert.deepEqual(got.map((v) => `${v.advisoryId} ${v.package.name} fixed ${v.fixedVersion}`).sort(), [
      // busybox 1.29.3-r9: 1.29.3-r10 fixes CVE-2018-20679 → that is the advice. CVE-2019-5747 is listed
      // under 1.29.3-r10 AND 1.30.1-r2: each secfix line is "everything below V", so 1.29.3-r10 is still
      // below the 1.30.1-r2 line — the nearest version that leaves every range is 1.30.1-r2 (v3.10 ships
      // 1.30.x). The 1.27.2-r4 fixes are below the installed version → not listed.
      'CVE-2018-20679 busybox fixed 1.29.3-r10',
      'CVE-2019-5747 busybox fixed 1.30.1-r2',
      // openssl 1.1.1b-r0: below 1.1.1d-r0 (three CVEs) and 1.1.1b-r1 (CVE-2019-1543); 1.1.1a-r0 is below it
      'CVE-2019-1543 libssl1.1 fixed 1.1.1b-r1',
      'CVE-2019-1547 libssl1.1 fixed 1.1.1d-r0',
      'CVE-2019-1549 libssl1.1 fixed 1.1.1d-r0',
      'CVE-2019-1563 libssl1.1 fixed 1.1.1d-r0',
      // ssl_client (origin busybox) 1.30.1-r1: only the 1.30.1-r2 fix of CVE-2019-5747 is above it
      'CVE-2019-5747 ssl_client fixed 1.30.1-r2',
    ].sort());
    for (const v of got) {
      assert.deepEqual(v.aliases, [`ALPINE-${v.advisoryId}`]);
      assert.equal(v.fixState, 'fixed');
      assert.equal(v.remediation, `upgrade ${v.package.name} to ${v.fixedVersion}`);
      assert.equal(v.layer?.diffId, real.packages[0]!.layer?.diffId, 'the layer that introduced the package');
    }
  } finally {
    db.close();
  }
});

test('alpine: the branch from /etc/alpine-release alone (no os-release), a real 3.7.0 apk database', async (t) => {
  const secdb = sharedOrSkip(t, 'data/alpine-secdb');
  const installed = sharedOrSkip(t, 'fixtures/third-party/packages/apk/alpine-3.7.0-installed');
  if (!secdb || !installed) return;
  // a root filesystem with only /etc/alpine-release and the apk database of a real Alpine 3.7.0
  const root = mkdtempSync(join(tmpdir(), 'portcullis-match-apk-'));
  mkdirSync(join(root, 'etc'));
  mkdirSync(join(root, 'lib/apk/db'), { recursive: true });
  writeFileSync(join(root, 'etc/alpine-release'), '3.7.0\n');
  copyFileSync(installed, join(root, 'lib/apk/db/installed'));
  const i = await collectInventory(`dir:${root}`);
  assert.equal(i.os?.source, '/etc/alpine-release');
  assert.equal(osvEcosystemFor(i.os!), 'Alpine:v3.7');
  const db = await testDb([secdb]);
  try {
    assert.deepEqual(summary(i, db), [
      // v3.7/main.yaml musl: 1.1.18-r4 fixes CVE-2019-14697; installed 1.1.18-r2 (musl and musl-utils)
      'CVE-2019-14697 musl 1.1.18-r2 fixed 1.1.18-r4',
      'CVE-2019-14697 musl-utils 1.1.18-r2 fixed 1.1.18-r4',
      // libressl: 2.6.5-r0 fixes CVE-2018-0732 and CVE-2018-0495; installed 2.6.3-r0 (both binaries);
      // its 2.5.3-r1 fix (CVE-2017-8301) is below the installed version
      'CVE-2018-0495 libressl2.6-libcrypto 2.6.3-r0 fixed 2.6.5-r0',
      'CVE-2018-0495 libressl2.6-libssl 2.6.3-r0 fixed 2.6.5-r0',
      'CVE-2018-0732 libressl2.6-libcrypto 2.6.3-r0 fixed 2.6.5-r0',
      'CVE-2018-0732 libressl2.6-libssl 2.6.3-r0 fixed 2.6.5-r0',
      // busybox 1.27.2-r7: its only fixes (1.27.2-r4) are below → clean; the other origins have no secfixes
    ].sort());
  } finally {
    db.close();
  }
});
