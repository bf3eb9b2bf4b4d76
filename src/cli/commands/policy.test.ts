import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { PortcullisError } from '../../core/errors.js';
import { REPO_ROOT } from '../../core/shared.js';
import { verifyDecisionRecord, type DecisionRecord } from '../../policy/record.js';
import { report, vuln, ZLIB } from '../../policy/testdata/synthetic.js';
import { captureIo } from '../testio.js';
import { registerPolicyCommands } from './policy.js';

const POLICIES = join(REPO_ROOT, 'examples/policies');
const EXCEPTIONS = join(REPO_ROOT, 'examples/exceptions');

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const { io, out } = captureIo('2026-11-29T10:00:00Z');
  const program = new Command().exitOverride();
  registerPolicyCommands(program, io);
  for (const c of program.commands) c.exitOverride();
  process.exitCode = undefined;
  try {
    await program.parseAsync(args, { from: 'user' });
    const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
    return { code, out: out() };
  } finally {
    process.exitCode = undefined;
  }
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'pc-policy-cli-'));
}

const goodLabels = { 'org.opencontainers.image.source': 'https://github.com/example/orders-api', 'org.opencontainers.image.revision': 'abc123' };

test('policy validate: the examples are valid; json format lists them', async () => {
  const r = await cli(['policy', 'validate', POLICIES, EXCEPTIONS]);
  assert.equal(r.code, 0);
  assert.match(r.out, /^valid: 3 policies, 3 exception\(s\), 1 allowlist entry in 3 file\(s\)/);
  const j = JSON.parse((await cli(['policy', 'validate', '--format', 'json', EXCEPTIONS])).out);
  assert.deepEqual(j.exceptions.map((e: { id: string }) => e.id), ['EXC-42', 'EXC-43', 'EXC-44']);
  assert.equal(j.exceptions[1].expires, '2026-12-20T00:00:00.000Z');
});

test('policy validate examples/: every shipped example, the base catalog too; a broken catalog names the file', async () => {
  const r = await cli(['policy', 'validate', join(REPO_ROOT, 'examples')]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^valid: 3 policies, 3 exception\(s\), 1 allowlist entry, 1 base catalog \(3 bases\) in 4 file\(s\)/);
  assert.match(r.out, /base catalog .*examples\/base-catalog\.yaml: 3 base\(s\)/);
  const j = JSON.parse((await cli(['policy', 'validate', '--format', 'Json', join(REPO_ROOT, 'examples')])).out) as { catalogs: { bases: number }[]; files: string[] };
  assert.deepEqual(j.catalogs.map((c) => c.bases), [3]);
  assert.equal(j.files.length, 4);
  // `text` shipped as the name of the human format: still accepted
  assert.equal((await cli(['policy', 'validate', '--format', 'text', POLICIES])).code, 0);
  const d = tmp();
  try {
    for (const [body, msg] of [
      ['apiVersion: portcullis/v1\nkind: BaseImageCatalog\nbases:\n  - {name: 5}\n', /bad\.yaml: bases\[0\]/],
      ['apiVersion: portcullis/v1\nkind: "BaseImageCatalog"\nbases: nope\n', /bad\.yaml: bases/],
      ['kind: BaseImageCatalog\n', /bad\.yaml: apiVersion/],
    ] as const) {
      writeFileSync(join(d, 'bad.yaml'), body);
      await assert.rejects(cli(['policy', 'validate', d]), msg, body);
    }
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('policy validate: warns about expired and soon-expiring entries', async () => {
  const d = tmp();
  try {
    const f = join(d, 'e.yaml');
    writeFileSync(f, 'apiVersion: portcullis/v1\nkind: Exceptions\nexceptions:\n  - {id: A, finding: CVE-1, scope: {all: true}, expires: 2026-11-01, reason: r, owner: o}\n  - {id: B, finding: CVE-2, scope: {all: true}, expires: 2026-12-01, reason: r, owner: o}\n  - {id: C, finding: CVE-3, scope: {all: true}, expires: 2027-01-15, reason: r, owner: o}\n');
    const r = await cli(['policy', 'validate', f]);
    assert.equal(r.code, 0);
    assert.match(r.out, /warning: .*e\.yaml:4: exception A expired 2026-11-01/);
    assert.match(r.out, /warning: .*e\.yaml:5: exception B expires 2026-12-01 \(in 3 days\)/);
    assert.doesNotMatch(r.out, /exception C/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('policy validate: lifetimes over spec.exceptions.maxDays (default 90), created in the future, 9999-12-31 are rejected with the limit named', async () => {
  const d = tmp();
  try {
    const exc = (entry: string) => {
      const f = join(d, `e-${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(f, `apiVersion: portcullis/v1\nkind: Exceptions\nexceptions:\n  - ${entry}\n`);
      return f;
    };
    const pol = (maxDays?: number) => {
      const f = join(d, `p-${Math.random().toString(36).slice(2)}.yaml`);
      writeFileSync(f, `apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: p${maxDays ?? ''}}\nspec:\n${maxDays ? `  exceptions: {maxDays: ${maxDays}}\n` : ''}  controls: {vulnerabilities: {failOn: high}}\n`);
      return f;
    };
    const rejects = (args: string[], re: RegExp) => assert.rejects(cli(['policy', 'validate', ...args]), (e) => e instanceof PortcullisError && e.code === 'POLICY_INVALID' && re.test(e.message));
    const forever = exc('{id: F, finding: CVE-1, scope: {all: true}, expires: 9999-12-31, reason: r, owner: o}');
    await rejects([forever], /e-.*\.yaml:4: exception F: lives \d+ days \(from today \(no created date\) to 9999-12-31\), longer than the default spec\.exceptions\.maxDays: 90/);
    await rejects([forever, pol(3650)], /longer than spec\.exceptions\.maxDays: 3650 of policy p3650/);
    const future = exc('{id: G, finding: CVE-1, scope: {all: true}, created: 2027-06-01, expires: 2027-07-01, reason: r, owner: o}');
    await rejects([future], /exception G: created 2027-06-01 is in the future/);
    // 100 days from created: too long by default, fine under a policy allowing 120, the strictest policy decides
    const hundred = exc('{id: H, finding: CVE-1, scope: {all: true}, created: 2026-11-01, expires: 2027-02-08, reason: r, owner: o}');
    await rejects([hundred], /exception H: lives 100 days \(from created 2026-11-01 to 2027-02-08\)/);
    assert.equal((await cli(['policy', 'validate', hundred, pol(120)])).code, 0);
    await rejects([hundred, pol(120), pol(30)], /maxDays: 30 of policy p30/);
    // ttl counts the same way
    await rejects([exc('{id: T, finding: CVE-1, scope: {all: true}, created: 2026-11-20, ttl: 20w, reason: r, owner: o}')], /exception T: lives 140 days/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('policy validate: warns on allowlist entries without a digest (a name is what the pipeline says)', async () => {
  const d = tmp();
  try {
    const f = join(d, 'a.yaml');
    writeFileSync(f, `apiVersion: portcullis/v1\nkind: Exceptions\nallowlist:\n  - {image: shop/app:1.0, expires: 2026-12-20, reason: r, owner: o}\n  - {image: shop/app@sha256:${'a'.repeat(64)}, expires: 2026-12-20, reason: r, owner: o}\n`);
    const r = await cli(['policy', 'validate', f]);
    assert.equal(r.code, 0);
    assert.match(r.out, /warning: .*a\.yaml:4: allowlist entry shop\/app:1\.0 has no digest/);
    assert.equal(r.out.match(/has no digest/g)?.length, 1);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('policy validate: an invalid file is a POLICY_INVALID error naming file:line and field', async () => {
  const d = tmp();
  try {
    const f = join(d, 'prod.yaml');
    writeFileSync(f, readFileSync(join(POLICIES, 'production.yaml'), 'utf8').replace('failOn: high\n      maxCvss', 'failOn: hihg\n      maxCvss'));
    await assert.rejects(cli(['policy', 'validate', f]), (e) => e instanceof PortcullisError && e.code === 'POLICY_INVALID' && e.message.startsWith(`${f}:17: spec.controls.vulnerabilities.failOn: expected one of`));
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('policy test: fail (exit 1) with violations and a verifiable decision record; pass (exit 0)', async () => {
  const d = tmp();
  try {
    const rf = join(d, 'report.json');
    writeFileSync(rf, JSON.stringify(report({ findings: [vuln()], user: 'root' })));
    const rec = join(d, 'decision.json');
    const r = await cli(['policy', 'test', rf, '--policy', POLICIES, '--exceptions', EXCEPTIONS, '--pipeline', 'release-1', '--decision', rec]);
    assert.equal(r.code, 1);
    assert.match(r.out, /^verdict: FAIL/);
    assert.match(r.out, /✗ \[production\] user\.forbidRoot: image runs as root/);
    assert.match(r.out, /fix: upgrade curl to 7\.88\.1-10\+deb12u16/);
    assert.match(r.out, /labels\.required: required label org\.opencontainers\.image\.revision is missing/);
    const record = JSON.parse(readFileSync(rec, 'utf8')) as DecisionRecord;
    assert.equal(record.recordVersion, 1);
    assert.equal(record.verdict, 'fail');
    assert.equal(record.image.digest, 'sha256:' + 'a'.repeat(64));
    assert.match(record.policies.digest, /^sha256:[0-9a-f]{64}$/);
    assert.match(record.exceptions.digest, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(record.policies.names, ['production']);
    assert.equal(record.db?.sources[0]?.name, 'debian');
    assert.ok(verifyDecisionRecord(record));
    assert.ok(!verifyDecisionRecord({ ...record, verdict: 'pass' }));

    writeFileSync(rf, JSON.stringify(report({ labels: goodLabels })));
    const ok = await cli(['policy', 'test', rf, '--policy', POLICIES, '--pipeline', 'release-1', '--format', 'json']);
    assert.equal(ok.code, 0);
    assert.equal(JSON.parse(ok.out).verdict, 'pass');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('policy test: an exception suppresses, dev pipeline is lenient, unknown pipeline cannot decide', async () => {
  const d = tmp();
  try {
    const rf = join(d, 'report.json');
    const z = vuln({ id: 'vulnerability:zlib', advisoryId: 'CVE-2023-45853', aliases: [], package: ZLIB, installedVersion: ZLIB.version, severity: 'critical' });
    writeFileSync(rf, JSON.stringify(report({ findings: [z], labels: goodLabels })));
    const r = await cli(['policy', 'test', rf, '--policy', POLICIES, '--exceptions', EXCEPTIONS, '--pipeline', 'release-1']);
    assert.equal(r.code, 0, r.out);
    // the suppression names the CVE and the package, not only the fingerprint
  assert.match(r.out, /CVE-2023-45853 in zlib1g 1:1\.2\.13\.dfsg-1 \(pkg:deb\/debian\/zlib1g@[^)]*\) \[vulnerability:zlib\] by exception EXC-42: not reachable/);
    const dev = await cli(['policy', 'test', rf, '--policy', POLICIES, '--pipeline', 'dev-7']);
    assert.equal(dev.code, 0, 'dev only warns on a critical vulnerability that is not known exploited');
    writeFileSync(rf, JSON.stringify(report({ findings: [{ ...z, kev: { dateAdded: '2024-01-02' } }], labels: goodLabels })));
    const devKev = await cli(['policy', 'test', rf, '--policy', POLICIES, '--pipeline', 'dev-7']);
    assert.equal(devKev.code, 1, 'a known-exploited vulnerability fails dev');
    await assert.rejects(cli(['policy', 'test', rf, '--policy', POLICIES, '--pipeline', 'nightly']), (e) => e instanceof PortcullisError && e.code === 'NO_POLICY');
    // without --pipeline the pipeline is "default", as for scan: the examples have no policy for it
    await assert.rejects(cli(['policy', 'test', rf, '--policy', POLICIES]), /no policy applies to pipeline "default"/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('policy test: a broken report is BAD_INPUT', async () => {
  const d = tmp();
  try {
    const rf = join(d, 'r.json');
    for (const bad of ['{', '[]', '{"findings": 3}', JSON.stringify({ findings: [{}], inventory: { image: {} } })]) {
      writeFileSync(rf, bad);
      await assert.rejects(cli(['policy', 'test', rf, '--policy', POLICIES, '--pipeline', 'prod']), (e) => e instanceof PortcullisError && e.code === 'BAD_INPUT', bad);
    }
    await assert.rejects(cli(['policy', 'test', join(d, 'missing.json'), '--policy', POLICIES, '--pipeline', 'prod']), (e) => e instanceof PortcullisError && e.code === 'NOT_FOUND');
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});

test('policy explain: names the deciding rule and the suppressing exception', async () => {
  const d = tmp();
  try {
    const rf = join(d, 'report.json');
    const z = vuln({ id: 'vulnerability:zlib', advisoryId: 'CVE-2023-45853', aliases: [], package: ZLIB, installedVersion: ZLIB.version, severity: 'critical' });
    writeFileSync(rf, JSON.stringify(report({ findings: [z, vuln({ severity: 'low', cvss: [] })], labels: goodLabels })));
    const r = await cli(['policy', 'explain', '--report', rf, '--policy', POLICIES, '--exceptions', EXCEPTIONS, '--pipeline', 'release-1', '--finding', 'CVE-2023-45853']);
    assert.match(r.out, /CVE-2023-45853 in zlib1g/);
    assert.match(r.out, /policy production \(block\): SUPPRESSED by vulnerabilities\.failOn/);
    assert.match(r.out, /suppressed by exception EXC-42: not reachable: orders-api does not use minizip \(until 2026-12-31\)/);
    assert.doesNotMatch(r.out, /CVE-2023-38545/);
    const all = await cli(['policy', 'explain', '--report', rf, '--policy', POLICIES, '--pipeline', 'release-1']);
    assert.match(all.out, /CVE-2023-38545 in curl .*\n {2}policy production \(block\): PASS by vulnerabilities\n {4}why: .*severity low below failOn: high/);
    await assert.rejects(cli(['policy', 'explain', '--report', rf, '--policy', POLICIES, '--pipeline', 'release-1', '--finding', 'CVE-0000-0000']), (e) => e instanceof PortcullisError && e.code === 'NOT_FOUND');
    // the report as an argument, like policy test; --format json (any case) gives the decision and the explanations
    const positional = await cli(['policy', 'explain', rf, '--policy', POLICIES, '--exceptions', EXCEPTIONS, '--pipeline', 'release-1', '--finding', 'CVE-2023-45853']);
    assert.equal(positional.out, r.out);
    const j = JSON.parse((await cli(['policy', 'explain', rf, '--policy', POLICIES, '--pipeline', 'release-1', '--format', 'JSON'])).out) as { decision: { verdict: string; pipeline: string }; explanations: { finding: { id: string }; entries: { policy: string; outcome: string }[] }[] };
    assert.equal(j.decision.pipeline, 'release-1');
    assert.deepEqual(j.explanations.find((e) => e.finding.id === 'vulnerability:zlib')?.entries.map((e) => `${e.policy} ${e.outcome}`), ['production violation']);
    await assert.rejects(cli(['policy', 'explain', '--policy', POLICIES]), /policy explain needs a REPORT argument/);
    await assert.rejects(cli(['policy', 'explain', rf, '--report', join(d, 'other.json'), '--policy', POLICIES]), /two reports given/);
    await assert.rejects(cli(['policy', 'explain', rf, '--policy', POLICIES, '--pipeline', 'release-1', '--format', 'xml']), /unknown format "xml" for policy explain; expected one of: table, json/);
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
});
