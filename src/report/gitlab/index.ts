// `gitlab`: GitLab's container scanning security report, schema version 15.0.7
// (https://gitlab.com/gitlab-org/security-products/security-report-schemas, dist/container-scanning-report-format.json;
// a copy with its license is in testdata/). A CI job publishes it with `artifacts: reports: container_scanning:`
// and GitLab shows the vulnerabilities in the merge request, the pipeline's security tab and the vulnerability
// report. The exit code stays the gate. See docs/gitlab.md.
//
// - One entry per vulnerability finding (package vulnerabilities are what this report type carries; secrets,
//   malware and configuration findings are in the verdict, SARIF, JUnit and the JSON report).
// - Findings an exception or a policy's ignore list suppressed are left out, as GitLab's own analyzers leave out
//   what their ignore files name; the number left out is said in scan.messages. Findings that only do not fail the
//   gate (grace period, ignore-unfixed, base-image layers, an allowlisted image) stay, with the reason in details.
// - What could not be checked (coverage gaps, checks that did not run completely) and the verdict are
//   scan.messages (warn / info): GitLab shows them on the job, and nothing unchecked looks clean.
// - Deterministic: ids derived from the finding fingerprints, times from the report (injected clock), sorted.
import { createHash } from 'node:crypto';
import type { Reporter, ScanReport } from '../../core/report.js';
import type { Severity, VulnerabilityFinding } from '../../core/types.js';
import { SEVERITY_ORDER } from '../../core/types.js';
import { policyList, verdictLine } from '../../core/verdict.js';
import { allFindings, violationsByFinding } from '../describe.js';
import { sanitizeDeep } from '../sanitize.js';
import { stableJson, write } from '../write.js';
import { bestCvss } from '../../match/describe.js';

export const GITLAB_SCHEMA_VERSION = '15.0.7';
export const GITLAB_SCHEMA_URL = `https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v${GITLAB_SCHEMA_VERSION}/dist/container-scanning-report-format.json`;
const INFO_URI = 'https://github.com/portcullis-scanner/portcullis';

/** Suppressions that take a finding out of the report: someone accepted it (GitLab's "dismissed" is the UI's). */
const EXCLUDED_BY = new Set(['exception', 'policy-ignore']);

const SEVERITY: Record<Severity, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', negligible: 'Info', unknown: 'Unknown' };

// The schema's patterns for CVSS vectors: others (CVSS 4.0) are left out of cvss_vectors, kept in the description.
const CVSS2 = /^((AV:[NAL]|AC:[LMH]|Au:[MSN]|[CIA]:[NPC]|E:(U|POC|F|H|ND)|RL:(OF|TF|W|U|ND)|RC:(UC|UR|C|ND)|CDP:(N|L|LM|MH|H|ND)|TD:(N|L|M|H|ND)|[CIA]R:(L|M|H|ND))\/)*(AV:[NAL]|AC:[LMH]|Au:[MSN]|[CIA]:[NPC]|E:(U|POC|F|H|ND)|RL:(OF|TF|W|U|ND)|RC:(UC|UR|C|ND)|CDP:(N|L|LM|MH|H|ND)|TD:(N|L|M|H|ND)|[CIA]R:(L|M|H|ND))$/;
const CVSS3 = /^CVSS:3[.][01]\/((AV:[NALP]|AC:[LH]|PR:[NLH]|UI:[NR]|S:[UC]|[CIA]:[NLH]|E:[XUPFH]|RL:[XOTWU]|RC:[XURC]|[CIA]R:[XLMH]|MAV:[XNALP]|MAC:[XLH]|MPR:[XNLH]|MUI:[XNR]|MS:[XUC]|M[CIA]:[XNLH])\/)*(AV:[NALP]|AC:[LH]|PR:[NLH]|UI:[NR]|S:[UC]|[CIA]:[NLH]|E:[XUPFH]|RL:[XOTWU]|RC:[XURC]|[CIA]R:[XLMH]|MAV:[XNALP]|MAC:[XLH]|MPR:[XNLH]|MUI:[XNR]|MS:[XUC]|M[CIA]:[XNLH])$/;
const LINK = /^(https?|ftp):\/\/[^\s<>"]+$/i;

/** A UUID-shaped id (version 5 layout) from the finding's fingerprint: the same finding keeps its id across scans. */
export function uuidOf(fingerprint: string): string {
  const h = createHash('sha256').update(`portcullis/gitlab/${fingerprint}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** `2026-11-29T12:00:00`: the schema's time format (UTC, seconds, no zone). */
export function gitlabTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '1970-01-01T00:00:00' : d.toISOString().slice(0, 19);
}

/** At most `max` characters (the schema's maxLength), cut with an ellipsis. */
function cap(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function identifier(id: string): { type: string; name: string; value: string; url?: string } {
  const type = id.startsWith('CVE-') ? 'cve' : id.startsWith('GHSA-') ? 'ghsa' : (/^[A-Za-z]+/.exec(id)?.[0] ?? 'advisory').toLowerCase();
  const url = id.startsWith('CVE-')
    ? `https://nvd.nist.gov/vuln/detail/${id}`
    : id.startsWith('GHSA-')
      ? `https://github.com/advisories/${id}`
      : `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
  return { type, name: id, value: id, url: LINK.test(url) ? url : undefined };
}

function description(f: VulnerabilityFinding): string {
  const lines = [f.title || f.advisoryId];
  if (f.aliases.length) lines.push(`Aliases: ${f.aliases.join(', ')}`);
  const c = bestCvss(f.cvss);
  if (c) lines.push(`CVSS ${c.version}: ${c.score} ${c.vector}${c.source ? ` (${c.source})` : ''}`);
  if (f.kev) lines.push(`Known exploited (CISA KEV) since ${f.kev.dateAdded}`);
  if (f.epss) lines.push(`EPSS: ${(f.epss.score * 100).toFixed(2)}% (percentile ${f.epss.percentile})`);
  lines.push(`Source: ${f.dataSource}`);
  return cap(lines.join('\n\n'), 1_048_576);
}

function solution(f: VulnerabilityFinding): string {
  if (f.remediation) return cap(f.remediation, 7000);
  if (f.fixState === 'fixed' && f.fixedVersion) return `Upgrade ${f.package.name} to ${f.fixedVersion}`;
  return `No fixed version of ${f.package.name} is known (${f.fixState.replace('-', ' ')})`;
}

type Text = { name: string; type: 'text'; value: string };
const text = (name: string, value: string): Text => ({ name, type: 'text', value });

export function toGitlab(r: ScanReport): Record<string, unknown> {
  const img = r.inventory.image;
  const image = img.name || img.ref.input || 'unnamed image';
  const os = r.inventory.os;
  const operatingSystem = os ? `${os.family} ${os.versionId ?? ''}`.trim() : 'Unknown';
  const suppressed = new Map<string, string>();
  for (const s of r.decision?.suppressed ?? []) if (!suppressed.has(s.findingId)) suppressed.set(s.findingId, `${s.by} ${s.ruleId}${s.reason ? `: ${s.reason}` : ''}`);
  const excluded = new Set((r.decision?.suppressed ?? []).filter((s) => EXCLUDED_BY.has(s.by)).map((s) => s.findingId));
  const { violations, warnings } = violationsByFinding(r);
  const vulns = allFindings(r)
    .filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability')
    .filter((f) => !excluded.has(f.id))
    .sort(
      (a, b) =>
        SEVERITY_ORDER.indexOf(b.severity) - SEVERITY_ORDER.indexOf(a.severity) ||
        (a.advisoryId < b.advisoryId ? -1 : a.advisoryId > b.advisoryId ? 1 : 0) ||
        (a.package.purl < b.package.purl ? -1 : a.package.purl > b.package.purl ? 1 : 0) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  const vulnerabilities = vulns.map((f) => {
    const ids = [f.advisoryId, ...[...new Set(f.aliases)].filter((a) => a !== f.advisoryId).sort()];
    const vectors = f.cvss
      .filter((c) => c.vector.length <= 128 && ((c.version === '2.0' && c.vector.length >= 16 && CVSS2.test(c.vector)) || (c.version.startsWith('3') && c.vector.length >= 32 && CVSS3.test(c.vector))))
      .slice(0, 10)
      .map((c) => ({ vendor: c.source || 'unknown', vector: c.vector }));
    const details: Record<string, Text> = {
      purl: text('Package URL', f.package.purl),
      installed_version: text('Installed version', f.installedVersion),
      fix: text('Fix', f.fixState === 'fixed' && f.fixedVersion ? `fixed in ${f.fixedVersion}` : f.fixState.replace('-', ' ')),
    };
    if (f.package.path) details.path = text('Found at', f.package.path);
    if (f.layer) details.layer = text('Layer', `${f.layer.index}${f.layer.createdBy ? `: ${f.layer.createdBy}` : ''}${f.origin ? ` (${f.origin === 'base' ? 'base image' : 'application'})` : ''}`);
    if (r.decision) {
      const v = violations.get(f.id);
      const w = warnings.get(f.id);
      const s = suppressed.get(f.id);
      const gate = v ? `fails the gate: ${v.map((x) => `${x.policy}/${x.control}`).join(', ')}` : w ? `warning: ${w.map((x) => `${x.policy}/${x.control}`).join(', ')}` : s ? `does not fail the gate: ${s}` : 'does not fail the gate';
      details.gate = text('Portcullis gate', gate);
    }
    return {
      id: uuidOf(f.id),
      name: cap(f.title || f.advisoryId, 255),
      description: description(f),
      severity: SEVERITY[f.severity],
      solution: solution(f),
      identifiers: ids.map(identifier),
      ...(vectors.length ? { cvss_vectors: vectors } : {}),
      links: [...new Set(f.urls.filter((u) => LINK.test(u)))].sort().map((url) => ({ url })),
      details,
      location: {
        dependency: { package: { name: f.package.name }, version: f.installedVersion || f.package.version },
        operating_system: operatingSystem,
        image,
      },
    };
  });
  const messages: { level: 'info' | 'warn' | 'fatal'; value: string }[] = [];
  if (r.decision) {
    messages.push({ level: r.decision.verdict === 'pass' ? 'info' : 'warn', value: `Portcullis gate: ${verdictLine(r.decision)} (pipeline ${r.decision.pipeline}; policies: ${policyList(r.decision)})` });
  }
  for (const c of r.checks ?? []) if (c.state !== 'complete') messages.push({ level: 'warn', value: `check ${c.check} ${c.state}: ${c.detail}` });
  for (const g of allFindings(r)) if (g.kind === 'coverage-gap') messages.push({ level: 'warn', value: `not checked (${g.reason}): ${g.subject}: ${g.detail}` });
  const left = vulnerabilitiesExcluded(r, excluded);
  if (left > 0) messages.push({ level: 'info', value: `${left} vulnerabilit${left === 1 ? 'y' : 'ies'} accepted by an exception or a policy's ignore list ${left === 1 ? 'is' : 'are'} not listed (see the JSON report's decision.suppressed)` });
  const vulnCheck = r.checks?.find((c) => c.check === 'vulnerabilities');
  const tool = { id: 'portcullis', name: 'Portcullis', version: r.scanner.version, vendor: { name: 'Portcullis' }, url: INFO_URI };
  return {
    version: GITLAB_SCHEMA_VERSION,
    schema: GITLAB_SCHEMA_URL,
    scan: {
      analyzer: tool,
      scanner: tool,
      type: 'container_scanning',
      // the report carries one time: when the scan's findings were computed
      start_time: gitlabTime(r.createdAt),
      end_time: gitlabTime(r.createdAt),
      status: vulnCheck?.state === 'failed' ? 'failure' : 'success',
      messages: messages.map((m) => ({ level: m.level, value: m.value || '-' })),
    },
    vulnerabilities,
    remediations: [],
  };
}

function vulnerabilitiesExcluded(r: ScanReport, excluded: Set<string>): number {
  return allFindings(r).filter((f) => f.kind === 'vulnerability' && excluded.has(f.id)).length;
}

export const gitlabReporter: Reporter = {
  format: 'gitlab',
  modes: ['scan'],
  async render(report, out) {
    // image- and advisory-derived strings are sanitized first (no control character reaches GitLab's UI)
    await write(out, stableJson(toGitlab(sanitizeDeep(report))) + '\n');
  },
};
