// `openvex`: our decisions as an OpenVEX 0.2 document (https://github.com/openvex/spec), one statement per
// vulnerability and package, the image (by the digest we computed) as the product and the package as its
// subcomponent. What the gate decided is said the way VEX can say it:
//   - suppressed by a trusted VEX statement → that statement's status (not_affected with its justification,
//     or fixed): the only way we write not_affected;
//   - accepted by an exception → affected, with the exception (id, owner, expiry, reason) as the action;
//   - within a policy's grace period → under_investigation;
//   - everything else → affected, with the fix from the actions list as the action statement.
import { createHash } from 'node:crypto';
import type { Action, Reporter, ScanReport, Suppression } from '../../core/report.js';
import type { VulnerabilityFinding } from '../../core/types.js';
import { stableJson } from '../../core/json.js';
import { buildPurl } from '../../core/purl.js';
import { writeStableJson } from '../stream.js';

const JUSTIFICATIONS = new Set([
  'component_not_present',
  'vulnerable_code_not_present',
  'vulnerable_code_not_in_execute_path',
  'vulnerable_code_cannot_be_controlled_by_adversary',
  'inline_mitigations_already_exist',
]);

/** The image as a product: an OCI purl pinned by a digest we computed; else (an SBOM's claim) the reference given. */
export function imageProductId(report: ScanReport): string {
  const img = report.inventory.image;
  const digest = img.ref.transport === 'sbom' ? undefined : (img.manifestDigest ?? img.configDigest);
  const name = img.ref.name ?? img.repoTags[0]?.replace(/:[^:/]*$/, '');
  if (digest === undefined) return img.ref.input;
  const last = name?.split('/').pop() ?? 'image';
  return buildPurl({ type: 'oci', name: last, version: digest, qualifiers: name !== undefined ? { repository_url: name } : {} });
}

function statementFor(v: VulnerabilityFinding, sup: Suppression | undefined, action: Action | undefined, violated: boolean): Record<string, unknown> {
  if (sup?.by === 'vex' && sup.vex) {
    if (sup.vex.status === 'fixed') return { status: 'fixed', status_notes: sup.reason };
    const j = sup.vex.justification;
    return JUSTIFICATIONS.has(j ?? '')
      ? { status: 'not_affected', justification: j, ...(sup.vex.impact ? { impact_statement: sup.vex.impact } : {}), status_notes: sup.reason }
      : { status: 'not_affected', impact_statement: sup.vex.impact ?? j ?? sup.reason, status_notes: sup.reason };
  }
  if (sup?.by === 'grace-period') return { status: 'under_investigation', status_notes: sup.reason };
  const fix = action?.kind === 'upgrade' || action?.kind === 'rebuild' ? action.text : v.fixedVersion ? `upgrade ${v.package.name} to ${v.fixedVersion}` : 'no fixed version yet';
  if (sup?.by === 'exception') {
    return { status: 'affected', action_statement: `accepted by exception ${sup.ruleId} until ${sup.expires ?? 'unknown'}: ${sup.reason ?? ''}`.trim(), status_notes: `fix: ${fix}` };
  }
  const note = sup ? `not gating: ${sup.reason ?? sup.by}` : violated ? 'violates the policy in force' : undefined;
  return { status: 'affected', action_statement: fix, ...(note ? { status_notes: note } : {}) };
}

export function toOpenVex(report: ScanReport): Record<string, unknown> {
  const d = report.decision;
  const suppressed = new Map<string, Suppression>();
  for (const s of d?.suppressed ?? []) if (!suppressed.has(s.findingId) || s.by === 'vex') suppressed.set(s.findingId, s);
  const violated = new Set((d?.violations ?? []).map((v) => v.findingId));
  const actions = new Map((report.actions ?? []).map((a) => [a.package.purl, a]));
  const product = imageProductId(report);
  const seen = new Set<string>();
  const statements: Record<string, unknown>[] = [];
  const vulns = report.findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability');
  vulns.sort((a, b) => (a.advisoryId < b.advisoryId ? -1 : a.advisoryId > b.advisoryId ? 1 : a.package.purl < b.package.purl ? -1 : a.package.purl > b.package.purl ? 1 : 0));
  for (const v of vulns) {
    const key = `${v.advisoryId}\u0000${v.package.purl}`;
    if (seen.has(key)) continue;
    seen.add(key);
    statements.push({
      vulnerability: { name: v.advisoryId, ...(v.aliases.length ? { aliases: [...new Set(v.aliases)].sort() } : {}) },
      products: [{ '@id': product, subcomponents: [{ '@id': v.package.purl }] }],
      ...statementFor(v, suppressed.get(v.id), actions.get(v.package.purl), violated.has(v.id)),
    });
  }
  const timestamp = d?.evaluatedAt ?? report.createdAt;
  const id = createHash('sha256').update(stableJson({ product, statements, timestamp }, 0)).digest('hex');
  return {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': `https://openvex.dev/docs/public/portcullis-${id}`,
    author: d ? `Portcullis (pipeline ${d.pipeline}, policies ${d.policies.join(', ') || 'none'})` : 'Portcullis',
    timestamp,
    version: 1,
    tooling: `${report.scanner.name} ${report.scanner.version}`,
    statements,
  };
}

export const openvexReporter: Reporter = {
  format: 'openvex',
  modes: ['scan'],
  async render(report, out) {
    await writeStableJson(out, toOpenVex(report));
  },
};
