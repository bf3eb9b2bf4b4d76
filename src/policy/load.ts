// Loading policy-as-code: YAML files (several documents per file, or directories of .yaml/.yml),
// validated against schema.ts, with errors that name file, line, field and what is expected.
import { canonicalJson, digestOf } from './canonical.js';
import { excerpt, expandUserPaths, readUserFile } from '../core/userfile.js';
import { foreignKind, readForeign } from './foreign/index.js';
import { LineCounter, parseAllDocuments, isMap, isPair, isScalar, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { PortcullisError } from '../core/errors.js';
import {
  CONTROL_NAMES,
  exceptionsSchema,
  policySchema,
  type AllowEntry,
  type ExceptionSet,
  type Policy,
  type PolicyException,
} from './schema.js';

/** Policy files are small; anything bigger is a mistake or an attack. */
export const MAX_POLICY_FILE_BYTES = 4 * 1024 * 1024;

export interface ParsedDocs {
  policies: Policy[];
  exceptions: PolicyException[];
  allowlist: AllowEntry[];
  /** canonical JSON of every validated document, for digests */
  canonical: string[];
  /** what converting other scanners' ignore files filled in or left out (policy/foreign) */
  warnings?: string[];
}

/** JSON with object keys sorted at every level: the same content always gives the same bytes. */
export { canonicalJson, digestOf };

type Path = (string | number)[];

function pathString(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) {
    if (typeof p === 'number') s += `[${p}]`;
    else s += (s === '' ? '' : '.') + String(p);
  }
  return s === '' ? '(document)' : s;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  // a short, redacted excerpt: a policy path that is really a .env or /etc/passwd is not quoted back in full
  if (typeof v === 'string') return JSON.stringify(excerpt(v));
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${String(v)}`;
}

function lineOf(doc: Document, lc: LineCounter, path: Path, key?: string): number {
  // Walk down as far as the path exists; report the deepest node found.
  let node: unknown = doc.contents;
  let best: Node | undefined = doc.contents ?? undefined;
  for (const p of path) {
    if (!node || typeof node !== 'object' || !('get' in node)) break;
    const next = (node as { get(k: unknown, keep: boolean): unknown }).get(p, true);
    if (next === undefined) break;
    node = next;
    if (next && typeof next === 'object' && 'range' in next) best = next as Node;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && it.key.value === key);
    if (pair && isScalar(pair.key) && pair.key.range) return lc.linePos(pair.key.range[0]).line;
  }
  const off = best?.range?.[0];
  return off === undefined ? 1 : lc.linePos(off).line;
}

function issueMessage(issue: z.core.$ZodIssue, input: unknown): { message: string; key?: string } {
  switch (issue.code) {
    case 'invalid_value': {
      const vals = issue.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
      const exp = vals.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${vals.join('|')}`;
      return { message: `expected ${exp}, got ${show(input)}` };
    }
    case 'invalid_type':
      if (input === undefined) return { message: `required (expected ${issue.expected})` };
      return { message: `expected ${issue.expected}, got ${show(input)}` };
    case 'unrecognized_keys': {
      const key = issue.keys[0]!;
      const parent = issue.path[issue.path.length - 1];
      const isControls = parent === 'controls' && issue.path[issue.path.length - 2] === 'spec';
      const message = isControls
        ? `unknown control "${key}" (known: ${CONTROL_NAMES.join(', ')})`
        : `unknown field "${key}"`;
      return { message, key };
    }
    case 'invalid_union':
      return { message: `expected a label name or {name, pattern}, got ${show(input)}` };
    default:
      return { message: input === undefined ? issue.message : `${issue.message}, got ${show(input)}` };
  }
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

export function validate<T>(
  schema: z.ZodType<T>,
  value: unknown,
  doc: Document,
  lc: LineCounter,
  file: string,
): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const lines = r.error.issues.map((issue) => {
    const input = issue.code === 'unrecognized_keys' ? undefined : valueAt(value, issue.path);
    const { message, key } = issueMessage(issue, input);
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const line = lineOf(doc, lc, path, key);
    const field = key !== undefined ? pathString([...issue.path, key]) : pathString(issue.path);
    return { line, text: `${file}:${line}: ${field}: ${message}` };
  });
  lines.sort((a, b) => a.line - b.line);
  const uniq = [...new Set(lines.map((l) => l.text))];
  throw new PortcullisError('POLICY_INVALID', uniq.join('\n'), { subject: file });
}

/** Parse and validate every document of one file's text. Throws POLICY_INVALID naming file:line: field. */
export function parseDocuments(text: string, file: string, accept: 'policy' | 'exceptions' | 'any' = 'any'): ParsedDocs {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const out: ParsedDocs = { policies: [], exceptions: [], allowlist: [], canonical: [] };
  const list = Array.isArray(docs) ? docs : [];
  if (!Array.isArray(docs)) {
    throw new PortcullisError('POLICY_INVALID', `${file}:1: YAML syntax error: not a YAML stream`, { subject: file });
  }
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const line = lc.linePos(err.pos[0]).line;
      const msg = err.message.split('\n')[0];
      throw new PortcullisError('POLICY_INVALID', `${file}:${line}: YAML syntax error: ${msg}`, { subject: file, cause: err });
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 50 });
    } catch (e) {
      throw new PortcullisError('POLICY_INVALID', `${file}: YAML error: ${(e as Error).message}`, { subject: file, cause: e });
    }
    if (value === null || value === undefined) continue; // empty document (e.g. a trailing ---)
    const startLine = doc.contents?.range ? lc.linePos(doc.contents.range[0]).line : 1;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new PortcullisError('POLICY_INVALID', `${file}:${startLine}: expected a mapping with apiVersion and kind, got ${show(value)}`, { subject: file });
    }
    const kind = (value as Record<string, unknown>).kind;
    const wanted = accept === 'policy' ? ['AssurancePolicy'] : accept === 'exceptions' ? ['Exceptions'] : ['AssurancePolicy', 'Exceptions'];
    if (typeof kind !== 'string' || !wanted.includes(kind)) {
      const line = lineOf(doc, lc, ['kind']);
      throw new PortcullisError('POLICY_INVALID', `${file}:${line}: kind: expected ${wanted.join(' or ')}, got ${show(kind)}`, { subject: file });
    }
    if (kind === 'AssurancePolicy') {
      const p = validate(policySchema, value, doc, lc, file);
      out.canonical.push(canonicalJson(p));
      out.policies.push({ ...p, source: `${file}:${startLine}` });
    } else {
      const e = validate(exceptionsSchema, value, doc, lc, file);
      out.canonical.push(canonicalJson(e));
      (e.exceptions ?? []).forEach((x, i) => {
        out.exceptions.push({ ...x, source: `${file}:${lineOf(doc, lc, ['exceptions', i])}` });
      });
      (e.allowlist ?? []).forEach((x, i) => {
        out.allowlist.push({ ...x, source: `${file}:${lineOf(doc, lc, ['allowlist', i])}` });
      });
    }
  }
  return out;
}

/** Files named by paths: files as given, directories expanded (recursively, sorted) to *.yaml / *.yml. */
export async function expandPaths(paths: string[]): Promise<string[]> {
  return expandUserPaths(paths, (n) => /\.ya?ml$/i.test(n), 'POLICY_INVALID', '.yaml or .yml files');
}

async function readText(file: string): Promise<string> {
  // regular files only, size checked while reading (a FIFO or /dev/zero never hangs the run)
  const buf = await readUserFile(file, MAX_POLICY_FILE_BYTES, 'policy file');
  if (buf.includes(0)) throw new PortcullisError('POLICY_INVALID', `${file}: binary file, expected YAML text`, { subject: file });
  return buf.toString('utf8');
}

/** Read and validate files of any kind (for `policy validate`). `now` dates what foreign ignore files leave undated. */
export async function loadDocuments(paths: string[], accept: 'policy' | 'exceptions' | 'any' = 'any', now: Date = new Date()): Promise<ParsedDocs & { files: string[] }> {
  const files = await expandPaths(paths);
  const all: ParsedDocs & { files: string[] } = { policies: [], exceptions: [], allowlist: [], canonical: [], files, warnings: [] };
  for (const f of files) {
    const text = await readText(f);
    const d = foreignKind(f) !== undefined && accept !== 'policy' ? readForeign(text, f, now) : parseDocuments(text, f, accept);
    all.warnings!.push(...(d.warnings ?? []));
    all.policies.push(...d.policies);
    all.exceptions.push(...d.exceptions);
    all.allowlist.push(...d.allowlist);
    all.canonical.push(...d.canonical);
  }
  checkUnique(all);
  return all;
}

/** Policy names and exception ids must be unique across everything loaded together. */
export function checkUnique(d: Pick<ParsedDocs, 'policies' | 'exceptions'>): void {
  const seen = new Map<string, string | undefined>();
  for (const p of d.policies) {
    const prev = seen.get(p.metadata.name);
    if (seen.has(p.metadata.name)) {
      throw new PortcullisError('POLICY_INVALID', `${p.source}: metadata.name: policy "${p.metadata.name}" is defined twice (also at ${prev})`, { subject: p.source });
    }
    seen.set(p.metadata.name, p.source);
  }
  const ids = new Map<string, string | undefined>();
  for (const e of d.exceptions) {
    if (ids.has(e.id)) {
      throw new PortcullisError('POLICY_INVALID', `${e.source}: id: exception "${e.id}" is defined twice (also at ${ids.get(e.id)})`, { subject: e.source });
    }
    ids.set(e.id, e.source);
  }
}

/** Load AssurancePolicy documents. Throws POLICY_INVALID / NOT_FOUND; NO_POLICY when none were found. */
export async function loadPolicies(paths: string[]): Promise<{ policies: Policy[]; digest: string; files: string[] }> {
  const d = await loadDocuments(paths, 'policy');
  if (d.policies.length === 0) {
    throw new PortcullisError('NO_POLICY', `no AssurancePolicy documents in ${paths.join(', ')}`);
  }
  return { policies: d.policies, digest: digestOf(d.canonical), files: d.files };
}

/** Load Exceptions documents (exceptions and allowlist entries), merged. */
export async function loadExceptions(paths: string[], now: Date = new Date()): Promise<ExceptionSet & { digest: string; files: string[] }> {
  const d = await loadDocuments(paths, 'exceptions', now);
  const out: ExceptionSet & { digest: string; files: string[] } = { exceptions: d.exceptions, allowlist: d.allowlist, digest: digestOf(d.canonical), files: d.files };
  if (d.warnings?.length) out.warnings = d.warnings;
  return out;
}
