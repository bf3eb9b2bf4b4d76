// Decides whether one installed version falls in an OSV `affected` entry: its `versions` list and its
// ECOSYSTEM / SEMVER ranges (introduced, fixed, last_affected, limit). GIT ranges name commits and
// cannot be evaluated against a package version.
// https://ossf.github.io/osv-schema/#evaluation
import type { OsvAffected, OsvEvent, OsvRange, VersionScheme } from '../core/types.js';

export type RangeResult =
  | { status: 'affected'; fixed?: string; lastAffected?: string }
  | { status: 'not-affected' }
  | { status: 'unknown'; reason: string };

/** The result of one range, before combining. */
type One =
  | { status: 'affected'; fixed: string[]; lastAffected?: string }
  | { status: 'not-affected' }
  | { status: 'unknown'; reason: string };

interface Ev {
  kind: 'introduced' | 'fixed' | 'last_affected' | 'limit';
  version: string;
  /** "0" as introduced/fixed: before every version */
  zero: boolean;
}

const KINDS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;

function readEvents(events: unknown): Ev[] | string {
  if (!Array.isArray(events) || events.length === 0) return 'range has no events';
  const out: Ev[] = [];
  for (const e of events as OsvEvent[]) {
    if (e === null || typeof e !== 'object') return 'range has a malformed event';
    const present = KINDS.filter((k) => e[k] !== undefined);
    if (present.length !== 1) return 'range event must have exactly one of introduced, fixed, last_affected, limit';
    const kind = present[0]!;
    const version = e[kind];
    if (typeof version !== 'string' || version.length === 0) return `range has an empty ${kind} event`;
    out.push({ kind, version, zero: version === '0' && (kind === 'introduced' || kind === 'fixed') });
  }
  return out;
}

/** Short, bounded text for reasons: advisory data is untrusted and may be huge. */
function clip(v: unknown): string {
  const s = String(v);
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}

function describe(r: OsvRange): string {
  return `${clip(r.type)} range`;
}

/** Evaluates one ECOSYSTEM or SEMVER range per the OSV algorithm (events sorted by version). */
function evaluateRange(range: OsvRange, version: string, scheme: VersionScheme): One {
  const events = readEvents(range.events);
  if (typeof events === 'string') return { status: 'unknown', reason: events };
  for (const e of events) {
    if (e.zero || (e.kind === 'limit' && e.version === '*')) continue;
    if (!scheme.isValid(e.version)) {
      return { status: 'unknown', reason: `${describe(range)} has ${e.kind} "${clip(e.version)}", not a valid ${scheme.id} version` };
    }
  }
  if (!events.some((e) => e.kind === 'introduced')) return { status: 'unknown', reason: `${describe(range)} has no introduced event` };

  const cmp = (a: string, b: string): number => scheme.compare(a, b) ?? 0; // both validated above
  const limits = events.filter((e) => e.kind === 'limit' && e.version !== '*');
  if (limits.length > 0 && !limits.some((l) => cmp(version, l.version) < 0)) return { status: 'not-affected' };

  // stable sort: "0" first, then by version; equal versions keep their order in the record
  const sorted = events
    .filter((e) => e.kind !== 'limit')
    .map((e, i) => ({ e, i }))
    .sort((x, y) => {
      if (x.e.zero || y.e.zero) return x.e.zero === y.e.zero ? x.i - y.i : x.e.zero ? -1 : 1;
      return cmp(x.e.version, y.e.version) || x.i - y.i;
    })
    .map((x) => x.e);
  let affected = false;
  for (const e of sorted) {
    if (e.kind === 'introduced') {
      if (e.zero || cmp(version, e.version) >= 0) affected = true;
    } else if (e.kind === 'fixed') {
      if (e.zero || cmp(version, e.version) >= 0) affected = false;
    } else if (e.kind === 'last_affected') {
      if (cmp(version, e.version) > 0) affected = false;
    }
  }
  if (!affected) return { status: 'not-affected' };
  const fixed = events.filter((e) => e.kind === 'fixed' && !e.zero && cmp(e.version, version) > 0).map((e) => e.version);
  const la = events
    .filter((e) => e.kind === 'last_affected' && cmp(e.version, version) >= 0)
    .map((e) => e.version)
    .sort(cmp);
  return { status: 'affected', fixed, lastAffected: la[0] };
}

function inVersions(list: unknown, version: string, scheme: VersionScheme, installedValid: boolean): boolean {
  if (!Array.isArray(list)) return false;
  for (const v of list) {
    if (typeof v !== 'string') continue;
    if (v === version) return true;
    if (installedValid && scheme.compare(v, version) === 0) return true;
  }
  return false;
}

function evaluateRanges(affected: OsvAffected, version: string, scheme: VersionScheme): One[] {
  const out: One[] = [];
  for (const r of Array.isArray(affected.ranges) ? affected.ranges : []) {
    if (r === null || typeof r !== 'object') {
      out.push({ status: 'unknown', reason: 'malformed range' });
    } else if (r.type === 'ECOSYSTEM' || r.type === 'SEMVER') {
      out.push(evaluateRange(r, version, scheme));
    } else if (r.type === 'GIT') {
      out.push({ status: 'unknown', reason: 'GIT range not evaluable' });
    } else {
      out.push({ status: 'unknown', reason: `unsupported range type ${clip(JSON.stringify(r.type))}` });
    }
  }
  return out;
}

/**
 * Whether `version` is affected by one OSV `affected` entry.
 *
 * - Listed in `versions` (same string, or equal in the scheme) → affected.
 * - Any ECOSYSTEM/SEMVER range containing it → affected; `fixed` is the smallest fixed version above
 *   `version` (normally the next fixed event of the matching range) that is not itself affected by
 *   this entry, so the advice really leaves the vulnerable set; `lastAffected` the smallest
 *   last_affected at or above it.
 * - A range whose events are not valid in the scheme, of an unknown type, or malformed → unknown,
 *   unless something else says affected.
 * - GIT ranges → unknown ("GIT range not evaluable") when nothing else evaluable is present; when
 *   the entry also has ECOSYSTEM/SEMVER ranges or a `versions` list, those decide.
 * - An installed version that is not valid in the scheme → unknown (unless listed verbatim).
 * - No ranges and no versions → affected (OSV: the whole package), never silently clean.
 * - `fixed: "0"` (Debian: not affected) closes the range before every version.
 */
export function evaluateAffected(affected: OsvAffected, version: string, scheme: VersionScheme): RangeResult {
  if (affected === null || typeof affected !== 'object') return { status: 'unknown', reason: 'malformed affected entry' };
  if (typeof version !== 'string') return { status: 'unknown', reason: 'installed version is not a string' };
  const hasVersions = Array.isArray(affected.versions) && affected.versions.length > 0;
  const hasRanges = Array.isArray(affected.ranges) && affected.ranges.length > 0;
  if (hasVersions && affected.versions!.includes(version)) {
    return withFix({ status: 'affected' }, affected, version, scheme);
  }
  if (!scheme.isValid(version)) {
    return { status: 'unknown', reason: `installed version "${clip(version)}" is not a valid ${scheme.id} version` };
  }
  if (!hasVersions && !hasRanges) return { status: 'affected' };

  const results = evaluateRanges(affected, version, scheme);
  const hits = results.filter((r): r is Extract<One, { status: 'affected' }> => r.status === 'affected');
  if (hits.length > 0) return bestFix(hits, affected, version, scheme);
  if (hasVersions && inVersions(affected.versions, version, scheme, true)) {
    return withFix({ status: 'affected' }, affected, version, scheme);
  }
  const ranges = Array.isArray(affected.ranges) ? affected.ranges : [];
  const unknown = results.filter((r, i): r is Extract<One, { status: 'unknown' }> => {
    if (r.status !== 'unknown') return false;
    // a GIT range is superseded by the entry's evaluable ranges or versions list
    const isGit = (ranges[i] as OsvRange | undefined)?.type === 'GIT';
    return !(isGit && (hasVersions || results.some((x, j) => x.status !== 'unknown' && (ranges[j] as OsvRange).type !== 'GIT')));
  });
  if (unknown.length > 0) return { status: 'unknown', reason: unknown[0]!.reason };
  return { status: 'not-affected' };
}

/** Affected by the versions list: take the fix advice from the ranges. */
function withFix(r: { status: 'affected' }, affected: OsvAffected, version: string, scheme: VersionScheme): RangeResult {
  if (!scheme.isValid(version)) return r;
  const hits = evaluateRanges(affected, version, scheme).filter(
    (x): x is Extract<One, { status: 'affected' }> => x.status === 'affected',
  );
  return bestFix(hits, affected, version, scheme);
}

/**
 * The advice: the smallest `fixed` event above the installed version (of any evaluable range of the
 * entry) that is not itself affected by the entry, so following it really leaves the vulnerable set.
 */
function bestFix(
  hits: Extract<One, { status: 'affected' }>[],
  affected: OsvAffected,
  version: string,
  scheme: VersionScheme,
): RangeResult {
  const cmp = (a: string, b: string): number => scheme.compare(a, b) ?? 0;
  const above = new Set<string>(hits.flatMap((h) => h.fixed));
  for (const range of Array.isArray(affected.ranges) ? affected.ranges : []) {
    if (range === null || typeof range !== 'object' || (range.type !== 'ECOSYSTEM' && range.type !== 'SEMVER')) continue;
    const events = readEvents(range.events);
    if (typeof events === 'string') continue;
    for (const e of events) if (e.kind === 'fixed' && !e.zero && (scheme.compare(e.version, version) ?? 0) > 0) above.add(e.version);
  }
  const candidates = [...above].sort(cmp);
  const lastAffected = hits.map((h) => h.lastAffected).filter((x): x is string => x !== undefined).sort(cmp)[0];
  let fixed: string | undefined;
  for (const c of candidates) {
    if (evaluateAffectedNoFix(affected, c, scheme) === 'not-affected') {
      fixed = c;
      break;
    }
  }
  const out: RangeResult = { status: 'affected' };
  if (fixed !== undefined) out.fixed = fixed;
  if (lastAffected !== undefined) out.lastAffected = lastAffected;
  return out;
}

/** Just the verdict for a candidate fix version (no advice, so no recursion). */
function evaluateAffectedNoFix(affected: OsvAffected, version: string, scheme: VersionScheme): RangeResult['status'] {
  const results = evaluateRanges(affected, version, scheme);
  if (results.some((r) => r.status === 'affected')) return 'affected';
  if (Array.isArray(affected.versions) && inVersions(affected.versions, version, scheme, true)) return 'affected';
  return 'not-affected';
}
