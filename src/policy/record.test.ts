import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from './evaluate.js';
import { decisionRecord, EMPTY_DIGEST, verifyDecisionRecord } from './record.js';
import { explain, formatExplanations } from './explain.js';
import { formatDecision } from './format.js';
import { CTX, DIGEST, allowEntry, exc, policy, report, set, vuln } from './testdata/synthetic.js';

test('decision record: identity, digests, DB, applied exceptions, summary, integrity digest', () => {
  const r = report({ findings: [vuln(), vuln({ id: 'v-low', severity: 'low', cvss: [] })], user: 'root' });
  const d = evaluate(r, [policy('prod', { vulnerabilities: { failOn: 'high' }, user: { forbidRoot: true } })], set([exc()]), CTX);
  const rec = decisionRecord(r, { decision: d, policyDigest: 'sha256:' + '1'.repeat(64) });
  assert.equal(rec.recordVersion, 1);
  assert.equal(rec.kind, 'portcullis/decision');
  assert.deepEqual(rec.image, { name: 'registry.example.com/shop/orders-api', tag: '1.4.2', digest: DIGEST, input: 'registry.example.com/shop/orders-api:1.4.2' });
  assert.equal(rec.verdict, 'fail');
  assert.equal(rec.exceptions.digest, EMPTY_DIGEST);
  assert.deepEqual(rec.exceptions.applied, ['EXC-42']);
  assert.equal(rec.summary.findings, 3, 'two scan findings + the derived root-user finding');
  assert.equal(rec.summary.bySeverity.high, 2);
  assert.equal(rec.summary.violations, 1);
  assert.equal(rec.db?.builtAt, '2026-11-29T06:00:00Z');
  assert.equal(rec.evaluatedAt, CTX.now.toISOString());
  assert.ok(verifyDecisionRecord(rec));
  assert.ok(!verifyDecisionRecord({ ...rec, violations: [] }));
  // each suppression and violation names what it is about, not only a fingerprint
  assert.deepEqual(rec.suppressed.map((s) => s.subject), [`CVE-2023-38545 in curl ${vuln().installedVersion} (${vuln().package.purl})`]);
  assert.deepEqual(rec.violations.map((v) => v.subject), ['config root-user']);
  // deterministic
  assert.deepEqual(decisionRecord(r, { decision: d, policyDigest: 'sha256:' + '1'.repeat(64) }), rec);
});

test('decision record carries the allowlist entry', () => {
  const r = report({ findings: [vuln()] });
  const d = evaluate(r, [policy('prod', { vulnerabilities: { failOn: 'high' } })], set([], [allowEntry()]), CTX);
  const rec = decisionRecord({ ...r, decision: d }, { policyDigest: EMPTY_DIGEST, exceptionsDigest: EMPTY_DIGEST, exceptionFiles: ['e.yaml'] });
  assert.equal(rec.verdict, 'pass');
  assert.equal(rec.allowlisted?.owner, 'sec@example.com');
  assert.deepEqual(rec.exceptions.files, ['e.yaml']);
  assert.throws(() => decisionRecord(r, { policyDigest: EMPTY_DIGEST }), /no decision/);
  assert.match(formatDecision(d), /allowlisted by registry\.example\.com\/shop\/orders-api@sha256:a+ until 2026-12-31/);
});

test('explain: derived findings, expired and out-of-scope exceptions are shown', () => {
  const r = report({ findings: [vuln()], user: '0' });
  const ps = [policy('prod', { vulnerabilities: { failOn: 'high' }, user: { forbidRoot: true } })];
  const ex = set([exc({ id: 'OLD', expires: '2026-01-01' }), exc({ id: 'ELSEWHERE', scope: { repository: 'other/repo' } })]);
  const { explanations } = explain(r, ps, ex, CTX);
  const text = formatExplanations(explanations);
  assert.match(text, /config root-user: image runs as root .*\(found by the policy evaluation\)\n {2}policy prod \(block\): VIOLATION by user\.forbidRoot/);
  assert.match(text, /fix: add USER 10001/);
  assert.match(text, /exception not applied: OLD: expired 2026-01-01/);
  assert.match(text, /exception not applied: ELSEWHERE: scope\/pipelines do not match/);
  assert.equal(explain(r, ps, ex, CTX, 'dsa-5520-1').explanations.length, 1, 'by alias, case-insensitive');
});
