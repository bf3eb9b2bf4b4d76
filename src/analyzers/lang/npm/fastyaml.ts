// A fast reader for the machine-written YAML subset of pnpm-lock.yaml and yarn Berry lockfiles: block
// mappings indented with spaces, plain / single-quoted / double-quoted scalars, one-line flow mappings and
// sequences, `- scalar` block sequences, comments and `---` document separators. The general `yaml` package
// needs seconds per megabyte on these files; this reads them in tens of milliseconds.
// Anything outside the subset (anchors, aliases, tags, block scalars, multi-line scalars, complex keys, tabs)
// makes it return undefined, and the caller falls back to the full `yaml` parser. Tests check that both give
// the same result on real lockfiles.
import { createRequire } from 'node:module';

/** The full YAML parser, loaded only for the lockfiles the fast reader declines (start-up stays light). */
export const fullYaml = (): typeof import('yaml') => createRequire(import.meta.url)('yaml') as typeof import('yaml');

/**
 * The largest lockfile handed to the general `yaml` parser when it is outside the fast subset. `yaml` needs
 * about 1.3 s per MB on lockfiles (measured in bench/), so without a cap a large or hostile lockfile with one
 * anchor would cost minutes; past it the file is not read and the analyzer says so (a coverage gap).
 */
export const MAX_YAML_FALLBACK_BYTES = 2 * 1024 * 1024;

/** Whether `text` may go to the general parser; warns (naming the file) when it may not. */
export function yamlFallbackAllowed(text: string, path: string, warn: (m: string) => void): boolean {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= MAX_YAML_FALLBACK_BYTES) return true;
  warn(`${path}: ${bytes} bytes of YAML outside the machine-written subset; the general parser is limited to ${MAX_YAML_FALLBACK_BYTES} bytes, so the file was not read`);
  return false;
}

export type Y = string | number | boolean | null | Y[] | { [k: string]: Y };
type YMap = { [k: string]: Y };

class Unsupported extends Error {}

function bail(): never {
  throw new Unsupported();
}

function setKey(m: YMap, k: string, v: Y): void {
  if (k === '__proto__') Object.defineProperty(m, k, { value: v, enumerable: true, writable: true, configurable: true });
  else m[k] = v;
}

/** plain scalar → YAML 1.2 core schema value */
function plain(s: string): Y {
  if (s === '') return null;
  const c = s.charCodeAt(0);
  // only these first characters can start a null, boolean or number
  if (c === 0x7e || c === 0x6e || c === 0x4e) {
    if (s === '~' || s === 'null' || s === 'Null' || s === 'NULL') return null;
  } else if (c === 0x74 || c === 0x54 || c === 0x66 || c === 0x46) {
    if (s === 'true' || s === 'True' || s === 'TRUE') return true;
    if (s === 'false' || s === 'False' || s === 'FALSE') return false;
  } else if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
    if (/^[-+]?\d+$/.test(s)) {
      const n = Number(s);
      return Number.isSafeInteger(n) ? n : bail();
    }
    if (/^[-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(s) || /^[-+]?\d+[eE][-+]?\d+$/.test(s)) return Number(s);
    if (/^0[xo]/.test(s) || /^[-+]?\.(?:inf|Inf|INF|nan|NaN|NAN)$/.test(s) || /^-(?:\s|$)/.test(s)) bail();
  } else if ('&*!|>%@`\'"{[]}#,?'.includes(s[0]!)) bail(); // indicators that start other constructs
  if (s.includes(': ') || s.includes(' #')) bail();
  return s;
}

/** reads a scalar token at s[i..], for keys and values; returns value and the index after it */
function scalarAt(s: string, i: number, stops: string): [string, number, boolean] {
  const c = s[i];
  if (c === "'") {
    let out = '';
    let j = i + 1;
    for (;;) {
      const q = s.indexOf("'", j);
      if (q < 0) bail();
      out += s.slice(j, q);
      if (s[q + 1] === "'") {
        out += "'";
        j = q + 2;
        continue;
      }
      return [out, q + 1, true];
    }
  }
  if (c === '"') {
    let j = i + 1;
    while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
    if (j >= s.length) bail();
    const raw = s.slice(i, j + 1);
    if (/\\[^"\\/bfnrtu]/.test(raw)) bail();
    try {
      return [JSON.parse(raw) as string, j + 1, true];
    } catch {
      return bail();
    }
  }
  let j = i;
  while (j < s.length) {
    const d = s[j]!;
    if (d === ':') {
      // `:` ends a key only when followed by a space or the end of the line (`file:foo` is one scalar)
      if (stops.includes(':') && (s[j + 1] === ' ' || j + 1 === s.length)) break;
    } else if (stops.includes(d)) break;
    if (d === '#' && s[j - 1] === ' ') break;
    j++;
  }
  return [s.slice(i, j).trim(), j, false];
}

function flow(s: string, i: number, depth: number): [Y, number] {
  if (depth > 32) bail();
  const open = s[i];
  const close = open === '{' ? '}' : ']';
  const out: Y = open === '{' ? {} : [];
  let j = i + 1;
  const ws = (): void => {
    while (s[j] === ' ') j++;
  };
  ws();
  if (s[j] === close) return [out, j + 1];
  for (;;) {
    ws();
    let key: string | undefined;
    if (open === '{') {
      const [k, after, quoted] = scalarAt(s, j, ':,}');
      if (!quoted && k === '') bail();
      key = k;
      j = after;
      if (s[j] !== ':') bail();
      j++;
      ws();
    }
    let v: Y;
    if (s[j] === '{' || s[j] === '[') [v, j] = flow(s, j, depth + 1);
    else {
      const [t, after, quoted] = scalarAt(s, j, open === '{' ? ',}' : ',]');
      v = quoted ? t : plain(t);
      j = after;
    }
    if (key !== undefined) {
      if (Object.prototype.hasOwnProperty.call(out, key)) bail();
      setKey(out as YMap, key, v);
    } else (out as Y[]).push(v);
    ws();
    if (s[j] === ',') {
      j++;
      continue;
    }
    if (s[j] === close) return [out, j + 1];
    bail();
  }
}

function value(s: string): Y {
  const t = s.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    const [v, end] = flow(t, 0, 0);
    const rest = t.slice(end).trim();
    if (rest !== '' && !rest.startsWith('#')) bail();
    return v;
  }
  const [v, end, quoted] = scalarAt(t, 0, '');
  const rest = t.slice(end).trim();
  if (rest !== '' && !rest.startsWith('#')) bail();
  return quoted ? v : plain(v);
}

interface Frame {
  indent: number;
  node: YMap | Y[];
}

function parseDoc(lines: string[]): Y {
  let root: YMap | Y[] | undefined;
  const stack: Frame[] = [];
  // a `key:` without value waits for its children to decide between mapping and sequence
  let pending: { parent: YMap; key: string; indent: number } | undefined;
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    let indent = 0;
    while (line[indent] === ' ') indent++;
    const body = line.slice(indent);
    if (body === '' || body.startsWith('#')) continue;
    if (body.startsWith('\t')) bail();
    const isItem = body === '-' || body.startsWith('- ');
    if (pending) {
      if (indent > pending.indent || (isItem && indent === pending.indent)) {
        const node: YMap | Y[] = isItem ? [] : {};
        setKey(pending.parent, pending.key, node);
        stack.push({ indent, node });
      }
      pending = undefined;
    }
    if (root === undefined) {
      root = isItem ? [] : {};
      stack.push({ indent, node: root });
    }
    while (stack.length > 0 && indent < stack[stack.length - 1]!.indent) stack.pop();
    const top = stack[stack.length - 1];
    if (!top || top.indent !== indent) bail();
    if (isItem) {
      if (!Array.isArray(top.node)) bail();
      const item = body.slice(1).trim();
      if (item === '' || /^[^'"{[][^:]*:(?:\s|$)/.test(item)) bail(); // nested structures in sequences
      top.node.push(value(item));
      continue;
    }
    if (Array.isArray(top.node)) bail();
    if (body.startsWith('? ') || body.startsWith('- ')) bail();
    const [key, after, quoted] = scalarAt(body, 0, ':');
    if (!quoted && (key === '' || /^[&*!|>%@`{[]/.test(key))) bail();
    if (body[after] !== ':') bail();
    if (Object.prototype.hasOwnProperty.call(top.node, key)) bail();
    const rest = body.slice(after + 1);
    if (rest.trim() === '' || rest.trim().startsWith('#')) {
      setKey(top.node, key, null);
      pending = { parent: top.node, key, indent };
      continue;
    }
    if (!rest.startsWith(' ')) bail();
    const r = rest.trim();
    if (r.startsWith('|') || r.startsWith('>') || r.startsWith('&') || r.startsWith('*') || r.startsWith('!')) bail();
    setKey(top.node, key, value(r));
  }
  return root ?? null;
}

/** All documents of the text, or undefined when it leaves the supported subset. */
export function fastYamlDocuments(text: string): Y[] | undefined {
  try {
    const docs: string[][] = [[]];
    for (const line of text.split('\n')) {
      if (line === '---' || line === '---\r') docs.push([]);
      else if (line.startsWith('...') || line.startsWith('%')) bail();
      else docs[docs.length - 1]!.push(line);
    }
    const out = docs.map(parseDoc);
    // an empty trailing/leading document from a separator is not a document
    return out.filter((d, i) => d !== null || (i === 0 && docs.length === 1));
  } catch (e) {
    if (e instanceof Unsupported || e instanceof RangeError) return undefined;
    throw e;
  }
}
