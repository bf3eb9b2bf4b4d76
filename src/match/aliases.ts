// Advisories that are aliases of each other (CVE, GHSA, PYSEC, GO-, DSA, ALSA, ...) describe one
// vulnerability: they are reported once, under the preferred ID, listing the others.
// Preferred: a CVE id, then a GHSA id, then the lexicographically smallest id.
import type { OsvRecord } from '../core/types.js';

export function idRank(id: string): number {
  if (id.startsWith('CVE-')) return 0;
  if (id.startsWith('GHSA-')) return 1;
  return 2;
}

export function preferId(a: string, b: string): string {
  const ra = idRank(a);
  const rb = idRank(b);
  if (ra !== rb) return ra < rb ? a : b;
  return a <= b ? a : b;
}

export interface AliasGroup<T> {
  preferred: T;
  members: T[];
  /** every id and alias of the group, sorted */
  ids: string[];
  /** the id the group is reported under */
  id: string;
}

/** Group items whose records share an id or alias (transitively). Output order is deterministic. */
export function mergeAliases<T>(items: T[], recordOf: (t: T) => OsvRecord): AliasGroup<T>[] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    let c = x;
    while (parent.get(c) !== r) {
      const n = parent.get(c)!;
      parent.set(c, r);
      c = n;
    }
    return r;
  };
  const add = (x: string) => {
    if (!parent.has(x)) parent.set(x, x);
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra, rb);
  };
  for (const it of items) {
    const r = recordOf(it);
    add(r.id);
    for (const al of r.aliases ?? []) {
      add(al);
      union(r.id, al);
    }
  }
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const root = find(recordOf(it).id);
    const g = groups.get(root) ?? [];
    g.push(it);
    groups.set(root, g);
  }
  const out: AliasGroup<T>[] = [];
  for (const members of groups.values()) {
    const ids = new Set<string>();
    for (const m of members) {
      const r = recordOf(m);
      ids.add(r.id);
      for (const a of r.aliases ?? []) ids.add(a);
    }
    const sortedIds = [...ids].sort();
    const best = sortedIds.reduce((a, b) => preferId(a, b));
    // the preferred member: the record whose own id is best, else the best-ranked record id
    const preferred = [...members].sort((a, b) => {
      const ia = recordOf(a).id;
      const ib = recordOf(b).id;
      if (ia === best) return -1;
      if (ib === best) return 1;
      return preferId(ia, ib) === ia ? -1 : 1;
    })[0]!;
    out.push({ preferred, members, ids: sortedIds, id: best });
  }
  return out.sort((a, b) => (a.ids[0]! < b.ids[0]! ? -1 : 1));
}
