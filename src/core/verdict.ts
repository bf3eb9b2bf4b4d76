// The one-line verdict every renderer prints (table, Markdown, `policy test`, `policy explain`): what was
// decided about which image (by digest: names come from the pipeline, only a digest is tamper-proof),
// how many unrated findings decided it, and, when an allowlist entry passed it, which entry, whose and
// until when.
import type { Decision } from './report.js';
import type { Finding } from './types.js';

/**
 * What a finding is about, in words a reviewer checks: `CVE-2021-44906 in minimist 1.2.0 (pkg:npm/minimist@1.2.0)`,
 * `license AGPL-3.0-only of ghostscript 10.0`, `secret aws-access-key-id in /app/.env:3`, ... (never a secret value).
 */
export function findingSubject(f: Finding): string {
  switch (f.kind) {
    case 'vulnerability':
      return `${f.advisoryId} in ${f.package.name} ${f.installedVersion || f.package.version} (${f.package.purl})`;
    case 'license':
      return `license ${f.license} of ${f.package.name} ${f.package.version} (${f.package.purl})`;
    case 'secret':
      return `secret ${f.rule} in ${f.path}${f.line !== undefined ? `:${f.line}` : ''}`;
    case 'malware':
      return `malware ${f.signature}${f.path ? ` in ${f.path}` : ''}${f.package ? ` (package ${f.package.name} ${f.package.version})` : ''}`;
    case 'config':
      return `config ${f.check}${f.package ? ` of ${f.package.name} ${f.package.version}` : f.path ? ` at ${f.path}` : ''}`;
    case 'base-image':
      return `base image ${f.base?.name ?? '(unidentified)'}: ${f.status}`;
    case 'coverage-gap':
      return f.id.startsWith('not-evaluated:') ? f.title : `coverage gap (${f.reason}) ${f.subject}${f.package ? ` (${f.package.purl})` : ''}`;
  }
}

/** Violation control of an unrated finding under failOn (vulnerabilities.unrated: fail). */
export const UNRATED_CONTROL = 'vulnerabilities.unrated';

function distinct(ids: (string | undefined)[]): number {
  return new Set(ids.map((i, n) => i ?? `#${n}`)).size;
}

/** `name:tag @ sha256:...` of the decision's image; says so when there is no digest. */
export function decisionImage(d: Decision): string {
  const img = d.image ?? {};
  const name = img.name ? `${img.name}${img.tag ? `:${img.tag}` : ''}` : '(unnamed image)';
  const digest = img.digest ?? img.configDigest;
  return `${name} @ ${digest ?? 'no digest (identity not verified)'}`;
}

/** e.g. `FAIL docker.io/shop/app:1 @ sha256:… — 3 violations, 2 from unrated findings (vulnerabilities.unrated)`. */
export function verdictLine(d: Decision): string {
  const parts: string[] = [];
  const unratedV = distinct(d.violations.filter((v) => v.control === UNRATED_CONTROL).map((v) => v.findingId));
  const unratedW = distinct(d.warnings.filter((v) => v.control === UNRATED_CONTROL).map((v) => v.findingId));
  if (d.violations.length > 0) {
    parts.push(`${d.violations.length} violation${d.violations.length === 1 ? '' : 's'}${unratedV > 0 ? `, ${unratedV} from unrated finding${unratedV === 1 ? '' : 's'} (${UNRATED_CONTROL}: fail)` : ''}`);
  } else if (d.verdict === 'pass' && !d.allowlisted) {
    parts.push('no violations');
  }
  if (unratedW > 0) parts.push(`${unratedW} unrated finding${unratedW === 1 ? '' : 's'} only warned (${UNRATED_CONTROL}: warn)`);
  const byAllow = d.suppressed.filter((s) => s.by === 'allowlist').length;
  const head =
    d.verdict === 'pass' && d.allowlisted
      ? `PASS by allowlist entry ${d.allowlisted.image} (owner ${d.allowlisted.owner}, expires ${d.allowlisted.expires}${byAllow > 0 ? `; ${byAllow} violation${byAllow === 1 ? '' : 's'} waived` : ''})`
      : d.verdict.toUpperCase();
  return `${head} ${decisionImage(d)}${parts.length ? ` — ${parts.join('; ')}` : ''}`;
}

/** Names of inline policies (`scan --fail-on high` → `inline:--fail-on=high`): a policy file cannot use ':' in a name. */
export const INLINE_POLICY_PREFIX = 'inline:';
/** Said wherever an inline policy is named: it is not the gate a security team owns. */
export const INLINE_POLICY_NOTE = "local use; not a security team's policy";

/** `production, dev` or `inline:--fail-on=high (local use; not a security team's policy)`; `none` when empty. */
export function policyList(d: Decision, quote: (name: string) => string = (n) => n): string {
  if (d.policies.length === 0) return 'none';
  return d.policies.map((p) => (p.startsWith(INLINE_POLICY_PREFIX) ? `${quote(p)} (${INLINE_POLICY_NOTE})` : quote(p))).join(', ');
}
