// Turns one walk's per-file facts into the image inventory:
//  - only files still present in the final image count (WalkResult `effective`);
//  - each package is attributed to the first layer where the same package (name, version, arch, and
//    for language packages the same path) appears;
//  - OS packages are stamped with the detected distro (purl namespace + `distro` qualifier);
//  - language packages whose files an OS package owns are linked to it (`ownedBy`);
//  - problems met while reading become coverage-gap findings, and so does what is absent: an OS not
//    identified or not supported, or its package database missing (absent.ts).
import type { ResolvedImage, Package, LayerRef, OsInfo, Fact, Finding, PackageType } from '../core/types.js';
import type { Inventory, ImageSummary } from '../core/report.js';
import type { WalkResult } from '../walker/types.js';
import { buildPurl, parsePurl } from '../core/purl.js';
import { fingerprint } from '../core/fingerprint.js';
import { inventoryRules } from '../analyzers/registry.js';
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
  const old = parsePurl(p.purl);
  const distroId = os.family;
  const qualifiers: Record<string, string | undefined> = { ...old.qualifiers };
  qualifiers.distro = os.versionId ? `${distroId}-${os.versionId}` : distroId;
  return {
    ...p,
    distro: { id: distroId, versionId: os.versionId, codename: os.codename },
    purl: buildPurl({
      type: p.type,
      namespace: purlNamespaceFor(os, p.type) ?? old.namespace,
      name: p.name,
      version: p.version,
      qualifiers,
    }),
  };
}

function comparePackages(a: Package, b: Package): number {
  const ka = [a.type, a.name, a.version, a.arch ?? '', a.locations[0]?.path ?? ''];
  const kb = [b.type, b.name, b.version, b.arch ?? '', b.locations[0]?.path ?? ''];
  for (let i = 0; i < ka.length; i++) {
    if (ka[i]! < kb[i]!) return -1;
    if (ka[i]! > kb[i]!) return 1;
  }
  return 0;
}

/** Packages an inventory holds at most: past it, a `limit-exceeded` gap (memory stays bounded, the gate fails closed). */
export const MAX_INVENTORY_PACKAGES = 1_000_000;

// Packages found by the walk are owned by this function from here on: they are completed in place
// (layer, files, distro, owner) rather than copied, so a 1e6-package image is not held three times.
export function buildInventory(image: ResolvedImage, walk: WalkResult, opts: { maxPackages?: number } = {}): Inventory {
  const maxPackages = opts.maxPackages ?? MAX_INVENTORY_PACKAGES;
  // Earliest layer per package key, across every analyzed version of every file.
  const firstLayer = new Map<string, LayerRef>();
  for (const f of walk.files) {
    for (const fact of f.facts) {
      if (fact.kind !== 'package') continue;
      const k = packageKey(fact.pkg);
      const seen = firstLayer.get(k);
      if (!seen || f.layer.index < seen.index) firstLayer.set(k, f.layer);
    }
  }

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
    const listed = filesByOwner.get(`${p.type}\u0000${p.name}`);
    const files = p.files ?? (listed ? [...listed].sort() : undefined);
    for (const file of p.files ?? []) ownedFiles.set(file, { name: p.name, type: p.type });
    p.files = files;
    p.layer = firstLayer.get(packageKey(p)) ?? p.locations[0]?.layer;
    const stamped = stampDistro(p, os);
    if (stamped !== p) {
      p.distro = stamped.distro;
      p.purl = stamped.purl;
    }
  }

  const osByName = new Map<string, Package>();
  for (const p of packages) if (isOsPackage(p)) osByName.set(`${p.type}\u0000${p.name}`, p);

  for (const p of packages) {
    if (isOsPackage(p)) continue;
    p.layer = firstLayer.get(packageKey(p)) ?? p.locations[0]?.layer;
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
  packages = inventoryRules.packageDedupers.reduce((ps, dedupe) => dedupe(ps), packages).sort(comparePackages);
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

  return {
    image: imageSummary(image),
    os,
    // layer refs carry the layer's created_by: redacted like the history they are copied from
    packages: packages.map((p) => ({
      ...p,
      layer: p.layer && redactLayerRef(p.layer),
      locations: p.locations.map((l) => ({ ...l, layer: redactLayerRef(l.layer) })),
    })),
    analyzers: [...walk.analyzers].sort((a, b) => (a.analyzer < b.analyzer ? -1 : 1)),
    gaps: gaps.map((g) => (g.layer ? { ...g, layer: redactLayerRef(g.layer) } : g)),
  };
}
