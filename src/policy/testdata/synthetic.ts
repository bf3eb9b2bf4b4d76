// Synthetic scan reports, findings, policies and exceptions for the policy tests.
import type { ScanReport } from '../../core/report.js';
import { CHECK_NAMES } from '../../core/types.js';
import type {
  BaseImageFinding,
  ConfigFinding,
  CoverageGapFinding,
  LicenseFinding,
  MalwareFinding,
  Package,
  SecretFinding,
  VulnerabilityFinding,
} from '../../core/types.js';
import type { AllowEntry, Controls, ExceptionSet, Policy, PolicyException } from '../schema.js';

export const NOW = new Date('2026-11-29T10:00:00Z');

export const CURL = { name: 'curl', version: '7.88.1-10+deb12u4', type: 'deb' as const, purl: 'pkg:deb/debian/curl@7.88.1-10%2Bdeb12u4?arch=amd64&distro=debian-12', source: { name: 'curl', version: '7.88.1-10+deb12u4' } };
export const ZLIB = { name: 'zlib1g', version: '1:1.2.13.dfsg-1', type: 'deb' as const, purl: 'pkg:deb/debian/zlib1g@1%3A1.2.13.dfsg-1?arch=amd64&distro=debian-12', source: { name: 'zlib', version: '1:1.2.13.dfsg-1' } };

export function vuln(p: Partial<VulnerabilityFinding> = {}): VulnerabilityFinding {
  return {
    id: `vulnerability:${p.advisoryId ?? 'CVE-2023-38545'}-${p.package?.name ?? 'curl'}`,
    kind: 'vulnerability',
    title: 'SOCKS5 heap buffer overflow',
    severity: 'high',
    advisoryId: 'CVE-2023-38545',
    aliases: ['DSA-5520-1'],
    package: CURL,
    installedVersion: CURL.version,
    fixedVersion: '7.88.1-10+deb12u16',
    fixState: 'fixed',
    cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8, severity: 'critical' }],
    published: '2023-10-18T04:15:11Z',
    dataSource: 'debian',
    urls: [],
    remediation: 'upgrade curl to 7.88.1-10+deb12u16',
    origin: 'app',
    ...p,
  };
}

export function secret(p: Partial<SecretFinding> = {}): SecretFinding {
  return { id: 'secret:aws-1', kind: 'secret', title: 'AWS access key', severity: 'critical', rule: 'aws-access-key-id', path: '/app/.env', line: 3, match: 'AKIA****', ...p };
}
export function malware(p: Partial<MalwareFinding> = {}): MalwareFinding {
  return { id: 'malware:eicar-1', kind: 'malware', title: 'EICAR test file', severity: 'critical', signature: 'Eicar-Test-Signature', path: '/tmp/eicar.com', engine: 'clamav', ...p };
}
export function config(p: Partial<ConfigFinding> = {}): ConfigFinding {
  return { id: 'config:setuid-1', kind: 'config', title: 'setuid binary', severity: 'medium', check: 'setuid-file', detail: '/usr/bin/foo is setuid root', path: '/usr/bin/foo', ...p };
}
export function license(p: Partial<LicenseFinding> = {}): LicenseFinding {
  return { id: 'license:1', kind: 'license', title: 'AGPL', severity: 'high', license: 'AGPL-3.0-only', package: { name: 'ghostscript', version: '10.0', type: 'deb', purl: 'pkg:deb/debian/ghostscript@10.0' }, ...p };
}
export function baseFinding(p: Partial<BaseImageFinding> = {}): BaseImageFinding {
  return { id: 'base-image:1', kind: 'base-image', title: 'base not approved', severity: 'high', status: 'not-approved', base: { name: 'docker.io/library/debian:11', method: 'layer-match' }, approvedAlternatives: ['docker.io/library/debian:12-slim'], ...p };
}
export function gapFinding(p: Partial<CoverageGapFinding> = {}): CoverageGapFinding {
  return { id: 'coverage-gap:1', kind: 'coverage-gap', title: 'npm not covered', severity: 'unknown', reason: 'ecosystem-not-covered', subject: 'npm', detail: 'the advisory DB has no npm records', ...p };
}

export function pkg(p: Partial<Package> & { name: string }): Package {
  const version = p.version ?? '1.0';
  const type = p.type ?? 'deb';
  return {
    version,
    type,
    purl: `pkg:${type}/debian/${p.name}@${version}?arch=amd64`,
    licenses: [],
    locations: [{ path: '/var/lib/dpkg/status', layer: { index: 0, diffId: 'sha256:aa' } }],
    foundBy: 'dpkg',
    ...p,
  };
}

export const DIGEST = 'sha256:' + 'a'.repeat(64);
export const OTHER_DIGEST = 'sha256:' + 'b'.repeat(64);

export function report(p: Partial<ScanReport> & { user?: string; labels?: Record<string, string>; packages?: Package[] } = {}): ScanReport {
  const { user, labels, packages, ...rest } = p;
  return {
    schemaVersion: '1',
    scanner: { name: 'portcullis', version: '0.1.0' },
    createdAt: NOW.toISOString(),
    inventory: {
      image: {
        ref: { input: 'registry.example.com/shop/orders-api:1.4.2', transport: 'registry', name: 'registry.example.com/shop/orders-api', tag: '1.4.2', digest: DIGEST },
        name: 'registry.example.com/shop/orders-api:1.4.2',
        repoTags: ['registry.example.com/shop/orders-api:1.4.2'],
        manifestDigest: DIGEST,
        platform: { os: 'linux', architecture: 'amd64' },
        config: { user: user ?? '10001', env: [], labels: labels ?? { 'org.opencontainers.image.source': 'https://github.com/example/orders-api' }, exposedPorts: [], history: [], diffIds: [] },
        layers: [],
        annotations: {},
      },
      packages: packages ?? [],
      analyzers: [],
      gaps: [],
    },
    findings: [],
    db: { schemaVersion: 1, builtAt: '2026-11-29T06:00:00Z', sources: [{ name: 'debian', kind: 'debian-tracker', updatedAt: '2026-11-29T05:00:00Z', records: 100 }], ecosystems: ['Debian:12'] },
    // a full scan: every check ran completely (tests of "not evaluated" override it)
    checks: CHECK_NAMES.map((check) => ({ check, state: 'complete' as const, detail: 'synthetic: ran completely', reasons: [] })),
    lineage: { method: 'layer-match', confidence: 'high', chain: [{ name: 'docker.io/library/debian:12-slim', digest: 'sha256:' + 'c'.repeat(64), layers: 1, created: '2026-11-10T00:00:00Z' }], baseLayers: 1 },
    ...rest,
  };
}

export function policy(name: string, controls: Controls, opts: { enforcement?: 'block' | 'audit'; pipelines?: string[]; images?: string[] } = {}): Policy {
  const appliesTo = opts.pipelines || opts.images ? { pipelines: opts.pipelines, images: opts.images } : undefined;
  return {
    apiVersion: 'portcullis/v1',
    kind: 'AssurancePolicy',
    metadata: { name },
    spec: { appliesTo, enforcement: opts.enforcement, controls },
  };
}

export function exc(p: Partial<PolicyException> = {}): PolicyException {
  return { id: 'EXC-42', finding: 'CVE-2023-38545', scope: { repository: 'registry.example.com/shop/orders-api' }, expires: '2026-12-31', reason: 'not reachable', owner: 'security@example.com', ...p };
}
export function allowEntry(p: Partial<AllowEntry> = {}): AllowEntry {
  return { image: `registry.example.com/shop/orders-api@${DIGEST}`, expires: '2026-12-31', reason: 'legacy', owner: 'sec@example.com', ...p };
}

export function set(exceptions: PolicyException[] = [], allowlist: AllowEntry[] = []): ExceptionSet {
  return { exceptions, allowlist };
}

export const IMAGE = { name: 'registry.example.com/shop/orders-api', tag: '1.4.2', digest: DIGEST };
export const CTX = { pipeline: 'release-1', image: IMAGE, now: NOW };
