// End to end on the real orders-api image (../shared/fixtures/images, see its README): inventory,
// vulnerability matching against a DB built from ../shared/data, SBOM round trip. Expectations are
// computed independently where possible (node-semver for npm ranges, dpkg --compare-versions for
// Debian), and written out by hand where the data is small.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, mkdtempSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import semver from 'semver';
import { sharedOrSkip, sharedPath } from '../src/core/shared.js';
import type { ScanReport } from '../src/core/report.js';
import type { VulnerabilityFinding } from '../src/core/types.js';
import { cli } from './helpers/cli.js';
import { sharedDb } from './helpers/shared-db.js';

const IMAGE = 'fixtures/images/orders-api-1.4.2.docker.tar.gz';

let sbomCache: ScanReport | undefined;
async function sbom(image: string): Promise<ScanReport> {
  if (!sbomCache) {
    const r = await cli(['sbom', image, '--format', 'json', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    sbomCache = JSON.parse(r.stdout) as ScanReport;
  }
  return sbomCache;
}

let scanCache: ScanReport | undefined;
async function scan(image: string): Promise<ScanReport> {
  if (!scanCache) {
    const r = await cli(['scan', image, '--db', await sharedDb(), '--format', 'json', '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    scanCache = JSON.parse(r.stdout) as ScanReport;
  }
  return scanCache;
}

function vulns(r: ScanReport): VulnerabilityFinding[] {
  return r.findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability');
}

test('inventory: the 131 dpkg packages match dpkg-query exactly, with sources and layers', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const r = await sbom(image);
  const tsv = readFileSync(sharedPath('fixtures/images/orders-api-dpkg.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
  const debs = r.inventory.packages.filter((p) => p.type === 'deb');
  assert.equal(debs.length, 131);
  const got = debs.map((p) => [p.name, p.version, p.source?.name, p.source?.version, p.arch].join('\t')).sort();
  assert.deepEqual(got, tsv.map((c) => c.join('\t')).sort());
  const base = new Set(readFileSync(sharedPath('fixtures/images/debian-12-slim-dpkg.tsv'), 'utf8').trim().split('\n').map((l) => l.split('\t')[0]));
  assert.equal(base.size, 88);
  for (const p of debs) assert.equal(p.layer?.index, base.has(p.name) ? 0 : 1, `${p.name} layer`);
  const curl = debs.find((p) => p.name === 'curl')!;
  assert.match(curl.purl, /^pkg:deb\/debian\/curl@7\.88\.1-10%2Bdeb12u\d+\?arch=amd64&distro=debian-12$/);
  assert.equal(r.inventory.os?.family, 'debian');
  assert.equal(r.inventory.os?.versionId, '12');
});

test('inventory: npm installed copies, Python and gosu owned by their dpkg packages', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const r = await sbom(image);
  const lock = JSON.parse(readFileSync(sharedPath('fixtures/images/orders-api-src/package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const expected = Object.entries(lock.packages)
    .filter(([k]) => k.startsWith('node_modules/'))
    .map(([k, v]) => `${k.slice(k.lastIndexOf('node_modules/') + 'node_modules/'.length)}@${v.version}`)
    .sort();
  assert.equal(expected.length, 66);
  const npm = r.inventory.packages.filter((p) => p.type === 'npm');
  assert.deepEqual(npm.map((p) => `${p.name}@${p.version}`).sort(), expected);
  assert.deepEqual(npm.filter((p) => p.name === 'ms').map((p) => p.version).sort(), ['2.0.0', '2.1.1', '2.1.3']);
  for (const p of npm) assert.equal(p.layer?.index, 2);

  const py = r.inventory.packages.filter((p) => p.type === 'pypi');
  assert.deepEqual(py.map((p) => `${p.name}@${p.version}`).sort(), [
    'certifi@2022.9.24', 'chardet@5.1.0', 'charset-normalizer@3.0.1', 'idna@3.3', 'requests@2.28.1', 'six@1.16.0', 'urllib3@1.26.12',
  ].sort());
  for (const p of py) assert.match(p.ownedBy?.name ?? '', /^python3-/, `${p.name} owned by a python3-* deb`);

  const go = r.inventory.packages.filter((p) => p.type === 'golang');
  const stdlib = go.find((p) => p.name === 'stdlib');
  assert.equal(stdlib?.version, 'go1.19.8');
  for (const p of go) {
    assert.equal(p.locations[0]?.path, '/usr/sbin/gosu');
    assert.equal(p.ownedBy?.name, 'gosu');
  }
});

function dpkgLess(a: string, b: string): boolean | undefined {
  const r = spawnSync('dpkg', ['--compare-versions', a, 'lt', b]);
  if (r.error) return undefined;
  return r.status === 0;
}

test('scan: npm advisories are exactly those of ../shared/data/ghsa whose ranges contain the installed copies', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const r = await scan(image);
  // Oracle: node-semver over every GHSA npm record × every installed copy (from the lockfile).
  const lock = JSON.parse(readFileSync(sharedPath('fixtures/images/orders-api-src/package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
  const installed = Object.entries(lock.packages)
    .filter(([k]) => k.startsWith('node_modules/'))
    .map(([k, v]) => ({ name: k.slice(k.lastIndexOf('node_modules/') + 13), version: v.version!, path: `/srv/app/${k}/package.json` }));
  const expected = new Set<string>();
  for (const f of readdirSync(sharedPath('data/ghsa'))) {
    const rec = JSON.parse(readFileSync(sharedPath(`data/ghsa/${f}`), 'utf8')) as { id: string; withdrawn?: string; affected: { package: { ecosystem: string; name: string }; ranges?: { events: Record<string, string>[] }[] }[] };
    if (rec.withdrawn) continue;
    for (const a of rec.affected) {
      if (a.package.ecosystem !== 'npm') continue;
      for (const pkg of installed.filter((p) => p.name === a.package.name)) {
        for (const range of a.ranges ?? []) {
          let lo = '0.0.0';
          for (const ev of range.events) {
            if (ev.introduced !== undefined) lo = ev.introduced === '0' ? '0.0.0' : ev.introduced;
            const hi = ev.fixed ?? ev.last_affected;
            if (hi === undefined) continue;
            const inRange = semver.gte(pkg.version, lo) && (ev.fixed ? semver.lt(pkg.version, hi) : semver.lte(pkg.version, hi));
            if (inRange) expected.add(`${rec.id} ${pkg.name}@${pkg.version} ${pkg.path}`);
          }
        }
      }
    }
  }
  assert.ok(expected.size > 10, `expected a real number of npm findings, got ${expected.size}`);
  const got = new Set<string>();
  for (const v of vulns(r).filter((v) => v.package.type === 'npm')) {
    const ghsa = [v.advisoryId, ...v.aliases].filter((i) => i.startsWith('GHSA-'));
    for (const g of ghsa) if (existsSync(sharedPath(`data/ghsa/${g}.json`))) got.add(`${g} ${v.package.name}@${v.installedVersion} ${v.package.path}`);
    assert.ok(v.fixedVersion, `${v.advisoryId} has a fix`);
    assert.ok(v.remediation?.startsWith(`upgrade ${v.package.name} to `));
    assert.equal(v.layer?.index, 2);
  }
  assert.deepEqual([...got].sort(), [...expected].sort());
  // spot checks named in the issue
  const names = new Set(vulns(r).map((v) => `${v.package.name}@${v.installedVersion}`));
  for (const n of ['lodash@4.17.15', 'minimist@1.2.0', 'jsonwebtoken@8.5.1', 'express@4.17.1']) assert.ok(names.has(n), n);
});

test('scan: Debian tracker entries that apply to the installed source versions, with their status', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const r = await scan(image);
  const tracker = JSON.parse(readFileSync(sharedPath('data/debian/bookworm-sample.json'), 'utf8')) as Record<string, Record<string, { releases: Record<string, { status: string; fixed_version?: string; urgency?: string; nodsa?: string }> }>>;
  const debs = r.inventory.packages.filter((p) => p.type === 'deb');
  const expected = new Set<string>();
  for (const [src, cves] of Object.entries(tracker)) {
    for (const [cve, info] of Object.entries(cves)) {
      const b = info.releases.bookworm;
      if (!b) continue;
      for (const p of debs.filter((d) => d.source?.name === src)) {
        let affected: boolean;
        let state: string;
        if (b.status === 'resolved') {
          if (b.fixed_version === '0') continue;
          const lt = dpkgLess(p.source!.version, b.fixed_version!);
          if (lt === undefined) return t.skip('dpkg not available as the version oracle');
          affected = lt;
          state = 'fixed';
        } else {
          affected = true;
          state = b.urgency === 'unimportant' ? 'unimportant' : b.nodsa !== undefined ? 'wont-fix' : 'not-fixed';
        }
        if (affected) expected.add(`${cve} ${p.name} ${state}`);
      }
    }
  }
  const got = new Set(vulns(r).filter((v) => v.package.type === 'deb').map((v) => `${v.advisoryId} ${v.package.name} ${v.fixState}`));
  assert.deepEqual([...got].sort(), [...expected].sort());
  // by hand: the fixed curl, glibc, openssl, perl and libssh2 ("0": not affected) entries do not apply
  for (const id of ['CVE-2023-38545', 'CVE-2024-2398', 'CVE-2023-4911', 'CVE-2023-5678', 'CVE-2023-31484', 'CVE-2023-48795']) {
    assert.ok(![...got].some((g) => g.startsWith(id + ' ')), `${id} must not be reported`);
  }
  assert.ok([...got].some((g) => g.startsWith('CVE-2023-45853 zlib1g wont-fix')));
  assert.ok([...got].some((g) => g.startsWith('CVE-2005-2541 tar unimportant')));
});

test('scan: OS-owned Python packages and gosu are judged by Debian data only, unless asked', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const r = await scan(image);
  const lang = vulns(r).filter((v) => v.package.type === 'pypi' || v.package.type === 'golang');
  assert.deepEqual(lang.map((v) => v.advisoryId), [], 'no PyPI or Go advisory for dpkg-owned files by default');
  const withOwned = await cli(['scan', image, '--db', await sharedDb(), '--format', 'json', '--quiet', '--include-os-owned']);
  assert.equal(withOwned.code, 0, withOwned.stderr);
  const all = vulns(JSON.parse(withOwned.stdout) as ScanReport);
  // requests 2.28.1 < 2.31.0: PYSEC-2023-74 / GHSA-j8r2-6x86-q33q / CVE-2023-32681, reported once
  const req = all.filter((v) => v.package.name === 'requests' && [v.advisoryId, ...v.aliases].includes('GHSA-j8r2-6x86-q33q'));
  assert.equal(req.length, 1);
  assert.equal(req[0]!.advisoryId, 'CVE-2023-32681');
  assert.ok(req[0]!.aliases.includes('PYSEC-2023-74'));
  assert.ok(all.some((v) => v.package.name === 'stdlib'), 'Go stdlib advisories for go1.19.8 when OS-owned matching is on');
});

test('scan --sbom of our own SBOM gives the same package findings as scanning the image (an SBOM carries no file contents: no secrets)', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-e2e-'));
  for (const format of ['cyclonedx', 'spdx-json']) {
    const file = join(dir, `orders-api.${format}.json`);
    const s = await cli(['sbom', image, '--quiet', '--output', `${format}=${file}`, '--format', 'json']);
    assert.equal(s.code, 0, s.stderr);
    const viaSbom = await cli(['scan', '--sbom', file, '--db', await sharedDb(), '--format', 'json', '--quiet']);
    assert.equal(viaSbom.code, 0, viaSbom.stderr);
    const a = (await scan(image)).findings.filter((f) => f.kind !== 'secret').map((f) => f.id).sort();
    const b = (JSON.parse(viaSbom.stdout) as ScanReport).findings.map((f) => f.id).sort();
    assert.deepEqual(b, a, format);
  }
});
