// Language ecosystems on real fixtures and real advisory data. Each scan is a `dir:` scan (collectInventory)
// of ../shared/fixtures/third-party/packages laid out as an image would hold them, in a temp dir: the shared
// copies are read-only without exec bits (the Go analyzer, like the kernel, only reads executables) and the
// Cargo lockfiles carry fixture names (cargo_v3.lock), so they are copied as /usr/local/bin/<name> (0755)
// and <name>/Cargo.lock. The expected findings are computed independently from the OSV records with
// node-semver (Go, crates.io), @renovatebot/pep440 (PyPI) and a small dotted-number comparison (Maven),
// never with src/match/range.ts or src/versioning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import semver from 'semver';
import * as pep440 from '@renovatebot/pep440';
import { sharedOrSkip, sharedPath } from '../src/core/shared.js';
import type { Inventory } from '../src/core/report.js';
import type { OsvEvent, OsvRecord, VulnerabilityFinding } from '../src/core/types.js';
import { collectInventory } from '../src/scan/collect.js';
import { matchInventory } from '../src/match/index.js';
import { readZipRecords, testDb, vulns } from '../src/match/testutil.js';

type Cmp = (a: string, b: string) => number;

/** The OSV intervals of one range, read in record order: [introduced, fixed) / [introduced, last_affected]. */
function inRange(events: OsvEvent[], v: string, cmp: Cmp): boolean {
  let lo: string | undefined;
  for (const e of events) {
    assert.equal(e.limit, undefined, 'no limit events in these feeds');
    if (e.introduced !== undefined) {
      lo = e.introduced;
      continue;
    }
    if (lo === undefined) continue;
    const geLo = lo === '0' || cmp(v, lo) >= 0;
    if (e.fixed !== undefined && geLo && cmp(v, e.fixed) < 0) return true;
    if (e.last_affected !== undefined && geLo && cmp(v, e.last_affected) <= 0) return true;
    lo = undefined;
  }
  return lo !== undefined && (lo === '0' || cmp(v, lo) >= 0);
}

interface Installed {
  name: string;
  version: string;
  path: string;
}

/** `${id} ${name}@${version} ${path}` for every (non-withdrawn) record × installed package it affects. */
function oracle(records: OsvRecord[], ecosystem: string, installed: Installed[], norm: (n: string) => string, ver: (v: string) => string, cmp: Cmp, eq: (a: string, b: string) => boolean): Set<string> {
  const out = new Set<string>();
  for (const r of records) {
    if (r.withdrawn) continue;
    for (const a of r.affected ?? []) {
      if (a.package?.ecosystem !== ecosystem) continue;
      for (const p of installed.filter((x) => norm(x.name) === norm(a.package!.name))) {
        const v = ver(p.version);
        const listed = (a.versions ?? []).some((x) => x === v || eq(x, v));
        const ranged = (a.ranges ?? []).some((rg) => (rg.type === 'SEMVER' || rg.type === 'ECOSYSTEM') && inRange(rg.events, v, cmp));
        if (listed || ranged) out.add(`${r.id} ${p.name}@${p.version} ${p.path}`);
      }
    }
  }
  return out;
}

/** What the matcher reported, by the ids of the given record set (a merged finding counts for each member). */
function reported(found: VulnerabilityFinding[], ids: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const v of found) for (const id of [v.advisoryId, ...v.aliases]) if (ids.has(id)) out.add(`${id} ${v.package.name}@${v.installedVersion} ${v.package.path}`);
  return out;
}

function layout(files: [src: string, dest: string, mode?: number][]): string {
  const root = mkdtempSync(join(tmpdir(), 'portcullis-match-lang-'));
  for (const [src, dest, mode] of files) {
    mkdirSync(join(root, dest, '..'), { recursive: true });
    copyFileSync(src, join(root, dest));
    chmodSync(join(root, dest), mode ?? 0o644);
  }
  return root;
}

const installedOf = (inv: Inventory, type: string): Installed[] =>
  inv.packages.filter((p) => p.type === type).map((p) => ({ name: p.name, version: p.version, path: p.locations[0]!.path }));

const sorted = (s: Set<string>) => [...s].sort();

test('Go: stdlib advisories for the binaries\' toolchains (go1.15.2 ...) and module advisories, record by record', async (t) => {
  const dir = sharedOrSkip(t, 'fixtures/third-party/packages/go');
  const zip = sharedOrSkip(t, 'data/osv/Go/all.zip');
  if (!dir || !zip) return;
  const root = layout(readdirSync(dir).map((f) => [join(dir, f), `usr/local/bin/${f}`, 0o755]));
  const inv = await collectInventory(`dir:${root}`);
  const installed = installedOf(inv, 'golang');
  // test.elf was built with go1.15.2 (the fixture's README); the others with go1.19.1 and go1.22.1
  assert.ok(installed.some((p) => p.name === 'stdlib' && p.version === 'go1.15.2' && p.path === '/usr/local/bin/test.elf'));
  const db = await testDb([zip]);
  try {
    const found = vulns(matchInventory(inv, db).findings);
    const records = await readZipRecords(zip);
    // OSV's Go database writes stdlib versions without "go" and module versions without "v"
    const ver = (v: string) => (v.startsWith('go') ? v.slice(2) : v.startsWith('v') ? v.slice(1) : v);
    const expected = oracle(records, 'Go', installed, (n) => n, ver, (a, b) => semver.compare(a, b), (a, b) => semver.eq(a, b));
    const stdlib1152 = [...expected].filter((e) => e.includes(' stdlib@go1.15.2 '));
    assert.ok(stdlib1152.length > 50, `go1.15.2 has many stdlib advisories (${stdlib1152.length})`);
    assert.deepEqual(sorted(reported(found, new Set(records.map((r) => r.id)))), sorted(expected));
    t.diagnostic(`Go: ${installed.length} packages, ${expected.size} (record, package) matches, ${found.length} findings`);
    // withdrawn GO records are in the zip and never reported
    const withdrawn = records.filter((r) => r.withdrawn).map((r) => r.id);
    assert.ok(withdrawn.length > 0);
    for (const v of found) for (const id of [v.advisoryId, ...v.aliases]) assert.ok(!withdrawn.includes(id), id);
    // each finding names the toolchain version as installed and a fix above it
    const std = found.filter((v) => v.package.name === 'stdlib' && v.installedVersion === 'go1.15.2');
    for (const v of std) {
      assert.ok(!v.fixedVersion || semver.gt(v.fixedVersion, '1.15.2'), `${v.advisoryId} fix ${v.fixedVersion}`);
      assert.equal(v.package.path, '/usr/local/bin/test.elf');
    }
  } finally {
    db.close();
  }
});

test('PyPI: advisories of the PyPA database and GHSA for the Python lockfiles and metadata', async (t) => {
  const dir = sharedOrSkip(t, 'fixtures/third-party/packages/lockfiles/python');
  const zip = sharedOrSkip(t, 'data/osv/PyPI/all.zip');
  const ghsa = sharedOrSkip(t, 'data/ghsa');
  if (!dir || !zip || !ghsa) return;
  const inv = await collectInventory(`dir:${dir}`);
  const installed = installedOf(inv, 'pypi');
  assert.ok(installed.some((p) => p.name === 'Flask' && p.version === '2.0.0'));
  const db = await testDb([zip, ghsa]);
  try {
    const found = vulns(matchInventory(inv, db).findings);
    const records = [...(await readZipRecords(zip)), ...readdirSync(ghsa).map((f) => JSON.parse(readFileSync(join(ghsa, f), 'utf8')) as OsvRecord)];
    const pep503 = (n: string) => n.toLowerCase().replace(/[-_.]+/g, '-');
    const expected = oracle(records, 'PyPI', installed, pep503, (v) => v, (a, b) => pep440.compare(a, b), (a, b) => pep440.eq(a, b));
    assert.ok(expected.size >= 5, `a real number of PyPI findings (${expected.size})`);
    // Names are normalised: the lockfiles write Flask / Jinja2 / Werkzeug, the records flask / jinja2 / werkzeug
    assert.ok([...expected].some((e) => e.includes(' Jinja2@3.0.0 ')) || [...expected].some((e) => e.includes(' Werkzeug@2.0.0 ')));
    assert.deepEqual(sorted(reported(found, new Set(records.map((r) => r.id)))), sorted(expected));
    t.diagnostic(`PyPI: ${installed.length} packages, ${expected.size} (record, package) matches, ${found.length} findings`);
  } finally {
    db.close();
  }
});

test('crates.io: RustSec advisories for the Cargo lockfiles', async (t) => {
  const dir = sharedOrSkip(t, 'fixtures/third-party/packages/lockfiles/rust/cargo');
  const zip = sharedOrSkip(t, 'data/osv/crates.io/all.zip');
  if (!dir || !zip) return;
  const root = layout(readdirSync(dir).map((f) => [join(dir, f), `${basename(f, '.lock')}/Cargo.lock`]));
  const inv = await collectInventory(`dir:${root}`);
  const installed = installedOf(inv, 'cargo');
  assert.ok(installed.some((p) => p.name === 'url' && p.version === '1.7.2'));
  const db = await testDb([zip]);
  try {
    const found = vulns(matchInventory(inv, db).findings);
    const records = await readZipRecords(zip);
    const crate = (n: string) => n.toLowerCase().replace(/_/g, '-');
    const expected = oracle(records, 'crates.io', installed, crate, (v) => v, (a, b) => semver.compare(a, b), (a, b) => semver.eq(a, b));
    // by hand: idna 0.1.5 is below the 1.0.0 fix of RUSTSEC-2024-0421 (punycode label handling)
    assert.ok([...expected].some((e) => e.startsWith('RUSTSEC-2024-0421 idna@0.1.5 ')), 'idna 0.1.5 punycode advisory');
    assert.deepEqual(sorted(reported(found, new Set(records.map((r) => r.id)))), sorted(expected));
    t.diagnostic(`crates.io: ${installed.length} packages, ${expected.size} (record, package) matches, ${found.length} findings`);
  } finally {
    db.close();
  }
});

/** Maven versions in these records: dotted numbers with an optional -rcN/-betaN qualifier (below the release). */
function mavenCmp(a: string, b: string): number {
  const parse = (v: string) => {
    const m = /^(\d+(?:\.\d+)*)(?:-(alpha|beta|rc|m)(\d*))?$/i.exec(v);
    assert.ok(m, `oracle handles ${v}`);
    return { nums: m[1]!.split('.').map(Number), pre: m[2] !== undefined };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < Math.max(x.nums.length, y.nums.length); i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return x.pre === y.pre ? 0 : x.pre ? -1 : 1;
}

test('Maven: group:artifact advisories for the jars; a jar without a known groupId is a coverage gap', async (t) => {
  const dir = sharedOrSkip(t, 'fixtures/third-party/packages/lockfiles/java');
  const ghsa = sharedOrSkip(t, 'data/ghsa');
  if (!dir || !ghsa) return;
  const inv = await collectInventory(`dir:${dir}`);
  const db = await testDb([ghsa]);
  try {
    const r = matchInventory(inv, db);
    const found = vulns(r.findings);
    const records = readdirSync(ghsa).map((f) => JSON.parse(readFileSync(join(ghsa, f), 'utf8')) as OsvRecord);
    const identified = inv.packages.filter((p) => p.type === 'maven' && p.metadata?.groupIdUnknown !== 'true');
    const installed = identified.map((p) => ({ name: p.name, version: p.version, path: p.locations[0]!.path }));
    const versionsOk = (v: string) => /^\d+(\.\d+)*(-(alpha|beta|rc|m)\d*)?$/i.test(v);
    const expected = oracle(records, 'Maven', installed.filter((p) => versionsOk(p.version)), (n) => n, (v) => v, mavenCmp, (a, b) => mavenCmp(a, b) === 0);
    // by hand: jackson-databind 2.9.10.6 and 2.12.3 are below 2.12.6.1 (GHSA-57j2), 2.12.7.1 (GHSA-jjjh) and
    // 2.13.4 (GHSA-rgv9); 2.13.4 is only below 2.13.4.1 (GHSA-jjjh, introduced 2.13.0)
    const jd = [...expected].filter((e) => e.includes('jackson-databind@')).map((e) => e.split(' ').slice(0, 2).join(' ')).sort();
    assert.deepEqual(jd, [
      'GHSA-57j2-w4cx-62h2 com.fasterxml.jackson.core:jackson-databind@2.12.3',
      'GHSA-57j2-w4cx-62h2 com.fasterxml.jackson.core:jackson-databind@2.9.10.6',
      'GHSA-jjjh-jjxp-wpff com.fasterxml.jackson.core:jackson-databind@2.12.3',
      'GHSA-jjjh-jjxp-wpff com.fasterxml.jackson.core:jackson-databind@2.13.4',
      'GHSA-jjjh-jjxp-wpff com.fasterxml.jackson.core:jackson-databind@2.9.10.6',
      'GHSA-rgv9-q543-rqg4 com.fasterxml.jackson.core:jackson-databind@2.12.3',
      'GHSA-rgv9-q543-rqg4 com.fasterxml.jackson.core:jackson-databind@2.9.10.6',
    ]);
    assert.deepEqual(sorted(reported(found, new Set(records.map((x) => x.id)))), sorted(expected));
    t.diagnostic(`Maven: ${installed.length} identified jars, ${expected.size} matches, ${found.length} findings`);
    // jars whose groupId the java analyzer could not establish are not "checked and clean": one gap each
    const unknown = inv.packages.filter((p) => p.type === 'maven' && p.metadata?.groupIdUnknown === 'true');
    assert.ok(unknown.length > 0, 'the fixtures include jars without pom.properties');
    const gaps = r.findings.filter((f) => f.kind === 'coverage-gap' && f.reason === 'package-unidentified');
    assert.deepEqual(gaps.map((g) => (g.kind === 'coverage-gap' ? g.package?.purl : '')).sort(), unknown.map((p) => p.purl).sort());
    for (const g of gaps) assert.match(g.remediation ?? '', /pom\.properties/, 'says how to make it checkable');
  } finally {
    db.close();
  }
});

test('shared data paths used here exist as documented', (t) => {
  if (!sharedOrSkip(t, 'data/README.md')) return;
  assert.match(readFileSync(sharedPath('data/README.md'), 'utf8'), /osv\/Go\/all\.zip/);
});
