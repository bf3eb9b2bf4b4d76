// package-lock.json / npm-shrinkwrap.json, lockfileVersion 1 (`dependencies` tree) and 2/3 (`packages`
// map keyed by install path). https://docs.npmjs.com/cli/configuring-npm/package-lock-json
import type { AnalyzerContext, FileInput, Package } from '../../../core/types.js';
import { failed, partial } from '../../status.js';
import { isObj, prop, str } from '../common.js';
import { NPM_LOCKFILE, npmLicenses, npmPackage, validNpmName, validNpmVersion } from './common.js';
import { annotatePackages } from '../depgraph.js';
import { dependenciesGraph, packagesGraph } from './graph.js';

const LOCAL = /^(?:file|link|workspace|portal):/;

type Add = (name: string, version: string, entry: Record<string, unknown>, licenses: boolean) => void;

/**
 * The packages a package-lock lists, one per entry, in file order: entries repeating a name@version
 * are merged by `lockfileFacts` (dev only when every occurrence is dev). Each entry becomes a package as
 * it is read (no intermediate list, no `Object.entries` copy of a 1e6-entry map).
 */
export function parsePackageLock(doc: unknown, file: FileInput, ctx: AnalyzerContext): Package[] {
  if (!isObj(doc)) {
    failed(ctx, `${file.path}: not a package-lock object`);
    return [];
  }
  const out: Package[] = [];
  const add: Add = (name, version, v, licenses) => {
    const resolved = str(v, 'resolved');
    out.push(
      npmPackage(name, version, NPM_LOCKFILE, file, ctx, {
        licenses: licenses ? npmLicenses(v) : undefined,
        dev: v.dev === true,
        metadata: resolved && !resolved.startsWith('https://registry.npmjs.org/') ? { resolved: resolved.slice(0, 1024) } : undefined,
      }),
    );
  };
  const packages = prop(doc, 'packages');
  if (isObj(packages)) fromPackages(packages, file, ctx, add);
  else fromDependencies(prop(doc, 'dependencies'), file, ctx, add);
  if (!isObj(packages) && prop(doc, 'dependencies') === undefined && prop(doc, 'lockfileVersion') === undefined) {
    failed(ctx, `${file.path}: neither "packages" nor "dependencies": not a package-lock file`);
  }
  // dependency paths: the graph is read from the same document; duplicates of a name@version get the
  // same (shared) answer, and lockfileFacts keeps the first
  const graph = isObj(packages) ? packagesGraph(packages) : dependenciesGraph(prop(doc, 'dependencies'));
  if (graph.truncated) ctx.warn(`${file.path}: dependency paths incomplete: ${graph.truncated}`);
  return annotatePackages(out, graph.resolve());
}

/** name from an install path: the part after the last `node_modules/` */
function nameFromPath(key: string): string | undefined {
  const i = key.lastIndexOf('node_modules/');
  if (i < 0) return undefined;
  if (i > 0 && key[i - 1] !== '/') return undefined;
  return key.slice(i + 'node_modules/'.length);
}

function fromPackages(packages: Record<string, unknown>, file: FileInput, ctx: AnalyzerContext, add: Add): void {
  // workspace directories ("packages/a") are reached through `link: true` entries ("node_modules/a")
  const linkNames = new Map<string, string>();
  for (const key in packages) {
    if (!Object.hasOwn(packages, key)) continue;
    const v = packages[key];
    if (prop(v, 'link') === true) {
      const target = str(v, 'resolved');
      const name = nameFromPath(key);
      if (target !== undefined && name !== undefined) linkNames.set(target, name);
    }
  }
  let bad = 0;
  for (const key in packages) {
    if (!Object.hasOwn(packages, key)) continue;
    const v = packages[key];
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
    add(name, version, v, true);
  }
  if (bad > 0) partial(ctx, `${file.path}: ${bad} "packages" entries without a valid name/version skipped`);
}

function fromDependencies(deps: unknown, file: FileInput, ctx: AnalyzerContext, add: Add): void {
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
    for (const name in d) {
      if (!Object.hasOwn(d, name)) continue;
      const v = d[name];
      if (!isObj(v)) continue;
      const version = str(v, 'version');
      if (version !== undefined && !LOCAL.test(version)) {
        if (validNpmName(name) && validNpmVersion(version)) {
          // v1 aliases: version "npm:real-name@1.2.3"
          const alias = /^npm:((?:@[^/@]+\/)?[^@]+)@(.+)$/.exec(version);
          if (alias) add(alias[1]!, alias[2]!, v, false);
          else add(name, version, v, false);
        } else bad++;
      }
      if (v.dependencies !== undefined) stack.push({ deps: v.dependencies, depth: depth + 1 });
    }
  }
  if (bad > 0) partial(ctx, `${file.path}: ${bad} "dependencies" entries without a valid name/version skipped`);
}
