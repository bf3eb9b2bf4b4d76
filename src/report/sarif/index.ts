// `sarif`: SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/) as GitHub code scanning reads it
// (https://docs.github.com/en/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning):
// one rule per advisory/check/policy control with `security-severity` and a `helpUri`, one result per finding
// (and per policy violation that names no finding) with a stable location, fingerprints that survive
// rescans, `level` from the verdict, and `automationDetails.id` per pipeline and image repository so
// uploads of several pipelines for one commit do not replace each other. See docs/sarif.md.
import { sanitize as t, sanitizeShared } from '../sanitize.js';
import type { Reporter, ScanReport, Violation } from '../../core/report.js';
import type { Finding, Severity } from '../../core/types.js';
import { fingerprint } from '../../core/fingerprint.js';
import { LazyArray, writeStableJson } from '../stream.js';
import { allFindings, findingLine, findingPath, ruleId, violationsByFinding, withoutPackages } from '../describe.js';
import { bestCvss } from '../../match/describe.js';
import { normaliseImageName } from '../../source/ref.js';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const INFO_URI = 'https://github.com/portcullis-scanner/portcullis';
/** Where non-vulnerability rules are documented (a stable page of this repository, one anchor per rule family). */
export const RULE_DOCS = `${INFO_URI}/blob/main/docs/sarif.md`;
/** GitHub: shortDescription and fullDescription hold at most 1024 characters (the whole text is in `help`). */
const MAX_DESCRIPTION = 1024;

type Level = 'error' | 'warning' | 'note';

function severityLevel(s: Severity): Level {
  if (s === 'critical' || s === 'high') return 'error';
  if (s === 'medium') return 'warning';
  return 'note';
}

/** GitHub ranks alerts by `security-severity`, a CVSS-like score as a string. */
function securitySeverity(f: Finding | undefined): string {
  if (f?.kind === 'vulnerability') {
    const c = bestCvss(f.cvss);
    if (c) return c.score.toFixed(1);
  }
  const bySeverity: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '2.0', negligible: '0.5', unknown: '0.0' };
  return bySeverity[f?.severity ?? 'high'];
}

/** At most `max` characters, cut at a word boundary with an ellipsis; short text unchanged. */
export function fit(s: string, max = MAX_DESCRIPTION): string {
  const one = s.replace(/\s+/g, ' ').trim();
  if (one.length <= max) return one;
  const cut = one.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max / 2 ? cut.slice(0, space) : cut}…`;
}

const isWebUrl = (u: string | undefined): u is string => u !== undefined && /^https?:\/\/[^\s<>"]+$/i.test(u);

function advisoryUrl(id: string): string {
  if (id.startsWith('CVE-')) return `https://nvd.nist.gov/vuln/detail/${id}`;
  if (id.startsWith('GHSA-')) return `https://github.com/advisories/${id}`;
  return `https://osv.dev/vulnerability/${encodeURIComponent(id)}`;
}

function helpUri(id: string, f: Finding | undefined): string {
  if (f?.kind === 'vulnerability') return f.urls.find(isWebUrl) ?? advisoryUrl(f.advisoryId);
  const family = id.split('/')[0]!;
  return `${RULE_DOCS}#${family}`;
}

function helpText(f: Finding): string {
  const lines = [findingLine(f)];
  if (f.kind === 'vulnerability') {
    if (f.aliases.length) lines.push(`Aliases: ${t(f.aliases.join(', '))}`);
    const c = bestCvss(f.cvss);
    if (c) lines.push(t(`CVSS ${c.version}: ${c.score} ${c.vector}`));
    if (f.kev) lines.push(`Known exploited (CISA KEV) since ${f.kev.dateAdded}`);
    if (f.epss) lines.push(`EPSS: ${(f.epss.score * 100).toFixed(2)}% (percentile ${f.epss.percentile})`);
  }
  if (f.remediation) lines.push(`Fix: ${t(f.remediation)}`);
  return lines.join('\n');
}

/** Where the gate's policy puts a finding, as a SARIF level: the verdict, not the raw severity. */
/** Without a decision there is no verdict, and the severity decides (as Trivy and Grype do). */
function verdictLevel(r: ScanReport, id: string, violations: Map<string, Violation[]>, warnings: Map<string, Violation[]>, severity: Severity): Level {
  if (!r.decision) return severityLevel(severity);
  const v = violations.get(id) ?? [];
  if (v.some((x) => x.enforcement === 'block')) return 'error';
  if (v.length > 0 || (warnings.get(id) ?? []).length > 0) return 'warning';
  // suppressed (accepted risk) or within policy: reported, never failing
  return 'note';
}

/**
 * The artifact an image-level finding (an OS package, the image config, a policy control) is located at:
 * the Dockerfile when given (`--dockerfile`, repository-relative), else `container-image/<repository>`, the
 * normalised repository name without tag or digest, so it stays the same from one build to the next.
 */
export function imageArtifactUri(r: ScanReport, dockerfile?: string): string {
  if (dockerfile) return dockerfile.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+/, '');
  return `container-image/${repository(r)}`;
}

function repository(r: ScanReport): string {
  const img = r.inventory.image;
  for (const candidate of [img.ref.name, img.repoTags[0], img.name]) {
    if (!candidate) continue;
    try {
      return normaliseImageName(candidate).name.replace(/[^A-Za-z0-9._/-]/g, '-');
    } catch {
      // not a reference (a file name, an SBOM path): try the next one
    }
  }
  return 'unnamed';
}

function pipelineOf(r: ScanReport): string {
  return r.decision?.pipeline ?? 'default';
}

export function automationId(r: ScanReport): string {
  // GitHub's category is everything before the last `/`: the trailing slash makes the whole id the category
  return `portcullis/${pipelineOf(r).replace(/[^A-Za-z0-9._-]/g, '-')}/${repository(r)}/`;
}

interface Rule {
  id: string;
  f?: Finding;
  violation?: Violation;
}

export function toSarif(r: ScanReport, opts: { dockerfile?: string } = {}): unknown {
  const findings = allFindings(r);
  const image = r.inventory.image.name;
  const imageUri = imageArtifactUri(r, opts.dockerfile);
  const suppressedBy = new Map((r.decision?.suppressed ?? []).map((s) => [s.findingId, s]));
  const { violations, warnings } = violationsByFinding(r);
  const ids = new Set(findings.map((f) => f.id));
  // policy controls violated (or warned) with no finding of their own: results of their own rule
  const controlOnly = [...(r.decision?.violations ?? []), ...(r.decision?.warnings ?? [])].filter((v) => !v.findingId || !ids.has(v.findingId));
  const rules = new Map<string, Rule>();
  for (const f of findings) if (!rules.has(ruleId(f))) rules.set(ruleId(f), { id: ruleId(f), f });
  for (const v of controlOnly) if (!rules.has(`policy/${v.control}`)) rules.set(`policy/${v.control}`, { id: `policy/${v.control}`, violation: v });
  const sortedIds = [...rules.keys()].sort();
  const index = new Map(sortedIds.map((id, i) => [id, i]));
  const layerNote = (f: Finding) => (f.layer ? ` (layer #${f.layer.index} ${f.layer.diffId.slice(0, 19)})` : '');
  const location = (uri: string, line = 1) => [{ physicalLocation: { artifactLocation: { uri }, region: { startLine: line } }, message: { text: image } }];

  const findingResult = (f: Finding) => {
    const id = ruleId(f);
    const path = findingPath(f);
    const v = violations.get(f.id);
    const s = suppressedBy.get(f.id);
    return {
      ruleId: id,
      ruleIndex: index.get(id)!,
      level: verdictLevel(r, f.id, violations, warnings, f.severity),
      message: {
        text: `${findingLine(f)}${f.remediation ? `\nFix: ${f.remediation}` : ''}${v ? `\nPolicy: ${v.map((x) => `${x.policy}/${x.control}`).join(', ')} violated` : ''}\nImage: ${image}${layerNote(f)}`,
      },
      locations: location(path ?? imageUri, f.kind === 'secret' && f.line && path ? f.line : 1),
      partialFingerprints: { 'portcullis/v1': f.id },
      suppressions: s ? [{ kind: 'external', status: 'accepted', justification: `${s.by} ${s.ruleId}${s.reason ? `: ${s.reason}` : ''}` }] : undefined,
      properties: { kind: f.kind, severity: f.severity, origin: f.origin, layerDiffId: f.layer?.diffId },
    };
  };
  const warned = new Set(r.decision?.warnings ?? []);
  const controlResult = (v: Violation) => {
    const id = `policy/${v.control}`;
    const warning = warned.has(v);
    return {
      ruleId: id,
      ruleIndex: index.get(id)!,
      level: (!warning && v.enforcement === 'block' ? 'error' : 'warning') as Level,
      message: { text: `${v.policy}/${v.control}: ${v.message}${v.remediation ? `\nFix: ${v.remediation}` : ''}\nImage: ${image}` },
      locations: location(imageUri),
      partialFingerprints: { 'portcullis/v1': fingerprint('policy', v.policy, v.control, v.message) },
      properties: { kind: 'policy', policy: v.policy, control: v.control, enforcement: v.enforcement },
    };
  };
  // results and rules are made as they are written (report/stream): a 1e5-finding report is never held
  // as 1e5 result objects, nor as one string
  const results = new LazyArray(findings.length + controlOnly.length, (i) => (i < findings.length ? findingResult(findings[i]!) : controlResult(controlOnly[i - findings.length]!)));
  const rule = (id: string) => {
    const { f, violation } = rules.get(id)!;
    // one rule per advisory: several packages may share it, so the rule names none of them
    const title = f ? (f.kind === 'vulnerability' ? `${f.advisoryId}: ${f.title}` : f.title) : `Policy control ${violation!.control}`;
    const help = f ? helpText(f) : `${violation!.control}: ${violation!.message}${violation!.remediation ? `\nFix: ${violation!.remediation}` : ''}`;
    return {
      id,
      name: id.replace(/[^A-Za-z0-9]/g, ''),
      shortDescription: { text: fit(title, 160) },
      fullDescription: { text: fit(title) },
      helpUri: helpUri(id, f),
      help: { text: help, markdown: help.split('\n').join('  \n') },
      defaultConfiguration: { level: f ? severityLevel(f.severity) : 'error' },
      properties: { 'security-severity': securitySeverity(f), tags: ['security', f?.kind ?? 'policy', f?.severity ?? 'high'], precision: 'very-high' },
    };
  };

  return {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        automationDetails: { id: automationId(r) },
        tool: {
          driver: {
            name: 'Portcullis',
            version: r.scanner.version,
            informationUri: INFO_URI,
            rules: new LazyArray(sortedIds.length, (i) => rule(sortedIds[i]!)),
          },
        },
        results,
        invocations: [{ executionSuccessful: true, endTimeUtc: r.createdAt }],
        properties: {
          image,
          imageDigest: r.inventory.image.manifestDigest,
          pipeline: r.decision?.pipeline,
          verdict: r.decision?.verdict,
          policies: r.decision?.policies,
        },
      },
    ],
  };
}

export const sarifReporter: Reporter = {
  format: 'sarif',
  modes: ['scan'],
  async render(report, out, opts) {
    // image- and advisory-derived strings are sanitized first (no control character reaches a code-scanning
    // UI); the inventory's packages are not part of SARIF, and what is clean is not copied
    await writeStableJson(out, toSarif(sanitizeShared(withoutPackages(report)), { dockerfile: opts.dockerfile }));
  },
};
