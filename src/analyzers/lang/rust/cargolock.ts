// Cargo.lock (format v1–v4): `[[package]]` tables with name, version, source; v1's `[root]` table.
// https://doc.rust-lang.org/cargo/guide/cargo-toml-vs-cargo-lock.html ,
// https://github.com/rust-lang/cargo/blob/master/src/cargo/core/resolver/encode.rs
import { parseToml, TomlError, tomlGet, tomlString, tomlTable, tomlTables } from '../toml.js';
import type { TomlTable } from '../toml.js';
import { DepGraph, GRAPH_LIMITS, type GraphLimits } from '../depgraph.js';

export interface LockedCrate {
  name: string;
  version: string;
  /** `registry+https://…`, `sparse+https://…`, `git+https://…#rev`; absent for workspace members and path dependencies */
  source?: string;
  /** `dependencies` entries as written: `name`, `name version` or `name version (source)` */
  dependencies?: string[];
}

export type CargoLockResult = { ok: true; lockVersion: number; crates: LockedCrate[]; skipped: number } | { ok: false; error: string };

export function parseCargoLock(text: string): CargoLockResult {
  let doc: TomlTable;
  try {
    doc = parseToml(text);
  } catch (e) {
    if (e instanceof TomlError) return { ok: false, error: `not valid TOML: ${e.message}` };
    throw e;
  }
  const v = tomlGet(doc, 'version');
  // files without `version` are v1 (or v2 written by cargo 1.41–1.52, indistinguishable and parsed alike)
  const lockVersion = typeof v === 'number' ? v : 1;
  const tables = tomlTables(tomlGet(doc, 'package'));
  const root = tomlTable(tomlGet(doc, 'root'));
  if (root) tables.push(root);
  const crates: LockedCrate[] = [];
  let skipped = 0;
  for (const t of tables) {
    const name = tomlString(tomlGet(t, 'name'));
    const version = tomlString(tomlGet(t, 'version'));
    if (!name || !version) {
      skipped++;
      continue;
    }
    const source = tomlString(tomlGet(t, 'source'));
    const deps = tomlGet(t, 'dependencies');
    const c: LockedCrate = source ? { name, version, source } : { name, version };
    if (Array.isArray(deps)) c.dependencies = deps.filter((d): d is string => typeof d === 'string');
    crates.push(c);
  }
  return { ok: true, lockVersion, crates, skipped };
}

/**
 * The crate graph: crates without a `source` are the workspace's own (members and path dependencies);
 * what they depend on is direct. A `dependencies` entry names a crate by name alone when the lock holds
 * one version of it, else by name and version (and source).
 */
export function cargoGraph(crates: readonly LockedCrate[], limits: GraphLimits = GRAPH_LIMITS): DepGraph {
  const g = new DepGraph(limits);
  const byName = new Map<string, string[]>();
  const id = (c: { name: string; version: string }) => `${c.name} ${c.version}`;
  for (const c of crates) {
    if (g.has(id(c)) || !g.node(id(c), c.name, c.version)) continue;
    byName.set(c.name, [...(byName.get(c.name) ?? []), id(c)]);
  }
  const resolveDep = (d: string): string | undefined => {
    const [name, version] = d.split(' ');
    if (name === undefined) return undefined;
    if (version !== undefined) return g.has(`${name} ${version}`) ? `${name} ${version}` : undefined;
    const ids = byName.get(name);
    return ids?.length === 1 ? ids[0] : undefined;
  };
  for (const c of crates) {
    for (const d of c.dependencies ?? []) {
      const to = resolveDep(d);
      if (to === undefined || to === id(c)) continue;
      if (c.source === undefined) g.root(to);
      else g.edge(id(c), to);
    }
  }
  return g;
}
