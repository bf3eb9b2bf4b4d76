// Where the default gitleaks rules live, and what is prepared for them at build time
// (scripts/gen-secret-rules.ts writes TRANSLATIONS_PATH): their RE2 → JavaScript translations and their
// TOML document, so that a start neither translates 300 patterns nor parses 100 KB of TOML. config.ts
// asks here for every translation and document; anything not prepared is made on the spot.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseToml, type TomlTable } from '../../analyzers/lang/toml.js';
import { translateRe2, type Translated } from './re2.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/**
 * The default rules: beside this file (sources, or a build that copied them), else in the package's
 * sources (a .toml is not compiled), seen from tsc's dist/checks/secrets or from the bundle in dist/bundle.
 */
export const DEFAULT_RULES_PATH =
  [
    resolve(HERE, 'rules', 'gitleaks.toml'),
    resolve(HERE, '..', 'checks', 'secrets', 'rules', 'gitleaks.toml'),
    resolve(HERE, '..', '..', '..', 'src', 'checks', 'secrets', 'rules', 'gitleaks.toml'),
    resolve(HERE, '..', '..', 'src', 'checks', 'secrets', 'rules', 'gitleaks.toml'),
  ].find((p) => existsSync(p)) ?? resolve(HERE, 'rules', 'gitleaks.toml');

/**
 * The default rules' RE2 → JavaScript translations, made by scripts/gen-secret-rules.ts (a test checks it
 * equals a fresh translation of every pattern, so it cannot go stale): translating 300 patterns at every
 * start cost ~60 ms, most of a small image's scan. Keyed by pattern text; a pattern not in it (a user's
 * rules, or a file that cannot be read) is translated here and now.
 */
export const TRANSLATIONS_PATH = resolve(dirname(DEFAULT_RULES_PATH), 'gitleaks.translated.json');

/**
 * What TRANSLATIONS_PATH holds: the translations, and the default rules' TOML document as JSON with the
 * sha256 of the text it was parsed from (parsing the 100 KB of TOML was ~15 ms of every scan; used only
 * for that very text).
 */
interface Prepared {
  table: Map<string, Translated>;
  parsed?: { sha256: string; document: TomlTable };
}
let prepared: Prepared | undefined;
/** set while preparedFileOf() collects every translation a rule file needs */
let collecting: Map<string, Translated> | undefined;

function loadPrepared(): Prepared {
  try {
    const file = JSON.parse(readFileSync(TRANSLATIONS_PATH, 'utf8')) as { translations: [string, Translated & { maxWidth: number | null }][]; parsed?: Prepared['parsed'] };
    const table = new Map(file.translations.map(([p, t]) => [p, { ...t, maxWidth: t.maxWidth ?? Infinity }]));
    return file.parsed ? { table, parsed: file.parsed } : { table };
  } catch {
    return { table: new Map() };
  }
}

/** `pattern` translated from RE2: the prepared translation when there is one, else made now. */
export function translate(pattern: string): Translated {
  if (collecting) {
    const t = translateRe2(pattern);
    collecting.set(pattern, t);
    return t;
  }
  return (prepared ??= loadPrepared()).table.get(pattern) ?? translateRe2(pattern);
}

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Does JSON hold `v` exactly? (strings, finite numbers, booleans, arrays and tables of them) */
function jsonExact(v: unknown): boolean {
  if (typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every(jsonExact);
  const proto: unknown = v !== null && typeof v === 'object' ? Object.getPrototypeOf(v) : undefined;
  return (proto === null || proto === Object.prototype) && Object.values(v as object).every(jsonExact);
}

/** `text` as a TOML document: the prepared one when `text` is the very text it was parsed from. */
export function tomlDocument(text: string): TomlTable {
  if (!collecting) {
    const p = (prepared ??= loadPrepared()).parsed;
    if (p && p.sha256 === sha256Hex(text)) return p.document;
  }
  return parseToml(text);
}

/**
 * Every translation `parse` needs (it parses `text`, a rule file, whose patterns translate() is asked for),
 * made afresh, with `text`'s TOML document, as the JSON that TRANSLATIONS_PATH holds for the default rules.
 */
export function preparedFileOf(text: string, parse: () => void): string {
  collecting = new Map();
  try {
    parse();
    const rows = [...collecting].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([p, t]) => [p, { ...t, maxWidth: t.maxWidth === Infinity ? null : t.maxWidth }]);
    // the document only when JSON holds it exactly (no TOML dates, no infinite or NaN floats, no -0)
    const document = parseToml(text);
    const parsed = jsonExact(document) ? `,\n"parsed": ${JSON.stringify({ sha256: sha256Hex(text), document })}` : '';
    return `{"generatedBy": "scripts/gen-secret-rules.ts", "translations": [\n${rows.map((r) => JSON.stringify(r)).join(',\n')}\n]${parsed}}\n`;
  } finally {
    collecting = undefined;
  }
}
