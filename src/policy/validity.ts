// How long a decision stays true: `validUntil`, the earliest of
//   - the expiry of every exception, allowlist entry and grace period the decision relied on,
//   - the advisory data's freshness limit: the oldest data time of the advisory sources serving the
//     image's ecosystems plus the policy's `database.maxAgeHours` (only when a selected policy sets it),
//   - `evaluatedAt` plus the policy's `spec.decisionMaxAgeHours` (the smallest of the selected policies).
// Undefined when nothing bounds it (the admission webhook then applies its own maximum age).
// Pure: the caller passes the decision, the report and the policies.
import type { Decision, ScanReport } from '../core/report.js';
import { judgeSources } from '../advisory/gaps.js';
import { neededEcosystems } from '../match/index.js';
import { expiryInstant } from './exceptions.js';
import type { Policy } from './schema.js';

const HOUR_MS = 3_600_000;

export interface Validity {
  /** ISO 8601, or undefined when nothing bounds the decision */
  validUntil?: string;
  /** what set it, e.g. `exception CVE-…-ok expires 2026-12-31` */
  boundBy?: string;
}

export function decisionValidity(decision: Decision, report: ScanReport, policies: readonly Policy[]): Validity {
  const evaluated = Date.parse(decision.evaluatedAt);
  const now = Number.isFinite(evaluated) ? new Date(evaluated) : new Date(0);
  const candidates: { at: number; why: string }[] = [];
  for (const s of decision.suppressed) {
    if (s.expires === undefined || (s.by !== 'exception' && s.by !== 'allowlist' && s.by !== 'grace-period')) continue;
    const at = expiryInstant({ expires: s.expires });
    candidates.push({ at, why: `${s.by} ${s.ruleId} expires ${s.expires}` });
  }
  if (decision.allowlisted) candidates.push({ at: expiryInstant({ expires: decision.allowlisted.expires }), why: `allowlist entry ${decision.allowlisted.image} expires ${decision.allowlisted.expires}` });
  const selected = policies.filter((p) => decision.policies.includes(p.metadata.name));
  const maxAge = min(selected.map((p) => p.spec.decisionMaxAgeHours));
  if (maxAge !== undefined && Number.isFinite(evaluated)) candidates.push({ at: evaluated + maxAge * HOUR_MS, why: `spec.decisionMaxAgeHours: ${maxAge}` });
  const dbMax = min(selected.map((p) => p.spec.controls.database?.maxAgeHours));
  if (dbMax !== undefined) {
    if (!report.db) candidates.push({ at: Number.NEGATIVE_INFINITY, why: 'no advisory DB metadata' });
    else {
      for (const j of judgeSources(report.db, neededEcosystems(report.inventory), now, dbMax)) {
        const t = j.updatedAt !== undefined ? Date.parse(j.updatedAt) : Number.NEGATIVE_INFINITY;
        candidates.push({ at: t + dbMax * HOUR_MS, why: `advisory source ${j.source} data from ${j.updatedAt ?? '(unknown time)'} + database.maxAgeHours: ${dbMax}` });
      }
    }
  }
  if (candidates.length === 0) return {};
  // an unparsable expiry counts as already expired, never as eternal
  const first = candidates.map((c) => (Number.isNaN(c.at) ? { ...c, at: Number.NEGATIVE_INFINITY } : c)).sort((a, b) => a.at - b.at || (a.why < b.why ? -1 : 1))[0]!;
  const at = Number.isFinite(first.at) ? first.at : Number.isFinite(evaluated) ? evaluated : 0;
  return { validUntil: new Date(at).toISOString(), boundBy: first.why };
}

function min(xs: (number | undefined)[]): number | undefined {
  const v = xs.filter((x): x is number => x !== undefined);
  return v.length ? Math.min(...v) : undefined;
}
