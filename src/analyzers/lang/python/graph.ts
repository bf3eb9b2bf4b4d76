// Python dependency graphs: poetry.lock (`[package.dependencies]`), uv.lock (`dependencies` arrays,
// the project's own entry names the direct ones) and installed distributions (`Requires-Dist` of each
// dist-info METADATA). Pipfile.lock lists pinned packages without their dependencies: no graph.
import type { Fact, Package } from '../../../core/types.js';
import { DepGraph, annotatePackages, GRAPH_LIMITS, type GraphLimits } from '../depgraph.js';
import { tomlGet, tomlString, tomlTable, tomlTables, type TomlTable } from '../toml.js';
import { PYTHON_INSTALLED } from './common.js';

export function pep503(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * Names from `Requires-Dist` values (PEP 508): `requests (>=2.0)`, `idna>=2.5; python_version < "3"`.
 * Requirements that only an extra pulls in (`; extra == "socks"`) are not installed by default: left out.
 */
export function requiresDistNames(values: readonly string[]): string[] {
  const out = new Set<string>();
  for (const v of values) {
    const semi = v.indexOf(';');
    if (semi >= 0 && /\bextra\s*==/.test(v.slice(semi))) continue;
    const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(v);
    if (m) out.add(pep503(m[1]!));
  }
  return [...out];
}

function tomlNodes(doc: TomlTable, g: DepGraph, skip: (p: TomlTable) => boolean): Map<string, TomlTable> {
  const byId = new Map<string, TomlTable>();
  for (const p of tomlTables(tomlGet(doc, 'package'))) {
    const name = tomlString(tomlGet(p, 'name'));
    const version = tomlString(tomlGet(p, 'version'));
    if (name === undefined || skip(p)) continue;
    const id = pep503(name);
    if (version !== undefined && g.node(id, name, version)) byId.set(id, p);
  }
  return byId;
}

/** poetry.lock does not record the project's own dependencies: packages nothing else requires are taken as direct. */
export function poetryGraph(doc: TomlTable, limits: GraphLimits = GRAPH_LIMITS): DepGraph {
  const g = new DepGraph(limits);
  for (const [id, p] of tomlNodes(doc, g, () => false)) {
    for (const dep of Object.keys(tomlTable(tomlGet(p, 'dependencies')) ?? {})) if (g.has(pep503(dep))) g.edge(id, pep503(dep));
  }
  g.rootsFromUnrequired();
  return g;
}

function uvDepNames(v: unknown): string[] {
  return tomlTables(v as never).flatMap((d) => {
    const n = tomlString(tomlGet(d, 'name'));
    return n ? [pep503(n)] : [];
  });
}

/** uv.lock: the project (editable/virtual source) lists the direct dependencies, dev groups included. */
export function uvGraph(doc: TomlTable, isRoot: (p: TomlTable) => boolean, limits: GraphLimits = GRAPH_LIMITS): DepGraph {
  const g = new DepGraph(limits);
  const nodes = tomlNodes(doc, g, isRoot);
  const groups = (p: TomlTable, key: string) => Object.values(tomlTable(tomlGet(p, key)) ?? {}).flatMap(uvDepNames);
  for (const r of tomlTables(tomlGet(doc, 'package')).filter(isRoot)) {
    const direct = [...uvDepNames(tomlGet(r, 'dependencies')), ...groups(r, 'optional-dependencies'), ...groups(r, 'dev-dependencies')];
    for (const n of direct) if (g.has(n)) g.root(n);
  }
  for (const [id, p] of nodes) {
    for (const n of [...uvDepNames(tomlGet(p, 'dependencies')), ...groups(p, 'optional-dependencies')]) if (g.has(n)) g.edge(id, n);
  }
  return g;
}

/** `/usr/lib/python3/site-packages/x-1.0.dist-info/METADATA` (or an egg-info) → `/usr/lib/python3/site-packages` */
function siteDir(path: string): string | undefined {
  const m = /^(.*)\/[^/]+\.(?:dist-info\/METADATA|egg-info\/PKG-INFO|egg-info)$/.exec(path);
  return m ? m[1] || '/' : undefined;
}

/**
 * Inventory rule: installed distributions, per site-packages directory. No manifest records what the
 * project asked for, so the top-level distributions (those no other one requires, as `pip list
 * --not-required`) are the direct ones. A directory where any distribution's requirements are unknown
 * (egg-info without Requires-Dist data) gets no graph: unknown, not guessed.
 */
export function pythonInstalledGraphs(pkgs: Package[], requires: Extract<Fact, { kind: 'requires' }>[], limits: GraphLimits = GRAPH_LIMITS): void {
  const namesByPath = new Map(requires.filter((r) => r.ecosystem === 'pypi').map((r) => [r.path, r.names]));
  const bySite = new Map<string, Package[]>();
  const unknown = new Set<string>();
  for (const p of pkgs) {
    if (p.foundBy !== PYTHON_INSTALLED) continue;
    const path = p.locations[0]?.path ?? '';
    const site = siteDir(path);
    if (site === undefined) continue;
    if (!namesByPath.has(path)) unknown.add(site);
    bySite.set(site, [...(bySite.get(site) ?? []), p]);
  }
  for (const [site, list] of bySite) {
    if (unknown.has(site)) continue;
    const g = new DepGraph(limits);
    for (const p of list) g.node(pep503(p.name), p.name, p.version);
    for (const p of list) for (const n of namesByPath.get(p.locations[0]!.path)!) if (g.has(n)) g.edge(pep503(p.name), n);
    g.rootsFromUnrequired();
    annotatePackages(list, g.resolve());
  }
}
