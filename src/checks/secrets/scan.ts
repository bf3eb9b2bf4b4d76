// Scanning text for secrets with a compiled rule set, streaming with bounded memory.
//
// A file's bytes are cut into blocks of BLOCK bytes (plus a CARRY overlap kept from the previous block, so
// a secret across a cut is seen whole). Per block: one keyword pass over the bytes (keywords.ts); each
// rule whose keyword occurs runs its regex only on windows around the occurrences (the lines around
// it, or ±maxWidth for rules that span lines, like private keys); rules without keywords run on the whole
// block. A match is kept in the block where it starts, so blocks never report twice. Bytes are decoded
// as latin1: offsets are byte offsets, invalid UTF-8 cannot throw, and every rule is ASCII.
import { KeywordMatcher } from './keywords.js';
import type { Allowlist, RuleSet, SecretRule } from './config.js';
import { pathTest, type PathTest } from './paths.js';

export const BLOCK = 1 << 20;
export const CARRY = 128 << 10;
/** a window never reaches further than this from its keyword */
const MAX_WINDOW = 48 << 10;
/** a line rule's match starts at most this far before its keyword (gitleaks' generic prefix is {0,50}; openai's keyword is ~90 in) */
const KEYWORD_LEAD = 160;
/** bytes sniffed for a NUL to call a file binary (as git does) */
export const SNIFF_BYTES = 8000;

export interface RawHit {
  rule: SecretRule;
  secret: string;
  /** 1-based line of the secret's first character; undefined for path-only rules */
  line?: number;
  /** byte offset of the secret in its block (deduplication) */
  offset?: number;
}

export class CompiledRules {
  private static readonly compiled = new WeakMap<RuleSet, CompiledRules>();

  /** One compilation per rule set (immutable once built): the check and the report's redaction share it. */
  static of(set: RuleSet): CompiledRules {
    let c = CompiledRules.compiled.get(set);
    if (!c) CompiledRules.compiled.set(set, (c = new CompiledRules(set)));
    return c;
  }

  readonly matcher: KeywordMatcher;
  /** keyword index → indices of the rules that name it */
  readonly byKeyword: number[][];
  readonly noKeyword: number[];

  constructor(readonly set: RuleSet) {
    const keywords: string[] = [];
    const index = new Map<string, number>();
    this.byKeyword = [];
    this.noKeyword = [];
    set.rules.forEach((r, ri) => {
      if (!r.hasRegex) return;
      if (r.keywords.length === 0) this.noKeyword.push(ri);
      for (const k of r.keywords) {
        let ki = index.get(k);
        if (ki === undefined) {
          ki = keywords.length;
          index.set(k, ki);
          keywords.push(k);
          this.byKeyword.push([]);
        }
        if (!this.byKeyword[ki]!.includes(ri)) this.byKeyword[ki]!.push(ri);
      }
    });
    this.matcher = new KeywordMatcher(keywords);
    this.skipTest = pathTest(set.allowlists.filter((a) => a.targetRules.length === 0 && pathOnly(a)).flatMap((a) => a.paths));
    set.rules.forEach((r, ri) => {
      // the path-only allowlists that spare a file from this rule: its own, and global ones that name it
      const allow = [...r.allowlists.filter(pathOnly), ...set.allowlists.filter((a) => pathOnly(a) && a.targetRules.includes(r.id))];
      if (r.path === undefined && allow.length === 0) return;
      this.pathRules.push(ri);
      this.ruleTests.set(ri, { path: r.path && pathTest([r.path]), allowed: pathTest(allow.flatMap((a) => a.paths)) });
      if (r.path && !r.hasRegex) this.pathOnlyRules.push(ri);
    });
  }

  /** rules whose applicability depends on the file's path (a path of their own, or a path-only allowlist) */
  readonly pathRules: number[] = [];
  /** rules that are a path and nothing else: the file's name is the finding, binary or not */
  readonly pathOnlyRules: number[] = [];
  private readonly skipTest: PathTest;
  /** per rule of `pathRules`: its own path, and the path-only allowlists that spare a file from it */
  private readonly ruleTests = new Map<number, { path: PathTest | undefined; allowed: PathTest }>();

  /** a global allowlist with only paths names this file: it is not scanned at all (gitleaks semantics) */
  skipsPath(path: string): boolean {
    return this.skipTest(path);
  }

  /** does rule `ri` apply to a file at `path` (its own path, its allowlists' and the global ones' paths)? */
  applies(ri: number, path: string): boolean {
    const t = this.ruleTests.get(ri);
    return !t || ((!t.path || t.path(path)) && !t.allowed(path));
  }
}

/** the path alone decides: OR with paths, or AND with nothing but paths */
function pathOnly(a: Allowlist): boolean {
  return a.paths.length > 0 && (a.condition === 'OR' || (a.regexes.length === 0 && a.stopwords.length === 0));
}

const allowedPaths = new WeakMap<Allowlist, PathTest>();

function pathAllowed(a: Allowlist, path: string): boolean {
  let t = allowedPaths.get(a);
  if (!t) allowedPaths.set(a, (t = pathTest(a.paths)));
  return t(path);
}

export function shannonEntropy(s: string): number {
  if (!s) return 0;
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  const n = [...s].length;
  for (const k of counts.values()) {
    const p = k / n;
    h -= p * Math.log2(p);
  }
  return h;
}

function allowedBy(a: Allowlist, path: string, secret: string, match: string, line: string, ignorePaths = false): boolean {
  const checks: boolean[] = [];
  if (a.paths.length && !ignorePaths) checks.push(pathAllowed(a, path));
  if (a.regexes.length) {
    const target = a.regexTarget === 'match' ? match : a.regexTarget === 'line' ? line : secret;
    checks.push(a.regexes.some((re) => re.test(target)));
  }
  if (a.stopwords.length) {
    const low = secret.toLowerCase();
    checks.push(a.stopwords.some((w) => low.includes(w)));
  }
  return a.condition === 'AND' ? checks.length > 0 && checks.every(Boolean) : checks.some(Boolean);
}

/** Streams one file (or one config value) through the rules. */
export class TextScanner {
  private chunks: Buffer[] = [];
  private length = 0;
  private lineBase = 0;
  private sniffed = 0;
  /** a NUL in the first SNIFF_BYTES */
  binary = false;
  bytes = 0;
  /** bytes held right now (at most BLOCK + CARRY + one chunk) */
  get buffered(): number {
    return this.length;
  }
  /** per rule, whether it applies to this file's path: worked out on the first block of text (most files of an image are binary) */
  private applies?: boolean[];
  private readonly hits: RawHit[] = [];

  constructor(
    private readonly compiled: CompiledRules,
    readonly path: string,
    private readonly sniff = true,
    /** the user asked for this path (--secret-scan-path): global allowlist paths do not apply */
    private readonly forced = false,
  ) {
    for (const ri of compiled.pathOnlyRules) if (compiled.applies(ri, path)) this.hits.push({ rule: compiled.set.rules[ri]!, secret: path });
  }

  private get applicable(): boolean[] {
    if (!this.applies) {
      const a = (this.applies = new Array<boolean>(this.compiled.set.rules.length).fill(true));
      for (const ri of this.compiled.pathRules) a[ri] = this.compiled.applies(ri, this.path);
    }
    return this.applies;
  }

  /**
   * The whole file in one buffer, scanned now without a copy (most files reach a sink in one chunk): the
   * same as write(buf) then end(), whose hits end() then returns.
   */
  whole(buf: Buffer): void {
    if (this.bytes > 0 || this.binary || this.ended) throw new Error('TextScanner.whole: bytes were written already');
    if (buf.length > BLOCK) throw new Error('TextScanner.whole: over a block (write it)');
    if (this.sniff && buf.subarray(0, SNIFF_BYTES).includes(0)) {
      this.binary = true;
      return;
    }
    this.bytes = buf.length;
    this.chunks = [buf];
    this.length = buf.length;
    this.process(true);
    this.chunks = [];
    this.length = 0;
    this.ended = true;
  }

  /** processed to its end by whole() */
  private ended = false;

  write(chunk: Buffer): void {
    if (this.binary) return;
    if (this.ended) throw new Error('TextScanner: write after whole() or end()');
    if (this.sniff && this.sniffed < SNIFF_BYTES) {
      const part = chunk.subarray(0, SNIFF_BYTES - this.sniffed);
      this.sniffed += part.length;
      if (part.includes(0)) {
        this.binary = true;
        this.chunks = [];
        this.length = 0;
        return;
      }
    }
    this.bytes += chunk.length;
    this.chunks.push(Buffer.from(chunk)); // kept past write(): copied (ContentSink.write)
    this.length += chunk.length;
    if (this.length >= BLOCK + CARRY) this.process(false);
  }

  /** every hit, deduplicated, in file order; [] for a binary file */
  end(): RawHit[] {
    if (!this.binary && !this.ended) this.process(true);
    this.ended = true;
    this.chunks = [];
    return this.binary ? this.hits.filter((h) => h.line === undefined) : this.hits;
  }

  private process(final: boolean): void {
    const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
    const cut = final ? buf.length : buf.length - CARRY;
    const kwHits = this.compiled.matcher.scan(buf);
    // nothing to look at (no keyword, no rule without one): the text is not made (a third of the text files)
    if (final && kwHits.length === 0 && !this.compiled.noKeyword.some((ri) => this.applicable[ri])) return;
    const text = buf.toString('latin1');
    const rules = this.compiled.set.rules;
    const windows = new Map<number, [number, number][]>();
    const add = (ri: number, w: [number, number]): void => {
      const list = windows.get(ri);
      if (list) list.push(w);
      else windows.set(ri, [w]);
    };
    for (const ri of this.compiled.noKeyword) if (this.applicable[ri]) add(ri, [0, buf.length]);
    const anchored: [number, number][] = [];
    /** per rule, where its last window ended: a hit inside it does not rescan the same bytes */
    const lastEnd = new Map<number, number>();
    for (const h of kwHits) {
      for (const ri of this.compiled.byKeyword[h.keyword]!) {
        if (!this.applicable[ri]) continue;
        const rule = rules[ri]!;
        if (rule.core?.atKeyword && rule.keywordInMatch) anchored.push([ri, h.at]);
        else if (rule.keywordInMatch) {
          const prev = lastEnd.get(ri) ?? 0;
          const w = this.window(text, h.at, rule, prev);
          lastEnd.set(ri, w[1]);
          add(ri, w);
        }
        else if (!windows.get(ri)?.some(([s, e]) => s === 0 && e === buf.length)) add(ri, [0, buf.length]);
      }
    }
    let newlines: number[] | undefined;
    const lineOf = (pos: number): number => {
      newlines ??= lineIndex(text);
      let lo = 0, hi = newlines.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (newlines[mid]! < pos) lo = mid + 1;
        else hi = mid;
      }
      return this.lineBase + lo + 1;
    };
    const found: RawHit[] = [];
    const seen = new Set<string>();
    const keep = (rule: SecretRule, m: RegExpExecArray, start: number): void => {
      if (start >= cut) return;
      const hit = this.judge(rule, m, start, text, lineOf);
      if (!hit) return;
      const key = `${rule.id}\u0000${hit.offset}`;
      if (seen.has(key)) return;
      seen.add(key);
      found.push(hit);
    };
    // gitleaks' keyword template: the core regex, anchored at the keyword; the lazy prefix found by walking back
    for (const [ri, at] of anchored) {
      const m = coreAt(rules[ri]!.core!, text, at);
      if (m) keep(rules[ri]!, m, m.index);
    }
    for (const [ri, list] of [...windows].sort((a, b) => a[0] - b[0])) {
      const rule = rules[ri]!;
      for (const [ws, we] of merge(list)) {
        const sub = ws === 0 && we === text.length ? text : text.slice(ws, we);
        if (rule.core) {
          // the same template, anchored at each place its opening group matches (every start, overlapping)
          const lead = rule.core.lead;
          lead.lastIndex = 0;
          for (let l = lead.exec(sub); l; l = lead.exec(sub)) {
            lead.lastIndex = l.index + 1;
            const m = coreAt(rule.core, sub, l.index);
            if (m) keep(rule, m, ws + m.index);
          }
          continue;
        }
        const re = rule.regex!;
        re.lastIndex = 0;
        for (let m = re.exec(sub); m; m = re.exec(sub)) {
          if (m[0].length === 0) re.lastIndex++;
          keep(rule, m, ws + m.index);
        }
      }
    }
    found.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.rule.id < b.rule.id ? -1 : a.rule.id > b.rule.id ? 1 : 0));
    this.hits.push(...found);
    if (!final) {
      newlines ??= lineIndex(text);
      let n = 0;
      for (const p of newlines) if (p < cut) n++;
      this.lineBase += n;
      const rest = Buffer.from(buf.subarray(cut));
      this.chunks = [rest];
      this.length = rest.length;
    }
  }

  private window(text: string, at: number, rule: SecretRule, prevEnd: number): [number, number] {
    const w = Math.min(rule.maxWidth, MAX_WINDOW);
    if (rule.multiline) return [Math.max(0, at - w), Math.min(text.length, at + w)];
    // back to the line start, at most KEYWORD_LEAD bytes; forward over the keyword's line (and the next
    // when the regex can cross a line break), at most the rule's width past the keyword: both bounded,
    // so a 50 MB line costs the same per hit as a short one
    const lo = Math.max(0, at - Math.min(w, KEYWORD_LEAD));
    let start = at;
    while (start > lo && text.charCodeAt(start - 1) !== 10) start--;
    const hi = Math.min(text.length, at + w + KEYWORD_LEAD);
    const lines = rule.maxNewlines > 0 ? 2 : 1;
    // inside the previous window: it ended at a line break (this hit's lines are covered) or at its cap
    if (at < prevEnd && text.charCodeAt(prevEnd - 1) === 10) return [start, prevEnd];
    let end = Math.max(at, prevEnd);
    for (let n = 0; end < hi; ) if (text.charCodeAt(end++) === 10 && ++n === lines) break;
    return [start, end];
  }

  private judge(rule: SecretRule, m: RegExpExecArray, start: number, text: string, lineOf: (p: number) => number): RawHit | undefined {
    let secret = m[0];
    if (rule.secretGroup > 0) secret = m[rule.secretGroup] ?? '';
    else for (let g = 1; g < m.length; g++) if (m[g]) {
      secret = m[g]!;
      break;
    }
    if (!secret) return undefined;
    if (rule.entropy !== undefined && rule.entropy > 0) {
      if (shannonEntropy(secret) <= rule.entropy) return undefined;
      // gitleaks: a generic rule's secret must hold a digit (a word is not a key)
      if (rule.id.startsWith('generic') && !/[0-9]/.test(secret)) return undefined;
    }
    const offset = start + Math.max(0, m[0].indexOf(secret));
    const ls = text.lastIndexOf('\n', offset - 1) + 1;
    let le = text.indexOf('\n', offset + secret.length);
    if (le === -1) le = text.length;
    const line = text.slice(Math.max(ls, offset - 4096), Math.min(le, offset + secret.length + 4096));
    const path = this.path;
    for (const a of this.compiled.set.allowlists) {
      if (a.targetRules.length && !a.targetRules.includes(rule.id)) continue;
      if (allowedBy(a, path, secret, m[0], line, this.forced)) return undefined;
    }
    for (const a of rule.allowlists) if (allowedBy(a, path, secret, m[0], line)) return undefined;
    return { rule, secret, line: lineOf(offset), offset };
  }
}

/** The rule's core matched at `at` in `text`, with its prefix walked back: as the whole regex matches there. */
function coreAt(core: NonNullable<SecretRule['core']>, text: string, at: number): RegExpExecArray | undefined {
  core.regex.lastIndex = at;
  const m = core.regex.exec(text);
  if (!m) return undefined;
  let start = at;
  while (start > 0 && at - start < core.prefixMax && core.prefix.test(text[start - 1]!)) start--;
  return Object.assign([text.slice(start, at + m[0].length), ...m.slice(1)], { index: start, input: text }) as unknown as RegExpExecArray;
}

function lineIndex(text: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) out.push(i);
  return out;
}

function merge(list: [number, number][]): [number, number][] {
  list.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const w of list) {
    const last = out[out.length - 1];
    if (last && w[0] <= last[1]) last[1] = Math.max(last[1], w[1]);
    else out.push([w[0], w[1]]);
  }
  return out;
}

/** Scan a string (an image config value) as if it were a small text file named `path`. */
export function scanString(compiled: CompiledRules, path: string, value: string): RawHit[] {
  const s = new TextScanner(compiled, path, false);
  s.write(Buffer.from(value, 'utf8'));
  return s.end();
}
