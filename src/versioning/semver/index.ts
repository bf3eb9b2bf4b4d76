// Semantic Versioning 2.0.0 as npm's node-semver orders it, read leniently.
// https://semver.org/spec/v2.0.0.html · https://github.com/npm/node-semver
import type { VersionScheme } from '../../core/types.js';
import { type Cmp, compareDigits, compareIdentifiers, defineScheme, isAlnum, skipDigits } from '../common.js';

export interface SemVer {
  /** numeric release components, at least one ("1.2" is read as 1.2.0) */
  release: string[];
  /** dot-separated prerelease identifiers, empty for a release */
  prerelease: string[];
  build: string[];
}

function isIdentChar(c: number): boolean {
  return isAlnum(c) || c === 45; // '-'
}

/** Reads dot-separated identifiers [0-9A-Za-z-]+ from s[i..end); undefined if one is empty or bad. */
function identifiers(s: string, i: number, end: number): string[] | undefined {
  const out: string[] = [];
  let start = i;
  for (let k = i; k <= end; k++) {
    if (k === end || s.charCodeAt(k) === 46) {
      if (k === start) return undefined;
      out.push(s.slice(start, k));
      start = k + 1;
    } else if (!isIdentChar(s.charCodeAt(k))) {
      return undefined;
    }
  }
  return out;
}

/**
 * Reads dot-separated digit runs from s at i, at most `max` of them: the runs and the index after the
 * last one. Undefined when a run is empty (no digit at i or after a '.' it consumed).
 */
export function readRelease(s: string, i: number, max = Infinity): [string[], number] | undefined {
  const release: string[] = [];
  for (;;) {
    const start = i;
    i = skipDigits(s, i);
    if (i === start) return undefined;
    release.push(s.slice(start, i));
    if (s.charCodeAt(i) === 46 /* . */ && release.length < max) i++;
    else break;
  }
  return [release, i];
}

/**
 * Lenient SemVer: an optional leading "v", one or more numeric components (missing ones count as 0,
 * so "1.2" = "1.2.0"; more than three are compared too), then -prerelease and +build identifiers.
 * Numbers may be arbitrarily large. Anything else (ranges, tags like "latest", git URLs) is invalid.
 */
export function parseSemver(s: string): SemVer | undefined {
  const r = readRelease(s, s.charCodeAt(0) === 118 /* v */ ? 1 : 0);
  if (!r) return undefined;
  const [release, i] = r;
  const plus = s.indexOf('+', i);
  const preEnd = plus >= 0 ? plus : s.length;
  let prerelease: string[] = [];
  if (i < preEnd) {
    if (s.charCodeAt(i) !== 45 /* - */) return undefined;
    const ids = identifiers(s, i + 1, preEnd);
    if (!ids) return undefined;
    prerelease = ids;
  }
  let build: string[] = [];
  if (plus >= 0) {
    const ids = identifiers(s, plus + 1, s.length);
    if (!ids) return undefined;
    build = ids;
  }
  return { release, prerelease, build };
}

export function compareRelease(a: string[], b: string[]): Cmp {
  const n = Math.max(a.length, b.length, 3);
  for (let k = 0; k < n; k++) {
    const r = compareDigits(a[k] ?? '0', b[k] ?? '0');
    if (r !== 0) return r;
  }
  return 0;
}

/** SemVer §11: numeric identifiers numerically, numeric < alphanumeric, ASCII order, shorter first. */
export function comparePrerelease(a: string[], b: string[]): Cmp {
  if (a.length === 0 || b.length === 0) {
    if (a.length === b.length) return 0;
    return a.length === 0 ? 1 : -1; // a release is newer than any of its prereleases
  }
  return compareIdentifiers(a, b, -1);
}

/** Build metadata does not take part in precedence. */
export function compareSemver(a: SemVer, b: SemVer): Cmp {
  return compareRelease(a.release, b.release) || comparePrerelease(a.prerelease, b.prerelease);
}

export const semverScheme: VersionScheme = defineScheme('semver', parseSemver, compareSemver);
