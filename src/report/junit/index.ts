// `junit`: JUnit XML as Jenkins (junit and xunit plugins), GoCD and Bamboo read it; valid against the
// xunit plugin's junit-10.xsd (testdata/junit-10.xsd, checked in tests). Failures mirror the verdict, so
// Jenkins marks a build unstable exactly when the gate failed:
// - with a decision: one suite per policy control; each blocking violation is a failing case, audit
//   violations and warnings passing cases with the warning in <system-out>, each suppressed finding a
//   skipped case, and a policy with nothing to report one passing case;
// - without a decision (exit 0): one suite per package type with a passing case per vulnerability (its
//   details in <system-out>), and coverage gaps as skipped cases of their own suite: what was not
//   checked is never shown as a plain pass. See docs/junit.md.
import type { Reporter, ScanReport, Violation } from '../../core/report.js';
import type { Finding } from '../../core/types.js';
import { write } from '../write.js';
import { allFindings, escapeXml, findingLine } from '../describe.js';
import { sanitizeDeep } from '../sanitize.js';

/** XML-escaped attribute text, one line: image-derived control characters never reach the log. */
const x = (s: string): string => escapeXml(s);

interface Case {
  name: string;
  classname: string;
  failure?: { message: string; type: string; body: string };
  error?: { message: string; type: string; body: string };
  skipped?: string;
  /** details of a case that is reported without failing */
  out?: string;
}

function suiteXml(name: string, cases: Case[]): string {
  const failures = cases.filter((c) => c.failure).length;
  const errors = cases.filter((c) => c.error).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const body = cases
    .map((c) => {
      const open = `    <testcase name="${x(c.name)}" classname="${x(c.classname)}" time="0"`;
      const inner: string[] = [];
      if (c.failure) inner.push(`      <failure message="${x(c.failure.message)}" type="${x(c.failure.type)}">${x(c.failure.body)}</failure>`);
      if (c.error) inner.push(`      <error message="${x(c.error.message)}" type="${x(c.error.type)}">${x(c.error.body)}</error>`);
      if (c.skipped !== undefined) inner.push(`      <skipped message="${x(c.skipped)}"/>`);
      if (c.out) inner.push(`      <system-out>${x(c.out)}</system-out>`);
      return inner.length ? `${open}>\n${inner.join('\n')}\n    </testcase>` : `${open}/>`;
    })
    .join('\n');
  return `  <testsuite name="${x(name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="0">\n${body}${body ? '\n' : ''}  </testsuite>`;
}

function describe(f: Finding, why?: string): string {
  return [findingLine(f), f.remediation ? `Fix: ${f.remediation}` : '', why ?? ''].filter(Boolean).join('\n');
}

function caseFor(f: Finding, failure: boolean, why?: string): Case {
  const classname = f.kind === 'vulnerability' ? `${f.package.type}.${f.package.name}` : f.kind;
  const name = f.kind === 'vulnerability' ? `${f.advisoryId} ${f.package.name} ${f.installedVersion}` : f.title;
  const body = describe(f, why);
  return failure ? { name, classname, failure: { message: findingLine(f).slice(0, 300), type: f.severity, body } } : { name, classname, out: body };
}

function withDecision(r: ScanReport): string[] {
  const d = r.decision!;
  const byId = new Map(allFindings(r).map((f) => [f.id, f]));
  const suites = new Map<string, Case[]>();
  const add = (suite: string, c: Case) => suites.set(suite, [...(suites.get(suite) ?? []), c]);
  const violationCase = (v: Violation, fails: boolean): Case => {
    const f = v.findingId ? byId.get(v.findingId) : undefined;
    const base = f ? caseFor(f, false) : { name: v.message, classname: `${v.policy}.${v.control}` };
    const body = [v.message, v.remediation ? `Fix: ${v.remediation}` : '', f ? findingLine(f) : ''].filter(Boolean).join('\n');
    return fails ? { name: base.name, classname: base.classname, failure: { message: v.message.slice(0, 300), type: v.control, body } } : { name: base.name, classname: base.classname, out: `warning (${v.enforcement}): ${body}` };
  };
  for (const v of d.violations) add(`${v.policy}: ${v.control}`, violationCase(v, v.enforcement === 'block'));
  for (const w of d.warnings) add(`${w.policy}: ${w.control} (warnings)`, violationCase(w, false));
  for (const s of d.suppressed) {
    const f = byId.get(s.findingId);
    const c = f ? caseFor(f, false) : { name: s.findingId, classname: 'suppressed' };
    add(`${s.policy ?? 'exceptions'}: suppressed`, { ...c, skipped: `${s.by} ${s.ruleId}${s.reason ? `: ${s.reason}` : ''}` });
  }
  const failing = () => [...suites.values()].some((cs) => cs.some((c) => c.failure));
  // the verdict decides: a failed gate always has a failing case, an undecided one an error
  if (d.verdict === 'fail' && !failing()) add('verdict', { name: `pipeline ${d.pipeline} failed`, classname: 'verdict', failure: { message: 'the gate failed', type: 'verdict', body: d.notices.join('\n') } });
  if (d.verdict === 'error') add('verdict', { name: `pipeline ${d.pipeline} could not decide`, classname: 'verdict', error: { message: 'the gate could not decide', type: 'verdict', body: d.notices.join('\n') } });
  for (const p of d.policies) {
    if (![...suites.keys()].some((k) => k.startsWith(`${p}: `))) add(`${p}: verdict`, { name: `${p} passed`, classname: p });
  }
  if (d.allowlisted) add('allowlist', { name: `${d.allowlisted.image} allowlisted until ${d.allowlisted.expires}`, classname: 'allowlist' });
  return [...suites.keys()].sort().map((k) => suiteXml(k, suites.get(k)!));
}

function withoutDecision(r: ScanReport): string[] {
  const suites = new Map<string, Case[]>();
  for (const f of allFindings(r)) {
    const suite = f.kind === 'vulnerability' ? `vulnerabilities: ${f.package.type}` : f.kind === 'coverage-gap' ? 'coverage: not checked' : f.kind;
    const c = f.kind === 'coverage-gap' ? { ...caseFor(f, false), skipped: findingLine(f).slice(0, 300) } : caseFor(f, false);
    suites.set(suite, [...(suites.get(suite) ?? []), c]);
  }
  if (suites.size === 0) suites.set('vulnerabilities', [{ name: 'no known vulnerabilities', classname: 'scan' }]);
  return [...suites.keys()].sort().map((k) => suiteXml(k, suites.get(k)!));
}

export function toJunit(r: ScanReport): string {
  const suites = r.decision ? withDecision(r) : withoutDecision(r);
  const tests = suites.reduce((n, s) => n + Number(/tests="(\d+)"/.exec(s)![1]), 0);
  const failures = suites.reduce((n, s) => n + Number(/failures="(\d+)"/.exec(s)![1]), 0);
  const errors = suites.reduce((n, s) => n + Number(/errors="(\d+)"/.exec(s)![1]), 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${x(`portcullis ${r.inventory.image.name}`)}" tests="${tests}" failures="${failures}" errors="${errors}" time="0">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

export const junitReporter: Reporter = {
  format: 'junit',
  modes: ['scan'],
  async render(report, out) {
    // image- and advisory-derived strings are sanitized first; the body's own newlines stay
    await write(out, toJunit(sanitizeDeep(report)));
  },
};
