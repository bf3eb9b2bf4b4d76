// Owners files: who is told about which violation, the way CODEOWNERS works. Plain text, one rule a line:
//
//   # comment (a `#` at the start of a line, or after a space)
//   @platform https://hooks.slack.com/services/T/B/X     a team: @name and its URLs (or $VAR / ${VAR})
//   @orders   $ORDERS_WEBHOOK
//   *                          @platform                  every image
//   registry.example.com/shop/orders-*  @orders          an image glob (as policies' appliesTo.images)
//   /srv/app/                  @orders                   a path in the image (anchored glob; `dir/` = `dir/**`)
//   /srv/app/node_modules/**   @orders https://...        owners: @teams, URLs, $VARs
//   origin:base                @platform                 findings of the base image's layers (or origin:app)
//   /srv/app/vendor/**                                   no owner: back to the default recipients
//
// For each violation or warning the LAST matching rule decides (CODEOWNERS semantics): put broad rules
// first and specific ones after. Globs are src/core/glob.ts's (`*` within a segment, `**` across,
// `?` one character), matched in O(pattern × value), never backtracking. URLs are secrets (a Slack webhook
// URL is one): they are never printed; errors name the file, the line and the owner's position or name.
import { PortcullisError } from '../core/errors.js';
import { globMatch } from '../core/glob.js';
import type { Origin } from '../core/findings.js';
import { imageMatchesAny, type ImageId } from '../policy/imageref.js';

export const MAX_OWNERS_BYTES = 256 * 1024;
const MAX_LINE = 4096;
const MAX_PATTERN = 1024;
const MAX_RULES = 2000;
const MAX_OWNERS_PER_LINE = 50;
const TEAM_RE = /^@[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/;
const VAR_RE = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]{0,127})\}|([A-Za-z_][A-Za-z0-9_]{0,127}))$/;

/** One place a notification may go: a URL, or an environment variable that was not set. */
export interface Recipient {
  /** `@team` when it came from a team, else undefined (a URL is a secret and has no printable name) */
  team?: string;
  url?: string;
  /** the variable named instead of a URL, when it was not set */
  missing?: string;
  /** `file:line` it was defined at, for messages */
  at: string;
}

/** What a rule or a policy's owners entry selects. */
export type Selector = { kind: 'image'; glob: string } | { kind: 'path'; glob: string } | { kind: 'origin'; origin: Origin };

export interface OwnerRule {
  at: string;
  selector: Selector;
  /** empty: the matched items have no owner (they go to the default recipients) */
  owners: Recipient[];
}

export interface OwnersFile {
  source: string;
  rules: OwnerRule[];
}

/** What routing knows about one violation or warning. */
export interface ItemFacts {
  image: ImageId;
  /** the file in the image it is about (a package's manifest, a secret's file), when there is one */
  path?: string;
  origin?: Origin;
}

function bad(source: string, line: number, what: string): PortcullisError {
  return new PortcullisError('BAD_INPUT', `${source}:${line}: ${what}`, { subject: source });
}

/** A path glob as written (`/srv/app/` = `/srv/app/**`); undefined when it is not one. */
export function pathGlob(p: string): string | undefined {
  if (!p.startsWith('/') || p.includes('\\')) return undefined;
  return p.endsWith('/') ? `${p}**` : p;
}

/** `http(s)://…` with a host, or undefined. */
function httpUrl(s: string): string | undefined {
  if (!/^https?:\/\//i.test(s)) return undefined;
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' ? s : undefined;
  } catch {
    return undefined;
  }
}

function selectorOf(pattern: string, fail: (what: string) => never): Selector {
  if (pattern.length > MAX_PATTERN) fail(`pattern longer than ${MAX_PATTERN} characters`);
  if (pattern.startsWith('origin:')) {
    const o = pattern.slice('origin:'.length);
    if (o !== 'base' && o !== 'app') fail(`origin: expected origin:base or origin:app`);
    return { kind: 'origin', origin: o };
  }
  if (pattern.startsWith('/')) {
    const glob = pathGlob(pattern);
    if (!glob) fail('a path pattern uses / as separator (no backslash)');
    if (pattern.split('/').includes('..')) fail('a path pattern may not contain ..');
    return { kind: 'path', glob };
  }
  if (pattern.startsWith('@') || pattern.startsWith('$') || httpUrl(pattern) !== undefined) fail('a rule starts with a pattern (an image glob, /path glob or origin:base|app)');
  if (!/^[A-Za-z0-9*?][A-Za-z0-9._:/@*?+-]*$/.test(pattern)) fail('an image pattern may contain letters, digits, . _ - : / @ + and the wildcards * ? only');
  return { kind: 'image', glob: pattern === '*' ? '**' : pattern };
}

/** Split a line into words, dropping a comment (`#` at the start, or after whitespace). */
function words(line: string): string[] {
  const out: string[] = [];
  for (const w of line.trim().split(/[ \t]+/)) {
    if (w === '' ) continue;
    if (w.startsWith('#')) break;
    out.push(w);
  }
  return out;
}

/**
 * Parse an owners file. `source` names it in errors; `env` resolves `$VAR` owners (an unset one is kept,
 * as `missing`, and reported when a notification would have gone to it). Throws one line `source:line: …`.
 */
export function parseOwners(text: string, source: string, env: NodeJS.ProcessEnv = {}): OwnersFile {
  if (Buffer.byteLength(text, 'utf8') > MAX_OWNERS_BYTES) throw new PortcullisError('LIMIT_EXCEEDED', `${source}: larger than the ${MAX_OWNERS_BYTES}-byte limit`, { subject: source });
  if (text.includes('\0')) throw new PortcullisError('BAD_INPUT', `${source}: not a text file (NUL bytes)`, { subject: source });
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const teams = new Map<string, { at: string; recipients: Recipient[] }>();
  const pending: { line: number; pattern: string; owners: string[] }[] = [];
  lines.forEach((raw, i) => {
    const n = i + 1;
    if (raw.length > MAX_LINE) throw bad(source, n, `line longer than ${MAX_LINE} characters`);
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x08\x0b-\x1f\x7f]/.test(raw)) throw bad(source, n, 'control characters are not allowed');
    const w = words(raw);
    if (w.length === 0) return;
    if (w.length - 1 > MAX_OWNERS_PER_LINE) throw bad(source, n, `more than ${MAX_OWNERS_PER_LINE} owners on one line`);
    const [head, ...rest] = w as [string, ...string[]];
    if (head.startsWith('@')) {
      if (!TEAM_RE.test(head)) throw bad(source, n, 'a team name is @ followed by letters, digits, . _ / - (at most 64)');
      const prior = teams.get(head);
      if (prior) throw bad(source, n, `${head} is already defined at ${prior.at}`);
      if (rest.length === 0) throw bad(source, n, `${head}: a team needs at least one URL or $VARIABLE`);
      teams.set(head, { at: `${source}:${n}`, recipients: rest.map((o, k) => target(o, k, head, n)) });
      return;
    }
    if (pending.length >= MAX_RULES) throw bad(source, n, `more than ${MAX_RULES} rules`);
    selectorOf(head, (what) => {
      throw bad(source, n, what);
    });
    pending.push({ line: n, pattern: head, owners: rest });
  });

  function target(o: string, k: number, team: string | undefined, n: number): Recipient {
    const at = `${source}:${n}`;
    const url = httpUrl(o);
    if (url) return { ...(team ? { team } : {}), url, at };
    const v = VAR_RE.exec(o);
    if (v) {
      const name = (v[1] ?? v[2])!;
      const value = env[name]?.trim();
      if (value === undefined || value === '') return { ...(team ? { team } : {}), missing: name, at };
      if (!httpUrl(value)) throw bad(source, n, `$${name} does not hold an http(s) URL`);
      return { ...(team ? { team } : {}), url: value, at };
    }
    // the token may be a mistyped secret URL: its position is named, never its text
    throw bad(source, n, `owner ${k + 1}${team ? ` of ${team}` : ''}: expected @team, an http(s) URL or $VARIABLE`);
  }

  const rules: OwnerRule[] = pending.map((p) => {
    const owners: Recipient[] = [];
    p.owners.forEach((o, k) => {
      if (o.startsWith('@')) {
        const t = teams.get(o);
        if (!t) throw bad(source, p.line, `${TEAM_RE.test(o) ? o : `owner ${k + 1}`}: no such team (define it on a line "${TEAM_RE.test(o) ? o : '@team'} URL")`);
        owners.push(...t.recipients);
      } else owners.push(target(o, k, undefined, p.line));
    });
    return { at: `${source}:${p.line}`, selector: selectorOf(p.pattern, () => undefined as never), owners };
  });
  return { source, rules };
}

/** Does a selector select this item? An item without a path or origin is selected only by image rules. */
export function selects(s: Selector, item: ItemFacts): boolean {
  if (s.kind === 'origin') return item.origin === s.origin;
  if (s.kind === 'path') return item.path !== undefined && item.path.startsWith('/') && globMatch(s.glob, item.path);
  return imageMatchesAny([s.glob], item.image);
}

/** The last rule that matches the item (CODEOWNERS semantics), or undefined. */
export function lastMatch(file: OwnersFile, item: ItemFacts): OwnerRule | undefined {
  for (let i = file.rules.length - 1; i >= 0; i--) if (selects(file.rules[i]!.selector, item)) return file.rules[i];
  return undefined;
}
