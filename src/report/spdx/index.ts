// `spdx-json`: SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/). The image is the described
// package (purpose CONTAINER), the OS a package of purpose OPERATING_SYSTEM, every inventory package a
// package with its purl as a PACKAGE-MANAGER external reference and Portcullis details (layer, path,
// source package, owner) in its `comment` as `key=value` lines, so `scan --sbom` can read them back.
import { createHash } from 'node:crypto';
import type { Reporter, ScanReport } from '../../core/report.js';
import type { Package } from '../../core/types.js';
import { LazyArray, writeStableJson } from '../stream.js';
import { isSpdxExpression, spdxId } from '../cyclonedx/licenses.js';
import { PROP } from '../../core/sbom-properties.js';
import { formatPlatform } from '../../source/ref.js';

function spdxRef(kind: string, seed: string): string {
  return `SPDXRef-${kind}-${createHash('sha256').update(seed).digest('hex').slice(0, 16)}`;
}

/** SPDX wants `YYYY-MM-DDThh:mm:ssZ`, without fractions of a second. */
export function spdxDate(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

interface Extracted {
  licenseId: string;
  extractedText: string;
  name: string;
}

function declared(licenses: string[], extracted: Map<string, Extracted>): string {
  if (licenses.length === 0) return 'NOASSERTION';
  const parts = licenses.map((l) => {
    const id = spdxId(l);
    if (id) return id;
    if (isSpdxExpression(l)) return licenses.length > 1 ? `(${l})` : l;
    const ref = `LicenseRef-${l.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'unknown'}`;
    extracted.set(ref, { licenseId: ref, extractedText: l, name: l });
    return ref;
  });
  return parts.join(' AND ');
}

function comment(p: Package): string | undefined {
  const kv: [string, string | undefined][] = [
    [PROP.type, p.type],
    [PROP.foundBy, p.foundBy],
    [PROP.path, p.locations[0]?.path],
    [PROP.layerDiffId, p.layer?.diffId],
    [PROP.layerIndex, p.layer ? String(p.layer.index) : undefined],
    [PROP.sourceName, p.source?.name],
    [PROP.sourceVersion, p.source?.version],
    [PROP.arch, p.arch],
    [PROP.epoch, p.epoch !== undefined ? String(p.epoch) : undefined],
    [PROP.ownedBy, p.ownedBy?.purl],
  ];
  const lines = kv.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k}=${v}`);
  return lines.length ? lines.join('\n') : undefined;
}

export function toSpdx(r: ScanReport): unknown {
  const img = r.inventory.image;
  const digest = img.manifestDigest ?? img.configDigest ?? img.ref.input;
  const imageRef = spdxRef('Image', digest);
  const extracted = new Map<string, Extracted>();
  const packages: Record<string, unknown>[] = [
    {
      SPDXID: imageRef,
      name: img.name,
      versionInfo: img.manifestDigest ?? img.configDigest,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      primaryPackagePurpose: 'CONTAINER',
      comment: [
        `${PROP.imageInput}=${img.ref.input}`,
        `${PROP.platform}=${formatPlatform(img.platform)}`,
        ...(img.configDigest ? [`${PROP.configDigest}=${img.configDigest}`] : []),
      ].join('\n'),
    },
  ];
  const relationships: Record<string, string>[] = [{ spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: imageRef }];
  const os = r.inventory.os;
  if (os) {
    const id = spdxRef('OperatingSystem', `${os.family}:${os.versionId ?? ''}`);
    packages.push({
      SPDXID: id,
      name: os.family,
      versionInfo: os.versionId,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      primaryPackagePurpose: 'OPERATING_SYSTEM',
      description: os.prettyName,
    });
    relationships.push({ spdxElementId: imageRef, relationshipType: 'CONTAINS', relatedSpdxElement: id });
  }
  // packages and relationships are made as they are written (report/stream): a 1e6-package SBOM is
  // never held as 1e6 objects, nor as one string. Licences not in the SPDX list are gathered first (the
  // document lists them before the packages).
  const pkgs = r.inventory.packages;
  for (const p of pkgs) if (p.licenses.length > 0) declared(p.licenses, extracted);
  const pkgId = (p: Package, i: number) => spdxRef('Package', `${p.purl}\u0000${p.locations[0]?.path ?? ''}\u0000${i}`);
  const head = packages.length;
  const packageAt = (i: number): Record<string, unknown> => {
    const p = pkgs[i]!;
    return {
      SPDXID: pkgId(p, i),
      name: p.name,
      versionInfo: p.version,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: declared(p.licenses, extracted),
      copyrightText: 'NOASSERTION',
      sourceInfo: `found by ${p.foundBy} in ${p.locations[0]?.path ?? 'the image'}${p.layer ? ` (layer ${p.layer.index})` : ''}`,
      primaryPackagePurpose: 'LIBRARY',
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl }],
      comment: comment(p),
    };
  };
  const relHead = relationships.length;
  const allPackages = new LazyArray(head + pkgs.length, (i) => (i < head ? packages[i]! : packageAt(i - head)));
  const allRelationships = new LazyArray(relHead + pkgs.length, (i) =>
    i < relHead ? relationships[i]! : { spdxElementId: imageRef, relationshipType: 'CONTAINS', relatedSpdxElement: pkgId(pkgs[i - relHead]!, i - relHead) },
  );
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: img.name,
    documentNamespace: `https://portcullis.invalid/spdx/${encodeURIComponent(img.name)}-${createHash('sha256').update(`${digest}\u0000${r.createdAt}`).digest('hex').slice(0, 32)}`,
    creationInfo: { created: spdxDate(r.createdAt), creators: [`Tool: ${r.scanner.name}-${r.scanner.version}`] },
    packages: allPackages,
    relationships: allRelationships,
    hasExtractedLicensingInfos: extracted.size ? [...extracted.values()].sort((a, b) => (a.licenseId < b.licenseId ? -1 : 1)) : undefined,
  };
}

export const spdxReporter: Reporter = {
  format: 'spdx-json',
  modes: ['sbom'],
  async render(report, out) {
    await writeStableJson(out, toSpdx(report));
  },
};
