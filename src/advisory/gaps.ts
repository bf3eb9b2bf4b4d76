// Coverage gaps that come from the DB itself: advisory data too old (or of unknown age) for the
// ecosystems the image needs, or an ecosystem it does not cover.
//
// Freshness is judged per source: every advisory source that has records for an ecosystem the image
// needs must have a known data time within the limit. KEV and EPSS enrich findings; they never make
// advisories fresh, so they are not judged here. A source without a data time ("data time unknown") is
// a gap, never fresh. A source without recorded ecosystems (a DB built before they were recorded) is
// taken to serve every ecosystem: judged, never skipped.
import type { DbMeta, DbSourceMeta } from '../core/report.js';

export interface DbGap {
  reason: 'db-stale' | 'ecosystem-not-covered';
  subject: string;
  detail: string;
}

/** Source kinds that enrich findings (exploitation, likelihood) and say nothing about advisory freshness. */
export const ENRICHMENT_KINDS: ReadonlySet<string> = new Set(['kev', 'epss']);

export type SourceState = 'fresh' | 'stale' | 'time-unknown' | 'time-in-future';

export interface SourceJudgement {
  source: string;
  kind: string;
  /** the needed ecosystems this source serves (all needed ones when the DB does not record them) */
  ecosystems: string[];
  /** false when the DB does not record which ecosystems the source serves */
  ecosystemsKnown: boolean;
  state: SourceState;
  /** the source's data time, when known */
  updatedAt?: string;
  ageHours?: number;
}

/** Clocks disagree a little; a data time further ahead than this is not believed. */
const FUTURE_SLACK_MS = 3_600_000;

function parseTime(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}

export function isAdvisorySource(s: DbSourceMeta): boolean {
  return !ENRICHMENT_KINDS.has(s.kind);
}

/**
 * Judge each advisory source that serves one of the `needed` ecosystems (`'all'`: every advisory
 * source, as `db status` does). Sorted by source name.
 */
export function judgeSources(meta: DbMeta, needed: readonly string[] | 'all', now: Date, maxAgeHours: number): SourceJudgement[] {
  const want = needed === 'all' ? undefined : new Set(needed);
  if (want && want.size === 0) return [];
  const out: SourceJudgement[] = [];
  for (const s of meta.sources) {
    if (!isAdvisorySource(s)) continue;
    const known = Array.isArray(s.ecosystems);
    let ecosystems: string[];
    if (!want) ecosystems = known ? [...s.ecosystems!] : [];
    else if (known) ecosystems = s.ecosystems!.filter((e) => want.has(e));
    else ecosystems = [...want];
    if (want && ecosystems.length === 0) continue;
    const j: SourceJudgement = { source: s.name, kind: s.kind, ecosystems: [...new Set(ecosystems)].sort(), ecosystemsKnown: known, state: 'fresh' };
    const t = parseTime(s.updatedAt);
    if (t === undefined) j.state = 'time-unknown';
    else {
      j.updatedAt = new Date(t).toISOString();
      const ageH = (now.getTime() - t) / 3_600_000;
      j.ageHours = Math.floor(ageH);
      if (t - now.getTime() > FUTURE_SLACK_MS) j.state = 'time-in-future';
      else if (ageH > maxAgeHours) j.state = 'stale';
    }
    out.push(j);
  }
  return out.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}

function forWhat(j: SourceJudgement): string {
  if (!j.ecosystemsKnown) return 'every ecosystem (this DB does not record which ecosystems each source serves)';
  const shown = j.ecosystems.slice(0, 5).join(', ');
  return j.ecosystems.length > 5 ? `${shown}, … (${j.ecosystems.length})` : shown || '(no ecosystem)';
}

/** One line per judged source that is not fresh. */
export function describeJudgement(j: SourceJudgement, maxAgeHours: number): string | undefined {
  const head = `advisory source ${j.source} (for ${forWhat(j)})`;
  switch (j.state) {
    case 'fresh':
      return undefined;
    case 'stale':
      return `${head}: data from ${j.updatedAt}, ${j.ageHours} hours old (limit ${maxAgeHours})`;
    case 'time-unknown':
      return `${head}: data time unknown (the feed carries no timestamp; state when it was fetched with db build --fetched-at), so its freshness cannot be judged`;
    case 'time-in-future':
      return `${head}: data time ${j.updatedAt} is in the future; it is not believed`;
  }
}

/** The oldest data time among the advisory sources, or undefined when any of them has none (for `db status`). */
export function dataTime(meta: DbMeta): string | undefined {
  let oldest: number | undefined;
  for (const s of meta.sources) {
    if (!isAdvisorySource(s)) continue;
    const t = parseTime(s.updatedAt);
    if (t === undefined) return undefined;
    if (oldest === undefined || t < oldest) oldest = t;
  }
  return oldest === undefined ? undefined : new Date(oldest).toISOString();
}

/**
 * `needed`: the OSV ecosystems the image's packages need (`'all'` to judge the whole DB). One
 * `db-stale` gap per advisory source that serves a needed ecosystem and is stale or of unknown age;
 * one `ecosystem-not-covered` gap per needed ecosystem without records.
 */
export function dbGaps(meta: DbMeta, needed: readonly string[] | 'all', now: Date, maxAgeHours = 72): DbGap[] {
  const gaps: DbGap[] = [];
  for (const j of judgeSources(meta, needed, now, maxAgeHours)) {
    const line = describeJudgement(j, maxAgeHours);
    // the detail does not repeat the subject ("advisory source osv:ghsa: for npm: data from …, 4908 hours old")
    if (line) gaps.push({ reason: 'db-stale', subject: `advisory source ${j.source}`, detail: line.replace(/^advisory source \S+ \(for ([^)]*)\): /, 'for $1: ') });
  }
  if (needed !== 'all') {
    const have = new Set(meta.ecosystems);
    for (const eco of [...new Set(needed)].sort()) {
      if (!have.has(eco)) {
        gaps.push({ reason: 'ecosystem-not-covered', subject: eco, detail: `the advisory DB has no advisories for ecosystem ${eco}; its packages were not checked` });
      }
    }
  }
  return gaps;
}
