// Composer / Packagist versions, ordered like PHP's version_compare() after Composer's normalisation
// of a leading "v": separators -, _, + become '.', and a '.' is inserted between digits and letters.
// Special forms: dev < alpha = a < beta = b < RC = rc < (number) < patch = pl = p.
// https://www.php.net/manual/en/function.version-compare.php · https://getcomposer.org/doc/articles/versions.md
import type { VersionScheme } from '../../core/types.js';
import { type Cmp, compareDigits, defineScheme, isAlnum, isAllDigits, isDigit } from '../common.js';

const SPECIAL: [string, number][] = [
  ['dev', 0], ['alpha', 1], ['a', 1], ['beta', 2], ['b', 2], ['RC', 3], ['rc', 3], ['#', 4], ['pl', 5], ['p', 5],
];

function weight(s: string): number {
  for (const [prefix, w] of SPECIAL) if (s.startsWith(prefix)) return w;
  return 0; // unknown words rank with "dev", below every release
}

/**
 * Accepts versions that start with a digit (after an optional v/V) or Composer branch versions
 * "dev-<name>", built from letters, digits, '.', '-', '_', '+' and '#', without empty components.
 */
export function parseComposer(input: string): string[] | undefined {
  let s = input;
  if (s.charCodeAt(0) === 118 || s.charCodeAt(0) === 86) s = s.slice(1);
  if (s.length === 0) return undefined;
  if (!isDigit(s.charCodeAt(0)) && !s.startsWith('dev-')) return undefined;
  const parts: string[] = [];
  let cur = '';
  let prevDigit: boolean | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 || c === 45 || c === 95 || c === 43) {
      if (cur === '') return undefined;
      parts.push(cur);
      cur = '';
      prevDigit = undefined;
      continue;
    }
    if (!isAlnum(c) && c !== 35 /* # */) return undefined;
    const d = isDigit(c);
    if (prevDigit !== undefined && prevDigit !== d) {
      parts.push(cur);
      cur = '';
    }
    cur += s[i];
    prevDigit = d;
  }
  if (cur === '') return undefined;
  parts.push(cur);
  return parts;
}

function compareParts(a: string[], b: string[]): Cmp {
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const x = a[k]!;
    const y = b[k]!;
    const nx = isAllDigits(x);
    const ny = isAllDigits(y);
    let r: number;
    if (nx && ny) r = compareDigits(x, y);
    else r = weight(nx ? '#' : x) - weight(ny ? '#' : y);
    if (r !== 0) return r < 0 ? -1 : 1;
  }
  if (a.length > b.length) return isAllDigits(a[b.length]!) ? 1 : compareParts(a.slice(b.length), ['#']);
  if (a.length < b.length) return isAllDigits(b[a.length]!) ? -1 : compareParts(['#'], b.slice(a.length));
  return 0;
}

export function compareComposer(a: string[], b: string[]): Cmp {
  return compareParts(a, b);
}

export const composerScheme: VersionScheme = defineScheme('composer', parseComposer, compareComposer);
