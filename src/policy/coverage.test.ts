// "Not evaluated": a control over a check that did not run completely is violated, whatever coverage says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, evaluateWithTrace } from './evaluate.js';
import { verdictLine } from '../core/verdict.js';
import type { Decision, ScanReport } from '../core/report.js';
import { CHECK_NAMES, type CheckName, type CheckStatus } from '../core/types.js';
import type { Controls, ExceptionSet } from './schema.js';
import { CTX, NOW, DIGEST, allowEntry, exc, gapFinding, policy, report, set } from './testdata/synthetic.js';

function checks(over: Partial<Record<CheckName, Partial<CheckStatus>>>): CheckStatus[] {
  return CHECK_NAMES.map((check) => ({ check, state: 'complete' as const, detail: 'ran', reasons: [], ...over[check] }));
}
function run(controls: Controls, r: Partial<ScanReport> = {}, o: { ex?: ExceptionSet; enforcement?: 'block' | 'audit' } = {}): Decision {
  return evaluate(report(r), [policy('p', controls, { enforcement: o.enforcement })], o.ex ?? set(), CTX);
}
const NOT_RUN = { state: 'not-run' as const, detail: 'no secrets scanner ran' };

test('a control over a check that did not run is violated, even with coverage.onGap: ignore', () => {
  const d = run({ secrets: { failOn: 'any' }, coverage: { onGap: 'ignore' } }, { checks: checks({ secrets: NOT_RUN }) });
  assert.equal(d.verdict, 'fail');
  assert.equal(d.violations.length, 1);
  const v = d.violations[0]!;
  assert.equal(v.control, 'secrets');
  assert.equal(v.findingId, 'not-evaluated:secrets');
  assert.match(v.message, /^not evaluated: the secrets check did not run: no secrets scanner ran/);
  assert.ok(d.derivedFindings?.some((f) => f.id === 'not-evaluated:secrets' && f.kind === 'coverage-gap'));
});

test('each check control: not-run, partial and failed are violations; complete passes; failOn: none is not a control', () => {
  const controls: Controls = {
    vulnerabilities: { failOn: 'high' },
    secrets: { failOn: 'any' },
    malware: { failOn: 'any' },
    config: { failOn: 'high' },
    licenses: { deny: ['AGPL-3.0-*'] },
  };
  assert.equal(run(controls).verdict, 'pass');
  for (const state of ['not-run', 'partial', 'failed'] as const) {
    for (const check of CHECK_NAMES) {
      const d = run(controls, { checks: checks({ [check]: { state, detail: `because ${check}`, reasons: ['/x: broken'] } }) });
      assert.equal(d.verdict, 'fail', `${check} ${state}`);
      assert.deepEqual(d.violations.map((v) => v.control), [check]);
      assert.match(d.violations[0]!.message, new RegExp(`^not evaluated: .*because ${check}`));
      if (state !== 'not-run') assert.match(d.violations[0]!.message, /\/x: broken/);
    }
  }
  const off = run({ secrets: { failOn: 'none' }, vulnerabilities: { failOn: 'none' } }, { checks: checks({ secrets: NOT_RUN, vulnerabilities: NOT_RUN }) });
  assert.equal(off.verdict, 'pass');
  assert.deepEqual(off.warnings, []);
});

test('a report without checks (older scanner, other tools) is read as "no check ran"', () => {
  const d = run({ vulnerabilities: { failOn: 'critical' }, licenses: { deny: ['SSPL-1.0'] } }, { checks: undefined });
  assert.deepEqual(d.violations.map((v) => v.control), ['licenses', 'vulnerabilities']);
  assert.ok(d.violations.every((v) => /^not evaluated: .*does not say whether/.test(v.message)));
});

test('controls that are not checks (user, labels, baseImage, coverage) do not need a check status', () => {
  const d = run({ user: { forbidRoot: true }, labels: { required: ['org.opencontainers.image.source'] }, coverage: { onGap: 'fail' } }, { checks: undefined });
  assert.equal(d.verdict, 'pass');
});

test('audit enforcement makes it a warning; a control that can only warn (knownExploited: warn) warns', () => {
  const a = run({ secrets: { failOn: 'any' } }, { checks: checks({ secrets: NOT_RUN }) }, { enforcement: 'audit' });
  assert.equal(a.verdict, 'pass');
  assert.match(a.warnings[0]!.message, /^not evaluated:/);
  const w = run({ vulnerabilities: { knownExploited: 'warn' } }, { checks: checks({ vulnerabilities: { state: 'partial', detail: 'rpm failed' } }) });
  assert.equal(w.verdict, 'pass');
  assert.match(w.warnings[0]!.message, /^not evaluated: the vulnerabilities check ran partially: rpm failed/);
});

test('only an exception naming not-evaluated:<check> accepts it; gap reasons, fingerprints of other gaps and package scopes do not', () => {
  const r = { checks: checks({ secrets: NOT_RUN }), findings: [gapFinding({ reason: 'analyzer-error' })] };
  const c: Controls = { secrets: { failOn: 'any' }, coverage: { onGap: 'warn' } };
  const byReason = run(c, r, { ex: set([exc({ id: 'E1', finding: 'analyzer-error', scope: { all: true } })]) });
  assert.equal(byReason.verdict, 'fail', 'a gap-reason exception must not accept a control that was not evaluated');
  const withPkg = run(c, r, { ex: set([exc({ id: 'E2', finding: 'not-evaluated:secrets', package: 'curl' })]) });
  assert.equal(withPkg.verdict, 'fail');
  const ok = run(c, r, { ex: set([exc({ id: 'E3', finding: 'not-evaluated:secrets' })]) });
  assert.equal(ok.verdict, 'pass');
  assert.deepEqual(ok.suppressed.map((s) => `${s.findingId} ${s.by} ${s.ruleId} ${s.expires}`), ['not-evaluated:secrets exception E3 2026-12-31']);
  const other = run(c, r, { ex: set([exc({ id: 'E4', finding: 'not-evaluated:malware' })]) });
  assert.equal(other.verdict, 'fail');
});

test('an allowlisted digest passes with controls not evaluated', () => {
  const d = run({ secrets: { failOn: 'any' }, malware: { failOn: 'any' } }, { checks: undefined }, { ex: set([], [allowEntry()]) });
  assert.equal(d.verdict, 'pass');
  assert.equal(d.allowlisted?.image, `registry.example.com/shop/orders-api@${DIGEST}`);
  assert.deepEqual(d.suppressed.map((s) => `${s.findingId} ${s.by}`), ['not-evaluated:malware allowlist', 'not-evaluated:secrets allowlist']);
  assert.equal(
    verdictLine(d),
    `PASS by allowlist entry registry.example.com/shop/orders-api@${DIGEST} (owner sec@example.com, expires 2026-12-31; 2 violations waived) registry.example.com/shop/orders-api:1.4.2 @ ${DIGEST}`,
  );
  // without the allowlist the same report fails: nothing else waives a control that was not evaluated
  assert.equal(run({ secrets: { failOn: 'any' }, malware: { failOn: 'any' }, coverage: { onGap: 'ignore' } }, { checks: undefined }).verdict, 'fail');
});

test('explain shows the not-evaluated finding and its judgement', () => {
  const { trace } = evaluateWithTrace(report({ checks: checks({ malware: NOT_RUN }) }), [policy('p', { malware: { failOn: 'any' } })], set(), { ...CTX, now: NOW });
  const t = trace.find((e) => e.finding.id === 'not-evaluated:malware');
  assert.equal(t?.outcome, 'violation');
  assert.equal(t?.derived, true);
});
