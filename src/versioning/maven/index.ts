// Maven versions, ordered by the POM reference's "Version Order Specification" (the rules of
// ComparableVersion): tokens split at '.', '-' and digit/letter transitions, trailing nulls trimmed,
// qualifiers alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp < others.
// https://maven.apache.org/pom.html#version-order-specification
import type { VersionScheme } from '../../core/types.js';
import { type Cmp, compareDigits, compareStrings, defineScheme, isAllDigits, isDigit } from '../common.js';

export interface MavenToken {
  /** '' for the very first token, else '.' or '-' */
  prefix: '' | '.' | '-';
  /** lower case; numbers without leading zeros; aliases resolved */
  value: string;
}

const KEYWORDS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];

function isNullToken(t: MavenToken): boolean {
  return t.value === '0' || t.value === '' || t.value === 'final' || t.value === 'ga';
}

/** Maven accepts nearly any string; we refuse empty ones and anything with whitespace or controls. */
export function parseMaven(s: string): MavenToken[] | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return undefined;
  }
  const lower = s.toLowerCase();
  const tokens: MavenToken[] = [];
  let prefix: MavenToken['prefix'] = '';
  let start = 0;
  const pushRaw = (raw: string, rawPrefix: MavenToken['prefix']): void => {
    // split at digit/non-digit transitions; pieces after the first get a '-' prefix
    let p = rawPrefix;
    let k = 0;
    if (raw.length === 0) {
      tokens.push({ prefix: p, value: '0' });
      return;
    }
    while (k < raw.length) {
      const digit = isDigit(raw.charCodeAt(k));
      let e = k + 1;
      while (e < raw.length && isDigit(raw.charCodeAt(e)) === digit) e++;
      let value = raw.slice(k, e);
      if (digit) value = value.replace(/^0+(?=\d)/, '');
      else if (value === 'cr') value = 'rc';
      else if (value === 'ga' || value === 'final' || value === 'release') value = '';
      else if (e < raw.length) {
        // a, b and m directly followed by a number are alpha, beta and milestone
        if (value === 'a') value = 'alpha';
        else if (value === 'b') value = 'beta';
        else if (value === 'm') value = 'milestone';
      }
      // Note: maven-artifact 3.9 reads ".X" like "-X" for a qualifier X; the generated vectors
      // (1.5.9.RC1 < 1.5.9-RC0) follow the earlier rule kept here, as the POM reference describes.
      tokens.push({ prefix: p, value });
      p = '-';
      k = e;
    }
  };
  for (let i = 0; i <= lower.length; i++) {
    const c = i < lower.length ? lower[i] : undefined;
    if (c === '.' || c === '-' || c === undefined) {
      pushRaw(lower.slice(start, i), prefix);
      if (c !== undefined) prefix = c;
      start = i + 1;
    }
  }
  // trim trailing nulls, then the nulls before each remaining hyphen, from the end to the start
  let i = tokens.length - 1;
  while (i > 0) {
    if (isNullToken(tokens[i]!)) {
      tokens.splice(i, 1);
      i--;
      continue;
    }
    while (i >= 0 && tokens[i]!.prefix !== '-') i--;
    i--;
  }
  return tokens;
}

function prefixOrder(t: MavenToken): number {
  const numeric = isAllDigits(t.value);
  if (t.prefix === '-') return numeric ? 2 : 1;
  return numeric ? 3 : 0; // '.' (and the first token's '')
}

function keywordIndex(v: string): number {
  const k = KEYWORDS.indexOf(v);
  return k < 0 ? KEYWORDS.length : k;
}

function compareTokens(a: MavenToken, aNull: boolean, b: MavenToken, bNull: boolean): Cmp {
  if (a.prefix !== b.prefix) return prefixOrder(a) < prefixOrder(b) ? -1 : 1;
  const na = isAllDigits(a.value);
  const nb = isAllDigits(b.value);
  if (na && nb) return compareDigits(a.value, b.value);
  // numbers sort after qualifiers, unless the number is padding
  if (na && !aNull) return 1;
  if (nb && !bNull) return -1;
  const ka = keywordIndex(a.value);
  const kb = keywordIndex(b.value);
  if (ka === KEYWORDS.length && kb === KEYWORDS.length) return compareStrings(a.value, b.value);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Padding for the shorter version: ".0" against a '.' token ("" against ".sp"), "-" against '-'. */
function pad(other: MavenToken): MavenToken {
  if (other.prefix === '-') return { prefix: '-', value: '' };
  return { prefix: other.prefix, value: other.value === 'sp' ? '' : '0' };
}

export function compareMaven(a: MavenToken[], b: MavenToken[]): Cmp {
  const n = Math.max(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const x = a[k] ?? pad(b[k]!);
    const y = b[k] ?? pad(a[k]!);
    if (x.prefix === y.prefix && x.value === y.value) continue;
    const r = compareTokens(x, k >= a.length, y, k >= b.length);
    if (r !== 0) return r;
  }
  return 0;
}

export const mavenScheme: VersionScheme = defineScheme('maven', parseMaven, compareMaven);
