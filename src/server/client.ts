// The CLI's side of the server: JSON requests with a token, the pipeline bundle with a local cache for
// when the server is unreachable (never older than --server-max-staleness; never used after a refusal
// such as 401/403/404, only after a network failure or a 5xx), uploads, and folder push/pull (YAML
// documents, and VEX JSON files kept byte for byte).
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { homedir } from 'node:os';
import { PortcullisError } from '../core/errors.js';
import { expandUserPaths, readUserFile } from '../core/userfile.js';
import { MAX_POLICY_FILE_BYTES } from '../policy/load.js';
import { parseBundle, type Bundle } from './bundle.js';
import { isVexFile, vexText } from './store/vexdoc.js';

export interface ServerTarget {
  url: string;
  token: string;
  timeoutMs?: number;
}

/** A refusal (4xx) or server fault (5xx); `status` 0 when the server could not be reached. */
export class ServerError extends PortcullisError {
  constructor(
    readonly status: number,
    message: string,
    cause?: unknown,
  ) {
    super(status === 0 ? 'NETWORK' : 'BAD_INPUT', message, { cause });
  }
}

/** The server's base URL: http(s) only, no credentials, no query. */
export function serverBase(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `--server: not a URL: ${JSON.stringify(url.slice(0, 100))}`, { cause: e });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new PortcullisError('BAD_INPUT', `--server: expected an http(s) URL, got ${u.protocol}`);
  if (u.username || u.password) throw new PortcullisError('BAD_INPUT', '--server: put no credentials in the URL (the token comes from $PORTCULLIS_TOKEN)');
  return u.origin + u.pathname.replace(/\/+$/, '');
}

const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export async function serverRequest(t: ServerTarget, method: string, path: string, body?: unknown): Promise<unknown> {
  const url = serverBase(t.url) + path;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${t.token}`, accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(t.timeoutMs ?? 30_000),
      redirect: 'error',
    });
  } catch (e) {
    const why = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).name ?? 'error';
    throw new ServerError(0, `server ${serverBase(t.url)} unreachable (${why})`, e);
  }
  const text = await res.text();
  if (text.length > MAX_RESPONSE_BYTES) throw new ServerError(res.status, `server ${serverBase(t.url)}: response larger than ${MAX_RESPONSE_BYTES} bytes`);
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = json && typeof json === 'object' && typeof (json as { error?: unknown }).error === 'string' ? (json as { error: string }).error : `HTTP ${res.status}`;
    throw new ServerError(res.status, `server ${serverBase(t.url)}: ${method} ${path}: ${res.status} ${err.slice(0, 500)}`);
  }
  return json;
}

export function bundleCacheDir(env: NodeJS.ProcessEnv): string {
  return join(env.PORTCULLIS_CACHE_DIR || join(env.HOME || homedir(), '.cache', 'portcullis'), 'server');
}

/** "24h", "90m", "2d" or a number of hours → milliseconds. */
export function parseStaleness(s: string): number {
  const m = /^(\d{1,6})([mhd]?)$/.exec(s.trim());
  if (!m) throw new PortcullisError('BAD_INPUT', `--server-max-staleness: expected a duration like 24h, 90m or 2d, got ${JSON.stringify(s)}`);
  const n = Number(m[1]);
  return n * (m[2] === 'm' ? 60_000 : m[2] === 'd' ? 86_400_000 : 3_600_000);
}

export interface FetchedBundle {
  bundle: Bundle;
  /** set when the server was unreachable and the cache was used */
  cached?: { savedAt: string; ageMs: number; reason: string };
}

/** Fetch the pipeline's bundle; on a network failure or 5xx, fall back on a cached one no older than `maxStalenessMs`. */
export async function fetchBundle(t: ServerTarget, pipeline: string, opts: { cacheDir: string; now: Date; maxStalenessMs: number }): Promise<FetchedBundle> {
  const key = createHash('sha256').update(`${serverBase(t.url)}\n${pipeline}`).digest('hex').slice(0, 32);
  const file = join(opts.cacheDir, `bundle-${key}.json`);
  try {
    const json = await serverRequest(t, 'GET', `/api/v1/pipelines/${encodeURIComponent(pipeline)}/bundle`);
    const bundle = parseBundle(json, `server ${serverBase(t.url)}`);
    if (bundle.pipeline !== pipeline) throw new PortcullisError('BAD_INPUT', `server ${serverBase(t.url)}: sent the bundle of pipeline ${bundle.pipeline}, not ${pipeline}`);
    await mkdir(opts.cacheDir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ server: serverBase(t.url), pipeline, savedAt: opts.now.toISOString(), bundle }), { mode: 0o600 });
    await rename(tmp, file);
    return { bundle };
  } catch (e) {
    if (!(e instanceof ServerError) || !(e.status === 0 || e.status >= 500)) throw e;
    let cached: { server?: string; pipeline?: string; savedAt?: string; bundle?: unknown };
    try {
      cached = JSON.parse(await readFile(file, 'utf8')) as typeof cached;
    } catch {
      throw new PortcullisError('NETWORK', `${e.message}, and no cached bundle of pipeline ${pipeline} exists`, { cause: e });
    }
    const savedAt = Date.parse(cached.savedAt ?? '');
    const age = opts.now.getTime() - savedAt;
    if (!Number.isFinite(savedAt) || cached.pipeline !== pipeline || cached.server !== serverBase(t.url)) throw new PortcullisError('NETWORK', `${e.message}, and the cached bundle ${file} is unusable`, { cause: e });
    if (age > opts.maxStalenessMs || age < -300_000) {
      throw new PortcullisError('NETWORK', `${e.message}, and the cached bundle of pipeline ${pipeline} (saved ${cached.savedAt}) is older than --server-max-staleness`, { cause: e });
    }
    return { bundle: parseBundle(cached.bundle, file), cached: { savedAt: cached.savedAt!, ageMs: age, reason: e.message } };
  }
}

/** Split a YAML file into its documents' texts, so that joining them gives the file back byte for byte. */
export function splitDocuments(text: string): string[] {
  const parts: string[] = [];
  const re = /^---(?:[ \t].*)?$\n?/gm;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last || parts.length === 0) parts.push(text.slice(last, m.index));
    last = m.index;
    re.lastIndex = m.index + m[0].length;
    if (m[0].length === 0) break;
  }
  parts.push(text.slice(last));
  // pieces with nothing but comments, blank lines and separators join the next document (or the last one)
  const out: string[] = [];
  let carry = '';
  const empty = (s: string) => s.split('\n').every((l) => /^\s*(#.*)?$/.test(l) || /^---\s*$/.test(l) || /^\.\.\.\s*$/.test(l));
  for (const p of parts.filter((x) => x !== '')) {
    if (empty(p)) carry += p;
    else {
      out.push(carry + p);
      carry = '';
    }
  }
  if (carry !== '') {
    if (out.length === 0) return [];
    out[out.length - 1] += carry;
  }
  return out;
}

export interface PushDocument {
  file: string;
  position: number;
  raw: string;
}

/**
 * Read a folder of policy-as-code files into documents with their relative file and position: every
 * .yaml/.yml file's documents, and each VEX JSON file (see isVexFile) whole, as its exact text.
 */
export async function readFolder(dir: string): Promise<PushDocument[]> {
  const root = resolve(dir);
  const found = await expandUserPaths([root], (n) => /\.(ya?ml|json)$/i.test(n), 'POLICY_INVALID', '.yaml, .yml or VEX .json files');
  const out: PushDocument[] = [];
  for (const f of found) {
    const rel = relative(root, f).split(sep).join('/');
    if (/\.json$/i.test(rel)) {
      if (isVexFile(rel)) out.push({ file: rel, position: 0, raw: vexText(await readUserFile(f, MAX_POLICY_FILE_BYTES, 'VEX file'), f) });
      continue;
    }
    const buf = await readUserFile(f, MAX_POLICY_FILE_BYTES, 'policy file');
    if (buf.includes(0)) throw new PortcullisError('POLICY_INVALID', `${f}: binary file, expected YAML text`);
    const docs = splitDocuments(buf.toString('utf8'));
    docs.forEach((raw, i) => out.push({ file: rel, position: i, raw }));
  }
  return out;
}

/** Write pulled documents under `dir`, one file per `file`, documents in position order. */
export async function writeFolder(dir: string, docs: { file: string; position: number; raw: string }[]): Promise<string[]> {
  const root = resolve(dir);
  const byFile = new Map<string, { position: number; raw: string }[]>();
  for (const d of docs) {
    const target = resolve(root, d.file);
    if (!(/\.ya?ml$/i.test(d.file) || isVexFile(d.file)) || (target !== root && !target.startsWith(root + sep)) || d.file.split('/').includes('..')) {
      throw new PortcullisError('BAD_INPUT', `the server sent a document for ${JSON.stringify(d.file.slice(0, 100))}, outside ${dir} or not a .yaml or VEX .json file: refused`);
    }
    const list = byFile.get(d.file) ?? [];
    if (isVexFile(d.file) && list.length > 0) throw new PortcullisError('BAD_INPUT', `the server sent two documents for the VEX file ${JSON.stringify(d.file.slice(0, 100))}: refused`);
    list.push(d);
    byFile.set(d.file, list);
  }
  const written: string[] = [];
  for (const [file, list] of [...byFile].sort()) {
    const target = resolve(root, file);
    await mkdir(dirname(target), { recursive: true });
    // a VEX file is the vendor's text as it was; YAML documents after the first are separated by `---`
    // (pushed text keeps its own; rendered text gets one)
    const text = isVexFile(file) ? list[0]!.raw : list
      .sort((a, b) => a.position - b.position)
      .map((d, i) => (i > 0 && !/^---/m.test(d.raw.split('\n').find((l) => !/^\s*(#.*)?$/.test(l)) ?? '') ? `---\n${d.raw}` : d.raw))
      .join('');
    await writeFile(target, text);
    written.push(file);
  }
  return written;
}
