// Dependency graphs of language projects, from a lockfile or an installed tree: which packages the
// project depends on directly, and for every other package the shortest path from a direct dependency
// ("express 4.17.1 > body-parser 1.19.0 > qs 6.7.0"). Graphs come from untrusted files: nodes, edges,
// fan-out and depth are bounded, cycles are harmless (breadth-first search visits each node once), and
// what a bound cut off stays "unknown" (no `direct`, no path), never guessed.
import type { DependencyStep, Package } from '../../core/types.js';

export interface GraphLimits {
  maxNodes: number;
  maxEdges: number;
  /** longest path kept, in packages (a direct dependency is depth 1) */
  maxDepth: number;
  /** `dependsOn` entries kept per package */
  maxDependsOn: number;
}

export const GRAPH_LIMITS: GraphLimits = { maxNodes: 200_000, maxEdges: 2_000_000, maxDepth: 64, maxDependsOn: 1000 };

type PathStep = DependencyStep;

interface Node extends PathStep {
  /** a `Package` stands for every node with its name and version */
  key: string;
}

export function stepKey(name: string, version: string): string {
  return `${name}\u0000${version}`;
}

function byStep(a: Node, b: Node): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0;
}

/** What the graph says about one package (name + version). */
export interface DependencyInfo {
  direct: boolean;
  /** from the direct dependency to the package itself */
  path: PathStep[];
  /** name+version keys of the packages it depends on */
  dependsOn: string[];
}

export class DepGraph {
  private readonly nodes = new Map<string, Node>();
  private readonly edges = new Map<string, Set<string>>();
  private readonly roots = new Set<string>();
  private edgeCount = 0;
  /** why the graph is incomplete (a limit was hit), for the analyzer's warning */
  truncated: string | undefined;

  constructor(private readonly limits: GraphLimits = GRAPH_LIMITS) {}

  /** Adds a node (an install path, a lock entry) for package `name@version`; false when over the node limit. */
  node(id: string, name: string, version: string): boolean {
    if (this.nodes.has(id)) return true;
    if (this.nodes.size >= this.limits.maxNodes) {
      this.truncated ??= `more than ${this.limits.maxNodes} packages in the dependency graph`;
      return false;
    }
    this.nodes.set(id, { name, version, key: stepKey(name, version) });
    return true;
  }

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  edge(from: string, to: string): void {
    if (from === to) return;
    let set = this.edges.get(from);
    if (!set) this.edges.set(from, (set = new Set()));
    if (set.has(to)) return;
    if (this.edgeCount >= this.limits.maxEdges) {
      this.truncated ??= `more than ${this.limits.maxEdges} dependency edges`;
      return;
    }
    set.add(to);
    this.edgeCount++;
  }

  /** A direct dependency of the project. */
  root(id: string): void {
    this.roots.add(id);
  }

  /**
   * For formats that do not record the project's own dependencies (poetry.lock, package-lock v1, an
   * installed site-packages): every node no other node depends on is taken as direct ("top-level", as
   * pip and npm ls show them). Documented where used.
   */
  rootsFromUnrequired(): void {
    const required = new Set<string>();
    for (const set of this.edges.values()) for (const t of set) required.add(t);
    for (const id of this.nodes.keys()) if (!required.has(id)) this.roots.add(id);
  }

  /**
   * Breadth-first from the direct dependencies (in name, version order, so the path chosen among equally
   * short ones is deterministic). Packages no direct dependency reaches (extraneous entries, or past a
   * limit) are absent: unknown, not transitive.
   */
  resolve(): Map<string, DependencyInfo> {
    const parent = new Map<string, string | undefined>();
    const depth = new Map<string, number>();
    const queue: string[] = [];
    const sortIds = (ids: Iterable<string>) =>
      [...ids].filter((id) => this.nodes.has(id)).sort((a, b) => byStep(this.nodes.get(a)!, this.nodes.get(b)!) || (a < b ? -1 : a > b ? 1 : 0));
    for (const r of sortIds(this.roots)) {
      parent.set(r, undefined);
      depth.set(r, 1);
      queue.push(r);
    }
    let deepest = false;
    for (let i = 0; i < queue.length; i++) {
      const id = queue[i]!;
      const d = depth.get(id)!;
      const next = this.edges.get(id);
      if (!next) continue;
      if (d >= this.limits.maxDepth) {
        deepest = true;
        continue;
      }
      for (const c of sortIds(next)) {
        if (parent.has(c)) continue;
        parent.set(c, id);
        depth.set(c, d + 1);
        queue.push(c);
      }
    }
    if (deepest) this.truncated ??= `dependency paths longer than ${this.limits.maxDepth} packages not followed`;
    const out = new Map<string, DependencyInfo>();
    // one step object per node, shared by every path through it (paths hold references, not copies)
    const steps = new Map<string, PathStep>();
    const stepOf = (at: string): PathStep => {
      let s = steps.get(at);
      if (!s) {
        const n = this.nodes.get(at)!;
        steps.set(at, (s = Object.freeze({ name: n.name, version: n.version })));
      }
      return s;
    };
    for (const id of queue) {
      const n = this.nodes.get(id)!;
      const path: PathStep[] = [];
      for (let at: string | undefined = id; at !== undefined; at = parent.get(at)) path.push(stepOf(at));
      path.reverse();
      const direct = this.roots.has(id);
      const seen = out.get(n.key);
      const dependsOn = [...new Set([...(seen?.dependsOn ?? []), ...[...(this.edges.get(id) ?? [])].map((c) => this.nodes.get(c)?.key).filter((k): k is string => k !== undefined && k !== n.key)])];
      if (!seen) out.set(n.key, { direct, path, dependsOn });
      else {
        // several copies of one name@version: direct when any copy is, the shortest path of all
        seen.direct ||= direct;
        if (path.length < seen.path.length) seen.path = path;
        seen.dependsOn = dependsOn;
      }
    }
    for (const info of out.values()) info.dependsOn = info.dependsOn.sort().slice(0, this.limits.maxDependsOn);
    return out;
  }
}

/**
 * Sets `direct`, `dependencyPath` and `dependsOn` (purls) on the packages the graph knows, in place. A
 * package the graph does not reach keeps them unset (unknown). Returns the packages, for chaining.
 */
export function annotatePackages<T extends Package>(pkgs: T[], info: Map<string, DependencyInfo>): T[] {
  // nothing reached (a lockfile without project dependencies): no 1e6-key map for nothing
  if (info.size === 0) return pkgs;
  // purls of the packages some `dependsOn` names, only
  const named = new Set<string>();
  for (const i of info.values()) for (const k of i.dependsOn) named.add(k);
  const purlOf = new Map<string, string>();
  if (named.size > 0) {
    for (const p of pkgs) {
      const k = stepKey(p.name, p.version);
      if (named.has(k)) purlOf.set(k, p.purl);
    }
  }
  for (const p of pkgs) {
    const i = info.get(stepKey(p.name, p.version));
    if (!i) continue;
    p.direct = i.direct;
    if (!i.direct) p.dependencyPath = i.path;
    const deps = i.dependsOn.map((k) => purlOf.get(k)).filter((x): x is string => x !== undefined);
    if (deps.length > 0) p.dependsOn = deps;
  }
  return pkgs;
}
