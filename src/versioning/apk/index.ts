// Alpine (apk-tools) versions: digit{.digit}...{letter{digit}}{_suffix{#}}...{~hash}{-r#}
// https://gitlab.alpinelinux.org/alpine/apk-tools/-/blob/master/doc/apk-package.5.scd (pkgver)
import type { VersionScheme } from '../../core/types.js';
import { type Cmp, acceptable, compareDigits, compareStrings, defineScheme, isDigit, isLower, skipDigits } from '../common.js';

/** Suffix weights in apk order: alpha < beta < pre < rc < (none) < cvs < svn < git < hg < p. */
const SUFFIXES: Record<string, number> = { alpha: -4, beta: -3, pre: -2, rc: -1, cvs: 1, svn: 2, git: 3, hg: 4, p: 5 };

export interface ApkVersion {
  numbers: string[];
  letter: string;
  /** digits right after the letter, as in 6.6.2p1 (apk-tools reads them as a further number token) */
  letterNumber: string;
  suffixes: { weight: number; n: string }[];
  hash: string;
  /** digits after -r ("0" for a bare -r in loose mode), undefined when there is no -r */
  revision?: string;
}

interface Scan {
  v: ApkVersion;
  /** what the grammar could not consume */
  rest: string;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102);
}

/**
 * One left-to-right pass over the grammar. Stops at the first character the grammar does not allow
 * and returns the rest; a bare "-r" counts as revision 0 (only relevant in loose mode).
 */
function scan(s: string): Scan {
  const v: ApkVersion = { numbers: [], letter: '', letterNumber: '', suffixes: [], hash: '' };
  let i = 0;
  for (;;) {
    const end = skipDigits(s, i);
    if (end === i) break;
    v.numbers.push(s.slice(i, end));
    i = end;
    if (s.charCodeAt(i) === 46 /* . */ && isDigit(s.charCodeAt(i + 1))) i++;
    else break;
  }
  if (v.numbers.length === 0) return { v, rest: s };
  if (i < s.length && isLower(s.charCodeAt(i))) {
    v.letter = s[i++]!;
    const end = skipDigits(s, i);
    v.letterNumber = s.slice(i, end);
    i = end;
  }
  while (i < s.length && s.charCodeAt(i) === 95 /* _ */) {
    let j = i + 1;
    while (j < s.length && isLower(s.charCodeAt(j))) j++;
    const weight = SUFFIXES[s.slice(i + 1, j)];
    if (weight === undefined) break;
    const end = skipDigits(s, j);
    v.suffixes.push({ weight, n: end > j ? s.slice(j, end) : '0' });
    i = end;
  }
  if (i < s.length && s.charCodeAt(i) === 126 /* ~ */ && isHex(s.charCodeAt(i + 1))) {
    let j = i + 1;
    while (j < s.length && isHex(s.charCodeAt(j))) j++;
    v.hash = s.slice(i + 1, j);
    i = j;
  }
  if (s.startsWith('-r', i)) {
    const end = skipDigits(s, i + 2);
    v.revision = end > i + 2 ? s.slice(i + 2, end) : '0';
    i = end;
  }
  return { v, rest: s.slice(i) };
}

/** Parses a version that apk-tools' apk_version_validate accepts; anything else is undefined. */
export function parseApk(s: string): ApkVersion | undefined {
  const r = scan(s);
  if (r.rest !== '' || r.v.numbers.length === 0) return undefined;
  // a bare "-r" is not valid: the revision needs digits
  if (r.v.revision !== undefined && !/\d$/.test(s)) return undefined;
  return r.v;
}

/** Numeric components after the first compare as decimal fractions when either has a leading zero. */
export function compareNumber(a: string, b: string, first: boolean): Cmp {
  if (!first && (a.charCodeAt(0) === 48 || b.charCodeAt(0) === 48)) return compareStrings(a, b);
  return compareDigits(a, b);
}

function compareStructure(a: ApkVersion, b: ApkVersion, missingRevision: 'lowest' | 'zero'): Cmp {
  const n = Math.min(a.numbers.length, b.numbers.length);
  for (let k = 0; k < n; k++) {
    const r = compareNumber(a.numbers[k]!, b.numbers[k]!, k === 0);
    if (r !== 0) return r;
  }
  // more numeric components is newer (1.2.1 > 1.2a > 1.2 > 1.2_rc1)
  if (a.numbers.length !== b.numbers.length) return a.numbers.length > b.numbers.length ? 1 : -1;
  if (a.letter !== b.letter) {
    if (a.letter === '') return -1;
    if (b.letter === '') return 1;
    return compareStrings(a.letter, b.letter);
  }
  if (a.letterNumber !== b.letterNumber) {
    if (a.letterNumber === '') return -1;
    if (b.letterNumber === '') return 1;
    const r = compareDigits(a.letterNumber, b.letterNumber);
    if (r !== 0) return r;
  }
  const m = Math.max(a.suffixes.length, b.suffixes.length);
  for (let k = 0; k < m; k++) {
    const x = a.suffixes[k];
    const y = b.suffixes[k];
    const wx = x ? x.weight : 0;
    const wy = y ? y.weight : 0;
    if (wx !== wy) return wx < wy ? -1 : 1;
    if (x && y) {
      const r = compareDigits(x.n, y.n);
      if (r !== 0) return r;
    }
  }
  // the commit hash carries no order
  let ra = a.revision;
  let rb = b.revision;
  if (missingRevision === 'zero') {
    ra ??= '0';
    rb ??= '0';
  }
  if (ra === undefined || rb === undefined) {
    if (ra === rb) return 0;
    return ra === undefined ? -1 : 1; // apk-tools: "1.2" < "1.2-r0"
  }
  return compareDigits(ra, rb);
}

export function compareApk(a: ApkVersion, b: ApkVersion): Cmp {
  return compareStructure(a, b, 'lowest');
}

/**
 * apk's ordering extended to strings it does not validate ("apk version -t" still answers for them),
 * as pinned by the osv-scalibr Alpine vectors: when neither string has a parsable head (or what
 * follows the head is not a "-r" revision) it is a plain string comparison; otherwise the parsed
 * heads are compared and a string with unparsed leftovers sorts below one without.
 * Only for diagnostics and the conformance vectors: matching uses apkScheme.compare, which refuses
 * such strings.
 */
export function compareApkLoose(a: string, b: string): Cmp | undefined {
  if (!acceptable(a) || !acceptable(b)) return undefined;
  const x = scan(a);
  const y = scan(b);
  const badX = x.rest !== '' && x.v.revision === undefined;
  const badY = y.rest !== '' && y.v.revision === undefined;
  if (badX && badY) return compareStrings(a, b);
  const r = compareStructure(x.v, y.v, 'zero');
  if (r !== 0) return r;
  if ((x.rest === '') === (y.rest === '')) return 0;
  return x.rest === '' ? 1 : -1;
}

export const apkScheme: VersionScheme = defineScheme('apk', parseApk, compareApk);
