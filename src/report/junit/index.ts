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
import { ChunkWriter } from '../stream.js';
import { allFindings, escapeXml, findingLine, withoutPackages } from '../describe.js';
import { sanitizeShared } from '../sanitize.js';

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

type Suites = Map<string, Case[]>;

function addCase(suites: Suites, suite: string, c: Case): void {
  const cases = suites.get(suite);
  if (cases) cases.push(c);
  else suites.set(suite, [c]);
}

function caseXml(c: Case): string {
  const open = `    <testcase name="${x(c.name)}" classname="${x(c.classname)}" time="0"`;
  const inner: string[] = [];
  if (c.failure) inner.push(`      <failure message="${x(c.failure.message)}" type="${x(c.failure.type)}">${x(c.failure.body)}</failure>`);
  if (c.error) inner.push(`      <error message="${x(c.error.message)}" type="${x(c.error.type)}">${x(c.error.body)}</error>`);
  if (c.skipped !== undefined) inner.push(`      <skipped message="${x(c.skipped)}"/>`);
  if (c.out) inner.push(`      <system-out>${x(c.out)}</system-out>`);
  return inner.length ? `${open}>\n${inner.join('\n')}\n    </testcase>` : `${open}/>`;
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function counts(cases: Case[]): Counts {
  const n: Counts = { tests: cases.length, failures: 0, errors: 0, skipped: 0 };
  for (const c of cases) {
    if (c.failure) n.failures++;
    if (c.error) n.errors++;
    if (c.skipped !== undefined) n.skipped++;
  }
  return n;
}

/** One suite, a line at a time (the last without its newline). */
function* suitePieces(name: string, cases: Case[]): Generator<string> {
  const n = counts(cases);
  yield `  <testsuite name="${x(name)}" tests="${n.tests}" failures="${n.failures}" errors="${n.errors}" skipped="${n.skipped}" time="0">\n`;
  for (const c of cases) yield caseXml(c) + '\n';
  yield '  </testsuite>';
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

function withDecision(r: ScanReport): Suites {
  const d = r.decision!;
  const byId = new Map(allFindings(r).map((f) => [f.id, f]));
  const suites: Suites = new Map();
  const add = (suite: string, c: Case) => addCase(suites, suite, c);
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
  return suites;
}

function withoutDecision(r: ScanReport): Suites {
  const suites: Suites = new Map();
  for (const f of allFindings(r)) {
    const suite = f.kind === 'vulnerability' ? `vulnerabilities: ${f.package.type}` : f.kind === 'coverage-gap' ? 'coverage: not checked' : f.kind;
    const c = f.kind === 'coverage-gap' ? { ...caseFor(f, false), skipped: findingLine(f).slice(0, 300) } : caseFor(f, false);
    addCase(suites, suite, c);
  }
  if (suites.size === 0) suites.set('vulnerabilities', [{ name: 'no known vulnerabilities', classname: 'scan' }]);
  return suites;
}

/** The JUnit document in pieces of at most one test case each: a 1e5-finding report is never one string. */
export function* junitPieces(r: ScanReport): Generator<string> {
  const suites = r.decision ? withDecision(r) : withoutDecision(r);
  const names = [...suites.keys()].sort();
  const total: Counts = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  for (const cases of suites.values()) {
    const n = counts(cases);
    total.tests += n.tests;
    total.failures += n.failures;
    total.errors += n.errors;
  }
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  yield `<testsuites name="${x(`portcullis ${r.inventory.image.name}`)}" tests="${total.tests}" failures="${total.failures}" errors="${total.errors}" time="0">\n`;
  for (const name of names) {
    yield* suitePieces(name, suites.get(name)!);
    yield '\n';
  }
  yield '</testsuites>\n';
}

export function toJunit(r: ScanReport): string {
  return [...junitPieces(r)].join('');
}

export const junitReporter: Reporter = {
  format: 'junit',
  modes: ['scan'],
  async render(report, out) {
    // image- and advisory-derived strings are sanitized first (what is clean is not copied; packages
    // are not part of JUnit); the body's own newlines stay
    const w = new ChunkWriter(out);
    for (const piece of junitPieces(sanitizeShared(withoutPackages(report)))) if (w.add(piece)) await w.flush();
    await w.flush();
  },
};
