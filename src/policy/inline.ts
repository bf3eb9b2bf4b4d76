// The inline policy of `scan --fail-on SEV`: a quick gate without a policy file, as Trivy and Grype users
// expect. It fails on vulnerabilities at or above SEV and keeps the default fail-closed rules of the
// example policies: every coverage gap fails (coverage.onGap: fail), a DB older than 72 hours (or
// --max-db-age) fails, and a vulnerabilities control over a check that did not run completely is "not
// evaluated" (a violation), as for any policy.
//
// Its name (`inline:--fail-on=high`) cannot be written in a policy file (names are [a-z0-9._-]), so a
// verdict or decision record naming it can only come from the command line: local use, not a security
// team's policy. Its digest is computed from its content like any policy's.
import { PortcullisError } from '../core/errors.js';
import { INLINE_POLICY_NOTE, INLINE_POLICY_PREFIX } from '../core/verdict.js';
import { API_VERSION, canonicalJson, digestOf } from './canonical.js';
import type { Policy } from './schema.js';

/** Severities --fail-on accepts, lowest first (the vulnerabilities.failOn thresholds a user means). */
export const FAIL_ON_LEVELS = ['negligible', 'low', 'medium', 'high', 'critical'] as const;
export type FailOnLevel = (typeof FAIL_ON_LEVELS)[number];

export const INLINE_PREFIX = INLINE_POLICY_PREFIX;
export const INLINE_NOTE = INLINE_POLICY_NOTE;
/** Default DB age the inline policy accepts, as the production example policy. */
export const INLINE_MAX_DB_AGE_HOURS = 72;

/** true for a policy name only the command line can produce. */
export function isInlinePolicyName(name: string): boolean {
  return name.startsWith(INLINE_PREFIX);
}

/** Parse a --fail-on value (case-insensitive); a clear error names the allowed values. */
export function parseFailOn(value: string): FailOnLevel {
  const v = value.trim().toLowerCase();
  if ((FAIL_ON_LEVELS as readonly string[]).includes(v)) return v as FailOnLevel;
  throw new PortcullisError('BAD_INPUT', `--fail-on: expected one of ${FAIL_ON_LEVELS.join(', ')}, got "${value.slice(0, 40)}"`);
}

export interface InlinePolicy {
  policy: Policy;
  digest: string;
  name: string;
}

/** The policy `--fail-on LEVEL` stands for (`maxDbAgeHours` from --max-db-age). */
export function inlinePolicy(level: FailOnLevel, maxDbAgeHours: number = INLINE_MAX_DB_AGE_HOURS): InlinePolicy {
  const name = `${INLINE_PREFIX}--fail-on=${level}`;
  const policy: Policy = {
    apiVersion: API_VERSION,
    kind: 'AssurancePolicy',
    metadata: { name, description: `inline policy from --fail-on ${level}: ${INLINE_NOTE}` },
    spec: {
      enforcement: 'block',
      controls: {
        vulnerabilities: { failOn: level },
        coverage: { onGap: 'fail' },
        database: { maxAgeHours: maxDbAgeHours },
      },
    },
  };
  return { policy, digest: digestOf([canonicalJson(policy)]), name };
}

/** Parse --exit-code: the code a failed policy exits with (1 by default; 0 and 2 are refused). */
export function parseExitCode(value: string | number | undefined): number {
  if (value === undefined) return 1;
  const s = String(value).trim();
  const n = /^\d{1,3}$/.test(s) ? Number(s) : NaN;
  if (!(n >= 1 && n <= 125) || n === 2) {
    throw new PortcullisError(
      'BAD_INPUT',
      `--exit-code: expected a number from 1 to 125 other than 2 (0 would pass a failed gate; 2 means "could not decide"), got "${s.slice(0, 20)}"`,
    );
  }
  return n;
}
