// Go RE2 syntax (https://github.com/google/re2/wiki/Syntax) translated to a JavaScript RegExp at load time.
// The pattern is parsed into a small AST and emitted again, so flags that RE2 allows anywhere (`(?i)` in the
// middle of a group, `(?i:...)`, `(?-i:...)`, `(?s)`) become explicit case-folded classes and `[\s\S]`,
// `(?P<name>` becomes `(?<name>`, `\z` `\A` become anchors, POSIX classes and `\x{...}` become ranges.
// Anything we cannot translate with the same meaning (Unicode classes, `\C`, `(?U)`, `\Q...\E` with
// classes, back references are not RE2) throws Re2Error naming what.
//
// Linear time: every unbounded repetition (`*`, `+`, `{n,}`) is capped at UNBOUNDED_CAP, so every
// translated regex has a finite maximum match width (`maxWidth`). A backtracking engine matching a regex
// whose matches are at most W characters long only ever reads the W characters after a start position,
// so its work per start position is bounded by a constant of the regex alone, and its work over a text
// of n characters is at most n times that constant: linear in n. The scanner also runs regexes only on
// windows around keyword hits (see scan.ts), so the constant is paid only where a keyword is.

export class Re2Error extends Error {}

/** an unbounded repetition matches at most this many items (documented in the README) */
export const UNBOUNDED_CAP = 16384;

interface Flags {
  i: boolean;
  s: boolean;
  m: boolean;
}

export type Node =
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'group'; capture: boolean; name?: string; body: Node }
  | { t: 'repeat'; body: Node; min: number; max: number; lazy: boolean }
  | { t: 'class'; ranges: [number, number][]; negate: boolean }
  | { t: 'char'; c: number; fold: boolean }
  | { t: 'raw'; js: string; width: number };

export interface Translated {
  source: string;
  /** longest possible match, in characters */
  maxWidth: number;
  /** capture group count (secretGroup must be ≤) */
  groups: number;
  /** most line breaks a match can span */
  maxNewlines: number;
  /**
   * gitleaks' template `[\w.-]{0,50}?(?:keyword)…`: the regex without its lazy leading class repetition,
   * so it can be tried anchored at each keyword hit (the prefix is then found by walking back); `lead` is
   * the core's first item (the `(?:keyword)` group), which every match holds
   */
  core?: { source: string; prefix: string; prefixMax: number; lead: string };
}

const POSIX: Record<string, [number, number][]> = {
  alnum: [[48, 57], [65, 90], [97, 122]],
  alpha: [[65, 90], [97, 122]],
  ascii: [[0, 127]],
  blank: [[9, 9], [32, 32]],
  cntrl: [[0, 31], [127, 127]],
  digit: [[48, 57]],
  graph: [[33, 126]],
  lower: [[97, 122]],
  print: [[32, 126]],
  punct: [[33, 47], [58, 64], [91, 96], [123, 126]],
  space: [[9, 13], [32, 32]],
  upper: [[65, 90]],
  word: [[48, 57], [65, 90], [95, 95], [97, 122]],
  xdigit: [[48, 57], [65, 70], [97, 102]],
};
const PERL: Record<string, [number, number][]> = {
  d: [[48, 57]],
  s: [[9, 10], [12, 13], [32, 32]],
  w: POSIX.word!,
};

function complement(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of sorted) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= 0xffff) out.push([next, 0xffff]);
  return out;
}

function foldRanges(ranges: [number, number][]): [number, number][] {
  const out = [...ranges];
  for (const [lo, hi] of ranges) {
    const a = Math.max(lo, 97), b = Math.min(hi, 122);
    if (a <= b) out.push([a - 32, b - 32]);
    const c = Math.max(lo, 65), d = Math.min(hi, 90);
    if (c <= d) out.push([c + 32, d + 32]);
  }
  return out;
}

class Parser {
  private pos = 0;
  groups = 0;
  constructor(private readonly src: string) {}

  parse(): Node {
    const n = this.alternation({ i: false, s: false, m: false });
    if (this.pos < this.src.length) throw new Re2Error(`unexpected ")" at ${this.pos}`);
    return n;
  }

  private alternation(flags: Flags): Node {
    const alts: Node[] = [];
    const state = { ...flags };
    for (;;) {
      alts.push(this.sequence(state));
      if (this.src[this.pos] !== '|') break;
      this.pos++;
    }
    return alts.length === 1 ? alts[0]! : { t: 'alt', alts };
  }

  /** `state` is shared by the branches of a group: RE2 flags set by `(?i)` last to the group's end */
  private sequence(state: Flags): Node {
    const items: Node[] = [];
    while (this.pos < this.src.length) {
      const c = this.src[this.pos]!;
      if (c === '|' || c === ')') break;
      if (c === '(' && this.src[this.pos + 1] === '?' && this.flagGroup(state, items)) continue;
      let atom = this.atom(state);
      atom = this.quantifier(atom);
      items.push(atom);
    }
    return { t: 'seq', items };
  }

  /** `(?flags)` changes state and returns true; `(?flags:...)` pushes a group; other `(?` returns false */
  private flagGroup(state: Flags, items: Node[]): boolean {
    const m = /^\(\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(this.src.slice(this.pos));
    if (!m) return false;
    if (m[1] === '' && m[2] === undefined && m[3] === ')') throw new Re2Error('empty flag group "(?)"');
    const next = { ...state };
    for (const [letters, on] of [[m[1] ?? '', true], [m[2] ?? '', false]] as const) {
      for (const f of letters) {
        if (f === 'U') throw new Re2Error('the ungreedy flag (?U) is not supported');
        next[f as keyof Flags] = on;
      }
    }
    if (next.m) throw new Re2Error('multi-line mode (?m) is not supported');
    this.pos += m[0].length;
    if (m[3] === ')') {
      Object.assign(state, next);
      return true;
    }
    const body = this.alternation(next);
    this.expect(')');
    items.push(this.quantifier({ t: 'group', capture: false, body }));
    return true;
  }

  private expect(c: string): void {
    if (this.src[this.pos] !== c) throw new Re2Error(`missing "${c}" at ${this.pos}`);
    this.pos++;
  }

  private atom(flags: Flags): Node {
    const c = this.src[this.pos]!;
    if (c === '(') {
      this.pos++;
      let name: string | undefined;
      const capture = true;
      const rest = this.src.slice(this.pos);
      const named = /^\?P?<([A-Za-z_][A-Za-z0-9_]*)>/.exec(rest);
      if (named) {
        name = named[1];
        this.pos += named[0].length;
      } else if (rest.startsWith('?')) {
        throw new Re2Error(`unsupported group "(${rest.slice(0, 3)}" (RE2 has no look-around)`);
      }
      if (capture) this.groups++;
      const body = this.alternation({ ...flags });
      this.expect(')');
      return { t: 'group', capture, name, body };
    }
    if (c === '[') return this.charClass(flags);
    if (c === '.') {
      this.pos++;
      return flags.s ? { t: 'class', ranges: [[0, 0xffff]], negate: false } : { t: 'class', ranges: [[10, 10]], negate: true };
    }
    if (c === '^') {
      this.pos++;
      return { t: 'raw', js: '^', width: 0 };
    }
    if (c === '$') {
      this.pos++;
      return { t: 'raw', js: '$', width: 0 };
    }
    if (c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d+(,\d*)?\}/.test(this.src.slice(this.pos)))) {
      throw new Re2Error(`missing argument to repetition operator "${c}" at ${this.pos}`);
    }
    if (c === '\\') return this.escape(flags, false);
    this.pos++;
    const code = c.codePointAt(0)!;
    if (code > 0xffff) throw new Re2Error('characters outside the Basic Multilingual Plane are not supported');
    return { t: 'char', c: code, fold: flags.i };
  }

  private quantifier(atom: Node): Node {
    const rest = this.src.slice(this.pos);
    const m = /^(?:([*+?])|\{(\d+)(?:(,)(\d*))?\})(\??)/.exec(rest);
    if (!m) return atom;
    if (atom.t === 'raw' && atom.width === 0) throw new Re2Error(`repetition of an anchor at ${this.pos}`);
    this.pos += m[0].length;
    let min: number, max: number;
    if (m[1] === '*') [min, max] = [0, Infinity];
    else if (m[1] === '+') [min, max] = [1, Infinity];
    else if (m[1] === '?') [min, max] = [0, 1];
    else {
      min = Number(m[2]);
      max = m[3] ? (m[4] ? Number(m[4]) : Infinity) : min;
    }
    if (min > 1000 || (max !== Infinity && max > 1000)) throw new Re2Error(`bad repetition count {${m[2]}${m[3] ?? ''}${m[4] ?? ''}} (RE2 allows at most 1000)`);
    if (max < min) throw new Re2Error(`bad repetition range {${min},${max}}`);
    if (/^[*+?{]/.test(this.src.slice(this.pos)) && !/^\{(?!\d)/.test(this.src.slice(this.pos))) throw new Re2Error(`invalid nested repetition operator at ${this.pos}`);
    return { t: 'repeat', body: atom, min, max, lazy: m[5] === '?' };
  }

  private hex(): number {
    const rest = this.src.slice(this.pos);
    const m = /^\{([0-9A-Fa-f]{1,6})\}|^([0-9A-Fa-f]{2})/.exec(rest);
    if (!m) throw new Re2Error(`bad \\x escape at ${this.pos}`);
    this.pos += m[0].length;
    const v = parseInt(m[1] ?? m[2]!, 16);
    if (v > 0xffff) throw new Re2Error('characters outside the Basic Multilingual Plane are not supported');
    return v;
  }

  /** after a backslash; inClass: returns ranges only */
  private escape(flags: Flags, inClass: true): [number, number][];
  private escape(flags: Flags, inClass: false): Node;
  private escape(flags: Flags, inClass: boolean): Node | [number, number][] {
    this.pos++;
    const c = this.src[this.pos];
    if (c === undefined) throw new Re2Error('trailing backslash');
    this.pos++;
    const one = (v: number): Node | [number, number][] => (inClass ? [[v, v]] : { t: 'char', c: v, fold: flags.i });
    const cls = (ranges: [number, number][], negate: boolean): Node | [number, number][] =>
      inClass ? (negate ? complement(ranges) : ranges) : { t: 'class', ranges, negate };
    switch (c) {
      case 'd': case 's': case 'w':
        return cls(PERL[c]!, false);
      case 'D': case 'S': case 'W':
        return cls(PERL[c.toLowerCase()]!, true);
      case 'n': return one(10);
      case 't': return one(9);
      case 'r': return one(13);
      case 'f': return one(12);
      case 'v': return one(11);
      case 'a': return one(7);
      case 'x': return one(this.hex());
      case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
        const m = /^[0-7]{0,2}/.exec(this.src.slice(this.pos))![0];
        if (c !== '0' && m.length === 0) throw new Re2Error(`back references (\\${c}) are not RE2`);
        this.pos += m.length;
        return one(parseInt(c + m, 8));
      }
    }
    if (!inClass) {
      switch (c) {
        case 'b': return { t: 'raw', js: '\\b', width: 0 };
        case 'B': return { t: 'raw', js: '\\B', width: 0 };
        case 'A': return { t: 'raw', js: '(?<![\\s\\S])', width: 0 };
        case 'z': return { t: 'raw', js: '(?![\\s\\S])', width: 0 };
      }
    }
    if (c === 'p' || c === 'P') throw new Re2Error(`Unicode classes (\\${c}) are not supported`);
    if (c === 'Q') throw new Re2Error('quoted text (\\Q...\\E) is not supported');
    if (/[A-Za-z0-9]/.test(c)) throw new Re2Error(`invalid escape \\${c}`);
    return one(c.charCodeAt(0));
  }

  private charClass(flags: Flags): Node {
    this.pos++;
    let negate = false;
    if (this.src[this.pos] === '^') {
      negate = true;
      this.pos++;
    }
    const ranges: [number, number][] = [];
    let first = true;
    for (;;) {
      if (this.pos >= this.src.length) throw new Re2Error('missing closing ]');
      const c = this.src[this.pos]!;
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos));
      if (posix) {
        const r = POSIX[posix[2]!];
        if (!r) throw new Re2Error(`unknown POSIX class [:${posix[2]}:]`);
        ranges.push(...(posix[1] ? complement(r) : r));
        this.pos += posix[0].length;
        continue;
      }
      const lo = this.classChar(flags);
      if (Array.isArray(lo)) {
        ranges.push(...lo);
        continue;
      }
      if (this.src[this.pos] === '-' && this.src[this.pos + 1] !== ']' && this.pos + 1 < this.src.length) {
        this.pos++;
        const hi = this.classChar(flags);
        if (Array.isArray(hi)) throw new Re2Error('a class escape cannot end a range');
        if (hi < lo) throw new Re2Error(`bad character class range ${String.fromCharCode(lo)}-${String.fromCharCode(hi)}`);
        ranges.push([lo, hi]);
      } else ranges.push([lo, lo]);
    }
    return { t: 'class', ranges: flags.i ? foldRanges(ranges) : ranges, negate };
  }

  private classChar(flags: Flags): number | [number, number][] {
    const c = this.src[this.pos]!;
    if (c === '\\') {
      const r = this.escape(flags, true);
      return r.length === 1 && r[0]![0] === r[0]![1] && !/^\\[dswDSW]/.test(this.src.slice(this.pos - 2)) ? r[0]![0] : r;
    }
    this.pos++;
    const code = c.codePointAt(0)!;
    if (code > 0xffff) throw new Re2Error('characters outside the Basic Multilingual Plane are not supported');
    return code;
  }
}

function esc(code: number): string {
  if ((code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95) return String.fromCharCode(code);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

function emitClass(ranges: [number, number][], negate: boolean): string {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const merged: [number, number][] = [];
  for (const r of sorted) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  if (!negate && merged.length === 1 && merged[0]![0] === 0 && merged[0]![1] === 0xffff) return '[\\s\\S]';
  const body = merged.map(([lo, hi]) => (lo === hi ? esc(lo) : `${esc(lo)}-${esc(hi)}`)).join('');
  return `[${negate ? '^' : ''}${body}]`;
}

function emit(n: Node): string {
  switch (n.t) {
    case 'seq':
      return n.items.map(emit).join('');
    case 'alt':
      return n.alts.map(emit).join('|');
    case 'group':
      return n.capture ? `(${n.name ? `?<${n.name}>` : ''}${emit(n.body)})` : `(?:${emit(n.body)})`;
    case 'repeat': {
      const body = n.body.t === 'seq' || n.body.t === 'alt' ? `(?:${emit(n.body)})` : emit(n.body);
      const max = n.max === Infinity ? UNBOUNDED_CAP : n.max;
      const q = n.min === 0 && max === 1 ? '?' : n.min === max ? `{${n.min}}` : `{${n.min},${max}}`;
      return body + q + (n.lazy ? '?' : '');
    }
    case 'class':
      return emitClass(n.ranges, n.negate);
    case 'char': {
      const ch = n.c;
      if (n.fold && ((ch >= 65 && ch <= 90) || (ch >= 97 && ch <= 122))) return `[${String.fromCharCode(ch & ~32)}${String.fromCharCode(ch | 32)}]`;
      return esc(ch);
    }
    case 'raw':
      return n.js;
  }
}

function width(n: Node): number {
  switch (n.t) {
    case 'seq':
      return n.items.reduce((a, i) => a + width(i), 0);
    case 'alt':
      return Math.max(0, ...n.alts.map(width));
    case 'group':
      return width(n.body);
    case 'repeat':
      return width(n.body) * (n.max === Infinity ? UNBOUNDED_CAP : n.max);
    case 'class':
    case 'char':
      return 1;
    case 'raw':
      return n.width;
  }
}

function newlines(n: Node): number {
  switch (n.t) {
    case 'seq':
      return n.items.reduce((a, i) => a + newlines(i), 0);
    case 'alt':
      return Math.max(0, ...n.alts.map(newlines));
    case 'group':
      return newlines(n.body);
    case 'repeat':
      return newlines(n.body) * (n.max === Infinity ? UNBOUNDED_CAP : n.max);
    case 'class':
      return n.ranges.some(([lo, hi]) => lo <= 10 && 10 <= hi) !== n.negate ? 1 : 0;
    case 'char':
      return n.c === 10 ? 1 : 0;
    case 'raw':
      return 0;
  }
}

/** The parsed pattern (tests generate samples from it). */
export function parseRe2(pattern: string): Node {
  return new Parser(pattern).parse();
}

/** Translate one RE2 pattern; throws Re2Error saying what cannot be translated. */
export function translateRe2(pattern: string): Translated {
  const p = new Parser(pattern);
  const ast = p.parse();
  const source = emit(ast);
  try {
    new RegExp(source);
  } catch (e) {
    throw new Re2Error(`translation is not a valid JavaScript regex: ${(e as Error).message}`);
  }
  const out: Translated = { source, maxWidth: width(ast), groups: p.groups, maxNewlines: newlines(ast) };
  if (ast.t === 'seq' && ast.items.length > 1) {
    const first = ast.items[0]!;
    if (first.t === 'repeat' && first.lazy && first.min === 0 && first.max !== Infinity && first.body.t === 'class') {
      out.core = { source: emit({ t: 'seq', items: ast.items.slice(1) }), prefix: emit(first.body), prefixMax: first.max, lead: emit(ast.items[1]!) };
    }
  }
  return out;
}

/** Compile an RE2 pattern to a JavaScript RegExp (flags added as given, e.g. 'g'). */
export function compileRe2(pattern: string, flags = ''): RegExp {
  return new RegExp(translateRe2(pattern).source, flags);
}
