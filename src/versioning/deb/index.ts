// Debian package versions: [epoch:]upstream_version[-debian_revision], compared like dpkg's verrevcmp.
// https://www.debian.org/doc/debian-policy/ch-controlfields.html#version
import type { VersionScheme } from '../../core/types.js';
import { type Cmp, compareDigits, defineScheme, isAlnum, isAlpha, isDigit } from '../common.js';

export interface DebVersion {
  epoch: string;
  upstream: string;
  revision: string;
}

/**
 * Parses like dpkg's parseversion (surrounding blanks ignored, an empty revision after '-' allowed),
 * refusing what dpkg warns about too (bad characters, upstream not starting with a digit).
 */
export function parseDeb(input: string): DebVersion | undefined {
  let lo = 0;
  let hi = input.length;
  while (lo < hi && (input.charCodeAt(lo) === 32 || input.charCodeAt(lo) === 9)) lo++;
  while (hi > lo && (input.charCodeAt(hi - 1) === 32 || input.charCodeAt(hi - 1) === 9)) hi--;
  const v = lo > 0 || hi < input.length ? input.slice(lo, hi) : input;
  const colon = v.indexOf(':');
  let epoch = '0';
  let rest = v;
  if (colon >= 0) {
    epoch = v.slice(0, colon);
    rest = v.slice(colon + 1);
    if (epoch.length === 0 || epoch.length > 9) return undefined;
    for (let i = 0; i < epoch.length; i++) if (!isDigit(epoch.charCodeAt(i))) return undefined;
  }
  const dash = rest.lastIndexOf('-');
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  const revision = dash >= 0 ? rest.slice(dash + 1) : '';
  if (upstream.length === 0 || !isDigit(upstream.charCodeAt(0))) return undefined;
  for (let i = 0; i < upstream.length; i++) {
    const c = upstream.charCodeAt(i);
    // '.', '+', '~', '-', ':' (':' only when an epoch is present)
    if (!(isAlnum(c) || c === 46 || c === 43 || c === 126 || c === 45 || (c === 58 && colon >= 0))) return undefined;
  }
  for (let i = 0; i < revision.length; i++) {
    const c = revision.charCodeAt(i);
    if (!(isAlnum(c) || c === 46 || c === 43 || c === 126)) return undefined;
  }
  return { epoch, upstream, revision };
}

/** dpkg's order(): '~' sorts before everything, even the end of the string; letters before other symbols. */
function order(c: number): number {
  if (isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126) return -1;
  if (c !== 0) return c + 256;
  return 0;
}

/** dpkg verrevcmp: alternating non-digit and digit runs. */
export function verrevcmp(a: string, b: string): Cmp {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = i < a.length ? order(a.charCodeAt(i)) : 0;
      const bc = j < b.length ? order(b.charCodeAt(j)) : 0;
      if (ac !== bc) return ac < bc ? -1 : 1;
      i++;
      j++;
    }
    const si = i;
    const sj = j;
    while (i < a.length && isDigit(a.charCodeAt(i))) i++;
    while (j < b.length && isDigit(b.charCodeAt(j))) j++;
    const r = compareDigits(a.slice(si, i) || '0', b.slice(sj, j) || '0');
    if (r !== 0) return r;
  }
  return 0;
}

export function compareDeb(a: DebVersion, b: DebVersion): Cmp {
  return compareDigits(a.epoch, b.epoch) || verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
}

export const debScheme: VersionScheme = defineScheme('deb', parseDeb, compareDeb);
