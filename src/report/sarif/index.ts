// `sarif`: SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/) as GitHub code scanning reads it:
// one rule per advisory/check with `security-severity`, one result per finding with a location in the
// image (the package's path, else the image name), fingerprints that survive rescans, and the policy
// verdict in the run's properties. Suppressed findings carry a SARIF `suppressions` entry.
import type { Reporter, ScanReport } from '../../core/report.js';
import type { Finding, Severity } from '../../core/types.js';
import { stableJson, write } from '../write.js';
import { allFindings, findingLine, findingPath, ruleId, violationsByFinding } from '../describe.js';
import { bestCvss } from '../../match/describe.js';
import { sanitize as t } from '../sanitize.js';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

function level(s: Severity): 'error' | 'warning' | 'note' {
  if (s === 'critical' || s === 'high') return 'error';
  if (s === 'medium') return 'warning';
  return 'note';
}

/** GitHub ranks alerts by `security-severity`, a CVSS-like score as a string. */
function securitySeverity(f: Finding): string {
  if (f.kind === 'vulnerability') {
    const c = bestCvss(f.cvss);
    if (c) return c.score.toFixed(1);
  }
  const bySeverity: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '2.0', negligible: '0.5', unknown: '0.0' };
  return bySeverity[f.severity];
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

export function toSarif(r: ScanReport): unknown {
  const findings = allFindings(r);
  const image = t(r.inventory.image.name);
  const rules = new Map<string, { f: Finding; index: number }>();
  const sortedIds = [...new Set(findings.map(ruleId))].sort();
  sortedIds.forEach((id, index) => rules.set(id, { f: findings.find((f) => ruleId(f) === id)!, index }));
  const suppressed = new Map((r.decision?.suppressed ?? []).map((s) => [s.findingId, s]));
  const { violations } = violationsByFinding(r);

  const results = findings.map((f) => {
    const id = ruleId(f);
    const path = findingPath(f);
    const v = violations.get(f.id);
    const s = suppressed.get(f.id);
    return {
      ruleId: id,
      ruleIndex: rules.get(id)!.index,
      level: level(f.severity),
      message: {
        text: `${findingLine(f)}${f.remediation ? `\nFix: ${t(f.remediation)}` : ''}${v ? `\nPolicy: ${t(v.map((x) => `${x.policy}/${x.control}`).join(', '))} violated` : ''}\nImage: ${image}${f.layer ? ` (layer #${f.layer.index} ${f.layer.diffId.slice(0, 19)})` : ''}`,
      },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: t(path) ?? image.replace(/[^A-Za-z0-9._/-]/g, '-') },
            region: { startLine: f.kind === 'secret' && f.line ? f.line : 1 },
          },
          message: { text: image },
        },
      ],
      partialFingerprints: { 'portcullis/v1': f.id },
      suppressions: s ? [{ kind: 'external', status: 'accepted', justification: `${s.by} ${s.ruleId}${s.reason ? `: ${s.reason}` : ''}` }] : undefined,
      properties: { kind: f.kind, severity: f.severity, origin: f.origin, layerDiffId: f.layer?.diffId },
    };
  });

  return {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Portcullis',
            version: r.scanner.version,
            informationUri: 'https://github.com/portcullis-scanner/portcullis',
            rules: sortedIds.map((id) => {
              const f = rules.get(id)!.f;
              return {
                id,
                name: id.replace(/[^A-Za-z0-9]/g, ''),
                // one rule per advisory: several packages may share it, so the rule names none of them
                shortDescription: { text: t(f.kind === 'vulnerability' ? `${f.advisoryId}: ${f.title}` : f.title).slice(0, 160) },
                fullDescription: { text: t(f.title) },
                helpUri: f.kind === 'vulnerability' ? f.urls[0] : undefined,
                help: { text: helpText(f), markdown: helpText(f).split('\n').join('  \n') },
                defaultConfiguration: { level: level(f.severity) },
                properties: { 'security-severity': securitySeverity(f), tags: ['security', f.kind, f.severity], precision: 'very-high' },
              };
            }),
          },
        },
        results,
        invocations: [{ executionSuccessful: true, endTimeUtc: r.createdAt }],
        properties: {
          image,
          imageDigest: r.inventory.image.manifestDigest,
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
  async render(report, out) {
    await write(out, stableJson(toSarif(report)) + '\n');
  },
};
