// RPM versions: [epoch:]version[-release], compared with rpmvercmp (rpm's lib/rpmvercmp.c semantics).
// https://rpm-software-management.github.io/rpm/manual/dependencies.html#versioning
import type { VersionScheme } from '../../core/types.js';
import { type Cmp, compareDigits, compareStrings, defineScheme, isAlpha, isAlnum, isDigit } from '../common.js';

export interface Evr {
  /** digits; "0" when absent */
  epoch: string;
  version: string;
  /** undefined when the string had no '-' */
  release?: string;
}

/**
 * Splits an EVR string the way rpm's parseEVR does: the epoch is the leading run of digits when it is
 * followed by ':' (so "a:1" has no epoch and is all version), the release follows the '-' (rpm
 * forbids '-' in version and release, so a second '-' makes the string invalid).
 * Whitespace and control characters are refused; anything else is comparable by rpmvercmp, which
 * treats every non-alphanumeric character as a separator.
 */
export function parseEvr(s: string): Evr | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return undefined;
  }
  let k = 0;
  while (k < s.length && isDigit(s.charCodeAt(k))) k++;
  let epoch = '0';
  let rest = s;
  if (k < s.length && s.charCodeAt(k) === 58) {
    if (k > 0) epoch = s.slice(0, k);
    rest = s.slice(k + 1);
  }
  const dash = rest.indexOf('-');
  // rpm forbids '-' inside version and release: a second one means this is not an EVR
  if (dash >= 0 && rest.indexOf('-', dash + 1) >= 0) return undefined;
  const version = dash >= 0 ? rest.slice(0, dash) : rest;
  const release = dash >= 0 ? rest.slice(dash + 1) : undefined;
  if (version.length === 0) return undefined;
  return { epoch, version, release };
}

function isSep(c: number): boolean {
  return !isAlnum(c) && c !== 126 && c !== 94; // '~' and '^' are not separators
}

/** rpmvercmp from rpm 4.15+ (with '~' and '^'). */
export function rpmvercmp(a: string, b: string): Cmp {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < a.length && isSep(a.charCodeAt(i))) i++;
    while (j < b.length && isSep(b.charCodeAt(j))) j++;
    const ca = i < a.length ? a.charCodeAt(i) : 0;
    const cb = j < b.length ? b.charCodeAt(j) : 0;
    // '~' sorts before everything, including the end
    if (ca === 126 || cb === 126) {
      if (ca !== 126) return 1;
      if (cb !== 126) return -1;
      i++;
      j++;
      continue;
    }
    // '^' sorts after the end, but before anything else
    if (ca === 94 || cb === 94) {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (ca !== 94) return 1;
      if (cb !== 94) return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < a.length && j < b.length)) break;
    const si = i;
    const sj = j;
    let numeric: boolean;
    if (isDigit(ca)) {
      while (i < a.length && isDigit(a.charCodeAt(i))) i++;
      while (j < b.length && isDigit(b.charCodeAt(j))) j++;
      numeric = true;
    } else {
      while (i < a.length && isAlpha(a.charCodeAt(i))) i++;
      while (j < b.length && isAlpha(b.charCodeAt(j))) j++;
      numeric = false;
    }
    const sa = a.slice(si, i);
    const sb = b.slice(sj, j);
    // segments of different kinds: numeric is newer
    if (sb.length === 0) return numeric ? 1 : -1;
    const r = numeric ? compareDigits(sa, sb) : compareStrings(sa, sb);
    if (r !== 0) return r;
  }
  const restA = i < a.length;
  const restB = j < b.length;
  if (!restA && !restB) return 0;
  return restA ? 1 : -1;
}

export function compareEvr(a: Evr, b: Evr): Cmp {
  const e = compareDigits(a.epoch, b.epoch);
  if (e !== 0) return e;
  const v = rpmvercmp(a.version, b.version);
  if (v !== 0) return v;
  // A missing release sorts before any release, even an empty one ("1" < "1-" = "1-"), as in the
  // osv-scalibr vectors; installed packages and advisories always carry a release anyway.
  if (a.release === undefined || b.release === undefined) {
    return a.release === b.release ? 0 : a.release === undefined ? -1 : 1;
  }
  return rpmvercmp(a.release, b.release);
}

export const rpmScheme: VersionScheme = defineScheme('rpm', parseEvr, compareEvr);
