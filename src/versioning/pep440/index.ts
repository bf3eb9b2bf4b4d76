// Python package versions (PEP 440, as pypa/packaging's Version parses and orders them, with its
// normalisation: case, separators, alternate spellings, implicit numbers, leading "v").
// https://packaging.python.org/en/latest/specifications/version-specifiers/
import type { VersionScheme } from '../../core/types.js';
import { type Cmp, compareDigits, compareIdentifiers, compareStrings, defineScheme, isDigit, isLower, skipDigits, stripZeros } from '../common.js';

export interface Pep440 {
  epoch: string;
  /** trailing zeros removed for comparison ("1.0" = "1") */
  release: string[];
  /** 0 = a, 1 = b, 2 = rc */
  pre?: { kind: 0 | 1 | 2; n: string };
  post?: string;
  dev?: string;
  local?: string[];
}

const PRE_LABELS: [string, 0 | 1 | 2][] = [
  ['alpha', 0], ['a', 0], ['beta', 1], ['b', 1], ['preview', 2], ['pre', 2], ['rc', 2], ['c', 2],
];
const POST_LABELS = ['post', 'rev', 'r'];

function isSep(c: number): boolean {
  return c === 45 || c === 95 || c === 46; // - _ .
}

/** Python's str.strip() whitespace: ASCII blanks and separators, and the Unicode spaces. */
function isSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x20) || c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000
  );
}

/** Index after an optional separator at i, or i. */
function afterSep(s: string, i: number): number {
  return i < s.length && isSep(s.charCodeAt(i)) ? i + 1 : i;
}

/** After a label: an optional separator (only when digits follow it) and optional digits. */
function labelNumber(s: string, i: number): [string, number] {
  const j = isDigit(s.charCodeAt(afterSep(s, i))) ? afterSep(s, i) : i;
  const e = skipDigits(s, j);
  return [e > j ? stripZeros(s.slice(j, e)) : '0', e];
}

/** Single left-to-right pass over packaging's VERSION_PATTERN (no backtracking). */
export function parsePep440(input: string): Pep440 | undefined {
  let lo = 0;
  let hi = input.length;
  while (lo < hi && isSpace(input.charCodeAt(lo))) lo++;
  while (hi > lo && isSpace(input.charCodeAt(hi - 1))) hi--;
  // only ASCII inside (packaging matches with re.ASCII; lower-casing "\u212A" would give "k")
  for (let k = lo; k < hi; k++) if (input.charCodeAt(k) > 0x7e) return undefined;
  const s = input.slice(lo, hi).toLowerCase();
  let i = s.charCodeAt(0) === 118 /* v */ ? 1 : 0;

  const v: Pep440 = { epoch: '0', release: [] };
  let e = skipDigits(s, i);
  if (e === i) return undefined;
  if (s.charCodeAt(e) === 33 /* ! */) {
    v.epoch = stripZeros(s.slice(i, e));
    i = e + 1;
    e = skipDigits(s, i);
    if (e === i) return undefined;
  }
  v.release.push(stripZeros(s.slice(i, e)));
  i = e;
  while (s.charCodeAt(i) === 46 && isDigit(s.charCodeAt(i + 1))) {
    e = skipDigits(s, i + 1);
    v.release.push(stripZeros(s.slice(i + 1, e)));
    i = e;
  }
  while (v.release.length > 1 && v.release[v.release.length - 1] === '0') v.release.pop();

  // pre-release: [sep](alpha|a|beta|b|preview|pre|rc|c)[sep][N]
  let at = afterSep(s, i);
  for (let k = 0; k < PRE_LABELS.length; k++) {
    const l = PRE_LABELS[k]!;
    if (s.startsWith(l[0], at)) {
      const [n, end] = labelNumber(s, at + l[0].length);
      v.pre = { kind: l[1], n };
      i = end;
      break;
    }
  }
  // post-release: "-N" or [sep](post|rev|r)[sep][N]
  if (s.charCodeAt(i) === 45 && isDigit(s.charCodeAt(i + 1))) {
    e = skipDigits(s, i + 1);
    v.post = stripZeros(s.slice(i + 1, e));
    i = e;
  } else {
    at = afterSep(s, i);
    for (let k = 0; k < POST_LABELS.length; k++) {
      const l = POST_LABELS[k]!;
      if (s.startsWith(l, at)) {
        const [n, end] = labelNumber(s, at + l.length);
        v.post = n;
        i = end;
        break;
      }
    }
  }
  // dev-release: [sep]dev[sep][N]
  at = afterSep(s, i);
  if (s.startsWith('dev', at)) {
    const [n, end] = labelNumber(s, at + 3);
    v.dev = n;
    i = end;
  }
  // local version label: +[a-z0-9]+([-_.][a-z0-9]+)*
  if (s.charCodeAt(i) === 43 /* + */) {
    i++;
    const local: string[] = [];
    let start = i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (i < s.length && (isDigit(c) || isLower(c))) {
        i++;
        continue;
      }
      if (i === start) return undefined;
      local.push(s.slice(start, i));
      if (i < s.length && isSep(c)) {
        i++;
        start = i;
        continue;
      }
      break;
    }
    v.local = local;
  }
  return i === s.length ? v : undefined;
}

function compareOpt(a: string | undefined, b: string | undefined, missing: -1 | 1): Cmp {
  if (a === undefined || b === undefined) {
    if (a === b) return 0;
    return a === undefined ? missing : (-missing as Cmp);
  }
  return compareDigits(a, b);
}

function compareLocal(a: string[] | undefined, b: string[] | undefined): Cmp {
  if (a === undefined || b === undefined) {
    if (a === b) return 0;
    return a === undefined ? -1 : 1;
  }
  return compareIdentifiers(a, b, 1); // numeric segments sort above alphanumeric ones
}

/** packaging's _cmpkey: epoch, release, pre, post, dev, local. */
export function comparePep440(a: Pep440, b: Pep440): Cmp {
  let r = compareDigits(a.epoch, b.epoch);
  if (r !== 0) return r;
  const n = Math.max(a.release.length, b.release.length);
  for (let k = 0; k < n; k++) {
    r = compareDigits(a.release[k] ?? '0', b.release[k] ?? '0');
    if (r !== 0) return r;
  }
  // a dev release of a final version (1.0.dev1) sorts before its pre-releases
  const preKey = (v: Pep440): [number, string] =>
    v.pre ? [v.pre.kind, v.pre.n] : v.post === undefined && v.dev !== undefined ? [-1, '0'] : [3, '0'];
  const [ka, na] = preKey(a);
  const [kb, nb] = preKey(b);
  if (ka !== kb) return ka < kb ? -1 : 1;
  r = compareDigits(na, nb);
  if (r !== 0) return r;
  r = compareOpt(a.post, b.post, -1);
  if (r !== 0) return r;
  r = compareOpt(a.dev, b.dev, 1);
  if (r !== 0) return r;
  return compareLocal(a.local, b.local);
}

export const pep440Scheme: VersionScheme = defineScheme('pep440', parsePep440, comparePep440);

/**
 * Key of packaging's (pre-22.0) LegacyVersion, which ordered strings that are not PEP 440 versions.
 * Tokens: digit runs (zero-padded to 8), letter runs, '.', '-' and anything in between.
 */
function legacyKey(s: string): string[] {
  const parts: string[] = [];
  const raw: string[] = [];
  const t = s.toLowerCase();
  let other = '';
  for (let i = 0; i < t.length; ) {
    const c = t.charCodeAt(i);
    let j = i + 1;
    if (isDigit(c)) while (j < t.length && isDigit(t.charCodeAt(j))) j++;
    else if (isLower(c)) while (j < t.length && isLower(t.charCodeAt(j))) j++;
    else if (c !== 46 && c !== 45) {
      other += t[i];
      i++;
      continue;
    }
    if (other) raw.push(other);
    other = '';
    raw.push(t.slice(i, j));
    i = j;
  }
  if (other) raw.push(other);
  const replace: Record<string, string> = { pre: 'c', preview: 'c', '-': 'final-', rc: 'c', dev: '@' };
  const tokens: string[] = [];
  for (const r of raw) {
    const part = replace[r] ?? r;
    if (part === '' || part === '.') continue;
    tokens.push(isDigit(part.charCodeAt(0)) ? part.padStart(8, '0') : '*' + part);
  }
  tokens.push('*final');
  for (const part of tokens) {
    if (part.startsWith('*')) {
      if (part < '*final') while (parts.length && parts[parts.length - 1] === '*final-') parts.pop();
      while (parts.length && parts[parts.length - 1] === '00000000') parts.pop();
    }
    parts.push(part);
  }
  return parts;
}

/**
 * Ordering that also covers pre-PEP 440 "legacy" strings the way packaging < 22 did (every legacy
 * string below every valid version). Only for diagnostics and the conformance vectors, which were
 * generated with such a packaging: matching uses pep440Scheme.compare, which refuses them.
 */
export function comparePep440Loose(a: string, b: string): Cmp {
  const x = a.length <= 256 ? parsePep440(a) : undefined;
  const y = b.length <= 256 ? parsePep440(b) : undefined;
  if (x && y) return comparePep440(x, y);
  if (x) return 1;
  if (y) return -1;
  const ka = legacyKey(a.slice(0, 256));
  const kb = legacyKey(b.slice(0, 256));
  const n = Math.min(ka.length, kb.length);
  for (let k = 0; k < n; k++) {
    const r = compareStrings(ka[k]!, kb[k]!);
    if (r !== 0) return r;
  }
  return ka.length === kb.length ? 0 : ka.length < kb.length ? -1 : 1;
}
