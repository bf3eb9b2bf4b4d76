// How long an exception or allowlist entry may live: `spec.exceptions.maxDays` of every policy that
// selects it (default 90). The lifetime runs from `created` (the start of that day, UTC) to the expiry;
// an entry without `created` is measured from the evaluation time (the start of that UTC day), so
// `expires: 9999-12-31` is always too long and an entry written for 80 days stays valid as it ages.
// A `created` in the future is refused: it would move the start of a lifetime, not record it.
// Checked where policies and exceptions meet: evaluate() (scan, policy test, policy explain: the
// policies selected for the image, the entries in scope of it) and `policy validate` (every entry
// against the strictest policy validated with it, or the default when none is given).
import type { AllowEntry, Policy, PolicyException } from './schema.js';
import { expiryInstant, expiryLabel, isActive } from './exceptions.js';

export const DEFAULT_MAX_DAYS = 90;

const DAY_MS = 24 * 3600_000;

type Entry = PolicyException | AllowEntry;

function startOf(s: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? Date.parse(s + 'T00:00:00Z') : Date.parse(s);
}

export function maxDaysOf(p: Policy): number {
  return p.spec.exceptions?.maxDays ?? DEFAULT_MAX_DAYS;
}

function entryName(e: Entry): string {
  return 'id' in e ? `exception ${e.id}` : `allowlist entry ${e.image}`;
}

/** Lifetime in days: from `created`, else from the start of `now`'s UTC day, to the first instant it no longer applies. */
export function lifetimeDays(e: Entry, now: Date): number {
  const from = e.created !== undefined ? startOf(e.created) : Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return (expiryInstant(e) - from) / DAY_MS;
}

/**
 * Problems of entries under the strictest limit of `policies` (the default when the list is empty), one
 * line each, `source: what: why`. Expired entries no longer apply and are not measured (validate warns).
 */
export function lifetimeProblems(entries: readonly Entry[], policies: readonly Policy[], now: Date): string[] {
  let limit = DEFAULT_MAX_DAYS;
  let by = `the default spec.exceptions.maxDays: ${DEFAULT_MAX_DAYS}`;
  if (policies.length > 0) {
    const strictest = [...policies].sort((a, b) => maxDaysOf(a) - maxDaysOf(b) || (a.metadata.name < b.metadata.name ? -1 : 1))[0]!;
    limit = maxDaysOf(strictest);
    by = `spec.exceptions.maxDays: ${limit} of policy ${strictest.metadata.name}${strictest.spec.exceptions?.maxDays === undefined ? ' (the default)' : ''}`;
  }
  const out: string[] = [];
  for (const e of entries) {
    const where = e.source ? `${e.source}: ` : '';
    if (e.created !== undefined && startOf(e.created) > now.getTime()) {
      out.push(`${where}${entryName(e)}: created ${e.created} is in the future (now ${now.toISOString()}); give the day it was really created`);
      continue;
    }
    if (!isActive(e, now)) continue;
    const days = lifetimeDays(e, now);
    if (days > limit) {
      const span = e.created !== undefined ? `from created ${e.created}` : 'from today (no created date)';
      out.push(`${where}${entryName(e)}: lives ${Math.ceil(days)} days (${span} to ${expiryLabel(e)}), longer than ${by}; shorten it or renew it when it expires`);
    }
  }
  return out;
}
