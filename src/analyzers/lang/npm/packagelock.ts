// package-lock.json / npm-shrinkwrap.json, lockfileVersion 1 (`dependencies` tree) and 2/3 (`packages`
// map keyed by install path). https://docs.npmjs.com/cli/configuring-npm/package-lock-json
import type { AnalyzerContext, FileInput, Package } from '../../../core/types.js';
import { failed, partial } from '../../status.js';
import { isObj, prop, str } from '../common.js';
import { NPM_LOCKFILE, npmLicenses, npmPackage, validNpmName, validNpmVersion } from './common.js';
import { annotatePackages } from '../depgraph.js';
import { dependenciesGraph, packagesGraph } from './graph.js';

interface Entry {
  name: string;
  version: string;
  dev: boolean;
  licenses: string[];
  resolved?: string;
}

const LOCAL = /^(?:file|link|workspace|portal):/;

export function parsePackageLock(doc: unknown, file: FileInput, ctx: AnalyzerContext): Package[] {
  if (!isObj(doc)) {
    failed(ctx, `${file.path}: not a package-lock object`);
    return [];
  }
  const packages = prop(doc, 'packages');
  const entries = isObj(packages) ? fromPackages(packages, file, ctx) : fromDependencies(prop(doc, 'dependencies'), file, ctx);
  if (!isObj(packages) && prop(doc, 'dependencies') === undefined && prop(doc, 'lockfileVersion') === undefined) {
    failed(ctx, `${file.path}: neither "packages" nor "dependencies": not a package-lock file`);
  }
  // one package per name@version; dev only when every occurrence is dev
  const byKey = new Map<string, Entry>();
  for (const e of entries) {
    const k = `${e.name}@${e.version}`;
    const seen = byKey.get(k);
    if (!seen) byKey.set(k, e);
    else {
      seen.dev = seen.dev && e.dev;
      if (seen.licenses.length === 0) seen.licenses = e.licenses;
    }
  }
  const pkgs = [...byKey.values()].map((e) =>
    npmPackage(e.name, e.version, NPM_LOCKFILE, file, ctx, {
      licenses: e.licenses,
      dev: e.dev,
      metadata: e.resolved && !e.resolved.startsWith('https://registry.npmjs.org/') ? { resolved: e.resolved.slice(0, 1024) } : undefined,
    }),
  );
  const graph = isObj(packages) ? packagesGraph(packages) : dependenciesGraph(prop(doc, 'dependencies'));
  if (graph.truncated) ctx.warn(`${file.path}: dependency paths incomplete: ${graph.truncated}`);
  return annotatePackages(pkgs, graph.resolve());
}

/** name from an install path: the part after the last `node_modules/` */
function nameFromPath(key: string): string | undefined {
  const i = key.lastIndexOf('node_modules/');
  if (i < 0) return undefined;
  if (i > 0 && key[i - 1] !== '/') return undefined;
  return key.slice(i + 'node_modules/'.length);
}

function fromPackages(packages: Record<string, unknown>, file: FileInput, ctx: AnalyzerContext): Entry[] {
  // workspace directories ("packages/a") are reached through `link: true` entries ("node_modules/a")
  const linkNames = new Map<string, string>();
  for (const [key, v] of Object.entries(packages)) {
    if (prop(v, 'link') === true) {
      const target = str(v, 'resolved');
      const name = nameFromPath(key);
      if (target !== undefined && name !== undefined) linkNames.set(target, name);
    }
  }
  const out: Entry[] = [];
  let bad = 0;
  for (const [key, v] of Object.entries(packages)) {
    if (key === '' || !isObj(v)) continue; // "" is the root project
    if (v.link === true) continue; // the target directory has its own entry
    const pathName = nameFromPath(key);
    const name = str(v, 'name') ?? pathName ?? linkNames.get(key);
    const version = str(v, 'version');
    if (name === undefined || version === undefined) {
      // a workspace directory nobody links to, or a broken entry
      if (pathName !== undefined) bad++;
      continue;
    }
    if (LOCAL.test(version)) continue;
    if (!validNpmName(name) || !validNpmVersion(version)) {
      bad++;
      continue;
    }
    out.push({ name, version, dev: v.dev === true, licenses: npmLicenses(v), resolved: str(v, 'resolved') });
  }
  if (bad > 0) partial(ctx, `${file.path}: ${bad} "packages" entries without a valid name/version skipped`);
  return out;
}

function fromDependencies(deps: unknown, file: FileInput, ctx: AnalyzerContext): Entry[] {
  const out: Entry[] = [];
  let bad = 0;
  // iterative walk of the v1 nested tree, depth-capped
  const stack: { deps: unknown; depth: number }[] = [{ deps, depth: 0 }];
  while (stack.length > 0) {
    const { deps: d, depth } = stack.pop()!;
    if (!isObj(d)) continue;
    if (depth > 256) {
      partial(ctx, `${file.path}: dependency tree deeper than 256 levels, rest skipped`);
      break;
    }
    for (const [name, v] of Object.entries(d)) {
      if (!isObj(v)) continue;
      const version = str(v, 'version');
      if (version !== undefined && !LOCAL.test(version)) {
        if (validNpmName(name) && validNpmVersion(version)) {
          // v1 aliases: version "npm:real-name@1.2.3"
          const alias = /^npm:((?:@[^/@]+\/)?[^@]+)@(.+)$/.exec(version);
          if (alias) out.push({ name: alias[1]!, version: alias[2]!, dev: v.dev === true, licenses: [], resolved: str(v, 'resolved') });
          else out.push({ name, version, dev: v.dev === true, licenses: [], resolved: str(v, 'resolved') });
        } else bad++;
      }
      if (v.dependencies !== undefined) stack.push({ deps: v.dependencies, depth: depth + 1 });
    }
  }
  if (bad > 0) partial(ctx, `${file.path}: ${bad} "dependencies" entries without a valid name/version skipped`);
  return out;
}
