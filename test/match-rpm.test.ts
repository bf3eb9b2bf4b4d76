// RPM matching on real AlmaLinux 9 advisories (../shared/data/osv/AlmaLinux:9/all.zip, 1,783 ALSA
// records): binary package names as the records list them, the source RPM name only as a fallback,
// full epoch:version-release comparison (a missing epoch is 0), and module streams.
// Expectations: the non-modular cases are computed independently from the zip with `rpm`'s own
// comparison (rpm.vercmp via `rpm --eval`); the module cases are written out by hand from the records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { sharedOrSkip } from '../src/core/shared.js';
import type { OsInfo, Package } from '../src/core/types.js';
import { matchInventory } from '../src/match/index.js';
import { inventory, pkg, readZipRecords, testDb, vulns } from '../src/match/testutil.js';

const ALMA9: OsInfo = { family: 'almalinux', name: 'AlmaLinux', versionId: '9.4', prettyName: 'AlmaLinux 9.4 (Seafoam Ocelot)', source: '/etc/os-release' };
const ZIP = 'data/osv/AlmaLinux:9/all.zip';

const rpm = (name: string, evr: string, src: string, extra: Partial<Parameters<typeof pkg>[0]> = {}): Package => {
  const m = /^(?:(\d+):)?(.+)$/.exec(evr)!;
  return pkg({ type: 'rpm', name, version: m[2]!, ...(m[1] ? { epoch: Number(m[1]) } : {}), source: { name: src, version: m[2]! }, ...extra });
};

/** rpm's own comparison, many pairs in one process; undefined when rpm is not installed. */
function rpmVercmp(pairs: [string, string][]): number[] | undefined {
  const lua = pairs.map(([a, b]) => `print(rpm.vercmp("${a}", "${b}") .. "\\n")`).join(' ');
  const r = spawnSync('rpm', ['--eval', `%{lua: ${lua}}`], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.error || r.status !== 0) return undefined;
  const out = r.stdout.split('\n').filter((l) => l.trim() !== '').map(Number);
  assert.equal(out.length, pairs.length);
  return out;
}


test('AlmaLinux 9: binary names and full EVR with epochs, checked against rpm.vercmp over every ALSA record', async (t) => {
  const zip = sharedOrSkip(t, ZIP);
  if (!zip) return;
  const db = await testDb([zip]);
  try {
    const installed = [
      rpm('openssl-libs', '1:3.0.7-27.el9', 'openssl'), // epoch 1, as AlmaLinux ships it
      rpm('vim-minimal', '2:8.2.2637-20.el9_1', 'vim'), // epoch 2
      rpm('libcurl-minimal', '7.76.1-26.el9_3.2', 'curl'), // no epoch
      rpm('glibc-minimal-langpack', '2.34-100.el9_4.2', 'glibc'),
      rpm('python3-libs', '3.9.18-3.el9_4.3', 'python3.9'),
    ];
    const got = vulns(matchInventory(inventory(installed, ALMA9), db).findings);
    // Oracle: every affected entry naming the binary, non-module (none of these packages is modular),
    // affected when rpm.vercmp(installed EVR, fixed EVR) < 0. Epoch 0 is written "0:" for rpm.
    const recs = await readZipRecords(zip);
    const cand: { id: string; name: string; fixed: string; pair: [string, string] }[] = [];
    for (const r of recs) {
      for (const a of r.affected ?? []) {
        const p = installed.find((x) => x.name === a.package?.name);
        if (!p) continue;
        for (const range of a.ranges ?? []) {
          for (const ev of range.events) {
            if (!ev.fixed || ev.fixed.includes('.module_el')) continue;
            cand.push({ id: r.id, name: p.name, fixed: ev.fixed, pair: [`${p.epoch ?? 0}:${p.version}`, ev.fixed.includes(':') ? ev.fixed : `0:${ev.fixed}`] });
          }
        }
      }
    }
    const cmp = rpmVercmp(cand.map((c) => c.pair));
    if (!cmp) return t.skip('rpm not installed: no independent EVR oracle');
    const expected = cand.filter((_, i) => cmp[i]! < 0).map((c) => `${c.id} ${c.name} ${c.fixed}`).sort();
    assert.ok(expected.length > 20, `a real number of findings (${expected.length})`);
    // by hand, from the records: openssl-libs 1:3.0.7-27.el9 is fixed for ALSA-2024:2447 (equal) and
    // still affected by ALSA-2024:6783 (1:3.0.7-28.el9_4) — the epoch-1 EVRs compare on version-release
    assert.ok(!expected.some((e) => e.startsWith('ALSA-2024:2447 ')));
    assert.ok(expected.includes('ALSA-2024:6783 openssl-libs 1:3.0.7-28.el9_4'));
    assert.deepEqual(got.map((v) => `${v.advisoryId} ${v.package.name} ${v.fixedVersion}`).sort(), expected);
    for (const v of got) {
      assert.equal(v.fixState, 'fixed');
      assert.equal(v.vendorSeverity?.source, 'almalinux', 'the summary prefix (Low/Moderate/Important/Critical) rates it');
      assert.ok(v.published && v.modified, 'published and modified dates');
      assert.equal(v.remediation, `upgrade ${v.package.name} to ${v.fixedVersion}`);
    }
  } finally {
    db.close();
  }
});

test('AlmaLinux 9: a missing epoch is 0 (and then below every epoch-1 fix)', async (t) => {
  const zip = sharedOrSkip(t, ZIP);
  if (!zip) return;
  const db = await testDb([zip]);
  try {
    const withEpoch = vulns(matchInventory(inventory([rpm('openssl-libs', '1:3.5.5-4.el9_8', 'openssl')], ALMA9), db).findings);
    // 1:3.5.5-4.el9_8 is the newest fix in the data (ALSA-2026:25239): nothing applies
    assert.deepEqual(withEpoch.map((v) => v.advisoryId), []);
    // the same version-release without an epoch is 0:3.5.5-4.el9_8 < 1:3.0.1-41.el9_0: all 15 openssl-libs
    // advisories apply, and the nearest fix keeps its epoch
    const noEpoch = vulns(matchInventory(inventory([rpm('openssl-libs', '3.5.5-4.el9_8', 'openssl')], ALMA9), db).findings);
    assert.equal(noEpoch.length, 15);
    assert.ok(noEpoch.every((v) => v.fixedVersion?.startsWith('1:')));
    // an explicit epoch 0 equals a missing one
    const zero = vulns(matchInventory(inventory([rpm('openssl-libs', '0:3.5.5-4.el9_8', 'openssl')], ALMA9), db).findings);
    assert.deepEqual(zero.map((v) => v.advisoryId).sort(), noEpoch.map((v) => v.advisoryId).sort());
  } finally {
    db.close();
  }
});

test('AlmaLinux 9: the source RPM name is a fallback only when the binary name has no records', async (t) => {
  const zip = sharedOrSkip(t, ZIP);
  if (!zip) return;
  const db = await testDb([zip]);
  try {
    // glibc-debuginfo is not listed by any ALSA record (they list the shipped binaries): judged under
    // its source glibc. 2.34-125.el9_5.8.alma.1 and later fixes apply to 2.34-100.el9_4.2 (by hand:
    // ALSA-2025:4244, 2025:8655, 2025:9877, 2026:2786, 2026:20597, 2026:33226, 2026:42952)
    const dbg = vulns(matchInventory(inventory([rpm('glibc-debuginfo', '2.34-100.el9_4.2', 'glibc')], ALMA9), db).findings);
    assert.deepEqual(dbg.map((v) => v.advisoryId).sort(), ['ALSA-2025:4244', 'ALSA-2025:8655', 'ALSA-2025:9877', 'ALSA-2026:20597', 'ALSA-2026:2786', 'ALSA-2026:33226', 'ALSA-2026:42952']);
    // a binary the records do list is judged under its own name only: libcurl-minimal's records are
    // used, not curl's again (each advisory once)
    const lc = vulns(matchInventory(inventory([rpm('libcurl-minimal', '7.76.1-26.el9_3.2', 'curl')], ALMA9), db).findings);
    assert.equal(new Set(lc.map((v) => v.advisoryId)).size, lc.length);
  } finally {
    db.close();
  }
});

test('AlmaLinux 9 modules: stream advisories apply only to packages of that stream', async (t) => {
  const zip = sharedOrSkip(t, ZIP);
  if (!zip) return;
  const db = await testDb([zip]);
  try {
    const ids = (p: Package) => vulns(matchInventory(inventory([p], ALMA9), db).findings).map((v) => `${v.advisoryId} ${v.fixedVersion}`).sort();
    // nodejs from the nodejs:18 module stream (rpm MODULARITYLABEL), as ALSA-2023:2654 shipped it.
    // By hand, the nodejs:18 advisories with a fix above 1:18.14.2-2.module_el9.2.0+29+de583a0b:
    const node18 = rpm('nodejs', '1:18.14.2-2.module_el9.2.0+29+de583a0b', 'nodejs', { modularityLabel: 'nodejs:18:9020020230410093000:rhel9' });
    assert.deepEqual(ids(node18), [
      'ALSA-2023:3577 1:18.14.2-3.module_el9.2.0+30+e3312493',
      'ALSA-2023:4330 1:18.16.1-1.module_el9.2.0+31+cbae0c8e',
      'ALSA-2023:5363 1:18.17.1-1.module_el9.2.0+36+853e48f5',
      'ALSA-2023:5849 1:18.18.2-2.module_el9.2.0+43+3ebc9e20',
      'ALSA-2024:1503 1:18.19.1-1.module_el9.3.0+59+28b95644',
      'ALSA-2024:2779 1:18.20.2-2.module_el9.4.0+99+a01f7676',
      'ALSA-2024:6147 1:18.20.4-1.module_el9.4.0+112+bb28ff81',
      'ALSA-2025:1446 1:18.20.6-1.module_el9.5.0+136+92f38f3c',
      // not: nodejs:20/22/24 advisories (another stream; their "fix" is a stream switch), nor the
      // default-stream nodejs 16 advisories (fixes 1:16.x are below anyway, and are not this build)
    ].sort());
    // the default (non-modular) nodejs 16 of AppStream: only the non-module advisories above it
    // (by hand: fixes 1:16.19.1-2.el9_2 and later), none of the module streams' 1:18+/1:20+ builds
    const node16 = rpm('nodejs', '1:16.19.1-1.el9_2', 'nodejs');
    assert.deepEqual(ids(node16), [
      'ALSA-2023:3586 1:16.19.1-2.el9_2',
      'ALSA-2023:4331 1:16.20.1-1.el9_2',
      'ALSA-2023:5532 1:16.20.2-1.el9_2',
      'ALSA-2023:5765 1:16.20.2-3.el9_2',
      'ALSA-2024:1438 1:16.20.2-4.el9_3',
      'ALSA-2024:2910 1:16.20.2-8.el9_4',
    ]);
    // a module build without a label (e.g. read from an SBOM that dropped it): modular by its release
    // tag, stream unknown → every module advisory is judged by version; the 18.x ones still apply and
    // the non-module 16.x ones do not
    const unlabeled = rpm('nodejs', '1:18.14.2-2.module_el9.2.0+29+de583a0b', 'nodejs');
    const u = ids(unlabeled);
    for (const e of ids(node18)) assert.ok(u.includes(e), e);
    assert.ok(!u.some((e) => e.includes('.el9_')), 'no default-stream advisory');
  } finally {
    db.close();
  }
});

test('RPM: another distribution is another ecosystem (Rocky Linux 9 is not judged by AlmaLinux records)', async (t) => {
  const zip = sharedOrSkip(t, ZIP);
  if (!zip) return;
  const db = await testDb([zip]);
  try {
    // same package, same EVR that has 8 AlmaLinux findings above; but a Rocky image needs Rocky Linux:9
    // records, which this DB does not have: a coverage gap, not a borrowed verdict and not "clean"
    const rocky: OsInfo = { family: 'rocky', name: 'Rocky Linux', versionId: '9.4', source: '/etc/os-release' };
    const r = matchInventory(inventory([rpm('openssl-libs', '1:3.0.7-27.el9', 'openssl')], rocky), db);
    assert.deepEqual(vulns(r.findings), []);
    assert.deepEqual(r.findings.map((f) => (f.kind === 'coverage-gap' ? `${f.reason} ${f.subject}` : f.kind)), ['ecosystem-not-covered Rocky Linux:9']);
  } finally {
    db.close();
  }
});
