// npm dependency graphs: package-lock v2/v3 (`packages` keyed by install path), v1 (nested
// `dependencies` with `requires`), and an installed node_modules tree (each package.json's declared
// dependencies, resolved the way Node resolves `require()`: the nearest enclosing node_modules).
import type { Package } from '../../../core/types.js';
import { DepGraph, annotatePackages, type GraphLimits, GRAPH_LIMITS } from '../depgraph.js';
import { isObj, prop, str } from '../common.js';

/** Kinds of dependency that are installed for a package (devDependencies only for the project itself). */
const INSTALLED_KINDS = ['dependencies', 'optionalDependencies', 'peerDependencies'] as const;
const PROJECT_KINDS = [...INSTALLED_KINDS, 'devDependencies'] as const;

/** Install paths nested deeper than this many node_modules levels are not followed. */
const MAX_NESTING = 64;

/** Declared dependency names of a package.json-like object. */
export function declaredDeps(o: unknown, project: boolean): string[] {
  const names = new Set<string>();
  for (const k of project ? PROJECT_KINDS : INSTALLED_KINDS) {
    const deps = prop(o, k);
    if (isObj(deps)) for (const n of Object.keys(deps)) names.add(n);
  }
  return [...names];
}

function nesting(dir: string): number {
  let n = 0;
  for (let i = dir.indexOf('node_modules/'); i >= 0; i = dir.indexOf('node_modules/', i + 1)) n++;
  return n;
}

/**
 * Where `require(name)` from package directory `dir` lands: `dir/node_modules/name`, then each enclosing
 * node_modules, then the project directory `top` ('' for lockfile keys). `has` says whether a path exists.
 */
export function resolveFrom(dir: string, name: string, top: string, has: (p: string) => boolean): string | undefined {
  const join = (d: string) => (d === '' ? `node_modules/${name}` : `${d}/node_modules/${name}`);
  let d: string | undefined = dir;
  for (let steps = 0; d !== undefined && steps <= MAX_NESTING + 1; steps++) {
    const c = join(d);
    if (has(c)) return c;
    if (d === top) return undefined;
    const i = d.lastIndexOf('/node_modules/');
    if (i >= 0) d = d.slice(0, i);
    else d = d.startsWith('node_modules/') ? '' : top;
    if (top !== '' && !(d === top || d.startsWith(`${top}/`))) return undefined;
  }
  return undefined;
}

/** package-lock v2/v3: the graph over `packages`, roots from `""` (and workspace members). */
export function packagesGraph(packages: Record<string, unknown>, limits: GraphLimits = GRAPH_LIMITS): DepGraph {
  const g = new DepGraph(limits);
  // no project dependencies and no workspaces: nothing is direct, so no path can be known (a generated
  // 1e6-entry lockfile builds no graph at all)
  let links = false;
  for (const key in packages) {
    if (Object.hasOwn(packages, key) && prop(packages[key], 'link') === true) {
      links = true;
      break;
    }
  }
  if (!links && declaredDeps(packages[''], true).length === 0) return g;
  const linkTo = new Map<string, string>();
  // for-in, not Object.entries: no copy of a 1e6-entry map as pairs
  for (const key in packages) {
    if (!Object.hasOwn(packages, key)) continue;
    const v = packages[key];
    if (!isObj(v)) continue;
    if (v.link === true) {
      const target = str(v, 'resolved');
      if (target !== undefined) linkTo.set(key, target);
      continue;
    }
    const name = str(v, 'name') ?? (key.includes('node_modules/') ? key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length) : undefined);
    const version = str(v, 'version');
    if (key === '' || name === undefined || version === undefined || nesting(key) > MAX_NESTING) continue;
    g.node(key, name, version);
  }
  const has = (p: string) => Object.prototype.hasOwnProperty.call(packages, p);
  const target = (p: string) => linkTo.get(p) ?? p;
  // the project and its workspace members (link targets that are not packages) declare the direct dependencies
  const members = new Set(['', ...[...linkTo.values()].filter((t) => !g.has(t))]);
  for (const key in packages) {
    if (!Object.hasOwn(packages, key)) continue;
    const v = packages[key];
    if (!isObj(v) || v.link === true) continue;
    const project = members.has(key);
    if (!project && !g.has(key)) continue;
    for (const dep of declaredDeps(v, project)) {
      const at = resolveFrom(key, dep, '', has);
      if (at === undefined) continue;
      const to = target(at);
      if (project) {
        if (g.has(to)) g.root(to);
      } else if (g.has(to)) g.edge(key, to);
    }
  }
  return g;
}

/**
 * package-lock v1: the nested `dependencies` tree. `requires` resolve to the entry's own nested
 * dependencies, else its ancestors'. v1 does not record the project's own dependencies: a top-level
 * entry that no other entry requires is the project's (as `npm ls` shows it), said in docs.
 */
export function dependenciesGraph(deps: unknown, limits: GraphLimits = GRAPH_LIMITS): DepGraph {
  const g = new DepGraph(limits);
  // ids are install paths as in v2 ("node_modules/a/node_modules/b"), so resolveFrom applies
  const requires = new Map<string, string[]>();
  const stack: { deps: unknown; dir: string; depth: number }[] = [{ deps, dir: '', depth: 0 }];
  while (stack.length > 0) {
    const { deps: d, dir, depth } = stack.pop()!;
    if (!isObj(d) || depth > MAX_NESTING) continue;
    for (const [name, v] of Object.entries(d)) {
      if (!isObj(v)) continue;
      const id = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
      const version = str(v, 'version');
      if (version === undefined) continue;
      const alias = /^npm:((?:@[^/@]+\/)?[^@]+)@(.+)$/.exec(version);
      if (!g.node(id, alias ? alias[1]! : name, alias ? alias[2]! : version)) continue;
      const r = prop(v, 'requires');
      if (isObj(r)) requires.set(id, Object.keys(r));
      if (v.dependencies !== undefined) stack.push({ deps: v.dependencies, dir: id, depth: depth + 1 });
    }
  }
  const has = (p: string) => g.has(p);
  const required = new Set<string>();
  for (const [id, names] of requires) {
    for (const n of names) {
      const to = resolveFrom(id, n, '', has);
      if (to !== undefined) {
        g.edge(id, to);
        if (to !== id) required.add(to);
      }
    }
  }
  if (isObj(deps)) for (const name of Object.keys(deps)) if (g.has(`node_modules/${name}`) && !required.has(`node_modules/${name}`)) g.root(`node_modules/${name}`);
  return g;
}

/** The manifests of one installed tree, keyed by package directory (`/srv/app/node_modules/qs`). */
export interface InstalledManifest {
  dir: string;
  names: string[];
  project: boolean;
}

/** `/srv/app/node_modules/a/node_modules/b` → `/srv/app` */
function projectOf(dir: string): string {
  const i = dir.indexOf('/node_modules/');
  return i < 0 ? dir : dir.slice(0, i) || '/';
}

/**
 * An installed node_modules tree: packages (foundBy npm-installed, located at `<dir>/package.json`) and
 * the manifests read from each package.json, including the project's own (`project: true`), whose
 * dependencies are the direct ones. A tree without its project package.json gets no `direct`: unknown.
 */
export function annotateInstalledTree(pkgs: Package[], manifests: InstalledManifest[], limits: GraphLimits = GRAPH_LIMITS): void {
  const byProject = new Map<string, { pkgs: Package[]; manifests: InstalledManifest[] }>();
  const group = (top: string) => {
    let e = byProject.get(top);
    if (!e) byProject.set(top, (e = { pkgs: [], manifests: [] }));
    return e;
  };
  for (const p of pkgs) {
    const path = p.locations[0]?.path;
    if (!path?.endsWith('/package.json') || !path.includes('/node_modules/')) continue;
    group(projectOf(path.slice(0, -'/package.json'.length))).pkgs.push(p);
  }
  for (const m of manifests) {
    if (m.project && m.dir.includes('/node_modules/')) continue; // an installed package's own package.json is not a project
    const top = m.project ? m.dir : projectOf(m.dir);
    if (byProject.has(top)) group(top).manifests.push(m);
  }
  for (const [top, tree] of byProject) {
    const project = tree.manifests.find((m) => m.project);
    if (!project) continue;
    const g = new DepGraph(limits);
    const has = (p: string) => g.has(p);
    for (const p of tree.pkgs) {
      const dir = p.locations[0]!.path.slice(0, -'/package.json'.length);
      if (nesting(dir) <= MAX_NESTING) g.node(dir, p.name, p.version);
    }
    for (const m of tree.manifests) {
      for (const n of m.names) {
        const to = resolveFrom(m.project ? top : m.dir, n, top, has);
        if (to === undefined) continue;
        if (m.project) g.root(to);
        else if (g.has(m.dir)) g.edge(m.dir, to);
      }
    }
    annotatePackages(tree.pkgs, g.resolve());
  }
}
