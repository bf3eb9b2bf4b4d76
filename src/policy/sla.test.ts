// vulnerabilities.fixWithinDays: warn with the deadline until first seen + N days, then fail; first seen
// from the server's record, else the publication date; deny-listed and known-exploited stay strict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from './evaluate.js';
import { CTX, policy, report, set, vuln } from './testdata/synthetic.js';

const P = policy('sla', { vulnerabilities: { failOn: 'high', fixWithinDays: { critical: 7, high: 30 } } });
const critical = vuln({ severity: 'critical', published: '2026-11-25T00:00:00Z' });

test('a critical first seen 4 days ago warns with its deadline; after 7 days it fails', () => {
  const d = evaluate(report({ findings: [critical] }), [P], set(), CTX); // now 2026-11-29T10:00Z
  assert.equal(d.verdict, 'pass');
  assert.equal(d.warnings[0]!.control, 'vulnerabilities.fixWithinDays');
  assert.equal(d.warnings[0]!.deadline, '2026-12-02T00:00:00.000Z');
  assert.match(d.warnings[0]!.message, /due 2026-12-02 \(published 2026-11-25; fix critical within 7 days/);
  const late = evaluate(report({ findings: [critical] }), [P], set(), { ...CTX, now: new Date('2026-12-02T00:00:00Z') });
  assert.equal(late.verdict, 'fail');
  assert.match(late.violations[0]!.message, /deadline 2026-12-02 passed/);
});

test('the server\'s first-seen record wins over the publication date', () => {
  const d = evaluate(report({ findings: [critical] }), [P], set(), { ...CTX, now: new Date('2026-12-05T00:00:00Z'), firstSeen: { 'CVE-2023-38545': '2026-12-01T00:00:00Z' } });
  assert.equal(d.verdict, 'pass');
  assert.equal(d.warnings[0]!.deadline, '2026-12-08T00:00:00.000Z');
  assert.match(d.warnings[0]!.message, /first seen in this repository 2026-12-01/);
});

test('severities without a deadline, deny-listed and known-exploited findings fail at once', () => {
  const medium = policy('m', { vulnerabilities: { failOn: 'medium', fixWithinDays: { critical: 7 } } });
  assert.equal(evaluate(report({ findings: [vuln({ severity: 'medium', published: '2026-11-28T00:00:00Z' })] }), [medium], set(), CTX).verdict, 'fail');
  const deny = policy('d', { vulnerabilities: { failOn: 'high', deny: ['CVE-2023-38545'], fixWithinDays: { critical: 7 } } });
  assert.equal(evaluate(report({ findings: [critical] }), [deny], set(), CTX).verdict, 'fail');
});
