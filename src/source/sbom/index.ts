// `scan --sbom FILE`: an inventory read from a CycloneDX or SPDX JSON document — ours (with Portcullis
// properties: layer, path, source package, owner) or another tool's (Trivy's `aquasecurity:trivy:*`
// properties, Syft's `upstream` purl qualifier). Packages come from purls; the OS from the
// operating-system component / package, else from the `distro` qualifier of OS package purls.
import { readFile, stat } from 'node:fs/promises';
import type { Inventory } from '../../core/report.js';
import type { Finding, GapReason, LayerRef, OsInfo, Package, PackageType } from '../../core/types.js';
import { fingerprint } from '../../core/fingerprint.js';
import { PortcullisError } from '../../core/errors.js';
import { parsePurl } from '../../core/purl.js';
import { PROP } from '../../core/sbom-properties.js';
import { DEBIAN_CODENAMES } from '../../core/distro.js';
import { parsePlatform } from '../ref.js';
import { inventoryFromReport, isPortcullisReport } from './report.js';

export const MAX_SBOM_BYTES = 512 * 1024 * 1024;

const TYPES: ReadonlySet<string> = new Set(['deb', 'apk', 'rpm', 'npm', 'pypi', 'golang', 'maven', 'gem', 'cargo', 'composer', 'nuget']);

/** Property names of other tools that carry the same facts. */
const ALIASES: Record<string, string[]> = {
  [PROP.sourceName]: ['aquasecurity:trivy:SrcName', 'syft:package:sourceName'],
  [PROP.sourceVersion]: ['aquasecurity:trivy:SrcVersion'],
  [PROP.layerDiffId]: ['aquasecurity:trivy:LayerDiffID'],
  [PROP.path]: ['aquasecurity:trivy:FilePath', 'syft:location:0:path'],
  [PROP.epoch]: ['aquasecurity:trivy:SrcEpoch'],
};

type Props = Map<string, string>;

function prop(props: Props, key: string): string | undefined {
  return props.get(key) ?? (ALIASES[key] ?? []).map((k) => props.get(k)).find((v) => v !== undefined);
}

interface Raw {
  purl: string;
  props: Props;
  licenses: string[];
  where: string;
}

type Warn = (m: string, reason?: GapReason) => void;

function toPackage(raw: Raw, file: string, warn: Warn, layers: Map<string, LayerRef>): Package | undefined {
  let parts;
  try {
    parts = parsePurl(raw.purl);
  } catch {
    warn(`${raw.where}: invalid purl "${raw.purl.slice(0, 200)}"`);
    return undefined;
  }
  const type = prop(raw.props, PROP.type) ?? parts.type;
  if (!TYPES.has(type)) {
    warn(`${raw.where}: package type "${type}" is not supported (${raw.purl.slice(0, 200)})`, 'ecosystem-not-covered');
    return undefined;
  }
  if (!parts.version) {
    warn(`${raw.where}: purl without a version: ${raw.purl.slice(0, 200)}`);
    return undefined;
  }
  const q = parts.qualifiers ?? {};
  let name = parts.name;
  if (type === 'maven' && parts.namespace) name = `${parts.namespace}:${parts.name}`;
  else if ((type === 'npm' || type === 'golang' || type === 'composer') && parts.namespace) name = `${parts.namespace}/${parts.name}`;
  // Syft: `upstream=libssh2` or `upstream=libssh2@1.10.0-3`
  let sourceName = prop(raw.props, PROP.sourceName);
  let sourceVersion = prop(raw.props, PROP.sourceVersion);
  if (!sourceName && q.upstream) {
    const at = q.upstream.indexOf('@');
    sourceName = at > 0 ? q.upstream.slice(0, at) : q.upstream;
    sourceVersion = at > 0 ? q.upstream.slice(at + 1) : undefined;
  }
  const epochText = prop(raw.props, PROP.epoch) ?? q.epoch;
  const epoch = epochText !== undefined && /^\d+$/.test(epochText) ? Number(epochText) : undefined;
  const diffId = prop(raw.props, PROP.layerDiffId);
  const indexText = prop(raw.props, PROP.layerIndex);
  const layer = diffId ? (layers.get(diffId) ?? { index: indexText ? Number(indexText) : -1, diffId }) : undefined;
  const path = prop(raw.props, PROP.path) ?? file;
  const ownedBy = prop(raw.props, PROP.ownedBy);
  const pkg: Package = {
    name,
    version: parts.version,
    type: type as PackageType,
    purl: raw.purl,
    arch: prop(raw.props, PROP.arch) ?? q.arch,
    source: sourceName ? { name: sourceName, version: sourceVersion ?? parts.version } : undefined,
    epoch: epoch && epoch > 0 ? epoch : undefined,
    modularityLabel: prop(raw.props, PROP.modularityLabel),
    licenses: raw.licenses,
    locations: [{ path, layer: layer ?? { index: -1, diffId: 'sbom:' } }],
    layer,
    foundBy: prop(raw.props, PROP.foundBy) ?? 'sbom',
    confidence: (prop(raw.props, PROP.confidence) as Package['confidence']) ?? undefined,
    dev: prop(raw.props, PROP.dev) === 'true' ? true : undefined,
    ownedBy: ownedBy ? { name: safeName(ownedBy), purl: ownedBy } : undefined,
  };
  if (pkg.type === 'deb' || pkg.type === 'apk' || pkg.type === 'rpm') {
    const distro = q.distro;
    if (distro) pkg.distro = { id: distro.replace(/-[^-]*$/, ''), versionId: /-([^-]+)$/.exec(distro)?.[1] };
  }
  return pkg;
}

function safeName(purl: string): string {
  try {
    return parsePurl(purl).name;
  } catch {
    return purl;
  }
}

function osFromDistro(pkgs: Package[]): OsInfo | undefined {
  const p = pkgs.find((x) => x.distro?.id);
  if (!p?.distro) return undefined;
  return { family: p.distro.id, name: p.distro.id, versionId: p.distro.versionId, source: 'sbom:purl distro qualifier' };
}

function debianCodename(versionId: string | undefined): string | undefined {
  return versionId ? DEBIAN_CODENAMES[versionId.split('.')[0]!] : undefined;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `name@version (bom-ref)` of a component or package, for messages: what the reader can find in the file. */
function label(rec: Record<string, unknown>, ref: string): string {
  const name = str(rec.name)?.slice(0, 120) ?? '(no name)';
  const version = str(rec.version) ?? str(rec.versionInfo);
  const id = str(rec[ref]);
  return JSON.stringify(`${name}${version ? `@${version.slice(0, 60)}` : ''}`) + (id ? ` (${id.slice(0, 120)})` : '');
}

/** A list where the format wants one: a present non-list is a gap naming the field, never an empty list. */
function listOf(v: unknown, what: string, warn: Warn): unknown[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  warn(`${what} is not a list (${typeof v}); nothing in it was read`);
  return [];
}

/** CycloneDX component types that group others (an application's lockfile, the image) rather than name a package. */
const GROUPING_TYPES: ReadonlySet<string> = new Set(['application', 'container', 'file', 'firmware', 'device', 'platform', 'machine-learning-model', 'data']);

function readCycloneDx(doc: Record<string, unknown>, file: string, warn: Warn) {
  const raws: Raw[] = [];
  let os: OsInfo | undefined;
  const meta = (doc.metadata ?? {}) as Record<string, unknown>;
  const comp = (meta.component ?? {}) as Record<string, unknown>;
  const metaProps = new Map(asArray(comp.properties).map((p) => [str((p as Record<string, unknown>).name) ?? '', str((p as Record<string, unknown>).value) ?? '']));
  const layers = new Map<string, LayerRef>();
  for (const p of asArray(comp.properties)) {
    const rec = p as Record<string, unknown>;
    if (rec.name === PROP.layer && typeof rec.value === 'string') {
      const [idx, diffId] = rec.value.split(' ');
      if (diffId && /^\d+$/.test(idx ?? '')) layers.set(diffId, { index: Number(idx), diffId });
    }
  }
  const walk = (list: unknown[], depth: number) => {
    if (depth > 32) {
      warn(`${file}: components nested deeper than 32 levels were not read`);
      return;
    }
    list.forEach((c, i) => {
      if (!c || typeof c !== 'object' || Array.isArray(c)) {
        warn(`${file}: component ${i} at depth ${depth} is not an object; not read`);
        return;
      }
      const rec = c as Record<string, unknown>;
      if (rec.type === 'operating-system') {
        const props = new Map(asArray(rec.properties).map((p) => [str((p as Record<string, unknown>).name) ?? '', str((p as Record<string, unknown>).value) ?? '']));
        const family = (str(rec.name) ?? '').toLowerCase();
        if (family) os = { family, name: props.get(PROP.osName) ?? family, versionId: str(rec.version), prettyName: str(rec.description), codename: props.get(PROP.osCodename), source: 'sbom:operating-system component' };
      } else if (typeof rec.purl === 'string') {
        const props = new Map(asArray(rec.properties).map((p) => [str((p as Record<string, unknown>).name) ?? '', str((p as Record<string, unknown>).value) ?? '']));
        const licenses: string[] = [];
        for (const l of asArray(rec.licenses)) {
          const lr = l as Record<string, unknown>;
          const lic = (lr.license ?? {}) as Record<string, unknown>;
          const v = str(lr.expression) ?? str(lic.id) ?? str(lic.name);
          if (v) licenses.push(v);
        }
        raws.push({ purl: rec.purl, props, licenses, where: `${file}: component ${label(rec, 'bom-ref')}` });
      } else if (rec.purl !== undefined) {
        warn(`${file}: component ${label(rec, 'bom-ref')}: purl is not a string; not read`);
      } else if (!GROUPING_TYPES.has(str(rec.type) ?? '') || (str(rec.version) !== undefined && !Array.isArray(rec.components))) {
        // a library (or a versioned thing) without a purl cannot be matched: say so, never drop it
        warn(`${file}: component ${label(rec, 'bom-ref')}: no purl; it cannot be matched`, 'package-unidentified');
      }
      walk(listOf(rec.components, `${file}: component ${label(rec, 'bom-ref')}: components`, warn), depth + 1);
    });
  };
  walk(listOf(doc.components, `${file}: components`, warn), 0);
  return {
    raws,
    os,
    name: str(comp.name),
    digest: str(comp.version)?.startsWith('sha256:') ? str(comp.version) : undefined,
    input: metaProps.get(PROP.imageInput),
    platform: metaProps.get(PROP.platform),
    configDigest: metaProps.get(PROP.configDigest),
    layers,
  };
}

function readSpdx(doc: Record<string, unknown>, file: string, warn: Warn) {
  const raws: Raw[] = [];
  let os: OsInfo | undefined;
  let name: string | undefined;
  let digest: string | undefined;
  let image: Props = new Map();
  listOf(doc.packages, `${file}: packages`, warn).forEach((p, i) => {
    if (!p || typeof p !== 'object' || Array.isArray(p)) {
      warn(`${file}: package ${i} is not an object; not read`);
      return;
    }
    const rec = p as Record<string, unknown>;
    if (rec.primaryPackagePurpose === 'OPERATING_SYSTEM' || rec.primaryPackagePurpose === 'OPERATING-SYSTEM') {
      const family = (str(rec.name) ?? '').toLowerCase();
      if (family) os = { family, name: family, versionId: str(rec.versionInfo), prettyName: str(rec.description), source: 'sbom:operating-system package' };
      return;
    }
    if (rec.primaryPackagePurpose === 'CONTAINER') {
      name = str(rec.name);
      digest = str(rec.versionInfo);
      image = commentProps(rec.comment);
      return;
    }
    const refs = listOf(rec.externalRefs, `${file}: package ${label(rec, 'SPDXID')}: externalRefs`, warn)
      .filter((r): r is Record<string, unknown> => !!r && typeof r === 'object')
      .filter((r) => r.referenceType === 'purl');
    const purl = refs.map((r) => r.referenceLocator).find((l): l is string => typeof l === 'string' && l !== '');
    if (!purl) {
      const why = refs.length > 0 ? 'its purl reference has no usable referenceLocator' : 'no purl reference';
      warn(`${file}: package ${label(rec, 'SPDXID')}: ${why}; it cannot be matched`, 'package-unidentified');
      return;
    }
    const props = commentProps(rec.comment);
    const declared = str(rec.licenseDeclared);
    const licenses = declared && !['NOASSERTION', 'NONE'].includes(declared) ? [declared] : [];
    raws.push({ purl, props, licenses, where: `${file}: package ${label(rec, 'SPDXID')}` });
  });
  return { raws, os, name, digest, input: image.get(PROP.imageInput), platform: image.get(PROP.platform), configDigest: image.get(PROP.configDigest), layers: new Map<string, LayerRef>() };
}

/** Our `portcullis:key=value` lines of an SPDX `comment`. */
function commentProps(comment: unknown): Props {
  const props: Props = new Map();
  for (const line of (str(comment) ?? '').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && line.startsWith('portcullis:')) props.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return props;
}

/** `linux/arm64/v8` as written by us; anything else (absent, malformed) is `linux/unknown`. */
function platformOf(s: string | undefined): Inventory['image']['platform'] {
  if (s) {
    try {
      return parsePlatform(s);
    } catch {
      // fall through: a platform we cannot read is unknown, not a reason to refuse the SBOM
    }
  }
  return { os: 'linux', architecture: 'unknown' };
}

export async function readSbom(file: string): Promise<Inventory> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    throw new PortcullisError('NOT_FOUND', `${file}: SBOM file not found`, { cause: e });
  }
  if (size > MAX_SBOM_BYTES) throw new PortcullisError('LIMIT_EXCEEDED', `${file}: SBOM is ${size} bytes, over the ${MAX_SBOM_BYTES}-byte limit`);
  let doc: unknown;
  try {
    doc = JSON.parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `${file}: not valid JSON (${(e as Error).message.slice(0, 120)}); expected a CycloneDX or SPDX JSON SBOM`, { cause: e });
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new PortcullisError('BAD_INPUT', `${file}: expected a JSON object (CycloneDX or SPDX)`);
  const d = doc as Record<string, unknown>;
  const warnings: string[] = [];
  const gaps: Finding[] = [];
  const warn: Warn = (m, reason = 'analyzer-error') => {
    warnings.push(m);
    gaps.push({ id: fingerprint('coverage-gap', reason, m), kind: 'coverage-gap', title: `${reason}: ${m}`, severity: 'unknown', reason, subject: m.split(': ').slice(0, 2).join(': '), detail: m });
  };
  if (isPortcullisReport(d)) return inventoryFromReport(d, file);
  let read;
  if (d.bomFormat === 'CycloneDX') read = readCycloneDx(d, file, warn);
  else if (typeof d.spdxVersion === 'string' && d.spdxVersion.startsWith('SPDX-2.')) read = readSpdx(d, file, warn);
  else throw new PortcullisError('BAD_INPUT', `${file}: neither CycloneDX (bomFormat) nor SPDX 2.x (spdxVersion) JSON, nor a Portcullis JSON report`);
  const packages = read.raws
    .map((r) => toPackage(r, file, warn, read.layers))
    .filter((p): p is Package => p !== undefined);
  let os = read.os ?? osFromDistro(packages);
  if (os && os.family === 'debian' && !os.codename) os = { ...os, codename: debianCodename(os.versionId) };
  const name = read.name ?? file;
  return {
    image: {
      ref: { input: read.input ?? `sbom:${file}`, transport: 'sbom', path: file },
      name,
      repoTags: read.name ? [read.name] : [],
      manifestDigest: read.digest,
      configDigest: read.configDigest?.startsWith('sha256:') ? read.configDigest : undefined,
      platform: platformOf(read.platform),
      config: { env: [], labels: {}, exposedPorts: [], history: [], diffIds: [...read.layers.keys()] },
      layers: [...read.layers.values()].sort((a, b) => a.index - b.index).map((l) => ({ index: l.index, diffId: l.diffId })),
      annotations: {},
    },
    os,
    packages,
    // every warning is something in the document not read: the SBOM reader's status is then partial
    analyzers: [{ analyzer: 'sbom', files: 1, warnings, state: warnings.length > 0 ? 'partial' : 'complete', reasons: warnings.slice(0, 50) }],
    gaps,
  };
}
