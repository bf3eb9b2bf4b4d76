// `junit`: JUnit XML as Jenkins (junit plugin), GoCD and Bamboo read it.
// With a decision: one suite per policy control; each violation is a failing test case, each suppressed
// finding a skipped one, and a control with no violation one passing case. Without a decision: one
// suite per package type with a failing case per vulnerability (what Trivy's junit template does), and
// coverage gaps as failures of their own suite — what was not checked is never shown as green.
import type { Reporter, ScanReport, Violation } from '../../core/report.js';
import type { Finding } from '../../core/types.js';
import { write } from '../write.js';
import { allFindings, escapeXml, findingLine } from '../describe.js';
import { sanitize } from '../sanitize.js';

/** XML-escaped attribute text, one line: image-derived control characters never reach the log. */
const x = (s: string): string => escapeXml(sanitize(s));
/** A multi-line body: each line sanitized, joined with our own newlines. */
const lines = (parts: (string | undefined)[]): string => parts.filter((p): p is string => Boolean(p)).map(sanitize).join('\n');

interface Case {
  name: string;
  classname: string;
  failure?: { message: string; type: string; body: string };
  skipped?: string;
}

function suiteXml(name: string, cases: Case[]): string {
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const body = cases
    .map((c) => {
      const open = `    <testcase name="${x(c.name)}" classname="${x(c.classname)}" time="0"`;
      if (c.failure) return `${open}>\n      <failure message="${x(c.failure.message)}" type="${x(c.failure.type)}">${escapeXml(c.failure.body)}</failure>\n    </testcase>`;
      if (c.skipped !== undefined) return `${open}>\n      <skipped message="${x(c.skipped)}"/>\n    </testcase>`;
      return `${open}/>`;
    })
    .join('\n');
  return `  <testsuite name="${x(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="0">\n${body}${body ? '\n' : ''}  </testsuite>`;
}

function caseFor(f: Finding, failure: boolean, why?: string): Case {
  const classname = f.kind === 'vulnerability' ? `${f.package.type}.${f.package.name}` : f.kind;
  const name = f.kind === 'vulnerability' ? `${f.advisoryId} ${f.package.name} ${f.installedVersion}` : f.title;
  const body = lines([findingLine(f), f.remediation ? `Fix: ${f.remediation}` : '', why ?? '']);
  return failure ? { name, classname, failure: { message: findingLine(f).slice(0, 300), type: f.severity, body } } : { name, classname };
}

function withDecision(r: ScanReport): string[] {
  const d = r.decision!;
  const byId = new Map(allFindings(r).map((f) => [f.id, f]));
  const suites = new Map<string, Case[]>();
  const add = (suite: string, c: Case) => suites.set(suite, [...(suites.get(suite) ?? []), c]);
  const violationCase = (v: Violation): Case => {
    const f = v.findingId ? byId.get(v.findingId) : undefined;
    const base = f ? caseFor(f, true) : { name: v.message, classname: `${v.policy}.${v.control}` };
    const body = lines([v.message, v.remediation ? `Fix: ${v.remediation}` : '', f ? findingLine(f) : '']);
    return { ...base, failure: { message: v.message.slice(0, 300), type: v.control, body } };
  };
  for (const v of d.violations) add(`${v.policy}: ${v.control}`, violationCase(v));
  for (const w of d.warnings) add(`${w.policy}: ${w.control} (warnings)`, { name: w.message, classname: `${w.policy}.${w.control}` });
  for (const s of d.suppressed) {
    const f = byId.get(s.findingId);
    const c = f ? caseFor(f, false) : { name: s.findingId, classname: 'suppressed' };
    add(`${s.policy ?? 'exceptions'}: suppressed`, { ...c, skipped: `${s.by} ${s.ruleId}${s.reason ? `: ${s.reason}` : ''}` });
  }
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
    suites.set(suite, [...(suites.get(suite) ?? []), caseFor(f, true)]);
  }
  if (suites.size === 0) suites.set('vulnerabilities', [{ name: 'no known vulnerabilities', classname: 'scan' }]);
  return [...suites.keys()].sort().map((k) => suiteXml(k, suites.get(k)!));
}

export function toJunit(r: ScanReport): string {
  const suites = r.decision ? withDecision(r) : withoutDecision(r);
  const tests = suites.reduce((n, s) => n + Number(/tests="(\d+)"/.exec(s)![1]), 0);
  const failures = suites.reduce((n, s) => n + Number(/failures="(\d+)"/.exec(s)![1]), 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${x(`portcullis ${r.inventory.image.name}`)}" tests="${tests}" failures="${failures}" errors="0" time="0">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

export const junitReporter: Reporter = {
  format: 'junit',
  modes: ['scan'],
  async render(report, out) {
    await write(out, toJunit(report));
  },
};
