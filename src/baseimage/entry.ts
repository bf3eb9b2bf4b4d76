// The zod-free part of base image catalogs: what detecting and advising on base images needs of a
// catalog already loaded. Parsing and writing catalogs (catalog.ts: YAML, zod) load only when a catalog
// file is there, so a scan without one starts without them.
import type { Inventory } from '../core/report.js';
import type { OsInfo, Package, PackageType } from '../core/types.js';
import { normaliseImageName } from '../source/index.js';
import type { CatalogEntry } from './catalog.js';

export const DEFAULT_CATALOG_FILE = 'base-catalog.yaml';

export interface Catalog {
  /** the file it was read from, when any */
  path?: string;
  entries: CatalogEntry[];
}

export function emptyCatalog(path?: string): Catalog {
  return { path, entries: [] };
}

/** The identity of an entry: `name@digest` (configDigest when there is no manifest digest). */
export function entryKey(e: Pick<CatalogEntry, 'name' | 'digest' | 'configDigest'>): string {
  const d = e.digest ?? e.configDigest;
  return d ? `${e.name}@${d}` : e.name;
}

/** Normalised `repo[:tag]` (throws BAD_INPUT for a malformed reference). */
export function normaliseBaseName(s: string): string {
  const n = normaliseImageName(s);
  return n.tag !== undefined ? `${n.name}:${n.tag}` : n.name;
}

/** The stored packages of an entry as an Inventory, so they can be matched against the current DB. */
export function entryInventory(e: CatalogEntry): Inventory {
  const os: OsInfo | undefined = e.os ? { ...e.os, name: e.os.name ?? e.os.family, source: 'base-catalog' } : undefined;
  const packages: Package[] = e.packages.map((p) => {
    const pkg: Package = {
      name: p.name,
      version: p.version,
      type: p.type as PackageType,
      purl: p.purl,
      licenses: [],
      locations: [],
      foundBy: 'base-catalog',
    };
    if (p.arch) pkg.arch = p.arch;
    if (p.source) pkg.source = { ...p.source };
    if (p.epoch !== undefined) pkg.epoch = p.epoch;
    if (p.distro) pkg.distro = { ...p.distro };
    if (p.modularityLabel) pkg.modularityLabel = p.modularityLabel;
    return pkg;
  });
  return {
    image: {
      ref: { input: entryKey(e), transport: 'registry', name: e.name.replace(/:[^/:]+$/, '') },
      name: e.name,
      repoTags: [e.name],
      manifestDigest: e.digest,
      configDigest: e.configDigest,
      platform: { os: 'linux', architecture: 'unknown' },
      config: { env: [], labels: {}, exposedPorts: [], history: [], diffIds: [...e.layers] },
      layers: e.layers.map((d, index) => ({ index, diffId: d })),
      annotations: {},
    },
    os,
    packages,
    analyzers: [],
    gaps: [],
  };
}
