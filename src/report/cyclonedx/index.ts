// `cyclonedx`: CycloneDX 1.6 JSON (https://cyclonedx.org/docs/1.6/json/). The image is the metadata
// component (type container), the OS a component of type operating-system, every package a library
// with its purl, licenses and Portcullis properties (layer, path, source package, owner) so that
// `scan --sbom` can match it exactly as it would match the image. In scan mode the vulnerabilities
// (with ratings, aliases, fix, and suppressions as `analysis`) are included.
import { createHash } from 'node:crypto';
import type { Reporter, ScanReport, Suppression } from '../../core/report.js';
import type { Package, VulnerabilityFinding, CvssScore } from '../../core/types.js';
import { LazyArray, writeStableJson } from '../stream.js';
import { licenseChoice } from './licenses.js';
import { PROP } from '../../core/sbom-properties.js';
import { formatPlatform } from '../../source/ref.js';

/** A UUID derived from the content, so the same report gives the same serial number. */
export function deterministicUuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  const v = `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return `urn:uuid:${v}`;
}

export function bomRef(p: Package, index: number): string {
  return `${p.purl}#${index}`;
}

function props(entries: [string, string | undefined][]): { name: string; value: string }[] | undefined {
  const out = entries.filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '').map(([name, value]) => ({ name, value }));
  return out.length ? out : undefined;
}

function component(p: Package, index: number) {
  const ns = p.type === 'maven' ? p.name.split(':')[0] : undefined;
  return {
    type: 'library',
    'bom-ref': bomRef(p, index),
    group: ns,
    name: p.type === 'maven' ? p.name.split(':').slice(1).join(':') || p.name : p.name,
    version: p.version,
    purl: p.purl,
    licenses: licenseChoice(p.licenses),
    properties: props([
      [PROP.type, p.type],
      [PROP.foundBy, p.foundBy],
      [PROP.path, p.locations[0]?.path],
      [PROP.layerDiffId, p.layer?.diffId],
      [PROP.layerIndex, p.layer !== undefined ? String(p.layer.index) : undefined],
      [PROP.sourceName, p.source?.name],
      [PROP.sourceVersion, p.source?.version],
      [PROP.arch, p.arch],
      [PROP.epoch, p.epoch !== undefined ? String(p.epoch) : undefined],
      [PROP.modularityLabel, p.modularityLabel],
      [PROP.ownedBy, p.ownedBy?.purl],
      [PROP.dev, p.dev ? 'true' : undefined],
      [PROP.confidence, p.confidence],
    ]),
  };
}

function method(c: CvssScore): string {
  return c.version === '4.0' ? 'CVSSv4' : c.version === '3.1' ? 'CVSSv31' : c.version === '3.0' ? 'CVSSv3' : 'CVSSv2';
}

function sourceFor(id: string): { name: string; url?: string } {
  if (id.startsWith('CVE-')) return { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${id}` };
  if (id.startsWith('GHSA-')) return { name: 'GitHub', url: `https://github.com/advisories/${id}` };
  return { name: 'OSV', url: `https://osv.dev/vulnerability/${id}` };
}

/** OpenVEX justification names → CycloneDX's (their VEX guides map them this way); others pass as detail only. */
const CDX_JUSTIFICATION: Record<string, string> = {
  component_not_present: 'code_not_present',
  vulnerable_code_not_present: 'code_not_present',
  vulnerable_code_not_in_execute_path: 'code_not_reachable',
  vulnerable_code_cannot_be_controlled_by_adversary: 'requires_environment',
  inline_mitigations_already_exist: 'protected_by_mitigating_control',
};
const CDX_JUSTIFICATIONS = new Set([...Object.values(CDX_JUSTIFICATION), 'requires_configuration', 'requires_dependency', 'protected_by_compiler', 'protected_at_runtime', 'protected_at_perimeter']);

/**
 * CycloneDX VEX analysis for a suppressed finding. A suppression is accepted risk, never "not affected":
 * the package is affected and the advisory applies, someone decided to ship it anyway. So the state is
 * `exploitable` with response `update` when a fix exists, else `will_not_fix`; a grace period is
 * `in_triage` (the advisory is new and not yet assessed). Only a trusted VEX statement says
 * `not_affected` (with its justification) or `resolved`.
 */
export function analysis(v: VulnerabilityFinding, s: Suppression): { state: string; response?: string[]; detail: string; justification?: string } {
  const detail = s.reason ?? `${s.by} ${s.ruleId}`;
  if (s.by === 'vex' && s.vex) {
    if (s.vex.status === 'fixed') return { state: 'resolved', detail };
    const j = s.vex.justification === undefined ? undefined : (CDX_JUSTIFICATION[s.vex.justification] ?? (CDX_JUSTIFICATIONS.has(s.vex.justification) ? s.vex.justification : undefined));
    return j !== undefined ? { state: 'not_affected', justification: j, detail } : { state: 'not_affected', detail };
  }
  const state = s.by === 'grace-period' ? 'in_triage' : 'exploitable';
  const response = v.fixState === 'fixed' ? ['update'] : ['will_not_fix'];
  return { state, response, detail };
}

interface DecisionIndex {
  suppressed: Map<string, Suppression>;
  violated: Map<string, string[]>;
}

function decisionIndex(report: ScanReport): DecisionIndex {
  const suppressed = new Map<string, Suppression>();
  for (const s of report.decision?.suppressed ?? []) if (!suppressed.has(s.findingId)) suppressed.set(s.findingId, s);
  const violated = new Map<string, string[]>();
  for (const x of report.decision?.violations ?? []) {
    if (x.findingId === undefined) continue;
    const list = violated.get(x.findingId) ?? [];
    list.push(`${x.policy}/${x.control}`);
    violated.set(x.findingId, list);
  }
  return { suppressed, violated };
}

function vulnerability(v: VulnerabilityFinding, ref: string | undefined, index: DecisionIndex) {
  const suppression = index.suppressed.get(v.id);
  const violated = index.violated.get(v.id) ?? [];
  return {
    'bom-ref': v.id,
    id: v.advisoryId,
    source: sourceFor(v.advisoryId),
    references: v.aliases.length ? v.aliases.map((a) => ({ id: a, source: sourceFor(a) })) : undefined,
    ratings: [
      ...v.cvss.map((c) => ({ source: { name: c.source ?? 'unknown' }, score: c.score, severity: c.severity === 'negligible' ? 'info' : c.severity, method: method(c), vector: c.vector })),
      ...(v.vendorSeverity ? [{ source: { name: v.vendorSeverity.source }, severity: v.vendorSeverity.severity === 'negligible' ? 'info' : v.vendorSeverity.severity, method: 'other' }] : []),
    ],
    description: v.title,
    recommendation: v.remediation,
    published: v.published ? new Date(v.published).toISOString() : undefined,
    updated: v.modified ? new Date(v.modified).toISOString() : undefined,
    advisories: v.urls.length ? v.urls.slice(0, 5).map((url) => ({ url })) : undefined,
    analysis: suppression ? analysis(v, suppression) : undefined,
    affects: ref ? [{ ref, versions: [{ version: v.installedVersion, status: 'affected' }] }] : [],
    properties: props([
      [PROP.fixState, v.fixState],
      [PROP.fixedVersion, v.fixedVersion],
      [PROP.kev, v.kev ? v.kev.dateAdded : undefined],
      [PROP.epss, v.epss ? String(v.epss.score) : undefined],
      [PROP.violated, violated.length ? violated.join(', ') : undefined],
      [PROP.suppressedBy, suppression ? `${suppression.by} ${suppression.ruleId}` : undefined],
      [PROP.suppressionExpires, suppression?.expires],
    ]),
  };
}

/** The verdict, and every violation with its policy, control and fix, as metadata properties. */
function decisionProps(r: ScanReport): [string, string | undefined][] {
  const d = r.decision;
  if (!d) return [];
  return [
    [PROP.verdict, d.verdict],
    [PROP.pipeline, d.pipeline],
    [PROP.policies, d.policies.join(', ')],
    ...d.violations.map((v): [string, string] => [PROP.violation, `${v.policy}/${v.control}: ${v.message}${v.remediation ? ` — fix: ${v.remediation}` : ''}`]),
  ];
}

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/**
 * The dependency graph the analyzers resolved (`Package.dependsOn`, purls): one entry per package that
 * has one, made when written (the indices of those packages are all that is held up front). A purl
 * installed in several places points at the copy nearest the dependent (the longest shared location
 * path: the nested copy `require()` finds first).
 */
function packageDependencies(pkgs: readonly Package[]): { count: number; at: (i: number) => { ref: string; dependsOn: string[] } } {
  const withDeps: number[] = [];
  for (let i = 0; i < pkgs.length; i++) if (pkgs[i]!.dependsOn?.length) withDeps.push(i);
  // purl → the index of each copy, built on the first entry written
  let byPurl: Map<string, number | number[]> | undefined;
  const copies = (purl: string): readonly number[] => {
    if (!byPurl) {
      byPurl = new Map();
      for (let i = 0; i < pkgs.length; i++) {
        const k = pkgs[i]!.purl;
        const got = byPurl.get(k);
        if (got === undefined) byPurl.set(k, i);
        else if (typeof got === 'number') byPurl.set(k, [got, i]);
        else got.push(i);
      }
    }
    const got = byPurl.get(purl);
    return got === undefined ? [] : typeof got === 'number' ? [got] : got;
  };
  const at = (n: number) => {
    const i = withDeps[n]!;
    const p = pkgs[i]!;
    const from = p.locations[0]?.path ?? '';
    const refs = new Set<string>();
    for (const purl of p.dependsOn!) {
      let best = -1;
      let bestLen = -1;
      for (const c of copies(purl)) {
        const len = commonPrefix(pkgs[c]!.locations[0]?.path ?? '', from);
        if (len > bestLen) [best, bestLen] = [c, len];
      }
      if (best >= 0) refs.add(bomRef(pkgs[best]!, best));
    }
    return { ref: bomRef(p, i), dependsOn: [...refs] };
  };
  return { count: withDeps.length, at };
}

/** The CycloneDX document; `lazy` makes its long arrays as they are written (report/stream). */
export function toCycloneDx(r: ScanReport, mode: 'sbom' | 'scan', lazy = false): unknown {
  const list = <T>(n: number, at: (i: number) => T): LazyArray<T> | T[] => (lazy ? new LazyArray(n, at) : Array.from({ length: n }, (_, i) => at(i)));
  const img = r.inventory.image;
  const os = r.inventory.os;
  const pkgs = r.inventory.packages;
  const vulnFindings = mode === 'scan' ? r.findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability') : [];
  // bom-refs of the packages vulnerabilities point at (the first with a purl, the last with a purl and path)
  const wanted = new Set<string>();
  for (const v of vulnFindings) wanted.add(v.package.purl).add(`${v.package.purl}\u0000${v.package.path ?? ''}`);
  const refs = new Map<string, string>();
  if (wanted.size) {
    pkgs.forEach((p, i) => {
      const byPath = `${p.purl}\u0000${p.locations[0]?.path ?? ''}`;
      if (wanted.has(byPath)) refs.set(byPath, bomRef(p, i));
      if (wanted.has(p.purl) && !refs.has(p.purl)) refs.set(p.purl, bomRef(p, i));
    });
  }
  const osComponent = os
    ? {
        type: 'operating-system',
        'bom-ref': `os:${os.family}`,
        name: os.family,
        version: os.versionId,
        description: os.prettyName,
        properties: props([[PROP.osCodename, os.codename], [PROP.osName, os.name]]),
      }
    : undefined;
  // components are made as they are written: the OS first, then every package
  const shift = osComponent ? 1 : 0;
  const components = list<unknown>(pkgs.length + shift, (i) => (osComponent && i === 0 ? osComponent : component(pkgs[i - shift]!, i - shift)));
  const dependsOn = list<string>(pkgs.length + shift, (i) => (osComponent && i === 0 ? osComponent['bom-ref'] : bomRef(pkgs[i - shift]!, i - shift)));
  const graph = packageDependencies(pkgs);
  const digest = img.manifestDigest ?? img.configDigest;
  const index = decisionIndex(r);
  const vulns =
    mode === 'scan'
      ? list(vulnFindings.length, (i) => {
          const v = vulnFindings[i]!;
          return vulnerability(v, refs.get(`${v.package.purl}\u0000${v.package.path ?? ''}`) ?? refs.get(v.package.purl), index);
        })
      : undefined;
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: deterministicUuid(`${digest ?? img.ref.input}\u0000${r.createdAt}\u0000${mode}`),
    version: 1,
    metadata: {
      timestamp: r.createdAt,
      tools: { components: [{ type: 'application', name: r.scanner.name, version: r.scanner.version }] },
      component: {
        type: 'container',
        'bom-ref': 'image',
        name: img.name,
        version: digest,
        properties: props([
          [PROP.imageInput, img.ref.input],
          [PROP.platform, formatPlatform(img.platform)],
          [PROP.configDigest, img.configDigest],
          ...img.layers.map((l): [string, string] => [PROP.layer, `${l.index} ${l.diffId}`]),
          ...decisionProps(r),
        ]),
      },
    },
    components,
    dependencies: list<unknown>(1 + graph.count, (i) => (i === 0 ? { ref: 'image', dependsOn } : graph.at(i - 1))),
    vulnerabilities: vulns,
  };
}

export const cyclonedxReporter: Reporter = {
  format: 'cyclonedx',
  modes: ['sbom', 'scan'],
  async render(report, out, opts) {
    await writeStableJson(out, toCycloneDx(report, opts.mode, true));
  },
};
