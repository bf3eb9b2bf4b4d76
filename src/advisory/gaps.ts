// Coverage gaps that come from the DB itself: too old, or missing an ecosystem the image needs.
import type { DbMeta } from '../core/report.js';

export interface DbGap {
  reason: 'db-stale' | 'ecosystem-not-covered';
  subject: string;
  detail: string;
}

/** The time the data is as fresh as: the newest source timestamp, else the build time. */
export function dataTime(meta: DbMeta): string | undefined {
  let newest: string | undefined;
  for (const s of meta.sources) {
    if (s.updatedAt && !Number.isNaN(Date.parse(s.updatedAt)) && (!newest || Date.parse(s.updatedAt) > Date.parse(newest))) newest = s.updatedAt;
  }
  return newest ?? (meta.builtAt || undefined);
}

export function dbGaps(meta: DbMeta, needed: string[], now: Date, maxAgeHours = 72): DbGap[] {
  const gaps: DbGap[] = [];
  const t = dataTime(meta);
  if (!t || Number.isNaN(Date.parse(t))) {
    gaps.push({ reason: 'db-stale', subject: 'advisory-db', detail: 'the advisory DB records no build or source time; its age is unknown' });
  } else {
    const ageH = (now.getTime() - Date.parse(t)) / 3_600_000;
    if (ageH > maxAgeHours) {
      gaps.push({
        reason: 'db-stale',
        subject: 'advisory-db',
        detail: `the advisory DB's newest source data is from ${t}, ${Math.floor(ageH)} hours old (limit ${maxAgeHours}); run: portcullis db update`,
      });
    }
  }
  const have = new Set(meta.ecosystems);
  for (const eco of [...new Set(needed)].sort()) {
    if (!have.has(eco)) {
      gaps.push({ reason: 'ecosystem-not-covered', subject: eco, detail: `the advisory DB has no advisories for ecosystem ${eco}; its packages were not checked` });
    }
  }
  return gaps;
}
