// Nothing secret leaves: a matched secret is shown as a few leading characters and its length, and the
// copy of the image configuration that goes into reports (Env, Labels, history created_by, Cmd,
// Entrypoint, Healthcheck) is redacted wherever a secret rule matches or a variable's name says it holds
// a secret (`*_TOKEN`, `*_PASSWORD`, `*_SECRET`, `*_KEY`, ...).
import type { ImageConfig } from '../../core/types.js';
import { defaultRules, type RuleSet } from './config.js';
import { CompiledRules, scanString } from './scan.js';

/** `ghp_…(40 chars)`: at most 4 leading characters, fewer for short secrets, never the rest. */
export function redactSecret(secret: string): string {
  const n = secret.length;
  const keep = n >= 20 ? 4 : n >= 12 ? 2 : 0;
  return `${secret.slice(0, keep)}…(${n} chars)`;
}

export const REDACTED = '***REDACTED***';

/** a name that says what it holds: API_KEY, DB_PASSWORD, GITHUB_TOKEN, aws_secret_access_key, PRIVATE_KEY, ... */
const SECRET_NAME = /(?:^|[_.-])(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_.-]?key|access[_.-]?key(?:[_.-]?id)?|private[_.-]?key|priv[_.-]?key|key|credentials?|creds|auth|session|cookie|signature|salt|dsn|connection[_.-]?string)(?:$|[_.-])/i;
/** names that contain a secret word but hold none */
const NOT_SECRET_NAME = /(?:^|_)(?:KEY_?(?:ID|FILE|PATH|NAME|SIZE|LENGTH|TYPE)|(?:TOKEN|SECRET|PASSWORD|CREDENTIALS?)_?(?:FILE|PATH|DIR|URL|ENDPOINT|NAME|TYPE))$/i;

export function secretName(name: string): boolean {
  return SECRET_NAME.test(name) && !NOT_SECRET_NAME.test(name);
}

function compiledFor(rules?: RuleSet): CompiledRules {
  return CompiledRules.of(rules ?? defaultRules());
}

/** Replace every secret the rules find in `text`, or all of it when `whole` (the name said so). */
export function redactText(text: string, rules: CompiledRules, path: string): string {
  if (!text) return text;
  const hits = scanString(rules, path, text);
  let out = text;
  for (const h of hits) {
    if (h.line === undefined) continue;
    // the scanner decodes latin1; map the secret back to the string as given
    const secret = Buffer.from(h.secret, 'latin1').toString('utf8');
    out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** `NAME=value` with the value redacted when the name or a rule says it is a secret */
function redactAssignment(kv: string, rules: CompiledRules, path: string): string {
  const eq = kv.indexOf('=');
  if (eq > 0 && secretName(kv.slice(0, eq)) && kv.length > eq + 1) return `${kv.slice(0, eq + 1)}${REDACTED}`;
  return redactText(kv, rules, path);
}

/** `ENV A=1 SECRET_TOKEN=x`, `ENV TOKEN value`, `--build-arg`/ARG values in a history line: assignments to secret names, and rule matches */
export function redactCommand(cmd: string, rules: CompiledRules, path: string): string {
  const quoted = (value: string): string => (value[0] === '"' || value[0] === "'" ? `${value[0]}${REDACTED}${value[0]}` : REDACTED);
  let out = cmd.replace(/([A-Za-z_][A-Za-z0-9_.-]{0,127})=("[^"]*"|'[^']*'|[^\s"';&|]+)/g, (m, name: string, value: string) => (secretName(name) ? `${name}=${quoted(value)}` : m));
  // the legacy `ENV NAME value` form: the rest of the instruction is the value
  out = out.replace(/(\bENV\s+)([A-Za-z_][A-Za-z0-9_.-]*)(\s+)([^=\s][^=]*)$/, (m, kw: string, name: string, sp: string) => (secretName(name) ? `${kw}${name}${sp}${REDACTED}` : m));
  return redactText(out, rules, path);
}

/** A copy of the image configuration safe to print. Pass the scan's rules, or the default rules are used. */
export function redactImageConfig(config: ImageConfig, rules?: RuleSet): ImageConfig {
  const r = compiledFor(rules);
  const list = (xs: string[] | undefined, path: string): string[] | undefined => xs?.map((x) => redactCommand(x, r, path));
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.labels)) labels[k] = secretName(k) && v ? REDACTED : redactText(v, r, `config:labels/${k}`);
  const out: ImageConfig = {
    ...config,
    env: config.env.map((e) => redactAssignment(e, r, `config:env/${e.split('=')[0]}`)),
    labels,
    history: config.history.map((h, i) => (h.createdBy === undefined ? h : { ...h, createdBy: redactCommand(h.createdBy, r, `config:history/${i}`) })),
  };
  if (config.cmd) out.cmd = list(config.cmd, 'config:cmd');
  if (config.entrypoint) out.entrypoint = list(config.entrypoint, 'config:entrypoint');
  if (config.healthcheck?.test) out.healthcheck = { ...config.healthcheck, test: list(config.healthcheck.test, 'config:healthcheck') };
  return out;
}

const lineCache = new Map<string, string>();
/** A history or layer `created_by` line safe to print (default rules), memoized: the same layer recurs in many refs. */
export function redactCommandLine(cmd: string): string {
  let out = lineCache.get(cmd);
  if (out === undefined) {
    out = redactCommand(cmd, compiledFor(), 'config:history');
    if (lineCache.size > 1000) lineCache.clear();
    lineCache.set(cmd, out);
  }
  return out;
}

/** A layer reference safe to print. */
export function redactLayerRef<T extends { createdBy?: string }>(l: T): T {
  return l.createdBy === undefined ? l : { ...l, createdBy: redactCommandLine(l.createdBy) };
}
