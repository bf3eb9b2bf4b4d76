import { imageRefMatches } from './exceptions.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, evaluateWithTrace, imageOf } from './evaluate.js';
import type { Decision, ScanReport } from '../core/report.js';
import type { Finding } from '../core/types.js';
import type { Controls, ExceptionSet, Policy } from './schema.js';
import { PortcullisError } from '../core/errors.js';
import { verdictLine } from '../core/verdict.js';
import {
  CTX, NOW, DIGEST, OTHER_DIGEST, ZLIB, allowEntry, baseFinding, config, exc, gapFinding, license, malware, pkg, policy, report, secret, set, vuln,
} from './testdata/synthetic.js';

function run(findings: Finding[], controls: Controls, o: { r?: Partial<Parameters<typeof report>[0]>; ex?: ExceptionSet; now?: Date; enforcement?: 'block' | 'audit'; pipeline?: string } = {}): Decision {
  return evaluate(report({ findings, ...o.r }), [policy('p', controls, { enforcement: o.enforcement })], o.ex ?? set(), {
    ...CTX,
    pipeline: o.pipeline ?? CTX.pipeline,
    now: o.now ?? NOW,
  });
}
const controls = (d: Decision) => d.violations.map((v) => v.control);

// ---------------------------------------------------------------------------------------------
// vulnerabilities.failOn / maxCvss

test('failOn: threshold table (severity at or above fails; unknown only with any; none never)', () => {
  const cases: [Finding['severity'], string, boolean][] = [
    ['critical', 'high', true], ['high', 'high', true], ['medium', 'high', false], ['low', 'low', true],
    ['negligible', 'low', false], ['negligible', 'negligible', true], ['unknown', 'negligible', true],
    ['unknown', 'any', true], ['low', 'any', true], ['critical', 'none', false], ['critical', 'critical', true], ['high', 'critical', false],
  ];
  for (const [sev, failOn, fails] of cases) {
    const d = run([vuln({ severity: sev, cvss: [] })], { vulnerabilities: { failOn: failOn as never } });
    assert.equal(d.verdict, fails ? 'fail' : 'pass', `${sev} vs failOn ${failOn}`);
    // an unrated finding (no severity, no CVSS) fails through vulnerabilities.unrated (default fail)
    if (fails) assert.equal(d.violations[0]!.control, sev === 'unknown' && failOn !== 'any' ? 'vulnerabilities.unrated' : 'vulnerabilities.failOn');
  }
});

test('unrated (no severity, no CVSS) fails under failOn by default; unrated: warn only warns; the verdict line counts them', () => {
  const unrated = vuln({ severity: 'unknown', cvss: [], vendorSeverity: undefined });
  const d = run([unrated, vuln({ id: 'v2', advisoryId: 'CVE-2024-0002', severity: 'critical' })], { vulnerabilities: { failOn: 'high' } });
  assert.equal(d.verdict, 'fail');
  assert.deepEqual(controls(d).sort(), ['vulnerabilities.failOn', 'vulnerabilities.unrated']);
  assert.match(d.violations.find((v) => v.control === 'vulnerabilities.unrated')!.message, /unrated .* counts against failOn: high \(vulnerabilities\.unrated: fail\)/);
  assert.match(verdictLine(d), /^FAIL .* — 2 violations, 1 from unrated finding \(vulnerabilities\.unrated: fail\)$/);
  const only = run([unrated], { vulnerabilities: { failOn: 'critical' } });
  assert.equal(only.verdict, 'fail', 'a lone unrated finding decides the verdict');
  assert.match(verdictLine(only), /1 violation, 1 from unrated finding/);
  const w = run([unrated], { vulnerabilities: { failOn: 'high', unrated: 'warn' } });
  assert.equal(w.verdict, 'pass');
  assert.equal(w.warnings[0]!.control, 'vulnerabilities.unrated');
  assert.match(verdictLine(w), /^PASS .* 1 unrated finding only warned \(vulnerabilities\.unrated: warn\)$/);
  // no failOn, failOn: none → not judged by severity at all; failOn: any counts it as a plain failOn hit
  assert.equal(run([unrated], { vulnerabilities: { maxCvss: 5 } }).verdict, 'pass');
  assert.equal(run([unrated], { vulnerabilities: { failOn: 'none' } }).verdict, 'pass');
  assert.deepEqual(controls(run([unrated], { vulnerabilities: { failOn: 'any' } })), ['vulnerabilities.failOn']);
  // relaxations still apply (ignoreUnfixed), a Debian "unimportant" is not unrated
  assert.equal(run([{ ...unrated, fixState: 'not-fixed', fixedVersion: undefined }], { vulnerabilities: { failOn: 'high', ignoreUnfixed: true } }).verdict, 'pass');
  assert.equal(run([{ ...unrated, fixState: 'unimportant' }], { vulnerabilities: { failOn: 'high' } }).verdict, 'pass');
});

test('maxCvss: score greater than max fails, exactly at max passes', () => {
  const at = (score: number) => run([vuln({ severity: 'low', cvss: [{ version: '3.1', vector: 'x', score, severity: 'high' }] })], { vulnerabilities: { maxCvss: 7.0 } });
  assert.equal(at(7.0).verdict, 'pass');
  assert.equal(at(7.1).verdict, 'fail');
  assert.deepEqual(controls(at(7.1)), ['vulnerabilities.maxCvss']);
  assert.equal(at(6.9).verdict, 'pass');
  // v3 preferred over v2: v2 10.0 with v3 5.0 → 5.0
  const d = run([vuln({ severity: 'low', cvss: [{ version: '2.0', vector: 'x', score: 10, severity: 'high' }, { version: '3.1', vector: 'y', score: 5, severity: 'medium' }] })], { vulnerabilities: { maxCvss: 7 } });
  assert.equal(d.verdict, 'pass');
  // no CVSS → maxCvss does not apply
  assert.equal(run([vuln({ severity: 'low', cvss: [] })], { vulnerabilities: { maxCvss: 0 } }).verdict, 'pass');
});

test('violation carries policy, control, finding id and the package remediation', () => {
  const d = run([vuln()], { vulnerabilities: { failOn: 'high' } });
  assert.equal(d.verdict, 'fail');
  const v = d.violations[0]!;
  assert.equal(v.policy, 'p');
  assert.equal(v.findingId, vuln().id);
  assert.equal(v.remediation, 'upgrade curl to 7.88.1-10+deb12u16');
  assert.equal(v.enforcement, 'block');
  assert.match(v.message, /CVE-2023-38545 \(high, CVSS 9\.8\) in curl/);
  // without a remediation on the finding: built from the fixed version / no fix
  assert.equal(run([vuln({ remediation: undefined })], { vulnerabilities: { failOn: 'high' } }).violations[0]!.remediation, 'upgrade curl to 7.88.1-10+deb12u16');
  assert.match(run([vuln({ remediation: undefined, fixedVersion: undefined, fixState: 'not-fixed' })], { vulnerabilities: { failOn: 'high' } }).violations[0]!.remediation!, /no fixed version of curl/);
});

test('missing controls are not checked', () => {
  const d = run([vuln({ severity: 'critical' }), secret(), malware(), config({ severity: 'critical' }), license()], { coverage: { onGap: 'fail' } });
  assert.equal(d.verdict, 'pass');
  assert.equal(d.warnings.length, 0);
});

// ---------------------------------------------------------------------------------------------
// deny, knownExploited, ignore, ignoreUnfixed, grace period, appOnly

test('deny list fails regardless of severity, also via alias, case-insensitive', () => {
  for (const deny of ['CVE-2021-44228', 'GHSA-jfh8-c2jp-5v3q', 'cve-2021-44228']) {
    const d = run([vuln({ advisoryId: 'CVE-2021-44228', aliases: ['GHSA-jfh8-c2jp-5v3q'], severity: 'low', cvss: [] })], { vulnerabilities: { failOn: 'critical', deny: [deny] } });
    assert.deepEqual(controls(d), ['vulnerabilities.deny'], deny);
  }
});

test('knownExploited: fail / warn / ignore', () => {
  const kev = vuln({ severity: 'low', cvss: [], kev: { dateAdded: '2024-01-01' } });
  assert.deepEqual(controls(run([kev], { vulnerabilities: { failOn: 'critical', knownExploited: 'fail' } })), ['vulnerabilities.knownExploited']);
  const w = run([kev], { vulnerabilities: { failOn: 'critical', knownExploited: 'warn' } });
  assert.equal(w.verdict, 'pass');
  assert.equal(w.warnings[0]!.control, 'vulnerabilities.knownExploited');
  const i = run([kev], { vulnerabilities: { failOn: 'critical', knownExploited: 'ignore' } });
  assert.equal(i.verdict, 'pass');
  assert.equal(i.warnings.length, 0);
  // no KEV data → knownExploited fail does nothing
  assert.equal(run([vuln({ severity: 'low', cvss: [] })], { vulnerabilities: { knownExploited: 'fail' } }).verdict, 'pass');
});

test('policy ignore list suppresses (by id or alias), but not a deny-listed id', () => {
  const d = run([vuln()], { vulnerabilities: { failOn: 'high', ignore: ['DSA-5520-1'] } });
  assert.equal(d.verdict, 'pass');
  assert.deepEqual(d.suppressed.map((s) => [s.by, s.policy]), [['policy-ignore', 'p']]);
  const both = run([vuln()], { vulnerabilities: { failOn: 'high', ignore: ['CVE-2023-38545'], deny: ['CVE-2023-38545'] } });
  assert.equal(both.verdict, 'fail');
  // KEV fail is relaxed by an explicit ignore entry
  const kev = run([vuln({ kev: { dateAdded: '2024-01-01' } })], { vulnerabilities: { knownExploited: 'fail', ignore: ['CVE-2023-38545'] } });
  assert.equal(kev.verdict, 'pass');
});

test('ignoreUnfixed suppresses every fix state but fixed; not deny-listed or KEV(fail)', () => {
  for (const fixState of ['not-fixed', 'wont-fix', 'unknown', 'unimportant'] as const) {
    const d = run([vuln({ fixState, fixedVersion: undefined })], { vulnerabilities: { failOn: 'high', ignoreUnfixed: true } });
    assert.equal(d.verdict, 'pass', fixState);
    assert.equal(d.suppressed[0]!.by, 'ignore-unfixed');
  }
  assert.equal(run([vuln()], { vulnerabilities: { failOn: 'high', ignoreUnfixed: true } }).verdict, 'fail');
  const denied = run([vuln({ fixState: 'not-fixed' })], { vulnerabilities: { failOn: 'high', ignoreUnfixed: true, deny: ['CVE-2023-38545'] } });
  assert.equal(denied.verdict, 'fail');
  const kev = run([vuln({ fixState: 'not-fixed', kev: { dateAdded: '2024-01-01' } })], { vulnerabilities: { failOn: 'high', ignoreUnfixed: true, knownExploited: 'fail' } });
  assert.equal(kev.verdict, 'fail');
  // KEV with knownExploited: warn is an ordinary finding for relaxations
  const kevWarn = run([vuln({ fixState: 'not-fixed', kev: { dateAdded: '2024-01-01' } })], { vulnerabilities: { failOn: 'high', ignoreUnfixed: true, knownExploited: 'warn' } });
  assert.equal(kevWarn.verdict, 'pass');
});

test('grace period: boundary on the day, date-only published, deny and KEV excluded', () => {
  const c: Controls = { vulnerabilities: { failOn: 'high', gracePeriodDays: 30 } };
  const pub = '2026-10-30T10:00:00Z'; // + 30 days = 2026-11-29T10:00:00Z = NOW
  const at = (now: Date, published = pub) => run([vuln({ published })], c, { now });
  assert.equal(at(new Date('2026-11-29T09:59:59.999Z')).verdict, 'pass');
  assert.equal(at(new Date('2026-11-29T09:59:59.999Z')).suppressed[0]!.by, 'grace-period');
  assert.equal(at(new Date('2026-11-29T09:59:59.999Z')).suppressed[0]!.expires, '2026-11-29T10:00:00.000Z');
  assert.equal(at(new Date('2026-11-29T10:00:00Z')).verdict, 'fail');
  // date-only published: from midnight UTC (2026-10-29 + 30 days = 2026-11-28T00:00Z)
  assert.equal(at(new Date('2026-11-27T23:59:59Z'), '2026-10-29').verdict, 'pass');
  assert.equal(at(new Date('2026-11-28T00:00:00Z'), '2026-10-29').verdict, 'fail');
  // no published date → no grace
  assert.equal(run([vuln({ published: undefined })], c).verdict, 'fail');
  // deny and KEV(fail) never get grace
  const recent = { published: '2026-11-28T00:00:00Z' };
  assert.equal(run([vuln(recent)], { vulnerabilities: { ...c.vulnerabilities, deny: ['CVE-2023-38545'] } }).verdict, 'fail');
  assert.equal(run([vuln({ ...recent, kev: { dateAdded: '2026-11-28' } })], { vulnerabilities: { ...c.vulnerabilities, knownExploited: 'fail' } }).verdict, 'fail');
  assert.equal(run([vuln(recent)], c).verdict, 'pass');
});

test('appOnly suppresses base-layer vulnerabilities only', () => {
  const c: Controls = { vulnerabilities: { failOn: 'high', appOnly: true } };
  const d = run([vuln({ origin: 'base' })], c);
  assert.equal(d.verdict, 'pass');
  assert.equal(d.suppressed[0]!.by, 'app-only');
  assert.equal(run([vuln({ origin: 'app' })], c).verdict, 'fail');
  assert.equal(run([vuln({ origin: undefined })], c).verdict, 'fail', 'unknown origin is not base');
  assert.equal(run([vuln({ origin: 'base' })], { vulnerabilities: { ...c.vulnerabilities, deny: ['CVE-2023-38545'] } }).verdict, 'fail');
});

// ---------------------------------------------------------------------------------------------
// secrets, malware, config, licenses, base image findings, coverage

test('secrets / malware / config failOn over finding severity', () => {
  assert.deepEqual(controls(run([secret()], { secrets: { failOn: 'any' } })), ['secrets.failOn']);
  assert.deepEqual(controls(run([malware({ severity: 'unknown' })], { malware: { failOn: 'any' } })), ['malware.failOn']);
  assert.deepEqual(controls(run([config({ severity: 'high' })], { config: { failOn: 'high' } })), ['config.failOn']);
  assert.equal(run([config({ severity: 'medium' })], { config: { failOn: 'high' } }).verdict, 'pass');
  const s = run([secret()], { secrets: { failOn: 'any' } });
  assert.match(s.violations[0]!.remediation!, /rotate/);
  assert.match(s.violations[0]!.message, /\/app\/\.env:3/);
});

test('secrets.allow: rule ids and anchored path globs never fail the control; anything else still does', () => {
  const allow = (a: string[]) => run([secret()], { secrets: { failOn: 'any', allow: a } }).verdict;
  assert.equal(allow(['aws-access-key-id']), 'pass');
  assert.equal(allow(['/app/*']), 'pass');
  assert.equal(allow(['/app']), 'fail', 'a path glob is anchored');
  assert.equal(allow(['aws-access']), 'fail', 'a rule id matches whole');
  assert.equal(allow(['/srv/**']), 'fail');
  assert.equal(run([secret({ path: 'config:env/TOKEN' })], { secrets: { failOn: 'any', allow: ['config:env/*'] } }).verdict, 'pass');
});

test('licenses.deny: license findings and inventory packages, SPDX OR/AND semantics', () => {
  const c: Controls = { licenses: { deny: ['AGPL-3.0-*', 'SSPL-1.0'] } };
  assert.deepEqual(controls(run([license()], c)), ['licenses.deny']);
  assert.equal(run([license({ license: 'MIT OR AGPL-3.0-only' })], c).verdict, 'pass');
  assert.equal(run([license({ license: 'MIT AND AGPL-3.0-or-later' })], c).verdict, 'fail');
  assert.equal(run([license({ license: 'AGPL-3.0-only OR SSPL-1.0' })], c).verdict, 'fail');
  assert.equal(run([license({ license: 'GPL-2.0-only WITH Classpath-exception-2.0' })], c).verdict, 'pass');
  assert.equal(run([license({ license: 'AGPL-3.0' })], c).verdict, 'pass', 'anchored: AGPL-3.0 is not AGPL-3.0-*');
  const inv = run([], c, { r: { packages: [pkg({ name: 'mongodb', licenses: ['SSPL-1.0'] }), pkg({ name: 'curl', licenses: ['curl'] })] } });
  assert.deepEqual(controls(inv), ['licenses.deny']);
  assert.equal(inv.derivedFindings?.[0]?.kind, 'license');
  assert.equal(inv.violations[0]!.findingId, inv.derivedFindings![0]!.id);
});

test('base-image findings from the scan: not-approved fails, unknown follows baseImage.unknown', () => {
  assert.deepEqual(controls(run([baseFinding()], { baseImage: {} })), ['baseImage.approved']);
  assert.deepEqual(controls(run([baseFinding({ status: 'too-old' })], { baseImage: {} })), ['baseImage.maxAgeDays']);
  assert.equal(run([baseFinding({ status: 'unknown' })], { baseImage: { unknown: 'warn' } }).warnings[0]!.control, 'baseImage.unknown');
  assert.equal(run([baseFinding({ status: 'unknown' })], { baseImage: { unknown: 'pass' } }).verdict, 'pass');
  assert.equal(run([baseFinding()], {}).verdict, 'pass');
});

test('inventory gaps not copied into findings still count', () => {
  const r = report();
  r.inventory.gaps = [gapFinding({ id: 'coverage-gap:inv', reason: 'layer-unreadable' })];
  const d = evaluate(r, [policy('p', {})], set(), CTX);
  assert.deepEqual(d.violations.map((v) => v.findingId), ['coverage-gap:inv']);
  r.findings = [r.inventory.gaps[0]!];
  assert.equal(evaluate(r, [policy('p', {})], set(), CTX).violations.length, 1, 'not counted twice');
});

test('coverage gaps fail by default, even without a coverage control; warn/ignore and per-reason overrides', () => {
  assert.deepEqual(controls(run([gapFinding()], {})), ['coverage.onGap']);
  assert.equal(run([gapFinding()], { coverage: { onGap: 'warn' } }).warnings.length, 1);
  assert.equal(run([gapFinding()], { coverage: { onGap: 'warn' } }).verdict, 'pass');
  const ign = run([gapFinding()], { coverage: { onGap: 'ignore' } });
  assert.equal(ign.warnings.length + ign.violations.length, 0);
  const per = run([gapFinding(), gapFinding({ id: 'coverage-gap:2', reason: 'layer-unreadable' })], { coverage: { onGap: 'fail', reasons: { 'ecosystem-not-covered': 'warn' } } });
  assert.deepEqual(controls(per), ['coverage.onGap']);
  assert.deepEqual(per.warnings.map((w) => w.control), ['coverage.reasons.ecosystem-not-covered']);
});

// ---------------------------------------------------------------------------------------------
// derived controls: user, labels, packages, database, base image

test('user.forbidRoot: root forms fail, others pass', () => {
  for (const user of ['', 'root', '0', '0:0', 'root:root', '00', '0:1000', ' root ']) {
    const d = run([], { user: { forbidRoot: true } }, { r: { user } });
    assert.deepEqual(controls(d), ['user.forbidRoot'], JSON.stringify(user));
    assert.equal(d.violations[0]!.remediation, 'add USER 10001 (a non-root numeric UID) to the Dockerfile');
  }
  const unset = run([], { user: { forbidRoot: true } }, { r: { user: undefined } });
  assert.equal(unset.verdict, 'pass', 'the synthetic default user is 10001');
  for (const user of ['10001', 'app', '1000:0', 'nobody', 'rootless']) {
    assert.equal(run([], { user: { forbidRoot: true } }, { r: { user } }).verdict, 'pass', user);
  }
  assert.equal(run([], { user: { forbidRoot: false } }, { r: { user: 'root' } }).verdict, 'pass');
});

test('user.forbidRoot and the config check\'s CIS-DI-0001: one root user is one violation, and a UID-0 name is root', () => {
  const cis = (detail: string): Finding => ({
    id: `config-cis-${detail.length}`, kind: 'config', check: 'CIS-DI-0001', title: 'the container runs as root', severity: 'high', detail,
  });
  // both controls in force, USER root: reported once, by user.forbidRoot
  const both = run([cis('USER is "root": the container runs as root')], { user: { forbidRoot: true }, config: { failOn: 'high' } }, { r: { user: 'root' } });
  assert.deepEqual(controls(both), ['user.forbidRoot']);
  // USER admin resolves to UID 0 through /etc/passwd (the config check's finding): forbidRoot fails it too
  const admin = run([cis('USER admin has UID 0 in /etc/passwd')], { user: { forbidRoot: true } }, { r: { user: 'admin' } });
  assert.deepEqual(controls(admin), ['user.forbidRoot']);
  assert.match(admin.violations[0]!.message, /USER admin has UID 0 in \/etc\/passwd/);
  // a secret in an ENV variable: the secrets control judges it; CIS-DI-0010 for the same variable is covered
  const envCfg = config({ id: 'config:env-1', check: 'CIS-DI-0010', severity: 'high', detail: 'ENV AWS_SECRET_ACCESS_KEY holds a value', path: undefined, evidence: { source: 'config', text: 'Env AWS_SECRET_ACCESS_KEY' } });
  const envSecret = secret({ path: 'config:env/AWS_SECRET_ACCESS_KEY' });
  const c2: Controls = { secrets: { failOn: 'any' }, config: { failOn: 'high' } };
  assert.deepEqual(controls(run([envCfg, envSecret], c2)), ['secrets.failOn']);
  // another variable's secret does not cover it; an allow-listed secret leaves the config control to judge
  assert.deepEqual(controls(run([envCfg, secret({ path: 'config:env/OTHER' })], c2)).sort(), ['config.failOn', 'secrets.failOn']);
  assert.deepEqual(controls(run([envCfg, envSecret], { ...c2, secrets: { failOn: 'any', allow: ['config:env/*'] } })), ['config.failOn']);
  // without forbidRoot the config control still judges the check's finding
  assert.deepEqual(controls(run([cis('USER is "root"')], { config: { failOn: 'high' } }, { r: { user: 'root' } })), ['config.failOn']);
});

test('labels.required: missing, empty, value pattern', () => {
  const c: Controls = { labels: { required: ['org.opencontainers.image.source', { name: 'team', pattern: 'shop-*' }] } };
  const d = run([], c, { r: { labels: { team: 'payments' } } });
  assert.deepEqual(controls(d), ['labels.required', 'labels.required']);
  assert.ok(d.violations.some((v) => v.remediation === 'add LABEL org.opencontainers.image.source="https://github.com/ORG/REPO" to the Dockerfile (or --label at build time)'));
  assert.ok(d.violations.some((v) => /team="payments" does not match shop-\*/.test(v.message)));
  assert.equal(run([], c, { r: { labels: { 'org.opencontainers.image.source': 'https://x', team: 'shop-orders' } } }).verdict, 'pass');
  assert.equal(run([], c, { r: { labels: { 'org.opencontainers.image.source': '', team: 'shop-orders' } } }).verdict, 'fail');
});

test('packages.deny: anchored name globs and purl patterns', () => {
  const packages = [pkg({ name: 'telnet' }), pkg({ name: 'netcat-openbsd' }), pkg({ name: 'libtelnet2' }), pkg({ name: 'telnetd' }), pkg({ name: 'lodash', type: 'npm', purl: 'pkg:npm/lodash@4.17.20' })];
  const d = run([], { packages: { deny: ['telnet', 'netcat-*', 'pkg:npm/lodash'] } }, { r: { packages } });
  assert.deepEqual(d.violations.map((v) => v.message.split(' ')[1]).sort(), ['lodash', 'netcat-openbsd', 'telnet']);
  assert.ok(d.violations.every((v) => v.control === 'packages.deny'));
  assert.match(d.violations.find((v) => v.message.includes('telnet'))!.remediation!, /apt-get purge -y telnet/);
  const purl = run([], { packages: { deny: ['pkg:deb/debian/telnet*'] } }, { r: { packages } });
  assert.equal(purl.violations.length, 2);
});

test('database.maxAgeHours: judged per advisory source for the ecosystems needed; missing meta fails', () => {
  const c: Controls = { database: { maxAgeHours: 72 } };
  const packages = [pkg({ name: 'zlib1g', distro: { id: 'debian', versionId: '12' } })];
  const os = { family: 'debian', name: 'Debian GNU/Linux', versionId: '12', source: '/etc/os-release' };
  const withPkgs = (db: ScanReport['db']): Partial<ScanReport> => ({ db, inventory: { ...report().inventory, os, packages } });
  const db = (updatedAt?: string, builtAt = '2026-11-29T06:00:00Z') => ({
    schemaVersion: 1,
    builtAt,
    sources: [
      { name: 'osv:Debian', kind: 'osv', updatedAt, records: 1, ecosystems: ['Debian:12'] },
      { name: 'osv:npm', kind: 'osv', updatedAt: '2020-01-01T00:00:00Z', records: 1, ecosystems: ['npm'] },
      { name: 'kev', kind: 'kev', updatedAt: '2026-11-29T09:00:00Z', records: 1 },
    ],
    ecosystems: ['Debian:12', 'npm'],
  });
  assert.equal(run([], c, { r: withPkgs(db('2026-11-26T10:00:00Z')) }).verdict, 'pass', 'exactly 72h; the old npm source is not needed');
  assert.deepEqual(controls(run([], c, { r: withPkgs(db('2026-11-26T09:59:00Z')) })), ['database.maxAgeHours']);
  // no data time: not fresh at build time, whatever KEV says
  const unknown = run([], c, { r: withPkgs(db(undefined, '2026-11-29T09:00:00Z')) });
  assert.deepEqual(controls(unknown), ['database.maxAgeHours']);
  assert.match(unknown.violations[0]!.message, /osv:Debian \(for Debian:12\): data time unknown/);
  const missing = run([], c, { r: { db: undefined } });
  assert.deepEqual(controls(missing), ['database.maxAgeHours']);
  assert.equal((missing.derivedFindings![0] as { reason: string }).reason, 'db-missing');
});

test('a scanner db-stale gap is decided by the policy\'s database.maxAgeHours when it has one', () => {
  const stale = gapFinding({ id: 'coverage-gap:stale', reason: 'db-stale', subject: 'advisory source osv:Debian', detail: '80 hours old' });
  const packages = [pkg({ name: 'zlib1g', distro: { id: 'debian', versionId: '12' } })];
  const os = { family: 'debian', name: 'Debian GNU/Linux', versionId: '12', source: '/etc/os-release' };
  const db = { schemaVersion: 1, builtAt: '2026-11-29T00:00:00Z', sources: [{ name: 'osv:Debian', kind: 'osv', updatedAt: '2026-11-26T02:00:00Z', records: 1, ecosystems: ['Debian:12'] }], ecosystems: ['Debian:12'] }; // 80h before NOW
  const r = { db, inventory: { ...report().inventory, os, packages } };
  assert.deepEqual(controls(run([stale], { database: { maxAgeHours: 168 } }, { r })), []);
  assert.deepEqual(controls(run([stale], { database: { maxAgeHours: 72 } }, { r })), ['database.maxAgeHours']);
  assert.deepEqual(controls(run([stale], {}, { r })), ['coverage.onGap']);
});

test('a vulnerabilities control without DB metadata in the report is a coverage gap, not clean', () => {
  const d = run([], { vulnerabilities: { failOn: 'high' } }, { r: { db: undefined } });
  assert.deepEqual(controls(d), ['coverage.onGap']);
  assert.equal(run([], { vulnerabilities: { failOn: 'high' }, coverage: { onGap: 'warn' } }, { r: { db: undefined } }).verdict, 'pass');
  assert.equal(run([], { vulnerabilities: { failOn: 'high' } }).verdict, 'pass');
});

test('baseImage.approved over lineage chain[0], normalised, anchored; message names alternatives', () => {
  const approved = ['debian:12-slim', 'docker.io/library/alpine:3.19*'];
  assert.equal(run([], { baseImage: { approved } }).verdict, 'pass', 'debian:12-slim normalises to docker.io/library/debian:12-slim');
  const lin = (name: string, digest?: string) => ({ method: 'layer-match' as const, confidence: 'high' as const, chain: [{ name, digest, layers: 2 }], baseLayers: 2 });
  assert.equal(run([], { baseImage: { approved } }, { r: { lineage: lin('alpine:3.19.1') } }).verdict, 'pass');
  const bad = run([], { baseImage: { approved } }, { r: { lineage: lin('docker.io/library/debian:11-slim') } });
  assert.deepEqual(controls(bad), ['baseImage.approved']);
  assert.match(bad.violations[0]!.message, /approved bases: debian:12-slim, docker\.io\/library\/alpine:3\.19\*/);
  assert.equal(bad.violations[0]!.remediation, 'rebuild FROM an approved base, e.g. debian:12-slim');
  const bf = bad.derivedFindings!.find((f) => f.kind === 'base-image');
  assert.ok(bf && bf.kind === 'base-image' && bf.status === 'not-approved' && bf.approvedAlternatives.length === 2);
  assert.equal(run([], { baseImage: { approved } }, { r: { lineage: lin('docker.io/evil/alpine:3.19') } }).verdict, 'fail');
  // digest pins
  const pinned = [`docker.io/library/debian@${DIGEST}`];
  assert.equal(run([], { baseImage: { approved: pinned } }, { r: { lineage: lin('debian:12', DIGEST) } }).verdict, 'pass');
  assert.equal(run([], { baseImage: { approved: pinned } }, { r: { lineage: lin('debian:12', OTHER_DIGEST) } }).verdict, 'fail');
  // advice that is approved becomes the remediation
  const withAdvice = { ...lin('debian:11'), advice: [{ name: 'docker.io/library/debian:12-slim', kind: 'upgrade' as const, fixes: 10, remaining: 1 }] };
  assert.equal(run([], { baseImage: { approved } }, { r: { lineage: withAdvice } }).violations[0]!.remediation, 'rebuild FROM docker.io/library/debian:12-slim');
});

test('baseImage.unknown: fail (default) / warn / pass; maxAgeDays', () => {
  const unknown = { method: 'unknown' as const, confidence: 'low' as const, chain: [], baseLayers: 0 };
  assert.deepEqual(controls(run([], { baseImage: { approved: ['debian:12'] } }, { r: { lineage: unknown } })), ['baseImage.unknown']);
  assert.deepEqual(controls(run([], { baseImage: {} }, { r: { lineage: undefined } })), ['baseImage.unknown']);
  assert.equal(run([], { baseImage: { unknown: 'warn' } }, { r: { lineage: unknown } }).warnings[0]!.control, 'baseImage.unknown');
  assert.equal(run([], { baseImage: { unknown: 'pass' } }, { r: { lineage: unknown } }).verdict, 'pass');
  // base created 2026-11-10, NOW 2026-11-29T10:00 → 19.4 days
  assert.equal(run([], { baseImage: { maxAgeDays: 20 } }).verdict, 'pass');
  assert.deepEqual(controls(run([], { baseImage: { maxAgeDays: 19 } })), ['baseImage.maxAgeDays']);
  const noDate = { method: 'layer-match' as const, confidence: 'high' as const, chain: [{ name: 'debian:12', layers: 1 }], baseLayers: 1 };
  assert.equal(run([], { baseImage: { maxAgeDays: 19 } }, { r: { lineage: noDate } }).warnings[0]!.control, 'baseImage.maxAgeDays');
});

// ---------------------------------------------------------------------------------------------
// enforcement, selection

test('audit enforcement turns violations into warnings', () => {
  const d = run([vuln()], { vulnerabilities: { failOn: 'high' } }, { enforcement: 'audit' });
  assert.equal(d.verdict, 'pass');
  assert.equal(d.violations.length, 0);
  assert.equal(d.warnings[0]!.enforcement, 'audit');
});

test('all matching policies must pass', () => {
  const r = report({ findings: [vuln({ severity: 'medium' })] });
  const lenient = policy('dev', { vulnerabilities: { failOn: 'critical' } }, { pipelines: ['release-*'] });
  const strict = policy('prod', { vulnerabilities: { failOn: 'medium' } }, { images: ['registry.example.com/shop/**'] });
  const other = policy('other', { vulnerabilities: { failOn: 'any' } }, { pipelines: ['dev-*'] });
  const d = evaluate(r, [lenient, strict, other], set(), CTX);
  assert.deepEqual(d.policies, ['dev', 'prod']);
  assert.equal(d.verdict, 'fail');
  assert.deepEqual(d.violations.map((v) => v.policy), ['prod']);
  assert.equal(evaluate(r, [lenient], set(), CTX).verdict, 'pass');
});

test('no applicable policy → default, else NO_POLICY', () => {
  const r = report();
  const p = policy('prod', {}, { pipelines: ['prod'] });
  assert.throws(() => evaluate(r, [p], set(), CTX), (e) => e instanceof PortcullisError && e.code === 'NO_POLICY' && /release-1/.test(e.message));
  assert.deepEqual(evaluate(r, [p, policy('default', {})], set(), CTX).policies, ['default']);
});

// ---------------------------------------------------------------------------------------------
// exceptions

test('exception suppresses a matching finding and stays in the report with its rule', () => {
  const d = run([vuln()], { vulnerabilities: { failOn: 'high' } }, { ex: set([exc()]) });
  assert.equal(d.verdict, 'pass');
  assert.deepEqual(d.suppressed, [{ findingId: vuln().id, subject: `CVE-2023-38545 in curl ${vuln().installedVersion} (${vuln().package.purl})`, by: 'exception', ruleId: 'EXC-42', reason: 'not reachable', expires: '2026-12-31', owner: 'security@example.com' }]);
  assert.deepEqual(d.notices, []);
});

test('exception criteria table: finding key, scope, package, pipelines', () => {
  const c: Controls = { vulnerabilities: { failOn: 'high' }, secrets: { failOn: 'any' }, config: { failOn: 'any' }, malware: { failOn: 'any' } };
  const z = vuln({ advisoryId: 'CVE-2022-37434', aliases: [], package: ZLIB, installedVersion: ZLIB.version });
  const cases: [string, Finding, Partial<Parameters<typeof exc>[0]>, boolean][] = [
    ['alias', vuln(), { finding: 'DSA-5520-1' }, true],
    ['fingerprint id', vuln(), { finding: vuln().id }, true],
    ['other CVE', vuln(), { finding: 'CVE-2000-0001' }, false],
    ['secret rule', secret(), { finding: 'aws-access-key-id' }, true],
    ['config check', config(), { finding: 'setuid-file' }, true],
    ['malware signature', malware(), { finding: 'Eicar-Test-Signature' }, true],
    ['scope all', vuln(), { scope: { all: true } }, true],
    ['scope repository glob', vuln(), { scope: { repository: 'registry.example.com/shop/*' } }, true],
    ['anchored repository', vuln(), { scope: { repository: 'registry.example.com/shop/evil-orders-api' } }, false],
    ['anchored repository (suffix)', vuln(), { scope: { repository: 'orders-api' } }, false],
    ['image repo:tag', vuln(), { scope: { image: 'registry.example.com/shop/orders-api:1.4.2' } }, true],
    ['image other tag', vuln(), { scope: { image: 'registry.example.com/shop/orders-api:1.4.3' } }, false],
    ['image digest', vuln(), { scope: { image: DIGEST } }, true],
    ['image repo@digest', vuln(), { scope: { image: `registry.example.com/shop/orders-api@${DIGEST}` } }, true],
    ['image other digest', vuln(), { scope: { image: `registry.example.com/shop/orders-api@${OTHER_DIGEST}` } }, false],
    ['image digest other repo', vuln(), { scope: { image: `registry.example.com/shop/evil@${DIGEST}` } }, false],
    ['package purl', z, { finding: 'CVE-2022-37434', package: 'pkg:deb/debian/zlib1g' }, true],
    ['package source name', z, { finding: 'CVE-2022-37434', package: 'zlib' }, true],
    ['package glob anchored', z, { finding: 'CVE-2022-37434', package: 'zlib1' }, false],
    ['package on a secret', secret(), { finding: 'aws-access-key-id', package: 'curl' }, false],
    ['pipelines match', vuln(), { pipelines: ['release-*'] }, true],
    ['pipelines no match', vuln(), { pipelines: ['dev-*'] }, false],
  ];
  for (const [name, f, e, suppressed] of cases) {
    const d = run([f], c, { ex: set([exc(e)]) });
    assert.equal(d.verdict, suppressed ? 'pass' : 'fail', name);
    if (suppressed) assert.equal(d.suppressed[0]!.ruleId, 'EXC-42', name);
  }
});

test('exception scope with docker.io normalisation', () => {
  const r = report({ findings: [vuln()] });
  const ctx = { ...CTX, image: { name: 'docker.io/library/nginx', tag: '1.27' } };
  const p = [policy('p', { vulnerabilities: { failOn: 'high' } })];
  assert.equal(evaluate(r, p, set([exc({ scope: { repository: 'nginx' } })]), ctx).verdict, 'pass');
  assert.equal(evaluate(r, p, set([exc({ scope: { image: 'nginx:1.27' } })]), ctx).verdict, 'pass');
  assert.equal(evaluate(r, p, set([exc({ scope: { image: 'index.docker.io/library/nginx:1.27' } })]), ctx).verdict, 'pass');
  assert.equal(evaluate(r, p, set([exc({ scope: { image: 'nginx' } })]), ctx).verdict, 'fail', 'no tag means latest');
  assert.equal(evaluate(r, p, set([exc({ scope: { repository: 'nginx' } })]), { ...ctx, image: { name: 'nginx', tag: 'x' } }).verdict, 'pass');
});

test('expiry: valid through the end of the day UTC; expired exceptions are reported, not applied', () => {
  const f = [vuln()];
  const c: Controls = { vulnerabilities: { failOn: 'high' } };
  const e = set([exc({ expires: '2026-12-31' })]);
  assert.equal(run(f, c, { ex: e, now: new Date('2026-12-31T23:59:59.999Z') }).verdict, 'pass');
  const after = run(f, c, { ex: e, now: new Date('2027-01-01T00:00:00Z') });
  assert.equal(after.verdict, 'fail');
  assert.ok(after.notices.some((n) => /EXC-42 .*expired 2026-12-31 and no longer applies — it matches a finding/.test(n)), after.notices.join('\n'));
  // date-time expiry is exact
  const dt = set([exc({ expires: '2026-12-01T12:00:00Z' })]);
  assert.equal(run(f, c, { ex: dt, now: new Date('2026-12-01T11:59:59Z') }).verdict, 'pass');
  assert.equal(run(f, c, { ex: dt, now: new Date('2026-12-01T12:00:00Z') }).verdict, 'fail');
  // ttl from created
  const ttl = set([exc({ expires: undefined, ttl: '30d', created: '2026-11-01' })]);
  assert.equal(run(f, c, { ex: ttl, now: new Date('2026-11-30T23:59:59Z') }).verdict, 'pass');
  assert.equal(run(f, c, { ex: ttl, now: new Date('2026-12-01T00:00:00Z') }).verdict, 'fail');
});

test('expiring within 7 days warns; unused exceptions are listed; out-of-scope ones are not', () => {
  const c: Controls = { vulnerabilities: { failOn: 'high' } };
  const soon = run([vuln()], c, { ex: set([exc({ expires: '2026-12-05' })]) });
  assert.ok(soon.notices.some((n) => /EXC-42 .*expires 2026-12-05 \(in 7 days\)/.test(n)), soon.notices.join('\n'));
  const later = run([vuln()], c, { ex: set([exc({ expires: '2026-12-06' })]) });
  assert.deepEqual(later.notices, []);
  const unused = run([], c, { ex: set([exc({ id: 'EXC-7' }), exc({ id: 'EXC-8', scope: { repository: 'other/repo' } })]) });
  assert.equal(unused.notices.length, 1);
  assert.match(unused.notices[0]!, /EXC-7 .*matched no finding/);
  // an exception that matched a non-violating finding is used
  assert.deepEqual(run([vuln({ severity: 'low', cvss: [] })], c, { ex: set([exc()]) }).notices, []);
});

test('exceptions suppress deny-listed and KEV findings and derived findings', () => {
  const d = run([vuln({ kev: { dateAdded: '2024-01-01' } })], { vulnerabilities: { deny: ['CVE-2023-38545'], knownExploited: 'fail' } }, { ex: set([exc()]) });
  assert.equal(d.verdict, 'pass');
  const root = run([], { user: { forbidRoot: true } }, { r: { user: 'root' }, ex: set([exc({ finding: 'root-user' })]) });
  assert.equal(root.verdict, 'pass');
  assert.equal(root.suppressed[0]!.findingId, root.derivedFindings![0]!.id);
  const p = run([], { packages: { deny: ['telnet'] } }, { r: { packages: [pkg({ name: 'telnet' })] }, ex: set([exc({ finding: 'package-denied', package: 'telnet' })]) });
  assert.equal(p.verdict, 'pass');
});

// ---------------------------------------------------------------------------------------------
// allowlist

test('allowlist by digest passes only that digest', () => {
  const c: Controls = { vulnerabilities: { failOn: 'high' } };
  const d = run([vuln(), gapFinding()], c, { ex: set([], [allowEntry()]) });
  assert.equal(d.verdict, 'pass');
  assert.deepEqual(d.suppressed.map((s) => s.by).sort(), ['allowlist', 'allowlist']);
  assert.equal(d.allowlisted?.reason, 'legacy');
  assert.ok(d.notices.some((n) => /allowlisted/.test(n)));
  const other = evaluate(report({ findings: [vuln()] }), [policy('p', c)], set([], [allowEntry()]), { ...CTX, image: { ...CTX.image, digest: OTHER_DIGEST } });
  assert.equal(other.verdict, 'fail', 'a digest allowlist does not pass a different digest');
  const tagPinned = allowEntry({ image: `registry.example.com/shop/orders-api:1.4.2@${OTHER_DIGEST}` });
  assert.equal(run([vuln()], c, { ex: set([], [tagPinned]) }).verdict, 'fail', 'tag + digest entry: the digest decides');
});

test('allowlist by tag matches name:tag (any digest), not other tags; expiry and pipelines apply', () => {
  const c: Controls = { vulnerabilities: { failOn: 'high' } };
  const byTag = allowEntry({ image: 'registry.example.com/shop/orders-api:1.4.2' });
  assert.equal(run([vuln()], c, { ex: set([], [byTag]) }).verdict, 'pass');
  assert.equal(run([vuln()], c, { ex: set([], [allowEntry({ image: 'registry.example.com/shop/orders-api:1.4.1' })]) }).verdict, 'fail');
  const expired = run([vuln()], c, { ex: set([], [byTag]), now: new Date('2027-01-01T00:00:00Z') });
  assert.equal(expired.verdict, 'fail');
  assert.ok(expired.notices.some((n) => /expired 2026-12-31/.test(n)));
  assert.equal(run([vuln()], c, { ex: set([], [{ ...byTag, pipelines: ['dev-*'] }]) }).verdict, 'fail');
  // warnings are not hidden by the allowlist
  assert.equal(run([gapFinding()], { coverage: { onGap: 'warn' } }, { ex: set([], [byTag]) }).warnings.length, 1);
});

// ---------------------------------------------------------------------------------------------
// determinism, purity, trace, imageOf

test('output is sorted and deterministic; evaluatedAt comes from ctx.now', () => {
  const fs = [vuln({ id: 'vulnerability:b' }), vuln({ id: 'vulnerability:a' }), secret()];
  const c: Controls = { vulnerabilities: { failOn: 'high' }, secrets: { failOn: 'any' } };
  const a = run(fs, c);
  const b = run([...fs].reverse(), c);
  assert.deepEqual(a, b);
  assert.equal(a.evaluatedAt, NOW.toISOString());
  assert.deepEqual(a.violations.map((v) => v.findingId), ['secret:aws-1', 'vulnerability:a', 'vulnerability:b']);
});

test('evaluate does not mutate its inputs', () => {
  const r: ScanReport = report({ findings: [vuln()], user: 'root' });
  const ps: Policy[] = [policy('p', { vulnerabilities: { failOn: 'high' }, user: { forbidRoot: true } })];
  const ex = set([exc()]);
  const snap = JSON.stringify([r, ps, ex]);
  evaluate(r, ps, ex, CTX);
  assert.equal(JSON.stringify([r, ps, ex]), snap);
});

test('trace explains pass, violation and suppression per policy', () => {
  const { trace } = evaluateWithTrace(report({ findings: [vuln(), vuln({ id: 'v2', severity: 'low', cvss: [] })] }), [policy('p', { vulnerabilities: { failOn: 'high' } })], set([exc({ id: 'E1', finding: 'CVE-2000-1', scope: { all: true } })]), CTX);
  const v1 = trace.find((t) => t.finding.id === vuln().id)!;
  assert.equal(v1.outcome, 'violation');
  const v2 = trace.find((t) => t.finding.id === 'v2')!;
  assert.equal(v2.outcome, 'pass');
  assert.match(v2.judgement.message, /below failOn: high/);
});

test('imageOf: ref, repo tags, manifest digest, image id', () => {
  const id = report().inventory.image.configDigest;
  assert.deepEqual(imageOf(report()), { name: 'registry.example.com/shop/orders-api', tag: '1.4.2', digest: DIGEST, id });
  const r = report();
  r.inventory.image.ref = { input: 'docker-archive:x.tar', transport: 'docker-archive' };
  r.inventory.image.repoTags = ['alpine:3.19'];
  assert.deepEqual(imageOf(r), { name: 'docker.io/library/alpine', tag: '3.19', digest: DIGEST, id });
});

test('a digest allowlist matches the image ID of a docker save archive (no manifest digest), nothing else', () => {
  const ID = 'sha256:' + 'e'.repeat(64);
  const img = { name: 'docker.io/shop/orders-api', tag: '1.4.2', id: ID };
  assert.equal(imageRefMatches(`docker.io/shop/orders-api@${ID}`, img), true);
  assert.equal(imageRefMatches(`shop/orders-api@${ID}`, img), true);
  assert.equal(imageRefMatches(`shop/orders-api@sha256:${'f'.repeat(64)}`, img), false);
  assert.equal(imageRefMatches(`shop/other@${ID}`, img), false);
});
