// Test helpers: synthetic inventories, catalog entries and digests. Not used by product code.
import { createHash } from 'node:crypto';
import type { HistoryEntry, Package } from '../core/types.js';
import type { Inventory } from '../core/report.js';
import type { CatalogEntry } from './catalog.js';

export function dig(s: string): string {
  return `sha256:${createHash('sha256').update(s).digest('hex')}`;
}

export interface InvSpec {
  layers: string[];
  name?: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  history?: HistoryEntry[];
  os?: { family: string; versionId?: string };
  packages?: Package[];
  manifestDigest?: string;
}

export function inv(spec: InvSpec): Inventory {
  const diffIds = spec.layers;
  return {
    image: {
      ref: { input: spec.name ?? 'test-image', transport: 'docker-archive', path: '/nonexistent' },
      name: spec.name ?? 'test-image',
      repoTags: spec.name ? [spec.name] : [],
      manifestDigest: spec.manifestDigest,
      platform: { os: 'linux', architecture: 'amd64' },
      config: {
        env: [],
        labels: spec.labels ?? {},
        exposedPorts: [],
        history: spec.history ?? diffIds.map((_d, i) => ({ created: '2024-01-01T00:00:00Z', createdBy: `RUN step ${i}`, emptyLayer: false })),
        diffIds,
      },
      layers: diffIds.map((d, index) => ({ index, diffId: d })),
      annotations: spec.annotations ?? {},
    },
    os: spec.os ? { ...spec.os, name: spec.os.family, source: '/etc/os-release' } : undefined,
    packages: spec.packages ?? [],
    analyzers: [],
    gaps: [],
  };
}

export function entry(name: string, layers: string[], extra: Partial<CatalogEntry> = {}): CatalogEntry {
  return { name, approved: true, layers, packages: [], digest: dig(`manifest ${name} ${layers.join(',')}`), ...extra };
}

export function debPkg(name: string, version: string, layer: number, source?: { name: string; version: string }): Package {
  return {
    name,
    version,
    type: 'deb',
    purl: `pkg:deb/debian/${name}@${encodeURIComponent(version)}?distro=debian-12`,
    source,
    distro: { id: 'debian', versionId: '12' },
    licenses: [],
    locations: [{ path: '/var/lib/dpkg/status', layer: { index: layer, diffId: dig(`l${layer}`) } }],
    layer: { index: layer, diffId: dig(`l${layer}`) },
    foundBy: 'test',
  };
}
