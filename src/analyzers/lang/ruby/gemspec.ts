// Installed gems: `…/specifications/<name>-<version>.gemspec`, as RubyGems writes them at install time.
// Read with a careful line-based parser — never evaluated. https://guides.rubygems.org/specification-reference/
import type { Analyzer, AnalyzerContext, Fact, FileInput } from '../../../core/types.js';
import { failed } from '../../status.js';
import { MIB, lines, makePackage, readText } from '../common.js';

export const GEM_INSTALLED = 'gem-installed';
export const MAX_GEMSPEC_BYTES = 4 * MIB;

export function isInstalledGemspec(path: string): boolean {
  return path.endsWith('.gemspec') && path.includes('/specifications/');
}

/** A Ruby string literal ("…" or '…', optional `.freeze`), or undefined for anything else (interpolation, calls). */
export function rubyString(src: string): { value: string; rest: string } | undefined {
  const s = src.trimStart();
  const q = s[0];
  if (q !== '"' && q !== "'") return undefined;
  let out = '';
  let i = 1;
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (c === q) break;
    if (c === '\\' && i + 1 < s.length) {
      const n = s[++i]!;
      if (q === "'") out += n === "'" || n === '\\' ? n : '\\' + n;
      else out += n === 'n' ? '\n' : n === 't' ? '\t' : n;
      continue;
    }
    if (q === '"' && c === '#' && s[i + 1] === '{') return undefined; // interpolation: code, not data
    out += c;
  }
  if (i >= s.length) return undefined;
  let rest = s.slice(i + 1);
  if (rest.startsWith('.freeze')) rest = rest.slice(7);
  return { value: out, rest };
}

/** `"x"`, `Gem::Version.new("x")`; the rest of the line may only be a comment or a `if s.respond_to? …` guard */
function scalar(expr: string): string | undefined {
  let e = expr.trim();
  const gv = /^Gem::Version\.new\(\s*/.exec(e);
  if (gv) e = e.slice(gv[0].length);
  const s = rubyString(e);
  if (!s) return undefined;
  let rest = s.rest.trim();
  if (gv) {
    if (!rest.startsWith(')')) return undefined;
    rest = rest.slice(1).trim();
  }
  return tail(rest) ? s.value : undefined;
}

function tail(rest: string): boolean {
  return rest === '' || rest.startsWith('#') || /^if\s+\w+\.respond_to\?/.test(rest);
}

/** `["a", "b".freeze]` or a single string */
function list(expr: string): string[] | undefined {
  const e = expr.trim();
  if (!e.startsWith('[')) {
    const one = scalar(e);
    return one === undefined ? undefined : [one];
  }
  const out: string[] = [];
  let rest = e.slice(1).trim();
  while (!rest.startsWith(']')) {
    const s = rubyString(rest);
    if (!s) return undefined;
    out.push(s.value);
    rest = s.rest.trim();
    if (rest.startsWith(',')) rest = rest.slice(1).trim();
    else if (!rest.startsWith(']')) return undefined;
  }
  return tail(rest.slice(1).trim()) ? out : undefined;
}

export interface GemspecFields {
  name?: string;
  version?: string;
  licenses: string[];
}

export function parseGemspec(text: string): GemspecFields {
  const all = lines(text);
  // the block variable: `Gem::Specification.new do |s|`
  let v: string | undefined;
  for (const l of all) {
    const m = /Gem::Specification\.new\s*(?:do|\{)\s*\|\s*([a-z_][A-Za-z0-9_]*)\s*\|/.exec(l);
    if (m) {
      v = m[1];
      break;
    }
  }
  const out: GemspecFields = { licenses: [] };
  if (v === undefined) return out;
  const assign = new RegExp(`^\\s*${v}\\.(name|version|licenses?)\\s*=\\s*(.*)$`);
  for (const l of all) {
    const m = assign.exec(l);
    if (!m) continue;
    const field = m[1]!;
    const expr = m[2]!;
    if (field === 'name' && out.name === undefined) out.name = scalar(expr);
    else if (field === 'version' && out.version === undefined) out.version = scalar(expr);
    else if (field === 'license' || field === 'licenses') out.licenses.push(...(list(expr) ?? []));
  }
  return out;
}

const GEM_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const GEM_VERSION = /^[0-9]+(?:\.[0-9A-Za-z]+)*(?:-[A-Za-z0-9_.-]+)?$/;

export function validGemName(n: string): boolean {
  return n.length <= 256 && GEM_NAME.test(n);
}
export function validGemVersion(v: string): boolean {
  return v.length <= 128 && GEM_VERSION.test(v);
}

export const gemInstalledAnalyzer: Analyzer = {
  name: GEM_INSTALLED,
  version: 1,
  maxFileBytes: MAX_GEMSPEC_BYTES,
  required(path) {
    return isInstalledGemspec(path);
  },
  async analyze(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
    const text = readText(file, ctx, MAX_GEMSPEC_BYTES);
    if (text === undefined) return [];
    const g = parseGemspec(text);
    if (g.name === undefined || g.version === undefined) {
      failed(ctx, `${file.path}: no literal name/version assignment found in gemspec`);
      return [];
    }
    if (!validGemName(g.name) || !validGemVersion(g.version)) {
      failed(ctx, `${file.path}: invalid gem name or version ${JSON.stringify(g.name.slice(0, 100))} ${JSON.stringify(g.version.slice(0, 100))}`);
      return [];
    }
    return [{ kind: 'package', pkg: makePackage({ name: g.name, version: g.version, type: 'gem', licenses: g.licenses, foundBy: GEM_INSTALLED }, file, ctx) }];
  },
};
