// The gitleaks configuration format (https://github.com/gitleaks/gitleaks#configuration): rules with
// `regex`, `secretGroup`, `entropy`, `keywords`, `path`; global (`[allowlist]`, `[[allowlists]]`) and
// per-rule (`[rules.allowlist]`, `[[rules.allowlists]]`) allowlists by regex (target secret, match or
// line), path and stopword with condition OR/AND; `[extend] useDefault = true | path = "..."` with
// `disabledRules`. Every regex is translated from RE2 at load time (re2.ts; the default rules' translations
// are prepared at build time: prepared.ts); a rule that cannot be translated, or a malformed file, is a
// PortcullisError naming the file and the rule.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PortcullisError } from '../../core/errors.js';
import type { Severity } from '../../core/types.js';
import { TomlError, type TomlTable, type TomlValue } from '../../analyzers/lang/toml.js';
import { Re2Error } from './re2.js';
import { DEFAULT_RULES_PATH, preparedFileOf, tomlDocument, translate } from './prepared.js';

export { DEFAULT_RULES_PATH, TRANSLATIONS_PATH } from './prepared.js';

/** Every translation parsing `text` needs, made afresh (what TRANSLATIONS_PATH holds for the default rules), as that file's JSON. */
export function translationsOf(text: string, file: string): string {
  return preparedFileOf(text, () => parseRules(text, file));
}

export interface Allowlist {
  description?: string;
  condition: 'OR' | 'AND';
  regexTarget: 'secret' | 'match' | 'line';
  regexes: RegExp[];
  paths: RegExp[];
  stopwords: string[];
  /** global allowlists only: the rules it applies to (all when empty) */
  targetRules: string[];
}

export interface SecretRule {
  id: string;
  description: string;
  severity: Severity;
  /** the rule has a regex (`regex`, which the embedded defaults translate on first use) */
  hasRegex: boolean;
  regex?: RegExp;
  /** longest possible match of `regex` */
  maxWidth: number;
  /** the regex can cross more than a few line breaks (private keys): scanned over a block, not lines */
  multiline: boolean;
  /** most line breaks a match can span */
  maxNewlines: number;
  /**
   * gitleaks' template `[\w.-]{0,50}?(?:lob)…`: `regex` without its lazy leading repetition (sticky), tried
   * where a match can start its core, the prefix then found by walking back (see re2.ts). `atKeyword`: the
   * keywords are what the core opens with, so it is tried at each keyword hit. Else at each match of `lead`
   * (global), the core's opening group, which every match holds: `regex` itself would try its lazy prefix at
   * every position of the text (~80 ms of a scan of orders-api went to lob-api-key, run over whole blocks
   * that hold its keyword `test_`).
   */
  core?: { regex: RegExp; prefix: RegExp; prefixMax: number; lead: RegExp; atKeyword: boolean };
  secretGroup: number;
  entropy?: number;
  /** lower case */
  keywords: string[];
  /** a keyword is written in the regex, so a match holds it: the regex runs near keyword hits only; else on the whole block */
  keywordInMatch: boolean;
  path?: RegExp;
  allowlists: Allowlist[];
}

export interface RuleSet {
  rules: SecretRule[];
  allowlists: Allowlist[];
  /** sha256 of the configuration text(s) as read */
  digest: string;
  /** where the rules came from, for messages */
  source: string;
}

const MAX_EXTEND_DEPTH = 2;
/** a regex that can span more line breaks than this is scanned over blocks, not over the lines around a keyword */
export const MAX_LINE_NEWLINES = 16;

/** Severity by rule id: private keys and cloud/VCS credentials high, generic heuristics medium. */
function severityFor(id: string): Severity {
  if (id === 'private-key' || /^(aws|gcp|azure|github|gitlab|stripe|slack|npm|pypi|hashicorp|vault|doppler|digitalocean|heroku|shopify|twilio|sendgrid|openai|anthropic)/.test(id)) return id.startsWith('generic') ? 'medium' : 'high';
  if (id.startsWith('generic') || id.includes('curl') || id === 'jwt') return 'medium';
  return 'high';
}

function fail(file: string, where: string, what: string, cause?: unknown): never {
  throw new PortcullisError('BAD_INPUT', `${file}: ${where}: ${what}`, { cause, subject: file });
}

function str(v: TomlValue | undefined, file: string, where: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') fail(file, where, 'expected a string');
  return v;
}

function strings(v: TomlValue | undefined, file: string, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) fail(file, where, 'expected a list of strings');
  return v as string[];
}

function re(pattern: string, file: string, where: string): RegExp {
  try {
    return new RegExp(translate(pattern).source);
  } catch (e) {
    fail(file, where, `cannot translate the RE2 regex safely: ${e instanceof Re2Error ? e.message : String(e)}`, e);
  }
}

function allowlist(t: TomlValue, file: string, where: string, global: boolean): Allowlist {
  if (typeof t !== 'object' || Array.isArray(t)) fail(file, where, 'expected a table');
  const known = new Set(['description', 'condition', 'regexTarget', 'regexes', 'paths', 'stopwords', 'commits', 'targetRules']);
  for (const k of Object.keys(t)) if (!known.has(k)) fail(file, where, `unknown key "${k}"`);
  const condition = (str(t.condition, file, `${where}.condition`) ?? 'OR').toUpperCase();
  if (condition !== 'OR' && condition !== 'AND') fail(file, `${where}.condition`, 'expected OR or AND');
  const target = str(t.regexTarget, file, `${where}.regexTarget`) ?? 'secret';
  if (target !== 'secret' && target !== 'match' && target !== 'line') fail(file, `${where}.regexTarget`, 'expected secret, match or line');
  const targetRules = strings(t.targetRules, file, `${where}.targetRules`);
  if (!global && targetRules.length) fail(file, where, 'targetRules is only allowed in a global allowlist');
  const out: Allowlist = {
    description: str(t.description, file, `${where}.description`),
    condition,
    regexTarget: target,
    regexes: strings(t.regexes, file, `${where}.regexes`).map((p, i) => re(p, file, `${where}.regexes[${i}]`)),
    paths: strings(t.paths, file, `${where}.paths`).map((p, i) => re(p, file, `${where}.paths[${i}]`)),
    stopwords: strings(t.stopwords, file, `${where}.stopwords`).map((s) => s.toLowerCase()),
    targetRules,
  };
  if (!out.regexes.length && !out.paths.length && !out.stopwords.length && !strings(t.commits, file, `${where}.commits`).length) {
    fail(file, where, 'an allowlist needs regexes, paths or stopwords');
  }
  return out;
}

function allowlists(t: TomlTable, file: string, where: string, global: boolean): Allowlist[] {
  const out: Allowlist[] = [];
  if (t.allowlist !== undefined) out.push(allowlist(t.allowlist, file, `${where}allowlist`, global));
  if (t.allowlists !== undefined) {
    if (!Array.isArray(t.allowlists)) fail(file, `${where}allowlists`, 'expected [[allowlists]] tables');
    t.allowlists.forEach((a, i) => out.push(allowlist(a, file, `${where}allowlists[${i}]`, global)));
  }
  return out;
}

/** What translating a rule's RE2 regex gives (re2.ts); the embedded defaults translate it on first use. */
type RuleRegex = Pick<SecretRule, 'regex' | 'maxWidth' | 'multiline' | 'maxNewlines' | 'core'> & { groups: number };

function translateRule(t: TomlTable, file: string, where: string, regexSrc: string): RuleRegex {
  try {
    const tr = translate(regexSrc);
    const regex = new RegExp(tr.source, 'g');
    if (regex.test('')) fail(file, where, 'the regex matches the empty string');
    const out: RuleRegex = { regex, maxWidth: tr.maxWidth, groups: tr.groups, multiline: tr.maxNewlines > MAX_LINE_NEWLINES, maxNewlines: tr.maxNewlines };
    if (tr.core) {
      const { source, prefix, prefixMax, lead } = tr.core;
      out.core = { regex: new RegExp(source, 'y'), prefix: new RegExp(prefix), prefixMax, lead: new RegExp(lead, 'g'), atKeyword: keywordsOpenCore(regexSrc, keywordsOf(t, file, where)) };
    }
    return out;
  } catch (e) {
    if (e instanceof PortcullisError) throw e;
    fail(file, where, `cannot translate the RE2 regex safely: ${e instanceof Re2Error ? e.message : String(e)}`, e);
  }
}

/**
 * A rule of the embedded defaults: its translated fields (regex, maxWidth, multiline, maxNewlines, core) are
 * getters of the class, computed on first read from the translation made then. Per-object accessors
 * (defineProperty, as before) put 221 of the 222 rule objects in dictionary mode, where every read of a
 * rule's field in the scan's loops is a lookup in a hash table. (A spread of one copies its own fields
 * only: name the translated ones.)
 */
class LazyRule implements SecretRule {
  #translate: (() => RuleRegex) | undefined;
  #got: RuleRegex | undefined;
  constructor(
    fields: Omit<SecretRule, 'regex' | 'maxWidth' | 'multiline' | 'maxNewlines' | 'core'>,
    translate: () => RuleRegex,
  ) {
    this.id = fields.id;
    this.description = fields.description;
    this.severity = fields.severity;
    this.hasRegex = fields.hasRegex;
    this.secretGroup = fields.secretGroup;
    this.entropy = fields.entropy;
    this.keywords = fields.keywords;
    this.keywordInMatch = fields.keywordInMatch;
    this.path = fields.path;
    this.allowlists = fields.allowlists;
    this.#translate = translate;
  }
  readonly id: string;
  readonly description: string;
  readonly severity: Severity;
  readonly hasRegex: boolean;
  readonly secretGroup: number;
  readonly entropy?: number;
  readonly keywords: string[];
  readonly keywordInMatch: boolean;
  readonly path?: RegExp;
  readonly allowlists: Allowlist[];
  /** translated yet? (tests: nothing is at load) */
  get translated(): boolean {
    return this.#got !== undefined;
  }
  private get t(): RuleRegex {
    if (this.#got === undefined) {
      this.#got = this.#translate!();
      this.#translate = undefined;
    }
    return this.#got;
  }
  get regex(): RegExp | undefined {
    return this.t.regex;
  }
  get maxWidth(): number {
    return this.t.maxWidth;
  }
  get multiline(): boolean {
    return this.t.multiline;
  }
  get maxNewlines(): number {
    return this.t.maxNewlines;
  }
  get core(): SecretRule['core'] {
    return this.t.core;
  }
}

/**
 * One [[rules]] table. `lazy` (the embedded default set, which a test parses eagerly): the regex is
 * translated when a scan first needs it, not at load (translating the ~200 default regexes was ~30 ms of
 * every sbom and scan, which need few of them to redact an image's configuration).
 */
function rule(t: TomlValue, file: string, index: number, lazy = false): SecretRule {
  if (typeof t !== 'object' || Array.isArray(t)) fail(file, `rules[${index}]`, 'expected a table');
  const id = str(t.id, file, `rules[${index}].id`);
  if (!id) fail(file, `rules[${index}]`, 'a rule needs an id');
  const where = `rule "${id}"`;
  const known = new Set(['id', 'description', 'regex', 'secretGroup', 'entropy', 'keywords', 'path', 'allowlist', 'allowlists', 'tags', 'severity']);
  for (const k of Object.keys(t)) if (!known.has(k)) fail(file, where, `unknown key "${k}"`);
  const regexSrc = str(t.regex, file, `${where}.regex`);
  const pathSrc = str(t.path, file, `${where}.path`);
  if (regexSrc === undefined && pathSrc === undefined) fail(file, where, 'a rule needs a regex or a path');
  const none: RuleRegex = { maxWidth: 0, groups: 0, multiline: false, maxNewlines: 0 };
  const tr = regexSrc === undefined ? none : lazy ? undefined : translateRule(t, file, where, regexSrc);
  const secretGroup = t.secretGroup ?? 0;
  if (typeof secretGroup !== 'number' || !Number.isInteger(secretGroup) || secretGroup < 0 || (tr && secretGroup > tr.groups)) {
    fail(file, `${where}.secretGroup`, `expected a capture group number between 0 and ${tr?.groups ?? 'the number of groups'}`);
  }
  const entropy = t.entropy;
  if (entropy !== undefined && (typeof entropy !== 'number' || entropy < 0 || entropy > 8)) fail(file, `${where}.entropy`, 'expected a number between 0 and 8');
  const keywords = strings(t.keywords, file, `${where}.keywords`).map((k) => k.toLowerCase()).filter((k) => k.length > 0);
  const sev = str(t.severity, file, `${where}.severity`);
  if (sev !== undefined && !['low', 'medium', 'high', 'critical'].includes(sev)) fail(file, `${where}.severity`, 'expected low, medium, high or critical');
  const fields = {
    id,
    description: str(t.description, file, `${where}.description`) ?? id,
    severity: (sev as Severity | undefined) ?? severityFor(id),
    hasRegex: regexSrc !== undefined,
    maxWidth: 0,
    multiline: false,
    maxNewlines: 0,
    secretGroup,
    entropy: entropy as number | undefined,
    keywords,
    keywordInMatch: regexSrc !== undefined && keywordsWritten(regexSrc, keywords),
    path: pathSrc === undefined ? undefined : re(pathSrc, file, `${where}.path`),
    allowlists: allowlists(t, file, `${where}.`, false),
  };
  if (!tr) return new LazyRule(fields, () => translateRule(t, file, where, regexSrc!));
  const { groups: _groups, ...translated } = tr;
  return { ...fields, ...translated };
}

/** Is one of `keywords` written in the regex `src` (escapes aside)? Then a match holds it. */
function keywordsWritten(src: string, keywords: string[]): boolean {
  if (keywords.length === 0) return false;
  const plain = src.replace(/\\/g, '').toLowerCase();
  return keywords.some((k) => plain.includes(k));
}

function keywordsOf(t: TomlTable, file: string, where: string): string[] {
  return strings(t.keywords, file, `${where}.keywords`).map((k) => k.toLowerCase()).filter((k) => k.length > 0);
}

/** every keyword is written in the group right after the lazy prefix: a match's core starts at a keyword */
function keywordsOpenCore(pattern: string, keywords: string[]): boolean {
  const at = pattern.indexOf('}?');
  if (at === -1 || pattern[at + 2] !== '(' || keywords.length === 0) return false;
  let depth = 0;
  let end = at + 2;
  for (; end < pattern.length; end++) {
    const c = pattern[end];
    if (c === '\\') end++;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) break;
  }
  // each keyword is one of the strings the group matches (`passw(?:or)?d` matches passwd and password)
  try {
    const group = new RegExp(`^(?:${translate(`(?i)${pattern.slice(at + 2, end + 1)}`).source})$`);
    return keywords.every((k) => group.test(k));
  } catch {
    return false;
  }
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `${file}: cannot read the secret rules: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e, subject: file });
  }
}

/** Parse one gitleaks configuration text (with `[extend]` resolved relative to `file`). */
export function parseRules(text: string, file: string, depth = 0, lazy = false): RuleSet {
  let doc: TomlTable;
  try {
    doc = tomlDocument(text);
  } catch (e) {
    fail(file, 'TOML', e instanceof TomlError ? e.message : String(e), e);
  }
  const known = new Set(['title', 'minVersion', 'description', 'extend', 'rules', 'allowlist', 'allowlists']);
  for (const k of Object.keys(doc)) if (!known.has(k)) fail(file, 'top level', `unknown key "${k}"`);
  const rulesVal = doc.rules ?? [];
  if (!Array.isArray(rulesVal)) fail(file, 'rules', 'expected [[rules]] tables');
  const own = rulesVal.map((r, i) => rule(r, file, i, lazy));
  const ids = new Set<string>();
  for (const r of own) {
    if (ids.has(r.id)) fail(file, `rule "${r.id}"`, 'defined twice');
    ids.add(r.id);
  }
  const globals = allowlists(doc, file, '', true);
  const hash = createHash('sha256').update(text);
  let rules = own;
  let base: RuleSet | undefined;
  if (doc.extend !== undefined) {
    const ext = doc.extend;
    if (typeof ext !== 'object' || Array.isArray(ext)) fail(file, 'extend', 'expected a table');
    if (depth >= MAX_EXTEND_DEPTH) fail(file, 'extend', `extends nest deeper than ${MAX_EXTEND_DEPTH}`);
    const useDefault = ext.useDefault === true;
    const path = str(ext.path, file, 'extend.path');
    if (useDefault === (path !== undefined)) fail(file, 'extend', 'set exactly one of useDefault = true or path');
    const basePath = path === undefined ? DEFAULT_RULES_PATH : resolve(dirname(file), path);
    base = parseRules(readText(basePath), basePath, depth + 1);
    const disabled = new Set(strings(ext.disabledRules, file, 'extend.disabledRules'));
    for (const d of disabled) if (!base.rules.some((r) => r.id === d)) fail(file, 'extend.disabledRules', `no rule "${d}" in ${basePath}`);
    // a rule of the extending file with the same id replaces the base's (gitleaks merges; we replace whole)
    rules = [...base.rules.filter((r) => !disabled.has(r.id) && !ids.has(r.id)), ...own];
    hash.update('\u0000').update(base.digest).update('\u0000').update([...disabled].sort().join(','));
  }
  const all = [...(base?.allowlists ?? []), ...globals];
  for (const a of all) for (const t of a.targetRules) if (!rules.some((r) => r.id === t)) fail(file, 'allowlist.targetRules', `no rule "${t}"`);
  if (rules.length === 0) fail(file, 'rules', 'no rules defined');
  return { rules: rules.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)), allowlists: all, digest: `sha256:${hash.digest('hex')}`, source: file };
}

/** Load a user's gitleaks configuration, or the default set when no file is given (its regexes translated on first use). */
export function loadRules(file?: string): RuleSet {
  const path = file ?? DEFAULT_RULES_PATH;
  return parseRules(readText(path), path, 0, file === undefined);
}

let defaults: RuleSet | undefined;
/**
 * The default rule set, once per process: its digest at once (the caches' keys name it), its rules parsed
 * on first use (~25 ms: a rescan whose image analysis is cached needs none). The digest is the one
 * parseRules gives a file without `extend` (rules.test.ts holds them equal).
 */
export function defaultRules(): RuleSet {
  if (defaults) return defaults;
  const text = readText(DEFAULT_RULES_PATH);
  let parsed: RuleSet | undefined;
  const parse = (): RuleSet => (parsed ??= parseRules(text, DEFAULT_RULES_PATH, 0, true));
  defaults = {
    get rules() {
      return parse().rules;
    },
    get allowlists() {
      return parse().allowlists;
    },
    digest: `sha256:${createHash('sha256').update(text).digest('hex')}`,
    source: DEFAULT_RULES_PATH,
  };
  return defaults;
}
