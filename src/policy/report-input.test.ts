import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PortcullisError } from '../core/errors.js';
import { checkReport } from './report-input.js';
import { evaluate } from './evaluate.js';
import { CTX, policy, report, secret, set, vuln } from './testdata/synthetic.js';

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function bad(value: unknown, re: RegExp): void {
  assert.throws(() => checkReport(value, 'r.json'), (e) => e instanceof PortcullisError && e.code === 'BAD_INPUT' && re.test(e.message), String(re));
}

test('a real-shaped report passes and evaluates', () => {
  const r = checkReport(clone(report({ findings: [vuln(), secret()] })), 'r.json');
  assert.equal(evaluate(r, [policy('p', { vulnerabilities: { failOn: 'high' } })], set(), CTX).verdict, 'fail');
});

test('optional lists get defaults so evaluation never crashes on older/hand-written reports', () => {
  const r = clone(report({ findings: [vuln()] })) as unknown as { findings: Record<string, unknown>[]; inventory: Record<string, unknown> };
  delete r.findings[0]!.aliases;
  delete r.findings[0]!.cvss;
  delete r.findings[0]!.fixState;
  delete r.inventory.gaps;
  const ok = checkReport(r, 'r.json');
  assert.equal(evaluate(ok, [policy('p', { vulnerabilities: { failOn: 'high', maxCvss: 5, ignoreUnfixed: true } })], set(), CTX).suppressed[0]!.by, 'ignore-unfixed');
});

test('malformed reports are BAD_INPUT naming the path', () => {
  bad(null, /expected a JSON object/);
  bad([], /expected a JSON object/);
  bad({ findings: 'x', inventory: {} }, /findings: expected a list/);
  const base = () => clone(report()) as unknown as Record<string, unknown>;
  const withFinding = (f: unknown) => ({ ...base(), findings: [f] });
  bad(withFinding({ id: 'x', kind: 'rootkit', severity: 'high' }), /findings\[0\]\.kind: expected one of/);
  bad(withFinding({ ...vuln(), severity: 'HIGH' }), /findings\[0\]\.severity/);
  bad(withFinding({ ...vuln(), package: 'curl' }), /findings\[0\]\.package: expected a package object/);
  bad(withFinding({ ...vuln(), aliases: [1] }), /findings\[0\]\.aliases/);
  bad(withFinding({ ...vuln(), cvss: [{ score: '9.8' }] }), /findings\[0\]\.cvss/);
  bad(withFinding({ ...secret(), rule: undefined }), /findings\[0\]\.rule: expected a string/);
  bad(withFinding({ ...vuln(), id: '' }), /findings\[0\]\.id/);
  bad({ ...base(), inventory: { image: {} } }, /inventory\.image: expected ref and config/);
  bad({ ...base(), db: { builtAt: 3 } }, /db: expected/);
  const many = { ...base(), findings: Array.from({ length: 30 }, () => ({ id: 'x', kind: 'nope' })) };
  bad(many, /… 20 more/);
});

test('checks: malformed, unknown or duplicated entries are BAD_INPUT; a duplicate can never hide a partial run', () => {
  const withChecks = (checks: unknown) => ({ ...clone(report()), checks });
  bad(withChecks('all good'), /checks: expected a list/);
  bad(withChecks([{ check: 'telepathy', state: 'complete', detail: 'x', reasons: [] }]), /checks\[0\]\.check: expected one of vulnerabilities\|/);
  bad(withChecks([{ check: 'secrets', state: 'done', detail: 'x', reasons: [] }]), /checks\[0\]\.state: expected one of/);
  bad(withChecks([{ check: 'secrets', state: 'complete', detail: 'x', reasons: [] }, { check: 'secrets', state: 'not-run', detail: 'y', reasons: [] }]), /checks\[1\]\.check: secrets is listed twice/);
  bad(withChecks([{ check: 'secrets', state: 'complete', detail: 'x', reasons: [1] }]), /checks\[0\]\.reasons: expected a list of strings/);
  // evaluate() itself, given two entries for one check, takes the least complete
  const r = report({ checks: [{ check: 'secrets', state: 'complete', detail: 'x', reasons: [] }, { check: 'secrets', state: 'partial', detail: 'half', reasons: [] }] });
  const d = evaluate(r, [policy('p', { secrets: { failOn: 'any' } })], set(), CTX);
  assert.match(d.violations[0]!.message, /^not evaluated: the secrets check ran partially: half/);
});
