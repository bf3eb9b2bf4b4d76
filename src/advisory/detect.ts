// Decides which importer reads a `--source` argument: an explicit `kind:path` prefix, or by looking
// at the path (zip -> osv; csv -> epss; JSON -> KEV catalog / Debian tracker / OSV record by its
// opening bytes; directory with secdb YAML -> alpine-secdb; other directories -> osv).
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PortcullisError } from '../core/errors.js';
import type { SourceKind } from './types.js';

export const SOURCE_KINDS: readonly SourceKind[] = ['osv', 'alpine-secdb', 'debian-tracker', 'kev', 'epss'];

export interface SourceSpec {
  kind: SourceKind;
  path: string;
}

async function head(path: string, n = 65536): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

async function hasSecdbYaml(dir: string, depth = 0, maxDepth = 1): Promise<boolean> {
  if (depth > maxDepth) return false;
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    const st = await stat(p).catch(() => undefined);
    if (!st) continue;
    if (st.isFile() && /\.ya?ml$/i.test(name) && /^\s*(---\s*)?(distroversion|packages|reponame|archs|urlprefix|apkurl):/m.test(await head(p, 4096))) {
      return true;
    }
    if (st.isDirectory() && (await hasSecdbYaml(p, depth + 1, maxDepth))) return true;
  }
  return false;
}

async function detectFile(path: string): Promise<SourceSpec | undefined> {
  const lower = path.toLowerCase();
  if (lower.endsWith('.zip')) return { kind: 'osv', path };
  if (lower.endsWith('.csv') || lower.endsWith('.csv.gz')) return { kind: 'epss', path };
  if (/\.ya?ml$/.test(lower)) return { kind: 'alpine-secdb', path };
  if (lower.endsWith('.json')) {
    const text = await head(path);
    if (/"vulnerabilities"\s*:\s*\[/.test(text) && (/"catalogVersion"\s*:\s*"/.test(text) || /"cveID"\s*:\s*"/.test(text))) return { kind: 'kev', path };
    if (/^\s*\{\s*"[^"]+"\s*:\s*\{\s*"(CVE-\d{4}-\d+|TEMP-\d+-[0-9A-F]+)"\s*:/.test(text)) return { kind: 'debian-tracker', path };
    return { kind: 'osv', path };
  }
  return undefined;
}

/** A JSON Schema document (like KEV's published schema) is never advisory data. */
async function isJsonSchema(path: string): Promise<boolean> {
  const text = await head(path, 4096);
  return /"\$schema"\s*:/.test(text) && /"properties"\s*:/.test(text);
}

/** One source, detected as a whole (a directory is Alpine secdb or OSV). */
export async function detectSource(arg: string): Promise<SourceSpec> {
  const m = /^([a-z-]+):(.+)$/.exec(arg);
  if (m && (SOURCE_KINDS as readonly string[]).includes(m[1] as string)) return { kind: m[1] as SourceKind, path: m[2] as string };
  const path = arg;
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new PortcullisError('NOT_FOUND', `advisory source ${path} does not exist`, { subject: path });
  if (st.isDirectory()) return { kind: (await hasSecdbYaml(path)) ? 'alpine-secdb' : 'osv', path };
  const spec = await detectFile(path);
  if (spec) return spec;
  throw new PortcullisError('BAD_INPUT', `cannot tell what kind of advisory source ${path} is; prefix it with one of ${SOURCE_KINDS.join(', ')} and a colon (e.g. osv:${path})`, {
    subject: path,
  });
}

/** Does this directory hold something other than OSV material (so it must be split per child)? */
async function isMixed(dir: string, depth: number): Promise<boolean> {
  for (const name of (await readdir(dir)).sort()) {
    if (name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = await stat(p).catch(() => undefined);
    if (!st) continue;
    if (st.isFile()) {
      const spec = await detectFile(p);
      if (spec && spec.kind !== 'osv') return true;
    } else if (st.isDirectory() && depth < 2) {
      if ((await hasSecdbYaml(p)) || (await isMixed(p, depth + 1))) return true;
    }
  }
  return false;
}

/**
 * Expands a `--source` into the sources it holds. A directory mixing kinds (like ../shared/data:
 * osv/, ghsa/, alpine-secdb/, debian/, kev/) is split per child; JSON Schema files and files of other
 * types (README.md) in such a directory are not sources.
 */
export async function detectSources(arg: string): Promise<SourceSpec[]> {
  const single = await detectSource(arg);
  if (single.path !== arg || single.kind !== 'osv') return [single];
  const st = await stat(arg);
  if (!st.isDirectory() || !(await isMixed(arg, 0))) return [single];
  const out: SourceSpec[] = [];
  for (const name of (await readdir(arg)).sort()) {
    if (name.startsWith('.')) continue;
    const p = join(arg, name);
    const cst = await stat(p).catch(() => undefined);
    if (!cst) continue;
    if (cst.isDirectory()) out.push(...(await detectSources(p)));
    else if (cst.isFile()) {
      const spec = await detectFile(p);
      if (spec && !(p.toLowerCase().endsWith('.json') && (await isJsonSchema(p)))) out.push(spec);
    }
  }
  return out;
}
