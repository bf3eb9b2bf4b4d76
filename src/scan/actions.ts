// The actions list: one change per package that a developer can make in a minute. For each package with
// vulnerabilities, the lowest version that no matching advisory still calls affected — found by
// re-matching the package at each candidate fix version against the same DB (so the advice is checked
// by the matcher itself, ranges and version scheme included) — with what it fixes and what remains.
import type { Action, ScanReport } from '../core/report.js';
import type { Finding, OsInfo, Package, Severity, VulnerabilityFinding } from '../core/types.js';
import { severityRank } from '../core/types.js';
import type { AdvisoryDb } from '../advisory/index.js';
import { matchInventory, type MatchOptions } from '../match/index.js';
import { schemeForEcosystem } from '../versioning/registry.js';
import { matchKeys } from '../match/keys.js';

const MAX_CANDIDATES = 12;
const DAY_MS = 24 * 3600_000;

function vulnKey(f: VulnerabilityFinding): string {
  return `${f.package.type}\u0000${f.package.name}\u0000${f.package.version}\u0000${f.package.path ?? ''}`;
}

function atVersion(p: Package, v: string): Package {
  const os = p.type === 'deb' || p.type === 'apk' || p.type === 'rpm';
  return { ...p, version: v, source: os && p.source ? { ...p.source, version: v } : p.source };
}

function countBySeverity(fs: VulnerabilityFinding[]): Partial<Record<Severity, number>> {
  const out: Partial<Record<Severity, number>> = {};
  for (const f of fs) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}


function compareVersions(p: Package, os: OsInfo | undefined, a: string, b: string): number {
  const eco = matchKeys(p, os).ecosystem;
  const scheme = eco ? schemeForEcosystem(eco) : undefined;
  return scheme?.compare(a, b) ?? (a < b ? -1 : a > b ? 1 : 0);
}

function actionText(p: Package, to: string): { kind: Action['kind']; text: string } {
  const where = p.locations[0]?.path;
  if (p.type === 'golang' && p.name === 'stdlib') return { kind: 'rebuild', text: `rebuild ${where ?? 'the Go binary'} with Go ${to.replace(/^v/, '')} or later` };
  if (p.type === 'golang') return { kind: 'rebuild', text: `upgrade ${p.name} to ${to} and rebuild ${where ?? 'the binary'}` };
  if (p.source && p.source.name !== p.name && (p.type === 'deb' || p.type === 'rpm')) return { kind: 'upgrade', text: `upgrade ${p.name} ${p.version} → ${to} (source package ${p.source.name})` };
  return { kind: 'upgrade', text: `upgrade ${p.name} ${p.version} → ${to}` };
}

function isOsType(p: Package): boolean {
  return p.type === 'deb' || p.type === 'apk' || p.type === 'rpm';
}

/** What the dependency graph says about a language package; unknown without one (never guessed). */
function dependencyOf(p: Package): NonNullable<Action['dependency']> {
  if (p.direct === true) return { status: 'direct' };
  if (p.direct === false && p.dependencyPath && p.dependencyPath.length > 1) return { status: 'transitive', path: p.dependencyPath };
  return { status: 'unknown' };
}

/** One action per package with vulnerability findings, most important first. */
export function computeActions(report: ScanReport, db: AdvisoryDb, opts: MatchOptions & { now: Date }): Action[] {
  const byPkg = new Map<string, VulnerabilityFinding[]>();
  for (const f of report.findings) if (f.kind === 'vulnerability') byPkg.set(vulnKey(f), [...(byPkg.get(vulnKey(f)) ?? []), f]);
  const pkgs = new Map(report.inventory.packages.map((p) => [`${p.type}\u0000${p.name}\u0000${p.version}\u0000${p.locations[0]?.path ?? ''}`, p]));
  const violating = new Set((report.decision?.violations ?? []).map((v) => v.findingId).filter((x): x is string => !!x));
  const out: Action[] = [];
  for (const [key, findings] of byPkg) {
    const p = pkgs.get(key);
    if (!p) continue;
    const ids = (fs: Finding[]) => fs.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability').map((f) => f.advisoryId);
    const remainingAt = (v: string): VulnerabilityFinding[] => {
      const inv = { ...report.inventory, packages: [atVersion(p, v)], gaps: [] };
      return matchInventory(inv, db, { ...opts, includeOsOwned: true }).findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability');
    };
    const candidates = new Set(findings.map((f) => f.fixedVersion).filter((v): v is string => !!v));
    let best: { to: string; remaining: VulnerabilityFinding[] } | undefined;
    const tried = new Set<string>();
    for (let round = 0; round < MAX_CANDIDATES && candidates.size > tried.size; round++) {
      const next = [...candidates].filter((c) => !tried.has(c)).sort((a, b) => compareVersions(p, report.inventory.os, a, b))[0]!;
      tried.add(next);
      if (compareVersions(p, report.inventory.os, next, p.version) <= 0) continue;
      const remaining = remainingAt(next);
      if (!best || remaining.length < best.remaining.length) best = { to: next, remaining };
      if (remaining.length === 0) break;
      for (const f of remaining) if (f.fixedVersion) candidates.add(f.fixedVersion); // a newer advisory: its fix is a candidate too
    }
    const all = ids(findings);
    const pkgRef = findings[0]!.package;
    const decides = findings.some((f) => violating.has(f.id));
    const top = findings.reduce((a, f) => (severityRank(f.severity) > severityRank(a.severity) ? f : a)).severity;
    const base = {
      package: pkgRef,
      layer: p.layer,
      origin: findings[0]!.origin,
      decides,
      severity: top,
      kev: findings.some((f) => f.kev !== undefined),
      ...(isOsType(p) || (p.type === 'golang' && p.name === 'stdlib') ? {} : { dependency: dependencyOf(p) }),
    };
    if (!best) {
      const since = findings.map((f) => (f.published ? Date.parse(f.published) : NaN)).filter(Number.isFinite);
      const days = since.length ? Math.floor((opts.now.getTime() - Math.min(...since)) / DAY_MS) : undefined;
      out.push({
        ...base,
        kind: 'no-fix',
        text: `no fix yet for ${p.name} ${p.version}${days !== undefined && days >= 0 ? ` (since ${days} days)` : ''}: remove it, move to a base without it, or accept the risk with an exception`,
        fixes: { ids: [], bySeverity: {} },
        remaining: all.sort(),
      });
      continue;
    }
    const remainingIds = new Set(ids(best.remaining).flatMap((id) => [id]));
    const fixedFindings = findings.filter((f) => !remainingIds.has(f.advisoryId) && !f.aliases.some((a) => remainingIds.has(a)));
    const t = actionText(p, best.to);
    out.push({
      ...base,
      kind: t.kind,
      to: best.to,
      text: t.text,
      fixes: { ids: ids(fixedFindings).sort(), bySeverity: countBySeverity(fixedFindings) },
      remaining: [...remainingIds].sort(),
    });
  }
  return out.sort(
    (a, b) =>
      Number(b.decides) - Number(a.decides) ||
      Number(b.kev) - Number(a.kev) ||
      severityRank(b.severity) - severityRank(a.severity) ||
      b.fixes.ids.length - a.fixes.ids.length ||
      (a.package.name < b.package.name ? -1 : a.package.name > b.package.name ? 1 : 0) ||
      (a.package.path ?? '').localeCompare(b.package.path ?? ''),
  );
}
