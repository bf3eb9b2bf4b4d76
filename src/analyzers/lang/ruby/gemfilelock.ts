// Gemfile.lock (Bundler): gems listed under `specs:` of GEM and GIT sections (PATH sections are local code).
// https://bundler.io/guides/bundler_setup.html  https://github.com/rubygems/rubygems/blob/master/bundler/lib/bundler/lockfile_parser.rb
import type { Analyzer, AnalyzerContext, Fact, FileInput, Package } from '../../../core/types.js';
import { failed, partial } from '../../status.js';
import { MIB, lines, makePackage, readText, lockfileFacts } from '../common.js';
import { validGemName, validGemVersion } from './gemspec.js';
import { DepGraph, annotatePackages } from '../depgraph.js';

export const GEM_LOCKFILE = 'gem-lockfile';
export const MAX_GEMFILE_LOCK_BYTES = 64 * MIB;

/** `1.15.4-x86_64-linux` → version `1.15.4`, platform `x86_64-linux`; gem versions never contain `-` otherwise */
export function splitPlatform(v: string): { version: string; platform?: string } {
  const i = v.indexOf('-');
  return i < 0 ? { version: v } : { version: v.slice(0, i), platform: v.slice(i + 1) };
}

export function parseGemfileLock(text: string, file: FileInput, ctx: AnalyzerContext): Package[] {
  const out: Package[] = [];
  let section = '';
  let inSpecs = false;
  let bad = 0;
  let sawSection = false;
  // the graph: 6-space lines under a spec are its dependencies; DEPENDENCIES lists the Gemfile's own
  const requires = new Map<string, string[]>();
  const direct: string[] = [];
  let spec: string | undefined;
  for (const line of lines(text)) {
    if (line === '' || line.trim() === '') continue;
    if (section === 'DEPENDENCIES' && line.startsWith('  ') && !line.startsWith('   ')) {
      const d = /^ {2}([^\s!(]+)/.exec(line);
      if (d) direct.push(d[1]!);
      continue;
    }
    if (!line.startsWith(' ')) {
      section = line.trim();
      sawSection = true;
      inSpecs = false;
      continue;
    }
    if (line === '  specs:') {
      inSpecs = true;
      continue;
    }
    if (!line.startsWith('    ')) {
      inSpecs = false; // `  remote:`, `  revision:` …
      continue;
    }
    if (!inSpecs) continue;
    if (line.startsWith('     ')) {
      // 6-space lines are dependencies of the spec above
      const d = /^ {6}([^\s(]+)/.exec(line);
      if (d && spec !== undefined) requires.get(spec)!.push(d[1]!);
      continue;
    }
    spec = undefined;
    if (section !== 'GEM' && section !== 'GIT' && section !== 'PATH') continue;
    const m = /^ {4}(\S+) \(([^()\s]+)\)\s*$/.exec(line);
    if (!m) {
      bad++;
      continue;
    }
    const name = m[1]!;
    spec = name;
    if (!requires.has(name)) requires.set(name, []);
    if (section === 'PATH') continue; // local code: part of the project, not a package; its dependencies are direct
    const { version, platform } = splitPlatform(m[2]!);
    if (!validGemName(name) || !validGemVersion(version)) {
      bad++;
      continue;
    }
    const metadata: Record<string, string> = {};
    if (platform) metadata.platform = platform;
    if (section === 'GIT') metadata.source = 'git';
    out.push(makePackage({ name, version, type: 'gem', foundBy: GEM_LOCKFILE, metadata }, file, ctx));
  }
  if (!sawSection) failed(ctx, `${file.path}: no sections: not a Gemfile.lock`);
  if (bad > 0) partial(ctx, `${file.path}: ${bad} spec lines not of the form "name (version)" skipped`);
  return annotatePackages(out, gemGraph(out, requires, direct).resolve());
}

/** Gems by name (a lock holds one version of each; platform variants share it). PATH gems are the project's own: their dependencies are direct. */
function gemGraph(pkgs: Package[], requires: Map<string, string[]>, direct: string[]): DepGraph {
  const g = new DepGraph();
  for (const p of pkgs) g.node(p.name, p.name, p.version);
  const local = [...requires.keys()].filter((n) => !g.has(n));
  for (const n of [...direct, ...local.flatMap((l) => requires.get(l) ?? [])]) if (g.has(n)) g.root(n);
  for (const [from, deps] of requires) if (g.has(from)) for (const d of deps) if (g.has(d)) g.edge(from, d);
  return g;
}

export const gemLockfileAnalyzer: Analyzer = {
  name: GEM_LOCKFILE,
  version: 1,
  maxFileBytes: MAX_GEMFILE_LOCK_BYTES,
  required(path) {
    if (!path.endsWith('/Gemfile.lock') && !path.endsWith('/gems.locked')) return false;
    // lockfiles shipped inside installed gems describe the gem's own development, not the image
    return !path.includes('/gems/') || !/\/gems\/[^/]+-\d[^/]*\//.test(path);
  },
  async analyze(file: FileInput, ctx: AnalyzerContext): Promise<Fact[]> {
    const text = readText(file, ctx, MAX_GEMFILE_LOCK_BYTES);
    if (text === undefined) return [];
    return lockfileFacts(parseGemfileLock(text, file, ctx));
  },
};
