// Path tests of the secret rules: a rule's `path`, its allowlists' and the global allowlists' `paths`.
// gitleaks tests a path as the scanned tree names it, relative to its root (`srv/app/.env`), while an
// image's paths are absolute (`/srv/app/.env`), and rules are written for either: a regex matches a path
// when it matches either form. Every file of an image is tested (98k for the 1.3 GB benchmark image), so
// the relative form is made once per path and tried only by the regexes it can change (`relativeMatters`).

export type PathTest = (path: string) => boolean;

const SLASH = 0x2f;

/** `srv/app/.env` for `/srv/app/.env` (leading slashes dropped); a path without one is its own relative form */
export function relativeForm(path: string): string {
  let i = 0;
  while (path.charCodeAt(i) === SLASH) i++;
  return i === 0 ? path : path.slice(i);
}

/** a leading `(?:^|/)`, however the slash is written: "at the start or after a slash" */
const LEADING_START_OR_SLASH = /^\(\?:\^\|(?:\/|\\\/|\\x2f)\)/;

/**
 * Can the relative form of a path match where its absolute form does not? The absolute form is the
 * relative one behind one or more `/`, so a match in the relative form is a match in the absolute one,
 * shifted, unless the regex looks at what precedes its match: `^` (other than a leading `(?:^|/)`, which
 * the slash satisfies), a lookbehind, or `\B`. (`\b` at the relative form's start sees a non-word
 * character before it either way.) A sticky regex is anchored where it starts. Conservative: any doubt
 * answers true, and both forms are tried.
 */
export function relativeMatters(re: RegExp): boolean {
  if (re.sticky) return true;
  const src = re.source.replace(LEADING_START_OR_SLASH, '');
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      if (!inClass && src[i + 1] === 'B') return true;
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      if (src[i + 1] === '^') i++; // a negated class, not an anchor
    } else if (c === '^') {
      return true;
    } else if (c === '(' && src.startsWith('?<', i + 1) && (src[i + 3] === '=' || src[i + 3] === '!')) {
      return true;
    }
  }
  return false;
}

/**
 * One test for "any of these regexes matches the path (either form)": the absolute form against an
 * alternation of them all when they share their flags (else each in turn), then the relative form
 * against those it can change.
 */
export function pathTest(res: readonly RegExp[]): PathTest {
  if (res.length === 0) return () => false;
  const absolute = anyOf(res);
  const relatives = res.filter(relativeMatters);
  if (relatives.length === 0) return absolute;
  const relative = anyOf(relatives);
  return (path) => absolute(path) || (path.charCodeAt(0) === SLASH && relative(relativeForm(path)));
}

function anyOf(res: readonly RegExp[]): PathTest {
  const flags = res[0]!.flags;
  if (res.length > 1 && res.every((re) => re.flags === flags && !re.global && !re.sticky)) {
    try {
      const union = new RegExp(res.map((re) => `(?:${re.source})`).join('|'), flags);
      return (path) => union.test(path);
    } catch {
      // e.g. a named group used twice: test them one by one
    }
  }
  return (path) => res.some((re) => test(re, path));
}

/** a global or sticky regex starts where its last match ended: tested from the start each time */
function test(re: RegExp, s: string): boolean {
  re.lastIndex = 0;
  return re.test(s);
}
