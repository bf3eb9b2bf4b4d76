// yarn.lock: classic v1 (its own indented format) and Berry v2+ (YAML with `__metadata`).
// https://classic.yarnpkg.com/lang/en/docs/yarn-lock/  https://yarnpkg.com/advanced/lockfile
import { failed, partial } from '../../status.js';
import { fastYamlDocuments, fullYaml, yamlFallbackAllowed } from './fastyaml.js';
import type { AnalyzerContext, FileInput, Package } from '../../../core/types.js';
import { isObj, lines, str } from '../common.js';
import { NPM_LOCKFILE, npmPackage, validNpmName, validNpmVersion } from './common.js';

/** protocols whose packages are local sources, not published packages: skipped */
const LOCAL_PROTOCOLS = new Set(['file', 'link', 'portal', 'workspace', 'exec']);
/** protocols we keep (registry, aliases, patches of registry packages, git and tarball sources) */
const KEPT_PROTOCOLS = new Set(['npm', 'patch', 'git', 'git+https', 'git+ssh', 'git+http', 'git+file', 'github', 'gitlab', 'bitbucket', 'http', 'https']);

export function isYarnBerry(text: string): boolean {
  return /^__metadata:\s*$/m.test(text.slice(0, 4096));
}

/** split `name@range` at the `@` that separates them (a leading `@` belongs to the scope) */
function splitAt(s: string): [string, string] | undefined {
  const i = s.indexOf('@', 1);
  if (i <= 0) return undefined;
  return [s.slice(0, i), s.slice(i + 1)];
}

function protocolOf(range: string): string | undefined {
  const m = /^([a-z][a-z0-9+.-]*):/.exec(range);
  return m ? m[1] : undefined;
}

type Classified = { kind: 'keep'; name: string } | { kind: 'skip' } | { kind: 'bad'; why: string };

/** Decide from one `name@range` pattern which package the entry is, or that it is local/unknown. */
function classify(pattern: string): Classified {
  const parts = splitAt(pattern.trim().replace(/^"|"$/g, ''));
  if (!parts) return { kind: 'bad', why: `unparsable pattern ${JSON.stringify(pattern.slice(0, 80))}` };
  const [name, range] = parts;
  const proto = protocolOf(range);
  if (proto === undefined) return { kind: 'keep', name };
  if (LOCAL_PROTOCOLS.has(proto)) return { kind: 'skip' };
  if (!KEPT_PROTOCOLS.has(proto)) return { kind: 'bad', why: `unsupported protocol ${JSON.stringify(proto)} in ${JSON.stringify(pattern.slice(0, 80))}` };
  if (proto === 'npm') {
    // alias: `alias@npm:real-name@^1.0.0` resolves to real-name
    const rest = range.slice(4);
    const alias = splitAt(rest);
    if (alias && /^(?:@[^/@]+\/)?[^@/]+$/.test(alias[0])) return { kind: 'keep', name: alias[0] };
  }
  return { kind: 'keep', name };
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    try {
      return JSON.parse(t) as string;
    } catch {
      return t.slice(1, -1);
    }
  }
  return t;
}

export function parseYarnV1(text: string, file: FileInput, ctx: AnalyzerContext): Package[] {
  const out: Package[] = [];
  const problems: string[] = [];
  let header: string | undefined;
  let version: string | undefined;
  let resolved: string | undefined;
  const flush = (): void => {
    if (header === undefined) return;
    const first = header.split(',')[0] ?? '';
    const c = classify(first);
    if (c.kind === 'bad') problems.push(c.why);
    else if (c.kind === 'keep') {
      if (version === undefined) problems.push(`no version for ${JSON.stringify(first.slice(0, 80))}`);
      else if (!validNpmName(c.name) || !validNpmVersion(version)) problems.push(`invalid name/version ${JSON.stringify(c.name.slice(0, 80))}`);
      else
        out.push(
          npmPackage(c.name, version, NPM_LOCKFILE, file, ctx, {
            metadata: resolved && !/^https:\/\/registry\.(?:yarnpkg\.com|npmjs\.org)\//.test(resolved) ? { resolved: resolved.slice(0, 1024) } : undefined,
          }),
        );
    }
    header = version = resolved = undefined;
  };
  for (const line of lines(text)) {
    if (line === '' || line.startsWith('#')) continue;
    if (!line.startsWith(' ')) {
      flush();
      if (!line.endsWith(':')) {
        problems.push(`unexpected line ${JSON.stringify(line.slice(0, 80))}`);
        continue;
      }
      header = line.slice(0, -1);
      continue;
    }
    if (header === undefined) continue;
    // fields of the entry are indented by exactly two spaces
    if (line.startsWith('  ') && line[2] !== ' ') {
      const m = /^ {2}("(?:[^"\\]|\\.)*"|[^\s:]+):?\s+(.*)$/.exec(line);
      if (!m) continue;
      const key = unquote(m[1]!);
      if (key === 'version') version = unquote(m[2]!);
      else if (key === 'resolved') resolved = unquote(m[2]!);
    }
  }
  flush();
  if (problems.length > 0) partial(ctx, `${file.path}: ${problems.length} yarn.lock entries skipped (first: ${problems[0]})`);
  return out;
}

export function parseYarnBerry(text: string, file: FileInput, ctx: AnalyzerContext): Package[] {
  const fast = fastYamlDocuments(text);
  let doc: unknown;
  if (fast && fast.length === 1) doc = fast[0];
  else if (!yamlFallbackAllowed(text, file.path, (m) => failed(ctx, m))) return [];
  else
    try {
      doc = fullYaml().parse(text, { maxAliasCount: 100, uniqueKeys: false });
    } catch (e) {
      failed(ctx, `${file.path}: invalid YAML (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
      return [];
    }
  if (!isObj(doc)) {
    failed(ctx, `${file.path}: not a yarn lockfile`);
    return [];
  }
  const out: Package[] = [];
  const problems: string[] = [];
  for (const [key, v] of Object.entries(doc)) {
    if (key === '__metadata' || !isObj(v)) continue;
    if (v.linkType === 'soft') continue; // workspaces and links
    const resolution = str(v, 'resolution');
    const version = typeof v.version === 'number' ? String(v.version) : str(v, 'version');
    const c = classify(resolution ?? key.split(',')[0] ?? '');
    if (c.kind === 'skip') continue;
    if (c.kind === 'bad') {
      problems.push(c.why);
      continue;
    }
    if (version === undefined || version === '0.0.0-use.local') {
      problems.push(`no version for ${JSON.stringify(key.slice(0, 80))}`);
      continue;
    }
    if (!validNpmName(c.name) || !validNpmVersion(version)) {
      problems.push(`invalid name/version in ${JSON.stringify(key.slice(0, 80))}`);
      continue;
    }
    out.push(npmPackage(c.name, version, NPM_LOCKFILE, file, ctx));
  }
  if (problems.length > 0) partial(ctx, `${file.path}: ${problems.length} yarn.lock entries skipped (first: ${problems[0]})`);
  return out;
}
