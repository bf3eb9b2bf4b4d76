// SLA gating (vulnerabilities.fixWithinDays): a vulnerability the policy fails on is a warning, with
// its deadline, until `first seen + N days` for its severity; after that it fails. First seen is per
// image repository and vulnerability, tracked by the server (EvalContext.firstSeen); without a record
// (the CLI, a repository never seen) it is the advisory's publication date, else the scan time — the
// earliest time anyone could have known, so a deadline is never later than the server's.
import type { Finding, Severity } from '../core/types.js';
import type { Controls } from './schema.js';
import type { Judgement } from './controls.js';

const DAY_MS = 86_400_000;

export interface SlaOutcome {
  judgement: Judgement;
  /** the deadline (ISO), when an SLA applies */
  deadline?: string;
}

/** Apply the policy's fix-within deadline to one judgement. */
export function applySla(f: Finding, j: Judgement, c: Controls, now: Date, firstSeen: Readonly<Record<string, string>> | undefined, scannedAt: string): SlaOutcome {
  const within = c.vulnerabilities?.fixWithinDays;
  if (!within || f.kind !== 'vulnerability' || j.level !== 'violation' || j.strict) return { judgement: j };
  const days = (within as Partial<Record<Severity, number>>)[f.severity];
  if (days === undefined) return { judgement: j };
  const recorded = firstSeen?.[f.advisoryId];
  const fromPublished = f.published !== undefined && !Number.isNaN(Date.parse(f.published)) ? f.published : undefined;
  const since = recorded ?? fromPublished ?? scannedAt;
  const start = Date.parse(since);
  if (Number.isNaN(start)) return { judgement: j };
  const deadline = new Date(start + days * DAY_MS).toISOString();
  const what = `${recorded ? 'first seen in this repository' : fromPublished ? 'published' : 'first scanned'} ${since.slice(0, 10)}; fix ${f.severity} within ${days} days (vulnerabilities.fixWithinDays)`;
  if (now.getTime() < start + days * DAY_MS) {
    return { judgement: { ...j, level: 'warning', control: 'vulnerabilities.fixWithinDays', message: `${j.message}; due ${deadline.slice(0, 10)} (${what})` }, deadline };
  }
  return { judgement: { ...j, control: 'vulnerabilities.fixWithinDays', message: `${j.message}; deadline ${deadline.slice(0, 10)} passed (${what})` }, deadline };
}
