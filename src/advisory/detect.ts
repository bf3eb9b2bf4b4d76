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

async function hasSecdbYaml(dir: string, depth = 0): Promise<boolean> {
  if (depth > 2) return false;
  for (const name of (await readdir(dir)).sort()) {
    const p = join(dir, name);
    const st = await stat(p).catch(() => undefined);
    if (!st) continue;
    if (st.isFile() && /\.ya?ml$/i.test(name) && /^\s*(---\s*)?(distroversion|packages|reponame|archs|urlprefix|apkurl):/m.test(await head(p, 4096))) {
      return true;
    }
    if (st.isDirectory() && (await hasSecdbYaml(p, depth + 1))) return true;
  }
  return false;
}

export async function detectSource(arg: string): Promise<SourceSpec> {
  const m = /^([a-z-]+):(.+)$/.exec(arg);
  if (m && (SOURCE_KINDS as readonly string[]).includes(m[1] as string)) return { kind: m[1] as SourceKind, path: m[2] as string };
  const path = arg;
  const st = await stat(path).catch(() => undefined);
  if (!st) throw new PortcullisError('NOT_FOUND', `advisory source ${path} does not exist`, { subject: path });
  if (st.isDirectory()) return { kind: (await hasSecdbYaml(path)) ? 'alpine-secdb' : 'osv', path };
  const lower = path.toLowerCase();
  if (lower.endsWith('.zip')) return { kind: 'osv', path };
  if (lower.endsWith('.csv') || lower.endsWith('.csv.gz')) return { kind: 'epss', path };
  if (/\.ya?ml$/.test(lower)) return { kind: 'alpine-secdb', path };
  if (lower.endsWith('.json')) {
    const text = await head(path);
    if (/"catalogVersion"\s*:/.test(text) || /"cveID"\s*:/.test(text)) return { kind: 'kev', path };
    if (/^\s*\{\s*"[^"]+"\s*:\s*\{\s*"(CVE-\d{4}-\d+|TEMP-\d+-[0-9A-F]+)"\s*:/.test(text)) return { kind: 'debian-tracker', path };
    return { kind: 'osv', path };
  }
  throw new PortcullisError('BAD_INPUT', `cannot tell what kind of advisory source ${path} is; prefix it with one of ${SOURCE_KINDS.join(', ')} and a colon (e.g. osv:${path})`, {
    subject: path,
  });
}
