// Helpers shared by the version schemes. Every parser in src/versioning is a single left-to-right scan
// (no backtracking regular expressions) and refuses input longer than MAX_VERSION_LENGTH, so hostile
// strings cost O(n) with a small n.
import type { VersionScheme } from '../core/types.js';

export type Cmp = -1 | 0 | 1;

/** No ecosystem we know of has versions anywhere near this long; longer input is not a version. */
export const MAX_VERSION_LENGTH = 256;

export function sign(n: number): Cmp {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}

export function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}

export function isAlpha(c: number): boolean {
  return isLower(c) || isUpper(c);
}

export function isAlnum(c: number): boolean {
  return isDigit(c) || isAlpha(c);
}

/** True when every char is printable ASCII (0x21-0x7e): no spaces, controls or non-ASCII. */
export function isPrintableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** Length and basic sanity gate applied by every scheme before parsing. */
export function acceptable(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_VERSION_LENGTH;
}

/** Index of the first non-digit in s at or after i (s.length when the digits run to the end). */
export function skipDigits(s: string, i: number): number {
  while (i < s.length && isDigit(s.charCodeAt(i))) i++;
  return i;
}

/** Compares two strings of ASCII digits by numeric value, of any length (leading zeros ignored). */
export function compareDigits(a: string, b: string): Cmp {
  let i = 0;
  let j = 0;
  while (i < a.length - 1 && a.charCodeAt(i) === 48) i++;
  while (j < b.length - 1 && b.charCodeAt(j) === 48) j++;
  const la = a.length - i;
  const lb = b.length - j;
  if (la !== lb) return la < lb ? -1 : 1;
  for (; i < a.length; i++, j++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(j);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Digit string without leading zeros ("" and "000" become "0"). */
export function stripZeros(d: string): string {
  let i = 0;
  while (i < d.length - 1 && d.charCodeAt(i) === 48) i++;
  return d.length === 0 ? '0' : d.slice(i);
}

export function isAllDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/** Plain code-unit comparison (what C strcmp and Go strings.Compare do for ASCII). */
export function compareStrings(a: string, b: string): Cmp {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Compares two lists of identifiers element by element: two all-digit identifiers by numeric value,
 * two others by code unit, and an all-digit one against another by `numeric` (-1: the all-digit one
 * sorts first, 1: it sorts last). When one list is a prefix of the other, the shorter sorts first.
 */
export function compareIdentifiers(a: readonly string[], b: readonly string[], numeric: -1 | 1): Cmp {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const x = a[k]!;
    const y = b[k]!;
    const nx = isAllDigits(x);
    const ny = isAllDigits(y);
    let r: Cmp;
    if (nx && ny) r = compareDigits(x, y);
    else if (nx) r = numeric;
    else if (ny) r = -numeric as Cmp;
    else r = compareStrings(x, y);
    if (r !== 0) return r;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

const PARSE_CACHE_SIZE = 8192;

/**
 * Builds a VersionScheme from a parser and a comparator of parsed values. Parsers return undefined
 * for anything that is not a version in the scheme; compare() then returns undefined too.
 */
export function defineScheme<T>(id: string, parse: (v: string) => T | undefined, cmp: (a: T, b: T) => Cmp): VersionScheme {
  // Parsing is pure, so parsed values are memoised; the cache is bounded and simply dropped when full.
  const cache = new Map<string, T | undefined>();
  const p = (v: string): T | undefined => {
    if (!acceptable(v)) return undefined;
    if (cache.has(v)) return cache.get(v);
    const r = parse(v);
    if (cache.size >= PARSE_CACHE_SIZE) cache.clear();
    cache.set(v, r);
    return r;
  };
  return {
    id,
    isValid: (v: string) => p(v) !== undefined,
    compare(a: string, b: string) {
      const x = p(a);
      if (x === undefined) return undefined;
      const y = p(b);
      if (y === undefined) return undefined;
      return cmp(x, y);
    },
  };
}
