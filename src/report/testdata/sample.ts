// A small, fixed ScanReport used by every format's golden test (fixed clock, fixed digests).
import type { ScanReport } from '../../core/report.js';
import type { LayerRef } from '../../core/types.js';

const L0: LayerRef = { index: 0, diffId: 'sha256:ce46fbb27e86838cbc21bcc0029d6bdb519eba4947416b14a2a96d45603219f4', createdBy: 'debootstrap bookworm' };
const L1: LayerRef = { index: 1, diffId: 'sha256:1fafd689d892c2211579bee343e2fe72ebf20179f809d9ae139e85aece8f7d4d', createdBy: 'RUN apt-get install curl' };
const L2: LayerRef = { index: 2, diffId: 'sha256:b31c1b887f9680e3faf27a0b0b4983896b25d475b8152f43a30f957da5dbd4ad', createdBy: 'COPY app/ /srv/app/' };

export function sampleReport(withDecision = true): ScanReport {
  return {
    schemaVersion: '1',
    scanner: { name: 'portcullis', version: '0.1.0' },
    createdAt: '2026-11-29T12:00:00.000Z',
    inventory: {
      image: {
        ref: { input: 'docker-archive:orders-api.tar', transport: 'docker-archive', path: 'orders-api.tar' },
        name: 'shop/orders-api:1.4.2',
        repoTags: ['shop/orders-api:1.4.2'],
        manifestDigest: 'sha256:1111111111111111111111111111111111111111111111111111111111111111',
        configDigest: 'sha256:2222222222222222222222222222222222222222222222222222222222222222',
        platform: { os: 'linux', architecture: 'amd64' },
        config: {
          env: ['PATH=/usr/bin'],
          labels: { 'org.opencontainers.image.source': 'https://example.com/shop/orders-api' },
          exposedPorts: ['22/tcp', '8080/tcp'],
          history: [],
          diffIds: [L0.diffId, L1.diffId, L2.diffId],
          created: '2026-11-01T00:00:00Z',
        },
        layers: [
          { index: 0, diffId: L0.diffId, size: 77_000_000, createdBy: L0.createdBy },
          { index: 1, diffId: L1.diffId, size: 20_000_000, createdBy: L1.createdBy },
          { index: 2, diffId: L2.diffId, size: 3_000_000, createdBy: L2.createdBy },
        ],
        annotations: {},
      },
      os: { family: 'debian', name: 'Debian GNU/Linux', versionId: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)', source: '/etc/os-release' },
      packages: [
        {
          name: 'curl', version: '7.88.1-10+deb12u3', type: 'deb', arch: 'amd64',
          purl: 'pkg:deb/debian/curl@7.88.1-10%2Bdeb12u3?arch=amd64&distro=debian-12',
          source: { name: 'curl', version: '7.88.1-10+deb12u3' }, licenses: [],
          locations: [{ path: '/var/lib/dpkg/status', layer: L1 }], layer: L1, foundBy: 'dpkg',
          distro: { id: 'debian', versionId: '12', codename: 'bookworm' },
        },
        {
          name: 'lodash', version: '4.17.15', type: 'npm', purl: 'pkg:npm/lodash@4.17.15', licenses: ['MIT'],
          locations: [{ path: '/srv/app/node_modules/lodash/package.json', layer: L2 }], layer: L2, foundBy: 'npm-installed',
        },
      ],
      analyzers: [{ analyzer: 'dpkg', files: 1, warnings: [] }],
      gaps: [],
    },
    findings: [
      {
        id: 'vulnerability:aaaaaaaaaaaaaaaa', kind: 'vulnerability', title: 'curl: SOCKS5 heap buffer overflow', severity: 'critical',
        layer: L1, origin: 'app', advisoryId: 'CVE-2023-38545', aliases: ['DSA-5523-1'],
        package: { name: 'curl', version: '7.88.1-10+deb12u3', type: 'deb', purl: 'pkg:deb/debian/curl@7.88.1-10%2Bdeb12u3?arch=amd64&distro=debian-12', source: { name: 'curl', version: '7.88.1-10+deb12u3' } },
        installedVersion: '7.88.1-10+deb12u3', fixedVersion: '7.88.1-10+deb12u4', fixState: 'fixed',
        vendorSeverity: { source: 'debian', severity: 'high', label: 'high' },
        cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', score: 9.8, severity: 'critical', source: 'nvd' }],
        published: '2023-10-18T04:15:00Z', modified: '2024-01-01T00:00:00Z',
        kev: { dateAdded: '2024-01-02' }, epss: { score: 0.25, percentile: 0.96 },
        dataSource: 'debian-tracker', urls: ['https://security-tracker.debian.org/tracker/CVE-2023-38545'],
        remediation: 'upgrade curl to 7.88.1-10+deb12u4',
      },
      {
        id: 'vulnerability:bbbbbbbbbbbbbbbb', kind: 'vulnerability', title: 'Prototype Pollution in lodash', severity: 'high',
        layer: L2, origin: 'app', advisoryId: 'CVE-2020-8203', aliases: ['GHSA-p6mc-m468-83gw'],
        package: { name: 'lodash', version: '4.17.15', type: 'npm', purl: 'pkg:npm/lodash@4.17.15', path: '/srv/app/node_modules/lodash/package.json' },
        installedVersion: '4.17.15', fixedVersion: '4.17.19', fixState: 'fixed',
        vendorSeverity: { source: 'ghsa', severity: 'high', label: 'HIGH' },
        cvss: [{ version: '3.1', vector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H', score: 7.4, severity: 'high', source: 'ghsa' }],
        published: '2020-07-15T00:00:00Z', modified: '2023-01-01T00:00:00Z',
        dataSource: 'ghsa', urls: ['https://github.com/advisories/GHSA-p6mc-m468-83gw'],
        remediation: 'upgrade lodash to 4.17.19 (/srv/app/node_modules/lodash/package.json)',
      },
      {
        id: 'coverage-gap:cccccccccccccccc', kind: 'coverage-gap', title: 'ecosystem-not-covered: Go', severity: 'unknown',
        reason: 'ecosystem-not-covered', subject: 'Go', detail: 'the advisory DB has no records for Go; 3 package(s) could not be checked',
      },
    ],
    lineage: {
      method: 'layer-match', confidence: 'high', baseLayers: 1,
      chain: [{ name: 'docker.io/library/debian:12-slim', digest: 'sha256:3333333333333333333333333333333333333333333333333333333333333333', layers: 1 }],
      advice: [{ name: 'docker.io/library/debian:12-slim', digest: 'sha256:4444444444444444444444444444444444444444444444444444444444444444', kind: 'rebuild', fixes: 3, remaining: 1, from: 'FROM docker.io/library/debian:12-slim@sha256:4444444444444444444444444444444444444444444444444444444444444444', approvedBy: ['production'] }],
    },
    checks: [
      { check: 'vulnerabilities', state: 'complete', detail: '3 package(s) matched against the advisory database', reasons: [] },
      { check: 'secrets', state: 'not-run', detail: 'no secrets scanner ran', reasons: [] },
      { check: 'malware', state: 'not-run', detail: 'no malware scanner ran', reasons: [] },
      { check: 'config', state: 'not-run', detail: 'no config scanner ran', reasons: [] },
      { check: 'licenses', state: 'partial', detail: 'no license data for deb (1 package)', reasons: ['deb: none of 1 package(s) carries license data'] },
    ],
    db: { schemaVersion: 1, builtAt: '2026-11-29T00:00:00.000Z', sources: [{ name: 'ghsa', kind: 'osv', records: 44, updatedAt: '2026-11-28T00:00:00Z' }], ecosystems: ['Debian:12', 'npm'] },
    actions: withDecision
      ? [
          {
            package: { name: 'curl', version: '7.88.1-10+deb12u3', type: 'deb', purl: 'pkg:deb/debian/curl@7.88.1-10%2Bdeb12u3?arch=amd64&distro=debian-12', source: { name: 'curl', version: '7.88.1-10+deb12u3' } },
            kind: 'upgrade', to: '7.88.1-10+deb12u4', text: 'upgrade curl 7.88.1-10+deb12u3 → 7.88.1-10+deb12u4',
            fixes: { ids: ['CVE-2023-38545'], bySeverity: { critical: 1 } }, remaining: [], decides: true, kev: true, severity: 'critical', layer: L1, origin: 'app',
          },
          {
            package: { name: 'lodash', version: '4.17.15', type: 'npm', purl: 'pkg:npm/lodash@4.17.15', path: '/srv/app/node_modules/lodash/package.json' },
            kind: 'upgrade', to: '4.17.19', text: 'upgrade lodash 4.17.15 → 4.17.19',
            fixes: { ids: ['CVE-2020-8203'], bySeverity: { high: 1 } }, remaining: [], decides: false, kev: false, severity: 'high', layer: L2, origin: 'app',
            dependency: { status: 'transitive', path: [{ name: 'express-utils', version: '1.0.0' }, { name: 'lodash', version: '4.17.15' }] },
          },
        ]
      : undefined,
    decision: withDecision
      ? {
          verdict: 'fail', pipeline: 'release-1', policies: ['production'],
          violations: [
            { policy: 'production', control: 'vulnerabilities', findingId: 'vulnerability:aaaaaaaaaaaaaaaa', message: 'CVE-2023-38545 (critical) in curl 7.88.1-10+deb12u3 is at or above failOn high', remediation: 'upgrade curl to 7.88.1-10+deb12u4', enforcement: 'block' },
            { policy: 'production', control: 'user', message: 'the image runs as root (no USER)', remediation: 'add USER 10001 to the Dockerfile', enforcement: 'block' },
          ],
          warnings: [],
          suppressed: [{ findingId: 'vulnerability:bbbbbbbbbbbbbbbb', by: 'exception', ruleId: 'EXC-42', reason: 'not reachable', expires: '2026-12-31', owner: 'shop-team@example.com' }],
          notices: ['exception EXC-42 expires in 2 days (2026-12-01)'],
          evaluatedAt: '2026-11-29T12:00:00.000Z',
          image: { name: 'registry.example.com/shop/orders-api', tag: '1.4.2', digest: 'sha256:1111111111111111111111111111111111111111111111111111111111111111' },
        }
      : undefined,
  };
}
