import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from './evaluate.js';
import { decisionValidity } from './validity.js';
import { CTX, allowEntry, exc, policy, report, set, vuln } from './testdata/synthetic.js';
import type { Policy } from './schema.js';

const withMaxAge = (p: Policy, h: number): Policy => ({ ...p, spec: { ...p.spec, decisionMaxAgeHours: h } });

test('validUntil: the earliest of the used exception, spec.decisionMaxAgeHours and the DB age limit; undefined when unbounded', () => {
  const r = report({ findings: [vuln()] });
  const p = policy('prod', { vulnerabilities: { failOn: 'high' } });
  // nothing bounds it
  assert.deepEqual(decisionValidity(evaluate(r, [p], set(), CTX), r, [p]), {});
  // the exception that suppressed the finding expires at the end of 2026-12-31
  const d = evaluate(r, [p], set([exc()]), CTX);
  assert.equal(d.verdict, 'pass');
  assert.deepEqual(decisionValidity(d, r, [p]), { validUntil: '2027-01-01T00:00:00.000Z', boundBy: 'exception EXC-42 expires 2026-12-31' });
  // decisionMaxAgeHours is shorter
  const p24 = withMaxAge(p, 24);
  const v = decisionValidity(evaluate(r, [p24], set([exc()]), CTX), r, [p24]);
  assert.equal(v.validUntil, new Date(CTX.now.getTime() + 24 * 3600_000).toISOString());
  assert.equal(v.boundBy, 'spec.decisionMaxAgeHours: 24');
  // a policy that was not selected does not count
  const other = withMaxAge(policy('dev', { vulnerabilities: { failOn: 'high' } }, { pipelines: ['dev-*'] }), 1);
  assert.equal(decisionValidity(evaluate(r, [p, other], set([exc()]), CTX), r, [p, other]).boundBy, 'exception EXC-42 expires 2026-12-31');
});

test('validUntil: an allowlist entry bounds it; the DB age limit counts only when the policy sets database.maxAgeHours', () => {
  const r = report({ findings: [vuln()] });
  const p = policy('prod', { vulnerabilities: { failOn: 'high' } });
  const d = evaluate(r, [p], set([], [allowEntry({ expires: '2026-12-15' })]), CTX);
  assert.equal(decisionValidity(d, r, [p]).validUntil, '2026-12-16T00:00:00.000Z');
  const pdb = policy('prod', { vulnerabilities: { failOn: 'high' }, database: { maxAgeHours: 10_000 } });
  const v = decisionValidity(evaluate(r, [pdb], set([exc()]), CTX), r, [pdb]);
  assert.match(v.boundBy ?? '', /advisory source .* \+ database\.maxAgeHours: 10000|exception EXC-42/);
  const noDb = { ...r, db: undefined };
  const dn = evaluate(noDb, [pdb], set([exc()]), CTX);
  assert.equal(decisionValidity(dn, noDb, [pdb]).validUntil, dn.evaluatedAt, 'no DB metadata: valid until the moment it was made, never eternal');
});
