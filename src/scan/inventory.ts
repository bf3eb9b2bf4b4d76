// Turns one walk's per-file facts into the image inventory:
//  - only files still present in the final image count (WalkResult `effective`);
//  - each package is attributed to the first layer where the same package (name, version, arch, and
//    for language packages the same path) appears;
//  - OS packages are stamped with the detected distro (purl namespace + `distro` qualifier);
//  - language packages whose files an OS package owns are linked to it (`ownedBy`);
//  - problems met while reading become coverage-gap findings, and so does what is absent: an OS not
//    identified or not supported, or its package database missing (absent.ts).
import type { ResolvedImage, Package, LayerRef, OsInfo, Fact, Finding, PackageLocation, PackageType } from '../core/types.js';
import type { Inventory, ImageSummary } from '../core/report.js';
import type { AnalyzedFile, WalkResult } from '../walker/types.js';
import { buildPurl, parsePurl, purlQualifiers } from '../core/purl.js';
import { fingerprint } from '../core/fingerprint.js';
import { inventoryRules } from '../analyzers/registry.js';
import type { InventoryOptions } from '../analyzers/declared.js';
import { absenceGaps } from './absent.js';
import { redactImageConfig, redactLayerRef } from '../checks/secrets/redact.js';

const OS_TYPES: ReadonlySet<PackageType> = new Set(['deb', 'apk', 'rpm']);

export function isOsPackage(p: Package): boolean {
  return OS_TYPES.has(p.type);
}

export function imageSummary(image: ResolvedImage): ImageSummary {
  return {
    ref: image.ref,
    name: image.repoTags[0] ?? image.ref.input,
    repoTags: [...image.repoTags],
    manifestDigest: image.manifestDigest,
    configDigest: image.configDigest,
    platform: image.platform,
    // nothing secret leaves: the report's copy of Env, Labels and history is redacted here, at the source
    config: redactImageConfig(image.config),
    layers: image.layers.map(redactLayerRef),
    annotations: image.annotations,
  };
}

function packageKey(p: Package): string {
  const base = `${p.type}\u0000${p.name}\u0000${p.version}\u0000${p.arch ?? ''}`;
  if (isOsPackage(p)) return base;
  return `${base}\u0000${p.locations[0]?.path ?? ''}`;
}

/** purl namespace for OS packages of a distro (purl-spec type definitions). */
export function purlNamespaceFor(os: OsInfo, type: PackageType): string | undefined {
  const id = os.family;
  if (type === 'deb') return id === 'ubuntu' ? 'ubuntu' : 'debian';
  if (type === 'apk') return id === 'wolfi' || id === 'chainguard' ? id : 'alpine';
  if (type === 'rpm') {
    const map: Record<string, string> = {
      rhel: 'redhat',
      ol: 'oracle',
      amzn: 'amazon',
      sles: 'suse',
      'opensuse-leap': 'opensuse',
      'opensuse-tumbleweed': 'opensuse',
      azurelinux: 'azurelinux',
      mariner: 'mariner',
    };
    return map[id] ?? id;
  }
  return undefined;
}

/** Re-stamp an OS package with the image's distro: namespace, `distro` qualifier, `distro` field. */
export function stampDistro(p: Package, os: OsInfo | undefined): Package {
  if (!isOsPackage(p) || !os) return p;
  return { ...p, ...distroStamp(p, os, { id: os.family, versionId: os.versionId, codename: os.codename }) };
}

/** The distro fields of an OS package; `distro` is the one object every package of the image shares. */
function distroStamp(p: Package, os: OsInfo, distro: NonNullable<Package['distro']>): Pick<Package, 'distro' | 'purl'> {
  // the purl's own qualifiers (arch, epoch, ...) are kept; only the purl's namespace and distro change
  const qualifiers: Record<string, string | undefined> = { ...(purlQualifiers(p.purl) ?? parsePurl(p.purl).qualifiers) };
  qualifiers.distro = os.versionId ? `${os.family}-${os.versionId}` : os.family;
  return {
    distro,
    purl: buildPurl({ type: p.type, namespace: purlNamespaceFor(os, p.type), name: p.name, version: p.version, qualifiers }),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparePackages(a: Package, b: Package): number {
  return (
    cmp(a.type, b.type) ||
    cmp(a.name, b.name) ||
    cmp(a.version, b.version) ||
    cmp(a.arch ?? '', b.arch ?? '') ||
    cmp(a.locations[0]?.path ?? '', b.locations[0]?.path ?? '')
  );
}

/**
 * Earliest layer per package key, across every analyzed version of every file. Keys are built for the
 * packages of every file but the one with the most packages (a 1e6-package status file or lockfile
 * needs no 1e6-key map): that file's packages are looked up, one key at a time, and lower the layer of
 * keys other files share with it. Returns the first layer of a package, undefined for a package only the
 * big file has: its first layer is that file's, the layer its location names.
 */
function firstLayers(files: AnalyzedFile[]): (p: Package) => LayerRef | undefined {
  let big: AnalyzedFile | undefined;
  let bigCount = 0;
  for (const f of files) {
    const n = f.facts.length;
    if (n > bigCount) {
      big = f;
      bigCount = n;
    }
  }
  const firstLayer = new Map<string, LayerRef>();
  const lower = (k: string, layer: LayerRef): void => {
    const seen = firstLayer.get(k);
    if (!seen || layer.index < seen.index) firstLayer.set(k, layer);
  };
  for (const f of files) {
    if (f === big) continue;
    for (const fact of f.facts) if (fact.kind === 'package') lower(packageKey(fact.pkg), f.layer);
  }
  if (big) {
    for (const fact of big.facts) {
      if (fact.kind !== 'package') continue;
      const k = packageKey(fact.pkg);
      if (firstLayer.has(k)) lower(k, big.layer);
    }
  }
  return (p) => firstLayer.get(packageKey(p));
}

/** Packages an inventory holds at most: past it, a `limit-exceeded` gap (memory stays bounded, the gate fails closed). */
export const MAX_INVENTORY_PACKAGES = 1_000_000;

// Packages found by the walk are owned by this function from here on: they are completed in place
// (layer, files, distro, owner) rather than copied, so a 1e6-package image is not held three times.
export function buildInventory(image: ResolvedImage, walk: WalkResult, opts: { maxPackages?: number } & InventoryOptions = {}): Inventory {
  const maxPackages = opts.maxPackages ?? MAX_INVENTORY_PACKAGES;
  const firstLayer = firstLayers(walk.files);

  const effective = walk.files.filter((f) => f.effective);
  const osCandidates: { os: OsInfo; path: string }[] = [];
  const ownedFiles = new Map<string, { name: string; type: PackageType }>();
  let packages: Package[] = [];
  let overCap = 0;
  const requires: Extract<Fact, { kind: 'requires' }>[] = [];
  for (const f of effective) {
    for (const fact of f.facts) {
      if (fact.kind === 'os') osCandidates.push({ os: fact.os, path: f.path });
      else if (fact.kind === 'package') {
        if (packages.length < maxPackages) packages.push(fact.pkg);
        else overCap++;
      } else if (fact.kind === 'owned-files') for (const p of fact.files) ownedFiles.set(p, fact.owner);
      else if (fact.kind === 'requires') requires.push(fact);
    }
  }
  const os = inventoryRules.pickOs(osCandidates);
  const distro = os && Object.freeze({ id: os.family, versionId: os.versionId, codename: os.codename });

  // Owned files: dpkg lists them in info/*.list (owned-files facts), apk and rpm inside the package.
  const filesByOwner = new Map<string, string[]>();
  for (const [path, owner] of ownedFiles) {
    const k = `${owner.type}\u0000${owner.name}`;
    const list = filesByOwner.get(k) ?? [];
    list.push(path);
    filesByOwner.set(k, list);
  }
  for (const p of packages) {
    if (!isOsPackage(p)) continue;
    const listed = filesByOwner.size > 0 ? filesByOwner.get(`${p.type}\u0000${p.name}`) : undefined;
    if (p.files) for (const file of p.files) ownedFiles.set(file, { name: p.name, type: p.type });
    else if (listed) p.files = [...listed].sort();
    p.layer = firstLayer(p) ?? p.locations[0]?.layer;
    if (os && distro) {
      const stamp = distroStamp(p, os, distro);
      p.distro = stamp.distro;
      p.purl = stamp.purl;
    }
  }

  // built only when some file is owned (a 1e6-package dpkg image without info/*.list needs no such map)
  let osByName: Map<string, Package> | undefined;
  for (const p of packages) {
    if (isOsPackage(p)) continue;
    p.layer = firstLayer(p) ?? p.locations[0]?.layer;
    if (ownedFiles.size === 0) continue;
    if (!osByName) {
      osByName = new Map();
      for (const q of packages) if (isOsPackage(q)) osByName.set(`${q.type}\u0000${q.name}`, q);
    }
    for (const loc of p.locations) {
      const owner = ownedFiles.get(loc.path);
      if (!owner) continue;
      const ownerPkg = osByName.get(`${owner.type}\u0000${owner.name}`);
      if (ownerPkg) {
        p.ownedBy = { name: ownerPkg.name, purl: ownerPkg.purl };
        break;
      }
    }
  }
  packages = inventoryRules.packageDedupers.reduce((ps, dedupe) => dedupe(ps, opts), packages).sort(comparePackages);
  for (const annotate of inventoryRules.dependencyGraphs) annotate(packages, requires);

  const gaps: Finding[] = walk.problems.map((pr) => ({
    id: pr.analyzer === undefined ? fingerprint('coverage-gap', pr.reason, pr.subject) : fingerprint('coverage-gap', pr.reason, pr.subject, pr.analyzer),
    kind: 'coverage-gap' as const,
    title: `${pr.reason}: ${pr.subject}`,
    severity: 'unknown' as const,
    reason: pr.reason,
    subject: pr.subject,
    detail: pr.detail,
    layer: pr.layer,
  }));
  if (overCap > 0) {
    gaps.push({
      id: fingerprint('coverage-gap', 'limit-exceeded', 'inventory'),
      kind: 'coverage-gap',
      title: `limit-exceeded: inventory`,
      severity: 'unknown',
      reason: 'limit-exceeded',
      subject: 'inventory',
      detail: `${packages.length + overCap} packages found, more than the ${maxPackages} an inventory holds; ${overCap} were not inventoried or checked`,
    });
  }
  gaps.push(...absenceGaps(os, packages, walk, isOsPackage));

  // layer refs carry the layer's created_by: redacted like the history they are copied from, in place
  // (no second copy of the inventory), one redacted ref per layer and one location list per shared list
  const redacted = new Map<LayerRef, LayerRef>();
  const redact = (l: LayerRef): LayerRef => {
    let r = redacted.get(l);
    if (r === undefined) redacted.set(l, (r = redactLayerRef(l)));
    return r;
  };
  const relocated = new Map<PackageLocation[], PackageLocation[]>();
  for (const p of packages) {
    if (p.layer) p.layer = redact(p.layer);
    if (p.locations.every((l) => redact(l.layer) === l.layer)) continue;
    let locs = relocated.get(p.locations);
    if (locs === undefined) relocated.set(p.locations, (locs = p.locations.map((l) => ({ ...l, layer: redact(l.layer) }))));
    p.locations = locs;
  }
  return {
    image: imageSummary(image),
    os,
    packages,
    analyzers: [...walk.analyzers].sort((a, b) => (a.analyzer < b.analyzer ? -1 : 1)),
    gaps: gaps.map((g) => (g.layer ? { ...g, layer: redactLayerRef(g.layer) } : g)),
  };
}
