// Defaults for flags: flags beat environment beat the config file (`portcullis.yaml` in the working
// directory, or --config FILE). Keys of the config file are the long flag names (`db`, `pipeline`,
// `policy`, `exceptions`, `base-catalog`, `format`, `platform`, ...), camelCase also accepted.
//
// The file is validated like a policy (zod, `file:line: key: what is wrong`, exit 2): an unknown key
// (`policies:` for `policy:`) or a value of the wrong type is an error, never ignored.
//
// Who may weaken the gate: a portcullis.yaml found implicitly in the working directory is the gated
// repository's. Settings that can weaken the gate (SECURITY_KEYS) are refused from it; `exceptions`
// are held apart and accepted only when every policy in force says `spec.exceptions.fromRepository:
// allow` (see scan/decide.ts). A file passed with --config was chosen by the pipeline and is trusted.
//
// This module (YAML, zod) is imported only when a config file is there: see loadConfig in defaults.ts.
import { existsSync } from 'node:fs';
import { readUserFileSync } from '../core/userfile.js';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { PortcullisError } from '../core/errors.js';
import { SEVERITY_ORDER } from '../core/types.js';
import { validate } from '../policy/load.js';
import { formatsFor } from '../report/registry.js';
import { parsePlatform } from '../source/ref.js';
import { FAIL_ON_LEVELS } from '../policy/inline.js';

import { kebab, type ConfigValues, type LoadedConfig } from './defaults.js';

const MAX_CONFIG_BYTES = 1024 * 1024;

const nonEmpty = z.string().min(1);
const paths = z.union([nonEmpty, z.array(nonEmpty).min(1)]);
const SEVERITY_MSG = `expected severities separated by commas (${SEVERITY_ORDER.join(', ')})`;
const severityString = z.string().refine((s) => s.split(',').every((x) => x.trim() === '' || (SEVERITY_ORDER as readonly string[]).includes(x.trim().toLowerCase())), { message: SEVERITY_MSG });
const ALL_FORMATS = [...new Set([...formatsFor('scan'), ...formatsFor('sbom'), 'table', 'json'])].sort();
/** `format:` in any case; `text` is the old name of `table` */
const formatValue = z.string().refine((v) => ALL_FORMATS.includes(v.trim().toLowerCase() === 'text' ? 'table' : v.trim().toLowerCase()), { message: `expected one of ${ALL_FORMATS.join(', ')}` });

/** Every key a config file may set: its value type, and whether it can weaken the gate. */
interface KeySpec {
  schema: z.ZodType;
  /** refused from an implicitly found (repository) config: it can weaken the gate */
  security: boolean;
}

const KEYS: Record<string, KeySpec> = {
  // what is judged and by which rules: only the pipeline chooses
  policy: { schema: paths, security: true },
  exceptions: { schema: paths, security: true },
  vex: { schema: paths, security: true },
  pipeline: { schema: nonEmpty, security: true },
  'base-catalog': { schema: nonEmpty, security: true },
  catalog: { schema: nonEmpty, security: true },
  db: { schema: nonEmpty, security: true },
  'max-db-age': { schema: z.number().positive(), security: true },
  // an inline policy instead of the pipeline's, and the code a failed gate exits with: only the pipeline chooses
  'fail-on': { schema: z.enum(FAIL_ON_LEVELS), security: true },
  'exit-code': { schema: z.number().int().min(1).max(125).refine((n) => n !== 2, { message: 'expected 1 to 125 other than 2 (2 means "could not decide")' }), security: true },
  'fetched-at': { schema: nonEmpty, security: true },
  platform: { schema: nonEmpty.refine((s) => { try { parsePlatform(s); return true; } catch { return false; } }, { message: 'expected os/arch[/variant], e.g. linux/arm64/v8' }), security: true },
  sbom: { schema: nonEmpty, security: true },
  image: { schema: nonEmpty, security: true },
  source: { schema: paths, security: true },
  'skip-update': { schema: z.boolean(), security: true },
  ecosystem: { schema: paths, security: true },
  with: { schema: paths, security: true },
  name: { schema: nonEmpty, security: true },
  'not-approved': { schema: z.boolean(), security: true },
  note: { schema: z.string(), security: true },
  // the server: where the rules come from (scan --server), and who may change them
  server: { schema: nonEmpty, security: true },
  'server-max-staleness': { schema: z.union([nonEmpty, z.number().int().positive()]), security: true },
  database: { schema: nonEmpty, security: true },
  role: { schema: nonEmpty, security: true },
  'expires-in-days': { schema: z.union([nonEmpty, z.number().int().positive()]), security: true },
  prune: { schema: z.boolean(), security: true },
  'rate-limit': { schema: z.union([nonEmpty, z.number().int().min(0)]), security: true },
  'body-limit': { schema: z.union([nonEmpty, z.number().int().positive()]), security: false },
  listen: { schema: nonEmpty, security: false },
  'tls-cert': { schema: nonEmpty, security: false },
  'tls-key': { schema: nonEmpty, security: false },
  // SSO for people: who may sign in, and with which role
  'oidc-issuer': { schema: nonEmpty, security: true },
  'oidc-client-id': { schema: nonEmpty, security: true },
  'oidc-redirect-url': { schema: nonEmpty, security: true },
  'oidc-role': { schema: paths, security: true },
  'oidc-groups-claim': { schema: nonEmpty, security: true },
  'oidc-scopes': { schema: nonEmpty, security: true },
  'oidc-session-hours': { schema: z.union([nonEmpty, z.number().int().min(1).max(24)]), security: true },
  // the admission webhook and signed decisions: what admits an image, whose signatures count
  mode: { schema: z.enum(['enforce', 'warn', 'audit']), security: true },
  'namespace-mode': { schema: paths, security: true },
  'exempt-namespace': { schema: paths, security: true },
  'missing-decision': { schema: z.enum(['deny', 'warn', 'scan']), security: true },
  'on-error': { schema: z.enum(['deny', 'allow']), security: true },
  'scan-deadline': { schema: z.union([nonEmpty, z.number().int().positive()]), security: true },
  'tag-ttl': { schema: z.union([nonEmpty, z.number().min(0)]), security: true },
  'decision-cache': { schema: z.union([nonEmpty, z.number().min(0)]), security: true },
  'max-decision-age': { schema: z.union([nonEmpty, z.number().positive()]), security: true },
  'break-glass-max-hours': { schema: z.union([nonEmpty, z.number().positive()]), security: true },
  'trusted-key': { schema: paths, security: true },
  'policy-digest': { schema: paths, security: true },
  key: { schema: paths, security: true },
  'sign-key': { schema: nonEmpty, security: true },
  'output-prefix': { schema: nonEmpty, security: false },
  // continuous assurance (server, server reevaluate, worker): when and where re-evaluation runs, never its verdicts
  'reevaluate-interval': { schema: nonEmpty, security: false },
  'run-jobs': { schema: z.boolean(), security: false },
  'remind-days': { schema: z.number().int().min(0), security: false },
  previous: { schema: nonEmpty, security: true },
  expired: { schema: z.boolean(), security: false },
  rules: { schema: z.boolean(), security: false },
  'queue-only': { schema: z.boolean(), security: false },
  lease: { schema: z.union([nonEmpty, z.number().positive()]), security: false },
  'poll-interval': { schema: z.union([nonEmpty, z.number().positive()]), security: false },
  once: { schema: z.boolean(), security: false },
  dead: { schema: z.boolean(), security: false },
  retry: { schema: z.union([nonEmpty, z.number().int().positive()]), security: false },
  // where images and the DB come from, and what the content checks look for: only the pipeline chooses
  'db-source': { schema: paths, security: true },
  'insecure-registry': { schema: paths, security: true },
  'ca-cert': { schema: nonEmpty, security: true },
  'registry-mirror': { schema: paths, security: true },
  'skip-check': { schema: paths, security: true },
  'secret-config': { schema: nonEmpty, security: true },
  'secret-max-file-size': { schema: z.union([nonEmpty, z.number().int().positive()]), security: true },
  'secret-skip-path': { schema: paths, security: true },
  'malware-signatures': { schema: paths, security: true },
  'malware-cvd-key': { schema: nonEmpty, security: true },
  clamd: { schema: nonEmpty, security: true },
  'clamd-stream-max-length': { schema: z.union([nonEmpty, z.number().int().positive()]), security: true },
  // what is shown and where it goes: never changes the verdict
  format: { schema: formatValue, security: false },
  wide: { schema: z.boolean(), security: false },
  output: { schema: paths, security: false },
  decision: { schema: nonEmpty, security: false },
  dockerfile: { schema: nonEmpty, security: false },
  severity: { schema: z.union([severityString, z.array(z.enum(SEVERITY_ORDER))]), security: false },
  'ignore-unfixed': { schema: z.boolean(), security: false },
  'only-app': { schema: z.boolean(), security: false },
  'only-base': { schema: z.boolean(), security: false },
  'include-os-owned': { schema: z.boolean(), security: false },
  // more packages listed and matched, never fewer
  'include-declared': { schema: z.boolean(), security: false },
  'max-age': { schema: z.number().positive(), security: false },
  timeout: { schema: z.number().int().positive(), security: false },
  retries: { schema: z.number().int().min(0), security: false },
  checksum: { schema: z.boolean(), security: false },
  report: { schema: nonEmpty, security: false },
  finding: { schema: nonEmpty, security: false },
  'secret-scan-path': { schema: paths, security: false },
  offline: { schema: z.boolean(), security: false },
  notify: { schema: paths, security: false },
  // who is told of which violation (the policies' spec.notify still get everything): never changes the verdict
  owners: { schema: nonEmpty, security: false },
  'notify-timeout': { schema: z.number().int().positive(), security: false },
  'report-url': { schema: nonEmpty, security: false },
  username: { schema: nonEmpty, security: false },
  'password-stdin': { schema: z.boolean(), security: false },
  'registry-timeout': { schema: z.number().int().positive(), security: false },
  'registry-retries': { schema: z.number().int().min(0), security: false },
  // the layer analysis cache: a hit replays what a scan of the same verified layer bytes found, never less
  'no-cache': { schema: z.boolean(), security: false },
  // re-judging expired or policy-stale decisions at admission: turning it off admits a valid decision made under older rules
  'no-rejudge': { schema: z.boolean(), security: true },
  rejudge: { schema: z.boolean(), security: true },
  'rejudge-deadline': { schema: z.union([nonEmpty, z.number().int().positive()]), security: false },
  cache: { schema: z.boolean(), security: false },
  'cache-max-size': { schema: z.union([nonEmpty, z.number().int().positive()]), security: false },
  // compare: our report beside other scanners' (read only, decides nothing)
  ours: { schema: nonEmpty, security: false },
};

export const CONFIG_KEYS = Object.keys(KEYS).sort();

const camel = (k: string): string => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** true for settings a repository's own (implicitly found) config may not set. */
export function isSecurityKey(key: string): boolean {
  return KEYS[kebab(key)]?.security === true;
}

const configSchema = z.strictObject(Object.fromEntries(Object.entries(KEYS).flatMap(([k, s]) => {
  const opt = s.schema.optional();
  return camel(k) === k ? [[k, opt]] : [[k, opt], [camel(k), opt]];
})));

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return d[a.length]![b.length]!;
}

/** `no-X` keys: commander keeps the flag --no-X as `X: false` */
const NEGATED: Record<string, string> = { noCache: 'cache', noRejudge: 'rejudge' };

export function loadConfigFile(explicit: string | undefined, cwd: string): LoadedConfig {
  const path = explicit ? resolve(cwd, explicit) : resolve(cwd, 'portcullis.yaml');
  const implicit = !explicit;
  if (!existsSync(path)) {
    if (explicit) throw new PortcullisError('BAD_INPUT', `config file not found: ${explicit}`);
    return { values: {}, implicit, lines: {} };
  }
  // regular files only, size-capped while reading (a FIFO or /dev/zero never hangs the run)
  const text = readUserFileSync(path, MAX_CONFIG_BYTES, 'config file').toString('utf8');
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    throw new PortcullisError('BAD_INPUT', `${path}:${lc.linePos(err.pos[0]).line}: invalid YAML: ${err.message.split('\n')[0]}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    if (e instanceof PortcullisError) throw e;
    throw new PortcullisError('BAD_INPUT', `${path}: invalid YAML: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  if (raw === null || raw === undefined) return { values: {}, path, implicit, lines: {} };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PortcullisError('BAD_INPUT', `${path}:1: expected a mapping of flag names to values, got ${Array.isArray(raw) ? 'a list' : typeof raw}`);
  }
  const obj = raw as Record<string, unknown>;
  const lines: Record<string, number> = {};
  for (const item of (doc.contents as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] }).items ?? []) {
    if (typeof item.key?.value === 'string' && item.key.range) lines[camel(kebab(item.key.value))] = lc.linePos(item.key.range[0]).line;
  }
  // unknown keys first, with a suggestion: a misspelt key must never silently drop a setting
  for (const k of Object.keys(obj)) {
    if (KEYS[kebab(k)] !== undefined && (k === kebab(k) || k === camel(kebab(k)))) continue;
    const near = CONFIG_KEYS.map((c) => [c, distance(kebab(k).toLowerCase(), c)] as const).sort((a, b) => a[1] - b[1])[0];
    const hint = near && near[1] <= 3 ? `did you mean "${near[0]}"? ` : '';
    // the key is the repository's text: quoted when it is not a plain name, so it cannot forge a line
    const shown = /^[A-Za-z0-9_.-]{1,64}$/.test(k) ? k : JSON.stringify(k.slice(0, 64));
    throw new PortcullisError('BAD_INPUT', `${path}:${lines[camel(kebab(k))] ?? 1}: ${shown}: unknown key; ${hint}known keys: ${CONFIG_KEYS.join(', ')}`, { subject: path });
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = validate(configSchema, obj, doc, lc, path) as Record<string, unknown>;
  } catch (e) {
    throw e instanceof PortcullisError ? new PortcullisError('BAD_INPUT', e.message, { cause: e, subject: path }) : e;
  }
  const values: ConfigValues = {};
  /** how each value was spelled in the file (for "given twice") */
  const spelled = new Map<string, string>();
  for (const [k, v] of Object.entries(parsed)) {
    const key = camel(kebab(k));
    if (key in values) throw new PortcullisError('BAD_INPUT', `${path}:${lines[key] ?? 1}: ${k}: given twice (as ${spelled.get(key) ?? key} and ${k})`, { subject: path });
    spelled.set(key, k);
    values[key] = key === 'severity' && Array.isArray(v) ? v.join(',') : v;
    // `no-cache: true` is the flag --no-cache, which commander keeps as `cache: false` (the same for no-rejudge)
    const positive = NEGATED[key];
    if (positive) {
      if (positive in values) throw new PortcullisError('BAD_INPUT', `${path}:${lines[key] ?? 1}: ${k}: given twice (as ${spelled.get(positive) ?? kebab(positive)} and ${k})`, { subject: path });
      values[positive] = v !== true;
      spelled.set(positive, k);
      delete values[key];
    }
  }
  return { values, path, implicit, lines };
}
