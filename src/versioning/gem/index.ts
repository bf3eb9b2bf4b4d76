// RubyGems versions (Gem::Version): segments of digits or letters, a letter segment starts the
// prerelease part, "-" means ".pre.", trailing zero segments are ignored, letters < numbers.
// https://guides.rubygems.org/patterns/#semantic-versioning · https://github.com/rubygems/rubygems/blob/master/lib/rubygems/version.rb
import type { VersionScheme } from '../../core/types.js';
import { type Cmp, compareDigits, compareStrings, defineScheme, isAlnum, isAlpha, isDigit } from '../common.js';

/** A segment: a digit string (number) or a letter string. */
export interface GemSegment {
  num: boolean;
  s: string;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * Gem::Version's pattern, widened in one place: a letter run may follow digits without a dot
 * ("1beta", which RubyGems reads as segments 1, "beta" when it compares).
 */
export function parseGem(input: string): GemSegment[] | undefined {
  let lo = 0;
  let hi = input.length;
  while (lo < hi && isSpace(input.charCodeAt(lo))) lo++;
  while (hi > lo && isSpace(input.charCodeAt(hi - 1))) hi--;
  const s = input.slice(lo, hi);
  if (s.length === 0 || !isDigit(s.charCodeAt(0))) return undefined;
  const dash = s.indexOf('-');
  const main = dash >= 0 ? s.slice(0, dash) : s;
  // main part: alphanumeric pieces separated by single dots
  let prevDot = true;
  for (let i = 0; i < main.length; i++) {
    const c = main.charCodeAt(i);
    if (c === 46) {
      if (prevDot) return undefined;
      prevDot = true;
    } else if (isAlnum(c)) prevDot = false;
    else return undefined;
  }
  if (prevDot) return undefined;
  if (dash >= 0) {
    // prerelease part: [0-9A-Za-z-]+ pieces separated by single dots
    const pre = s.slice(dash + 1);
    prevDot = true;
    for (let i = 0; i < pre.length; i++) {
      const c = pre.charCodeAt(i);
      if (c === 46) {
        if (prevDot) return undefined;
        prevDot = true;
      } else if (isAlnum(c) || c === 45) prevDot = false;
      else return undefined;
    }
    if (prevDot) return undefined;
  }
  // "-" is ".pre." in RubyGems; scanning segments, that is a "pre" letter segment
  const segs: GemSegment[] = [];
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 45) {
      segs.push({ num: false, s: 'pre' });
      i++;
      continue;
    }
    if (!isAlnum(c)) {
      i++;
      continue;
    }
    const num = isDigit(c);
    let j = i + 1;
    while (j < s.length && (num ? isDigit(s.charCodeAt(j)) : isAlpha(s.charCodeAt(j)))) j++;
    segs.push({ num, s: num ? s.slice(i, j).replace(/^0+(?=\d)/, '') : s.slice(i, j) });
    i = j;
  }
  // canonical segments: drop trailing zeros of the numeric part and of the prerelease part
  const firstAlpha = segs.findIndex((x) => !x.num);
  const numeric = firstAlpha < 0 ? segs : segs.slice(0, firstAlpha);
  const rest = firstAlpha < 0 ? [] : segs.slice(firstAlpha);
  const trim = (xs: GemSegment[]): GemSegment[] => {
    let n = xs.length;
    while (n > 0 && xs[n - 1]!.num && xs[n - 1]!.s === '0') n--;
    return xs.slice(0, n);
  };
  return [...trim(numeric), ...trim(rest)];
}

const ZERO: GemSegment = { num: true, s: '0' };

export function compareGem(a: GemSegment[], b: GemSegment[]): Cmp {
  const n = Math.max(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const x = a[k] ?? ZERO;
    const y = b[k] ?? ZERO;
    if (x.num && y.num) {
      const r = compareDigits(x.s, y.s);
      if (r !== 0) return r;
    } else if (!x.num && !y.num) {
      const r = compareStrings(x.s, y.s);
      if (r !== 0) return r;
    } else {
      return x.num ? 1 : -1;
    }
  }
  return 0;
}

export const gemScheme: VersionScheme = defineScheme('gem', parseGem, compareGem);
