// spec.exceptions.maxDays in evaluate(): the policies selected for the image bound the entries in scope of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from './evaluate.js';
import { PortcullisError } from '../core/errors.js';
import { lifetimeDays } from './lifetime.js';
import type { Policy } from './schema.js';
import { CTX, NOW, allowEntry, exc, policy, report, set, vuln } from './testdata/synthetic.js';

const strict = (e: unknown, re: RegExp) => e instanceof PortcullisError && e.code === 'POLICY_INVALID' && re.test(e.message);
function withMax(p: Policy, maxDays: number): Policy {
  return { ...p, spec: { ...p.spec, exceptions: { maxDays } } };
}
const P = policy('prod', { vulnerabilities: { failOn: 'high' } });

test('lifetime: from created, else from the start of the evaluation day; ttl counts from created', () => {
  assert.equal(lifetimeDays(exc({ created: '2026-10-01', expires: '2026-12-29' }), NOW), 90);
  assert.equal(lifetimeDays(exc({ expires: '2026-12-31' }), NOW), 33); // 2026-11-29T00:00Z → 2027-01-01T00:00Z
  assert.equal(lifetimeDays(exc({ expires: undefined, created: '2026-11-20', ttl: '30d' }), NOW), 30);
});

test('an exception in scope living longer than the default 90 days makes the decision impossible (POLICY_INVALID)', () => {
  const r = report({ findings: [vuln()] });
  assert.throws(() => evaluate(r, [P], set([exc({ expires: '9999-12-31' })]), CTX), (e) => strict(e, /exception EXC-42: lives \d+ days .* longer than spec\.exceptions\.maxDays: 90 of policy prod \(the default\)/));
  // exactly 90 days passes, 91 does not
  assert.equal(evaluate(r, [P], set([exc({ created: '2026-10-01', expires: '2026-12-29' })]), CTX).verdict, 'pass');
  assert.throws(() => evaluate(r, [P], set([exc({ created: '2026-10-01', expires: '2026-12-30' })]), CTX), (e) => strict(e, /lives 91 days/));
  // a policy may allow more; with several policies the strictest decides
  assert.equal(evaluate(r, [withMax(P, 400)], set([exc({ expires: '2027-12-31' })]), CTX).verdict, 'pass');
  const other = withMax(policy('team', {}), 30);
  assert.throws(() => evaluate(r, [withMax(P, 400), other], set([exc({ expires: '2027-01-15' })]), CTX), (e) => strict(e, /maxDays: 30 of policy team/));
});

test('created in the future is refused; entries out of scope or expired are not measured', () => {
  const r = report({ findings: [vuln()] });
  assert.throws(() => evaluate(r, [P], set([exc({ created: '2026-12-15', expires: '2026-12-31' })]), CTX), (e) => strict(e, /created 2026-12-15 is in the future/));
  assert.equal(evaluate(r, [P], set([exc({ scope: { repository: 'other/repo' }, expires: '9999-12-31' })]), CTX).verdict, 'fail');
  assert.equal(evaluate(r, [P], set([exc({ created: '2020-01-01', expires: '2021-12-31' })]), CTX).verdict, 'fail');
});

test('allowlist entries for the image are bounded too', () => {
  const r = report({ findings: [vuln()] });
  assert.throws(() => evaluate(r, [P], set([], [allowEntry({ expires: '9999-12-31' })]), CTX), (e) => strict(e, /allowlist entry registry\.example\.com\/shop\/orders-api@sha256:a+: lives/));
  assert.equal(evaluate(r, [P], set([], [allowEntry()]), CTX).verdict, 'pass');
});
