// Python lockfiles: poetry.lock, uv.lock (TOML), Pipfile.lock (JSON), pinned requirements*.txt.
// https://python-poetry.org/docs/basic-usage/#committing-your-poetrylock-file-to-version-control
// https://docs.astral.sh/uv/concepts/projects/layout/#the-lockfile
// https://github.com/pypa/pipfile  https://pip.pypa.io/en/stable/reference/requirements-file-format/
import type { Analyzer, AnalyzerContext, Fact, FileInput, Package } from '../../../core/types.js';
import { failed, partial } from '../../status.js';
import { MIB, baseName, isObj, lines, prop, readJson, readText, lockfileFacts, str } from '../common.js';
import { parseToml, tomlGet, tomlString, tomlTable, tomlTables, type TomlTable } from '../toml.js';
import { PYTHON_LOCKFILE, pyPackage, validPyName, validPyVersion } from './common.js';
import { annotatePackages, type DepGraph } from '../depgraph.js';
import { pep503, poetryGraph, uvGraph } from './graph.js';

export const MAX_LOCKFILE_BYTES = 64 * MIB;

export function isPythonLockfile(path: string): boolean {
  if (!path.endsWith('.lock') && !path.endsWith('.txt')) return false;
  // files shipped inside installed distributions describe their own development, not the image
  if (path.includes('/site-packages/') || path.includes('/dist-packages/')) return false;
  const base = baseName(path);
  if (base === 'poetry.lock' || base === 'Pipfile.lock' || base === 'uv.lock') return true;
  return base.startsWith('requirements') && base.endsWith('.txt');
}

function withGraph(pkgs: Package[], g: DepGraph, file: FileInput, ctx: AnalyzerContext): Package[] {
  if (g.truncated) ctx.warn(`${file.path}: dependency paths incomplete: ${g.truncated}`);
  return annotatePackages(pkgs, g.resolve());
}

function parseTomlOrWarn(text: string, file: FileInput, ctx: AnalyzerContext): TomlTable | undefined {
  try {
    return parseToml(text);
  } catch (e) {
    failed(ctx, `${file.path}: invalid TOML (${e instanceof Error ? e.message : String(e)})`);
    return undefined;
  }
}

function tomlPackages(
  doc: TomlTable,
  file: FileInput,
  ctx: AnalyzerContext,
  isDev: (pkg: TomlTable, name: string) => boolean,
  skip: (pkg: TomlTable) => boolean = () => false,
): Package[] {
  const out: Package[] = [];
  let bad = 0;
  for (const p of tomlTables(tomlGet(doc, 'package'))) {
    const name = tomlString(tomlGet(p, 'name'));
    const version = tomlString(tomlGet(p, 'version'));
    if (skip(p)) continue;
    if (name === undefined || version === undefined || !validPyName(name) || !validPyVersion(version)) {
      bad++;
      continue;
    }
    out.push(pyPackage(name, version, PYTHON_LOCKFILE, file, ctx, { dev: isDev(p, name) }));
  }
  if (bad > 0) partial(ctx, `${file.path}: ${bad} [[package]] entries without a valid name/version skipped`);
  return out;
}

export function parsePoetryLock(text: string, file: FileInput, ctx: AnalyzerContext): Package[] {
  const doc = parseTomlOrWarn(text, file, ctx);
  if (!doc) return [];
  const pkgs = tomlPackages(doc, file, ctx, (p) => {
    const category = tomlString(tomlGet(p, 'category'));
    if (category !== undefined) return category === 'dev';
    const groups = tomlGet(p, 'groups');
    // poetry 2: `groups = ["main", "dev"]`; dev-only when "main" is not among them
    return Array.isArray(groups) && groups.length > 0 && !groups.includes('main');
  });
  return withGraph(pkgs, poetryGraph(doc), file, ctx);
}

/** uv.lock: the project itself (editable/virtual source) is skipped; dev = reachable only from dev-dependencies */
export function parseUvLock(text: string, file: FileInput, ctx: AnalyzerContext): Package[] {
  const doc = parseTomlOrWarn(text, file, ctx);
  if (!doc) return [];
  const pkgs = tomlTables(tomlGet(doc, 'package'));
  const isRoot = (p: TomlTable): boolean => {
    const src = tomlTable(tomlGet(p, 'source'));
    return src !== undefined && (tomlGet(src, 'editable') !== undefined || tomlGet(src, 'virtual') !== undefined);
  };
  const depNames = (v: unknown): string[] =>
    tomlTables(v as never).flatMap((d) => {
      const n = tomlString(tomlGet(d, 'name'));
      return n ? [pep503(n)] : [];
    });
  const byName = new Map<string, TomlTable[]>();
  for (const p of pkgs) {
    const n = tomlString(tomlGet(p, 'name'));
    if (n) byName.set(pep503(n), [...(byName.get(pep503(n)) ?? []), p]);
  }
  const prodRoots: string[] = [];
  const devRoots: string[] = [];
  for (const r of pkgs.filter(isRoot)) {
    prodRoots.push(...depNames(tomlGet(r, 'dependencies')));
    const opt = tomlTable(tomlGet(r, 'optional-dependencies'));
    for (const v of Object.values(opt ?? {})) prodRoots.push(...depNames(v));
    const dev = tomlTable(tomlGet(r, 'dev-dependencies'));
    for (const v of Object.values(dev ?? {})) devRoots.push(...depNames(v));
  }
  const walk = (roots: string[]): Set<string> => {
    const seen = new Set<string>();
    const stack = [...roots];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      for (const p of byName.get(n) ?? []) {
        if (isRoot(p)) continue;
        stack.push(...depNames(tomlGet(p, 'dependencies')));
        for (const v of Object.values(tomlTable(tomlGet(p, 'optional-dependencies')) ?? {})) stack.push(...depNames(v));
      }
    }
    return seen;
  };
  const prod = walk(prodRoots);
  const dev = walk(devRoots);
  const out = tomlPackages(doc, file, ctx, (_p, name) => dev.has(pep503(name)) && !prod.has(pep503(name)), isRoot);
  return withGraph(out, uvGraph(doc, isRoot), file, ctx);
}

export function parsePipfileLock(doc: unknown, file: FileInput, ctx: AnalyzerContext): Package[] {
  if (!isObj(doc)) {
    failed(ctx, `${file.path}: not a Pipfile.lock object`);
    return [];
  }
  const out: Package[] = [];
  let unpinned = 0;
  for (const [section, dev] of [
    ['default', false],
    ['develop', true],
  ] as const) {
    const deps = prop(doc, section);
    if (!isObj(deps)) continue;
    for (const [name, v] of Object.entries(deps)) {
      const spec = str(v, 'version');
      const m = spec === undefined ? null : /^===?\s*(\S+)$/.exec(spec.trim());
      if (!m || !validPyName(name) || !validPyVersion(m[1]!)) {
        unpinned++; // VCS / path / editable entries carry no version
        continue;
      }
      out.push(pyPackage(name, m[1]!, PYTHON_LOCKFILE, file, ctx, { dev }));
    }
  }
  if (unpinned > 0) ctx.warn(`${file.path}: ${unpinned} entries without a pinned version skipped`);
  return out;
}

/**
 * Pinned requirements only: `name==version` and `name[extra]==version`, with comments, `--hash` options,
 * line continuations and environment markers stripped. `-r`/`-c` includes are not followed (warning);
 * unpinned, URL and editable requirements are counted in one warning.
 */
export function parseRequirements(text: string, file: FileInput, ctx: AnalyzerContext): Package[] {
  const out: Package[] = [];
  let unpinned = 0;
  const includes: string[] = [];
  // join `\` continuations
  const logical: string[] = [];
  let acc = '';
  for (const raw of lines(text)) {
    if (raw.endsWith('\\')) {
      acc += raw.slice(0, -1) + ' ';
      continue;
    }
    logical.push(acc + raw);
    acc = '';
  }
  if (acc) logical.push(acc);
  for (const l of logical) {
    let line = l;
    // comments: `#` at line start or after whitespace (pip's rule); also `pkg==1.0#c` as seen in the wild
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    line = line.trim();
    if (line === '') continue;
    if (line.startsWith('-')) {
      if (/^(?:-r|-c|--requirement|--constraint)\b/.test(line)) includes.push(line.replace(/^\S+\s*/, '').slice(0, 200));
      continue; // other options (--index-url, -e, --hash …) carry no pinned package
    }
    // drop per-requirement options and environment markers
    line = line.replace(/\s--\S.*$/, '');
    const semi = line.indexOf(';');
    if (semi >= 0) line = line.slice(0, semi);
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\s*\[[A-Za-z0-9._,\s-]*\])?\s*===?\s*([^\s,;]+)\s*$/.exec(line);
    if (!m || !validPyName(m[1]!) || !validPyVersion(m[2]!)) {
      unpinned++;
      continue;
    }
    out.push(pyPackage(m[1]!, m[2]!, PYTHON_LOCKFILE, file, ctx));
  }
  if (includes.length > 0) ctx.warn(`${file.path}: ${includes.length} -r/-c includes not followed (first: ${JSON.stringify(includes[0])})`);
  if (unpinned > 0) ctx.warn(`${file.path}: ${unpinned} requirements without an exact == pin skipped`);
  return out;
}

export const pythonLockfileAnalyzer: Analyzer = {
  name: PYTHON_LOCKFILE,
  version: 1,
  maxFileBytes: MAX_LOCKFILE_BYTES,
  required(path) {
    return isPythonLockfile(path);
  },
  async analyze(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
    const base = baseName(file.path);
    let pkgs: Package[];
    if (base === 'Pipfile.lock') {
      const doc = readJson(file, ctx, MAX_LOCKFILE_BYTES);
      if (doc === undefined) return [];
      pkgs = parsePipfileLock(doc, file, ctx);
    } else {
      const text = readText(file, ctx, MAX_LOCKFILE_BYTES);
      if (text === undefined) return [];
      if (base === 'poetry.lock') pkgs = parsePoetryLock(text, file, ctx);
      else if (base === 'uv.lock') pkgs = parseUvLock(text, file, ctx);
      else pkgs = parseRequirements(text, file, ctx);
    }
    return lockfileFacts(pkgs);
  },
};
