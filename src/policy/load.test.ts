import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortcullisError } from '../core/errors.js';
import { REPO_ROOT } from '../core/shared.js';
import { canonicalJson, loadDocuments, loadExceptions, loadPolicies, parseDocuments } from './load.js';

const POLICY = `apiVersion: portcullis/v1
kind: AssurancePolicy
metadata:
  name: prod
spec:
  controls:
    vulnerabilities:
      failOn: high
`;

const EXC = `apiVersion: portcullis/v1
kind: Exceptions
exceptions:
  - id: EXC-1
    finding: CVE-2019-1234
    scope: {repository: registry.example.com/shop/orders-api}
    expires: 2026-12-31
    reason: not reachable
    owner: sec@example.com
`;

function invalid(text: string, file = 'policies/prod.yaml'): string {
  try {
    parseDocuments(text, file);
  } catch (e) {
    assert.ok(e instanceof PortcullisError, String(e));
    assert.equal(e.code, 'POLICY_INVALID');
    return e.message;
  }
  assert.fail('expected POLICY_INVALID');
}

test('valid policy and exceptions parse, dates stay strings, sources carry file:line', () => {
  const d = parseDocuments(POLICY + '---\n' + EXC, 'x.yaml');
  assert.equal(d.policies[0]!.metadata.name, 'prod');
  assert.equal(d.policies[0]!.source, 'x.yaml:1');
  assert.equal(d.exceptions[0]!.expires, '2026-12-31');
  assert.equal(d.exceptions[0]!.source, 'x.yaml:13');
  assert.equal(d.canonical.length, 2);
});

test('bad severity names file, line, field, the allowed values and what was given', () => {
  const m = invalid(POLICY.replace('failOn: high', 'failOn: hihg'));
  assert.equal(m, 'policies/prod.yaml:8: spec.controls.vulnerabilities.failOn: expected one of any|negligible|low|medium|high|critical|none, got "hihg"');
});

test('wrong apiVersion', () => {
  assert.equal(invalid(POLICY.replace('portcullis/v1', 'portcullis/v2')), 'policies/prod.yaml:1: apiVersion: expected "portcullis/v1", got "portcullis/v2"');
});

test('unknown control lists the known ones', () => {
  const m = invalid(POLICY + '    firewall: {open: false}\n');
  assert.match(m, /^policies\/prod\.yaml:9: spec\.controls\.firewall: unknown control "firewall" \(known: vulnerabilities, secrets, malware, user, baseImage/);
});

test('unknown field inside a control, wrong types, missing required', () => {
  assert.match(invalid(POLICY + '      maxCvs: 7\n'), /^policies\/prod\.yaml:9: spec\.controls\.vulnerabilities\.maxCvs: unknown field "maxCvs"$/);
  assert.match(invalid(POLICY + '      maxCvss: high\n'), /:9: spec\.controls\.vulnerabilities\.maxCvss: expected number, got "high"$/);
  assert.match(invalid(POLICY + '      maxCvss: 11\n'), /:9: spec\.controls\.vulnerabilities\.maxCvss: .*10/);
  assert.match(invalid(POLICY.replace('  name: prod\n', '  description: x\n')), /:4: metadata\.name: required \(expected string\)/);
  assert.match(invalid(POLICY.replace('name: prod', 'name: Prod Policy')), /:4: metadata\.name: expected a lower-case name/);
  assert.match(invalid('apiVersion: portcullis/v1\nkind: Policy\n'), /^policies\/prod\.yaml:2: kind: expected AssurancePolicy or Exceptions, got "Policy"$/);
  assert.match(invalid('- a\n- b\n'), /:1: expected a mapping with apiVersion and kind, got a list/);
});

test('several problems are all reported, in line order', () => {
  const m = invalid(POLICY.replace('failOn: high', 'failOn: hihg').replace('portcullis/v1', 'v1'));
  const lines = m.split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /:1: apiVersion/);
  assert.match(lines[1]!, /:8: spec\.controls/);
});

test('YAML syntax error gives the line', () => {
  const m = invalid(POLICY + '    secrets: {failOn: any\n', 'p.yaml');
  assert.match(m, /^p\.yaml:(9|10): YAML syntax error: /);
  assert.match(invalid('a: 1\na: 2\n', 'd.yaml'), /^d\.yaml:2: YAML syntax error: .*unique/i);
  assert.match(invalid('kind: [\n', 'e.yaml'), /^e\.yaml:\d+: YAML syntax error/);
});

test('exceptions: missing expires, bad date, unknown scope key, two scopes, ttl without created', () => {
  assert.equal(invalid(EXC.replace('    expires: 2026-12-31\n', ''), 'exc.yaml'), 'exc.yaml:4: exceptions[0].expires: required: every exception expires (expires: YYYY-MM-DD, or ttl with created)');
  assert.match(invalid(EXC.replace('2026-12-31', '2026-02-30'), 'exc.yaml'), /^exc\.yaml:7: exceptions\[0\]\.expires: expected a date YYYY-MM-DD .*, got "2026-02-30"$/);
  assert.match(invalid(EXC.replace('2026-12-31', '31/12/2026'), 'exc.yaml'), /:7: exceptions\[0\]\.expires: expected a date/);
  const unk = invalid(EXC.replace('{repository:', '{repo:'), 'exc.yaml');
  assert.match(unk, /exc\.yaml:6: exceptions\[0\]\.scope\.repo: unknown field "repo"/);
  assert.match(invalid(EXC.replace('{repository: registry.example.com/shop/orders-api}', '{all: true, image: "a:1"}'), 'exc.yaml'), /:6: exceptions\[0\]\.scope: expected exactly one of repository, image, all/);
  assert.match(invalid(EXC.replace('expires: 2026-12-31', 'ttl: 30d'), 'exc.yaml'), /exceptions\[0\]\.created: required when ttl is given/);
  assert.match(invalid(EXC.replace('expires: 2026-12-31', 'ttl: 30 days\n    created: 2026-11-01'), 'exc.yaml'), /exceptions\[0\]\.ttl: expected a duration/);
  assert.match(invalid(EXC.replace('    owner: sec@example.com\n', ''), 'exc.yaml'), /exceptions\[0\]\.owner: required/);
  assert.match(invalid(EXC.replace('{repository: registry.example.com/shop/orders-api}', '{image: "bad image ref"}'), 'exc.yaml'), /scope\.image: expected an image reference/);
});

test('allowlist entries must pin a tag or digest', () => {
  const base = 'apiVersion: portcullis/v1\nkind: Exceptions\nallowlist:\n  - image: IMG\n    expires: 2027-01-01\n    reason: r\n    owner: o\n';
  assert.match(invalid(base.replace('IMG', 'registry.example.com/legacy/billing'), 'a.yaml'), /^a\.yaml:4: allowlist\[0\]\.image: expected repo:tag or repo@sha256/);
  assert.equal(parseDocuments(base.replace('IMG', 'registry.example.com/legacy/billing:2'), 'a.yaml').allowlist.length, 1);
});

test('accept filter: an Exceptions document where policies are expected is an error', () => {
  assert.throws(() => parseDocuments(EXC, 'x.yaml', 'policy'), /x\.yaml:2: kind: expected AssurancePolicy, got "Exceptions"/);
});

test('hostile YAML: alias bomb and deep nesting do not hang or crash', () => {
  const bomb = 'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
  assert.throws(() => parseDocuments(bomb, 'bomb.yaml'), (e) => e instanceof PortcullisError && e.code === 'POLICY_INVALID');
  assert.throws(() => parseDocuments('['.repeat(5000) + ']'.repeat(5000), 'deep.yaml'), (e) => e instanceof PortcullisError);
  assert.throws(() => parseDocuments('\u0000\u0001binary', 'bin.yaml'), (e) => e instanceof PortcullisError);
  assert.deepEqual(parseDocuments('', 'empty.yaml').policies, []);
  assert.deepEqual(parseDocuments('---\n---\n', 'empty.yaml').policies, []);
});

test('canonical JSON sorts keys; digests ignore comments, formatting and file order', async () => {
  assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] }), '{"a":[{"d":2}],"b":1}');
  const dir = mkdtempSync(join(tmpdir(), 'pc-policy-'));
  try {
    writeFileSync(join(dir, 'a.yaml'), POLICY);
    writeFileSync(join(dir, 'b.yml'), POLICY.replace('name: prod', 'name: dev'));
    const one = await loadPolicies([dir]);
    assert.deepEqual(one.policies.map((p) => p.metadata.name), ['prod', 'dev']);
    assert.equal(one.files.length, 2);
    writeFileSync(join(dir, 'a.yaml'), '# comment\n' + POLICY.replace('failOn: high', 'failOn:    high   # x'));
    const two = await loadPolicies([join(dir, 'b.yml'), join(dir, 'a.yaml')]);
    assert.equal(two.digest, one.digest);
    writeFileSync(join(dir, 'a.yaml'), POLICY.replace('failOn: high', 'failOn: critical'));
    assert.notEqual((await loadPolicies([dir])).digest, one.digest);
    assert.match(one.digest, /^sha256:[0-9a-f]{64}$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('loader errors: missing path, empty directory, duplicates, no policies', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-policy-'));
  try {
    await assert.rejects(loadPolicies([join(dir, 'nope.yaml')]), (e) => e instanceof PortcullisError && e.code === 'NOT_FOUND');
    mkdirSync(join(dir, 'empty'));
    await assert.rejects(loadPolicies([join(dir, 'empty')]), /contains no \.yaml/);
    writeFileSync(join(dir, 'a.yaml'), POLICY);
    writeFileSync(join(dir, 'b.yaml'), POLICY);
    await assert.rejects(loadPolicies([dir]), /b\.yaml:1: metadata\.name: policy "prod" is defined twice \(also at .*a\.yaml:1\)/);
    writeFileSync(join(dir, 'e.yaml'), EXC + EXC.replace(/^apiVersion[\s\S]*?exceptions:\n/, ''));
    await assert.rejects(loadExceptions([join(dir, 'e.yaml')]), /exception "EXC-1" is defined twice/);
    writeFileSync(join(dir, 'only-exc.yaml'), EXC);
    await assert.rejects(loadPolicies([join(dir, 'only-exc.yaml')]), /kind: expected AssurancePolicy/);
    writeFileSync(join(dir, 'empty.yaml'), '# nothing\n');
    await assert.rejects(loadPolicies([join(dir, 'empty.yaml')]), (e) => e instanceof PortcullisError && e.code === 'NO_POLICY');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the shipped examples are valid', async () => {
  const p = await loadPolicies([join(REPO_ROOT, 'examples/policies')]);
  assert.deepEqual(p.policies.map((x) => x.metadata.name).sort(), ['dev', 'dev-preview-of-production', 'production']);
  const e = await loadExceptions([join(REPO_ROOT, 'examples/exceptions')]);
  assert.equal(e.exceptions.length, 3);
  assert.equal(e.allowlist.length, 1);
  const all = await loadDocuments([join(REPO_ROOT, 'examples/policies'), join(REPO_ROOT, 'examples/exceptions')]);
  assert.equal(all.policies.length + all.exceptions.length, 6);
});

test('spec.owners: malformed entries are refused with the field that is wrong', () => {
  const withOwners = (yaml: string) => POLICY.replace('spec:\n', `spec:\n  owners:\n${yaml}`);
  assert.equal(parseDocuments(withOwners('    - {team: "@orders", notify: ["https://hooks.example.com/o"], paths: ["/srv/app/"], origin: app}\n'), 'p.yaml').policies[0]!.spec.owners?.length, 1);
  assert.match(invalid(withOwners('    - {team: "@orders"}\n')), /owners.*notify/);
  assert.match(invalid(withOwners('    - {notify: []}\n')), /owners.*notify/);
  assert.match(invalid(withOwners('    - {notify: ["ftp://x"]}\n')), /owners.*notify.*http/);
  assert.match(invalid(withOwners('    - {notify: ["https://x"], paths: ["srv/app"]}\n')), /owners.*paths.*absolute path glob/);
  assert.match(invalid(withOwners('    - {notify: ["https://x"], origin: vendor}\n')), /owners.*origin/);
  assert.match(invalid(withOwners('    - {notify: ["https://x"], team: "orders team"}\n')), /owners.*team.*like @orders/);
  assert.match(invalid(withOwners('    - {notify: ["https://x"], channel: "#sec"}\n')), /owners.*channel/);
});
