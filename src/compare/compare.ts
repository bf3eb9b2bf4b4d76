// `portcullis compare`: our report beside Trivy's and Grype's for the same image. A row is one
// vulnerability in one package@version, found by some of the tools: ids are joined through aliases
// (our advisory's aliases, Grype's related vulnerabilities), so GHSA-x in one tool and CVE-y in
// another are one row when either says they are the same. For each tool that did not report a row, the
// reason when we can tell: not in that tool's inventory, a different version, an OS-owned language
// package, unfixed (left out by --ignore-unfixed / --only-fixed), declared but not installed, and, with
// our advisory DB, whether our data knows the vulnerability for that package at all (a distro backport
// or triage when the distro's record names the package but not the installed version).
import type { ScanReport, Suppression } from '../core/report.js';
import type { Package, VulnerabilityFinding } from '../core/types.js';
import type { AdvisoryDb } from '../advisory/index.js';
import { normalisePackageName } from '../advisory/normalise.js';
import { matchKeys } from '../match/keys.js';
import type { ForeignFinding, ForeignReport } from './foreign.js';

export const OURS = 'Portcullis';

export interface CompareTool {
  name: string;
  file: string;
  version?: string;
  artifact?: string;
  findings: number;
  skipped: number;
}

export interface CompareRow {
  /** the row's id: a CVE when one of its ids is, else the smallest */
  vulnerability: string;
  /** every id the tools used for it, sorted */
  ids: string[];
  package: string;
  version: string;
  /** tool name → found it */
  found: Record<string, boolean>;
  /** tool name → why it did not report it (only for tools that did not) */
  why: Record<string, string>;
  /** when we found it but a policy, exception or VEX suppressed it */
  suppressed?: string;
}

export interface CompareResult {
  tools: CompareTool[];
  /** rows every tool reported */
  agreed: number;
  /** tool name → rows only that tool reported / rows that tool did not report */
  only: Record<string, number>;
  missing: Record<string, number>;
  /** the rows some tool did not report */
  rows: CompareRow[];
}

interface Entry {
  tool: number;
  ids: string[];
  name: string;
  version: string;
  fixState: string;
  ours?: VulnerabilityFinding;
  theirs?: ForeignFinding;
}

interface Group {
  ids: Set<string>;
  entries: Entry[];
}

/** Versions as tools print them: no epoch, no Go `v`/`go` prefix. */
export function versionKey(v: string): string {
  return v.replace(/^\d+:/, '').replace(/^(?:v|go)(?=\d)/, '');
}

/** Names as tools print them: lower case, runs of - _ . as one (PyPI), Maven as group:artifact. */
export function nameKey(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

function foreignName(f: ForeignFinding): string {
  // Grype names a jar by its artifactId; its purl carries the groupId
  const m = f.purl ? /^pkg:maven\/([^/@?#]+)\/([^/@?#]+)@/.exec(f.purl) : null;
  return m && !f.name.includes(':') ? `${decodeURIComponent(m[1]!)}:${decodeURIComponent(m[2]!)}` : f.name;
}

function add(buckets: Map<string, Group[]>, e: Entry): void {
  const key = `${nameKey(e.name)}@${versionKey(e.version)}`;
  const groups = buckets.get(key) ?? [];
  buckets.set(key, groups);
  const hit = groups.filter((g) => e.ids.some((id) => g.ids.has(id)));
  const into: Group = hit[0] ?? { ids: new Set(), entries: [] };
  if (hit.length === 0) groups.push(into);
  for (const other of hit.slice(1)) {
    for (const id of other.ids) into.ids.add(id);
    into.entries.push(...other.entries);
    groups.splice(groups.indexOf(other), 1);
  }
  for (const id of e.ids) into.ids.add(id);
  into.entries.push(e);
}

function rowId(ids: string[]): string {
  return ids.find((i) => i.startsWith('CVE-')) ?? ids[0]!;
}

const UNFIXED_FLAG: Record<string, string> = { Trivy: '--ignore-unfixed', Grype: '--only-fixed' };

export interface CompareInput {
  ours: ScanReport;
  oursFile: string;
  others: ForeignReport[];
  /** our advisory DB: says whether our data knows a vulnerability the others reported */
  db?: AdvisoryDb;
}

const TOOL_NAME: Record<ForeignReport['tool'], string> = { trivy: 'Trivy', grype: 'Grype' };

export function compareReports(input: CompareInput): CompareResult {
  const { ours, others } = input;
  const names = [OURS, ...others.map((o) => TOOL_NAME[o.tool])];
  // two reports of one tool: number them
  const tools: CompareTool[] = names.map((n, i) => {
    const dup = names.filter((x) => x === n).length > 1 ? ` #${names.slice(0, i + 1).filter((x) => x === n).length}` : '';
    const o = i === 0 ? undefined : others[i - 1]!;
    const t: CompareTool = { name: n + dup, file: o ? o.file : input.oursFile, findings: 0, skipped: o?.skipped ?? 0 };
    if (o?.toolVersion) t.version = o.toolVersion;
    const artifact = o ? o.artifact : ours.inventory.image.name;
    if (artifact) t.artifact = artifact;
    return t;
  });
  const buckets = new Map<string, Group[]>();
  for (const f of ours.findings) {
    if (f.kind !== 'vulnerability') continue;
    tools[0]!.findings++;
    add(buckets, { tool: 0, ids: [f.advisoryId, ...f.aliases], name: f.package.name, version: f.installedVersion, fixState: f.fixState, ours: f });
  }
  others.forEach((o, k) => {
    for (const f of o.findings) {
      tools[k + 1]!.findings++;
      add(buckets, { tool: k + 1, ids: [f.id, ...f.aliases], name: foreignName(f), version: f.version, fixState: f.fixState, theirs: f });
    }
  });
  const suppressed = new Map<string, Suppression>();
  for (const s of ours.decision?.suppressed ?? []) suppressed.set(s.findingId, s);
  const ctx = new Context(ours, others, input.db);
  const rows: CompareRow[] = [];
  const only: Record<string, number> = Object.fromEntries(tools.map((t) => [t.name, 0]));
  const missing: Record<string, number> = { ...only };
  let agreed = 0;
  for (const groups of buckets.values()) {
    for (const g of groups) {
      const by = new Set(g.entries.map((e) => e.tool));
      if (by.size === tools.length) {
        agreed++;
        continue;
      }
      const ids = [...g.ids].sort();
      const first = g.entries[0]!;
      const row: CompareRow = { vulnerability: rowId(ids), ids, package: first.name, version: first.version, found: {}, why: {} };
      tools.forEach((t, i) => {
        row.found[t.name] = by.has(i);
        if (by.has(i)) return;
        missing[t.name]!++;
        row.why[t.name] = i === 0 ? ctx.whyNotOurs(g, ids) : ctx.whyNotTheirs(g, i - 1, t.name);
      });
      if (by.size === 1) only[tools[first.tool]!.name]!++;
      const s = g.entries.map((e) => e.ours && suppressed.get(e.ours.id)).find((x) => x !== undefined);
      if (s) row.suppressed = `${s.by}${s.reason ? `: ${s.reason}` : ''}`;
      rows.push(row);
    }
  }
  rows.sort((a, b) => a.package.localeCompare(b.package) || a.version.localeCompare(b.version) || a.vulnerability.localeCompare(b.vulnerability));
  return { tools, agreed, only, missing, rows };
}

/** What the reasons look things up in: our inventory by name, the others' package lists, our DB. */
class Context {
  private readonly byName = new Map<string, Package[]>();
  private readonly byPurl = new Map<string, Package>();
  private readonly theirPackages: (Set<string> | undefined)[];

  constructor(
    private readonly ours: ScanReport,
    others: ForeignReport[],
    private readonly db: AdvisoryDb | undefined,
  ) {
    for (const p of ours.inventory.packages) {
      const k = nameKey(p.name);
      this.byName.set(k, [...(this.byName.get(k) ?? []), p]);
      this.byPurl.set(p.purl, p);
    }
    this.theirPackages = others.map((o) => (o.packages ? new Set(o.packages.map((p) => `${nameKey(p.name)}@${versionKey(p.version)}`)) : undefined));
  }

  whyNotOurs(g: Group, ids: string[]): string {
    const e = g.entries[0]!;
    const same = this.byName.get(nameKey(e.name)) ?? [];
    const where = e.theirs?.path ? ` (reported in ${e.theirs.path})` : '';
    if (same.length === 0) return `not in Portcullis's inventory${where}`;
    const p = same.find((x) => versionKey(x.version) === versionKey(e.version));
    if (!p) return `Portcullis saw ${e.name} ${[...new Set(same.map((x) => x.version))].join(', ')}, not ${e.version}${where}`;
    if (p.ownedBy) return `OS-owned: its files belong to the OS package ${p.ownedBy.name}, whose distro advisories decide (scan --include-os-owned matches it against language advisories too)`;
    const stream = p.modularityLabel ? `; module stream ${p.modularityLabel}: advisories for other streams do not apply` : '';
    if (!this.db) return `in Portcullis's inventory; its advisory data does not list ${ids.join(', ')} for ${p.name} ${p.version}${stream} (give --db to say more)`;
    return this.dbReason(p, ids) + stream;
  }

  private dbReason(p: Package, ids: string[]): string {
    const db = this.db!;
    const records = new Map<string, ReturnType<AdvisoryDb['byAlias']>[number]>();
    for (const id of ids) for (const r of [db.byId(id), ...db.byAlias(id)]) if (r) records.set(r.record.id, r);
    const list = [...records.values()].filter((r) => !r.malicious);
    if (list.length === 0) return `${ids.join(', ')}: not in Portcullis's advisory DB (built ${db.meta().builtAt})`;
    const { ecosystem, keys } = matchKeys(p, this.ours.inventory.os);
    const naming = list.filter((r) =>
      (r.record.affected ?? []).some((a) => a.package && keys.some((k) => a.package!.ecosystem === k.ecosystem && normalisePackageName(k.ecosystem, a.package!.name) === normalisePackageName(k.ecosystem, k.name))),
    );
    const recIds = (rs: typeof list) => rs.map((r) => r.record.id).sort().join(', ');
    if (naming.length === 0) return `Portcullis's advisory DB has ${recIds(list)}, but none names ${keys[0]?.name ?? p.name} in ${ecosystem ?? 'its ecosystem'}`;
    const distro = p.type === 'deb' || p.type === 'rpm' || p.type === 'apk';
    if (distro) return `the distro's data (${recIds(naming)}) does not list ${keys[0]!.name} ${keys[0]!.version} as affected: a backported fix, or triaged not affected`;
    return `${recIds(naming)} names ${p.name}, but its affected ranges do not include ${p.version}`;
  }

  whyNotTheirs(g: Group, other: number, tool: string): string {
    const e = g.entries.find((x) => x.tool === 0) ?? g.entries[0]!;
    const p = e.ours ? this.byPurl.get(e.ours.package.purl) : undefined;
    if (p?.declaredOnly) return `declared by a lockfile but not installed (Portcullis lists it only with --include-declared)`;
    const theirs = this.theirPackages[other];
    if (theirs && !theirs.has(`${nameKey(e.name)}@${versionKey(e.version)}`)) return `${tool}'s inventory has no ${e.name} ${e.version}`;
    if (e.fixState !== 'fixed') {
      const flag = UNFIXED_FLAG[tool.replace(/ #\d+$/, '')];
      return `unfixed (${e.fixState})${flag ? `: ${tool} leaves these out when run with ${flag}` : ''}`;
    }
    if (![...g.ids].some((i) => i.startsWith('CVE-'))) return `no CVE id is known for it; ${tool} may not carry ${[...g.ids].join(', ')}`;
    return `${tool} did not report ${e.name} ${e.version} under ${[...g.ids].sort().join(', ')} (its advisory data differs)`;
  }
}
