// Advisories that are aliases of each other (CVE, GHSA, PYSEC, GO-, DSA, ALSA, ...) describe one
// vulnerability: they are reported once, under the preferred ID, listing the others. A CVE id is one
// vulnerability: two CVEs are never merged, even when an advisory lists both (see mergeAliases).
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

const isCve = (id: string): boolean => id.startsWith('CVE-');

function idsOf(r: OsvRecord): string[] {
  return [r.id, ...(r.aliases ?? [])];
}

/**
 * Group items whose records describe the same vulnerability. One group per vulnerability, never more:
 * - a record names the CVE ids among its id and aliases; every record naming CVE-X is in CVE-X's group;
 * - a record naming several CVEs (a GHSA for CVE-A and CVE-B) is in each of their groups, so CVE-A and
 *   CVE-B stay two findings and an exception for one never suppresses the other;
 * - records naming no CVE merge transitively through shared ids (GHSA ↔ PYSEC ↔ GO-), and join the
 *   group(s) of any CVE-naming record they share an id with;
 * - a group lists its own CVE and the non-CVE ids of its members, never another group's CVE.
 * Output order is deterministic.
 */
export function mergeAliases<T>(items: T[], recordOf: (t: T) => OsvRecord): AliasGroup<T>[] {
  const byCve = new Map<string, T[]>();
  const cveless: T[] = [];
  for (const it of items) {
    const cves = [...new Set(idsOf(recordOf(it)).filter(isCve))];
    if (cves.length === 0) cveless.push(it);
    for (const c of cves) {
      const g = byCve.get(c) ?? [];
      if (!g.includes(it)) g.push(it);
      byCve.set(c, g);
    }
  }
  // records without a CVE: transitive union over their ids
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
  for (const it of cveless) {
    const ids = idsOf(recordOf(it));
    for (const id of ids) if (!parent.has(id)) parent.set(id, id);
    for (const id of ids.slice(1)) {
      const a = find(ids[0]!);
      const b = find(id);
      if (a !== b) parent.set(a, b);
    }
  }
  const components = new Map<string, T[]>();
  for (const it of cveless) {
    const root = find(recordOf(it).id);
    const list = components.get(root) ?? [];
    list.push(it);
    components.set(root, list);
  }
  // a CVE-less component joins every CVE group one of whose records shares a (non-CVE) id with it
  const cveOfId = new Map<string, Set<string>>();
  for (const [cve, members] of byCve) {
    for (const m of members) {
      for (const id of idsOf(recordOf(m))) {
        if (isCve(id)) continue;
        const set = cveOfId.get(id) ?? new Set<string>();
        set.add(cve);
        cveOfId.set(id, set);
      }
    }
  }
  const rest: T[][] = [];
  for (const members of components.values()) {
    const linked = new Set<string>();
    for (const m of members) for (const id of idsOf(recordOf(m))) for (const c of cveOfId.get(id) ?? []) linked.add(c);
    if (linked.size === 0) rest.push(members);
    for (const c of linked) byCve.get(c)!.push(...members);
  }

  const out: AliasGroup<T>[] = [];
  const build = (members: T[], cve: string | undefined): void => {
    const ids = new Set<string>();
    for (const m of members) for (const id of idsOf(recordOf(m))) if (!isCve(id) || id === cve) ids.add(id);
    const sortedIds = [...ids].sort();
    const best = cve ?? sortedIds.reduce((a, b) => preferId(a, b));
    // the preferred member: the record whose own id is the group's, else the best-ranked record id,
    // preferring records that name only this vulnerability
    const cveCount = (t: T): number => new Set(idsOf(recordOf(t)).filter(isCve)).size;
    const preferred = [...members].sort((a, b) => {
      const ia = recordOf(a).id;
      const ib = recordOf(b).id;
      if (ia === best && ib !== best) return -1;
      if (ib === best && ia !== best) return 1;
      const ca = cveCount(a) > 1 ? 1 : 0;
      const cb = cveCount(b) > 1 ? 1 : 0;
      if (ca !== cb) return ca - cb;
      if (ia === ib) return 0;
      return preferId(ia, ib) === ia ? -1 : 1;
    })[0]!;
    out.push({ preferred, members, ids: sortedIds, id: best });
  };
  for (const [cve, members] of byCve) build(members, cve);
  for (const members of rest) build(members, undefined);
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : a.ids[0]! < b.ids[0]! ? -1 : 1));
}
