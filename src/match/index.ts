// Matching: inventory packages × advisory DB → vulnerability, malware and coverage-gap findings.
// Pure with respect to its inputs (the DB is read-only); no clock needed.
import type {
  CoverageGapFinding,
  Finding,
  FixState,
  MalwareFinding,
  OsvAffected,
  Package,
  PackageRef,
  Severity,
  VulnerabilityFinding,
} from '../core/types.js';
import type { Inventory } from '../core/report.js';
import type { AdvisoryDb, StoredAdvisory } from '../advisory/index.js';
import { normalisePackageName } from '../advisory/normalise.js';
import { schemeForEcosystem } from '../versioning/registry.js';
import { evaluateAffected } from './range.js';
import { matchKeys, type MatchKey } from './keys.js';
import { fingerprint } from '../core/fingerprint.js';
import { mergeAliases, type AliasGroup } from './aliases.js';
import { rateFromAliases } from './rating.js';
import { fixStateOf, severityOf, remediationFor, titleOf, vendorSeverityOf } from './describe.js';
import { moduleApplies } from './modularity.js';

export interface MatchOptions {
  /** also match language packages whose files an OS package owns (default: no — the OS data is the truth) */
  includeOsOwned?: boolean;
}

export interface MatchResult {
  findings: Finding[];
  /** OSV ecosystems the inventory needed */
  ecosystems: string[];
  /** packages skipped because an OS package owns them */
  skippedOsOwned: number;
}

export function packageRef(p: Package): PackageRef {
  return {
    name: p.name,
    version: p.version,
    type: p.type,
    purl: p.purl,
    path: p.locations[0]?.path,
    source: p.source,
  };
}

function sameEcosystem(a: string, b: string): boolean {
  return a === b;
}

function gap(p: Package | undefined, reason: CoverageGapFinding['reason'], subject: string, detail: string, remediation?: string): CoverageGapFinding {
  return {
    ...(remediation ? { remediation } : {}),
    id: fingerprint('coverage-gap', reason, subject, p?.locations[0]?.path),
    kind: 'coverage-gap',
    title: `${reason}: ${subject}`,
    severity: 'unknown',
    reason,
    subject,
    detail,
    package: p ? packageRef(p) : undefined,
    layer: p?.layer,
  };
}

interface Hit {
  adv: StoredAdvisory;
  affected: OsvAffected;
  key: MatchKey;
  fixed?: string;
}

/**
 * Evaluate every affected entry of one advisory that names this key. When several entries name the
 * package (GHSA writes one per branch: log4j-core [2.13.0, 2.15.0), [0, 2.3.1), [2.4, 2.12.2)), the
 * advice is the smallest fix above the installed version that no entry still calls affected.
 */
function judge(p: Package, adv: StoredAdvisory, key: MatchKey): { hit?: Hit; unknown?: string } {
  const scheme = schemeForEcosystem(key.ecosystem);
  if (!scheme) return { unknown: `no version scheme for ecosystem ${key.ecosystem}` };
  const wanted = normalisePackageName(key.ecosystem, key.name);
  let unknown: string | undefined;
  const entries: OsvAffected[] = [];
  let hit: Hit | undefined;
  for (const affected of adv.record.affected ?? []) {
    const pkg = affected.package;
    if (!pkg || !sameEcosystem(pkg.ecosystem, key.ecosystem)) continue;
    if (normalisePackageName(pkg.ecosystem, pkg.name) !== wanted) continue;
    if (p.type === 'rpm' && !moduleApplies(p, adv.record, affected)) continue;
    entries.push(affected);
    if (hit) continue;
    const r = evaluateAffected(affected, key.version, scheme);
    if (r.status === 'affected') hit = { adv, affected, key, fixed: r.fixed };
    else if (r.status === 'unknown') unknown = r.reason;
  }
  if (!hit) return { unknown };
  if (entries.length > 1 && hit.fixed !== undefined) {
    const stillAffected = (v: string) => entries.some((e) => evaluateAffected(e, v, scheme).status === 'affected');
    if (stillAffected(hit.fixed)) {
      const candidates = new Set<string>();
      for (const e of entries) {
        for (const r of e.ranges ?? []) {
          for (const ev of r.events ?? []) {
            if (typeof ev.fixed === 'string' && ev.fixed !== '0' && scheme.compare(ev.fixed, key.version) === 1) candidates.add(ev.fixed);
          }
        }
      }
      const sorted = [...candidates].sort((a, b) => scheme.compare(a, b) ?? 0);
      hit.fixed = sorted.find((c) => !stillAffected(c));
    }
  }
  return { hit };
}

/**
 * The OSV ecosystems an inventory's packages are matched in (what `matchInventory` reports as
 * `ecosystems`), without a DB: the policy stage judges DB freshness for exactly these.
 */
export function neededEcosystems(inv: Inventory, opts: MatchOptions = {}): string[] {
  const needed = new Set<string>();
  for (const p of inv.packages) {
    if (p.ownedBy && !opts.includeOsOwned) continue;
    if (p.type === 'golang' && p.version === '(devel)') continue;
    const { ecosystem } = matchKeys(p, inv.os);
    if (ecosystem) needed.add(ecosystem);
  }
  return [...needed].sort();
}

export function matchInventory(inv: Inventory, db: AdvisoryDb, opts: MatchOptions = {}): MatchResult {
  const findings: Finding[] = [];
  const needed = new Set<string>();
  const uncovered = new Map<string, number>();
  const noEcosystem = new Map<string, Package[]>();
  let skippedOsOwned = 0;

  // covered: the DB has vulnerability advisories for the ecosystem. Packages of an uncovered ecosystem
  // are still looked up, for malicious-package reports only (a DB may hold MAL-* records alone).
  const work: { p: Package; keys: MatchKey[]; covered: boolean }[] = [];
  for (const p of inv.packages) {
    if (p.ownedBy && !opts.includeOsOwned) {
      skippedOsOwned++;
      continue;
    }
    if (p.type === 'golang' && p.version === '(devel)') continue; // the binary's own main module, unversioned
    const { ecosystem, keys } = matchKeys(p, inv.os);
    if (!ecosystem) {
      // one gap per package type and OS, not one per package (a RHEL image has hundreds of rpms)
      const k = `${p.type} packages on ${inv.os?.prettyName ?? inv.os?.name ?? 'an unidentified OS'}`;
      noEcosystem.set(k, [...(noEcosystem.get(k) ?? []), p]);
      continue;
    }
    needed.add(ecosystem);
    if (p.type === 'maven' && p.metadata?.groupIdUnknown === 'true') {
      // Maven advisories name group:artifact; an artifactId alone finds nothing, which is not "clean"
      findings.push(gap(p, 'package-unidentified', p.purl, `the Maven groupId of ${p.name} ${p.version} is unknown (no pom.properties or manifest names it); it could not be matched against ${ecosystem} advisories`, `check ${p.locations[0]?.path ?? p.name} by hand, or ship the jar with its META-INF/maven/<groupId>/<artifactId>/pom.properties so it can be matched`));
      continue;
    }
    const covered = db.covers(ecosystem);
    if (!covered) uncovered.set(ecosystem, (uncovered.get(ecosystem) ?? 0) + 1);
    const scheme = schemeForEcosystem(ecosystem);
    if (!scheme) {
      if (covered) findings.push(gap(p, 'ecosystem-not-covered', p.purl, `no version scheme for ecosystem ${ecosystem}`));
      continue;
    }
    if (!keys.every((k) => scheme.isValid(k.version))) {
      if (covered) findings.push(gap(p, 'version-unparsable', p.purl, `version ${p.version} is not valid in the ${scheme.id} scheme of ${ecosystem}; the package could not be matched`));
      continue;
    }
    work.push({ p, keys, covered });
  }
  for (const [what, pkgs] of [...noEcosystem].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const names = pkgs.slice(0, 5).map((x) => `${x.name} ${x.version}`).join(', ');
    findings.push(
      gap(undefined, 'ecosystem-not-covered', what, `no advisory ecosystem for ${what}: ${pkgs.length} package(s) could not be checked (${names}${pkgs.length > 5 ? ', …' : ''})`, 'scan an image of a distribution the advisory data covers, or accept the gap explicitly in the policy (coverage)'),
    );
  }
  for (const [eco, count] of [...uncovered].sort()) {
    findings.push(gap(undefined, 'ecosystem-not-covered', eco, `the advisory DB has no records for ${eco}; ${count} package(s) could not be checked`, `build the advisory DB with a source that covers ${eco} (portcullis db build --source ...)`));
  }

  const lookup = db.byPackages(work.flatMap((w) => w.keys.map((k) => ({ ecosystem: k.ecosystem, name: k.name }))));
  const recordsFor = (k: MatchKey) => lookup.get(`${k.ecosystem}\u0000${normalisePackageName(k.ecosystem, k.name)}`) ?? [];

  for (const { p, keys, covered } of work) {
    const hits: Hit[] = [];
    const malicious: StoredAdvisory[] = [];
    const unknowns = new Map<string, string>(); // advisory id -> why its ranges could not be evaluated
    for (const [i, key] of keys.entries()) {
      const recs = recordsFor(key);
      // rpm: the source RPM name is a fallback for feeds keyed by source, used only when the binary name found nothing
      if (i > 0 && key.via === 'source' && p.type === 'rpm' && recordsFor(keys[0]!).length > 0) continue;
      for (const adv of recs) {
        if (adv.record.withdrawn) continue;
        if (!covered && !adv.malicious) continue;
        const j = judge(p, adv, key);
        if (j.hit) {
          if (adv.malicious) malicious.push(adv);
          else hits.push(j.hit);
        } else if (j.unknown && !unknowns.has(adv.record.id)) unknowns.set(adv.record.id, j.unknown);
      }
    }
    for (const adv of dedupeById(malicious)) findings.push(malwareFinding(p, adv));
    for (const group of mergeAliases(hits, (h) => h.adv.record)) findings.push(vulnFinding(p, group));
    // ids such as ALSA-2024:2447 contain ':', so the id is kept apart from the reason
    for (const [id, why] of [...unknowns].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      findings.push(gap(p, 'range-not-evaluable', `${p.purl} ${id}`, `could not decide whether ${p.name} ${p.version} is affected by ${id}: ${why}`));
    }
  }
  // the matched records gave no rating: take one from any alias record in the DB (rating.ts)
  rateFromAliases(findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability'), db);
  return { findings, ecosystems: [...needed].sort(), skippedOsOwned };
}

function dedupeById(advs: StoredAdvisory[]): StoredAdvisory[] {
  const m = new Map<string, StoredAdvisory>();
  for (const a of advs) m.set(a.record.id, a);
  return [...m.values()].sort((a, b) => (a.record.id < b.record.id ? -1 : 1));
}

function malwareFinding(p: Package, adv: StoredAdvisory): MalwareFinding {
  return {
    id: fingerprint('malware', adv.record.id, p.type, p.name, p.locations[0]?.path),
    kind: 'malware',
    title: `${p.name}@${p.version} is a known malicious package (${adv.record.id})`,
    severity: 'critical',
    signature: adv.record.id,
    path: p.locations[0]?.path,
    package: packageRef(p),
    engine: 'advisory-db',
    layer: p.layer,
    remediation: `remove ${p.name} from the image and rotate any credentials the build or the image could reach`,
  };
}

const ERRATA = /^(ALSA|RLSA|RHSA|ELSA)-/;

function vulnFinding(p: Package, group: AliasGroup<Hit>): VulnerabilityFinding {
  const main = group.preferred;
  const rec = main.adv.record;
  // Distribution errata (AlmaLinux ALSA, Rocky RLSA, Red Hat RHSA) list the CVEs they fix under
  // `related`, not `aliases`: they are carried as aliases of the finding, so a policy's deny list or an
  // exception naming the CVE applies to the erratum. They do not merge findings (see aliases.ts).
  const related = group.members.flatMap((m) => (ERRATA.test(m.adv.record.id) ? (m.adv.record.related ?? []).filter((r) => r.startsWith('CVE-')) : []));
  const aliases = [...new Set([...group.ids, ...related])].filter((i) => i !== group.id).sort();
  // several records for the same vulnerability: the fix that satisfies all of them is the highest
  const fixedVersions = group.members.map((m) => m.fixed).filter((f): f is string => !!f);
  const scheme = schemeForEcosystem(main.key.ecosystem);
  let fixed: string | undefined;
  for (const f of fixedVersions) if (!fixed || (scheme && scheme.compare(f, fixed) === 1)) fixed = f;
  const fixState: FixState = fixed ? 'fixed' : fixStateOf(group.members.map((m) => ({ adv: m.adv, affected: m.affected })));
  const cvss = group.members.flatMap((m) => m.adv.cvss);
  const seenVec = new Set<string>();
  const uniqueCvss = cvss.filter((c) => (seenVec.has(c.vector) ? false : (seenVec.add(c.vector), true)));
  const vendor = vendorSeverityOf(group.members.map((m) => ({ adv: m.adv, affected: m.affected })));
  const severity: Severity = severityOf(vendor, uniqueCvss);
  const kev = group.members.map((m) => m.adv.kev).find((k) => k !== undefined);
  const epss = group.members.map((m) => m.adv.epss).find((e) => e !== undefined);
  const urls = [...new Set(group.members.flatMap((m) => (m.adv.record.references ?? []).map((r) => r.url)))].sort().slice(0, 20);
  const f: VulnerabilityFinding = {
    id: fingerprint('vulnerability', group.id, p.type, p.name, p.locations[0]?.path),
    kind: 'vulnerability',
    title: titleOf([rec, ...group.members.map((m) => m.adv.record)], group.id, p),
    severity,
    layer: p.layer,
    advisoryId: group.id,
    aliases,
    package: packageRef(p),
    installedVersion: p.version,
    fixedVersion: fixed,
    fixState,
    vendorSeverity: vendor,
    cvss: uniqueCvss,
    published: rec.published,
    modified: rec.modified,
    kev,
    epss,
    dataSource: [...new Set(group.members.map((m) => m.adv.source))].sort().join(', '),
    urls,
  };
  f.remediation = remediationFor(f, p);
  return f;
}
