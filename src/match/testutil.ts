// Test helpers for matching: small advisory DBs built from chosen sources into private temp dirs, and
// synthetic inventories. Used by src/match/*.test.ts and test/match-*.test.ts; not part of the product.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDb, openDb, type AdvisoryDb } from '../advisory/index.js';
import { fixedClock } from '../core/clock.js';
import { buildPurl } from '../core/purl.js';
import type { Inventory } from '../core/report.js';
import type { Finding, LayerRef, OsInfo, OsvRecord, Package, PackageType, VulnerabilityFinding } from '../core/types.js';
import yauzl from 'yauzl';
import { removeOnExit } from '../core/cleanup.js';

export const TEST_DB_BUILT_AT = '2026-11-29T00:00:00.000Z';

const built = new Map<string, Promise<string>>();

/** Builds (once per process and source list) a DB from the given files/dirs; returns its path. */
export function testDbPath(sources: string[]): Promise<string> {
  const key = sources.join('\u0000');
  let p = built.get(key);
  if (!p) {
    p = (async () => {
      const dir = mkdtempSync(join(tmpdir(), 'portcullis-match-db-'));
      removeOnExit(dir);
      const out = join(dir, 'portcullis.db');
      await buildDb(sources, out, { clock: fixedClock(TEST_DB_BUILT_AT) });
      return out;
    })();
    built.set(key, p);
  }
  return p;
}

export async function testDb(sources: string[]): Promise<AdvisoryDb> {
  return openDb(await testDbPath(sources));
}

/** Writes `files` (name → content) into a fresh temp dir and returns the dir. */
export function tempFiles(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-match-src-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

export const LAYER: LayerRef = { index: 0, diffId: 'sha256:' + '0'.repeat(64), createdBy: 'test layer' };

export interface PkgSpec {
  type: PackageType;
  name: string;
  version: string;
  namespace?: string;
  source?: { name: string; version: string };
  epoch?: number;
  modularityLabel?: string;
  metadata?: Record<string, string>;
  path?: string;
}

export function pkg(s: PkgSpec): Package {
  const p: Package = {
    name: s.name,
    version: s.version,
    type: s.type,
    purl: buildPurl({ type: s.type, namespace: s.namespace, name: s.namespace ? s.name.slice(s.namespace.length + 1) : s.name, version: s.version }),
    licenses: [],
    locations: [{ path: s.path ?? `/test/${s.type}/${s.name}`, layer: LAYER }],
    layer: LAYER,
    foundBy: 'test',
  };
  if (s.source) p.source = s.source;
  if (s.epoch !== undefined) p.epoch = s.epoch;
  if (s.modularityLabel) p.modularityLabel = s.modularityLabel;
  if (s.metadata) p.metadata = s.metadata;
  return p;
}

export function inventory(packages: Package[], os?: OsInfo): Inventory {
  return {
    image: {
      ref: { input: 'test', transport: 'dir' },
      name: 'test',
      repoTags: [],
      platform: { os: 'linux', architecture: 'amd64' },
      config: { env: [], labels: {}, exposedPorts: [], history: [], diffIds: [LAYER.diffId] },
      layers: [{ index: 0, diffId: LAYER.diffId }],
      annotations: {},
    },
    ...(os ? { os } : {}),
    packages,
    analyzers: [],
    gaps: [],
  };
}

export function vulns(findings: Finding[]): VulnerabilityFinding[] {
  return findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability');
}

/** Every JSON record of an OSV bulk zip, read with yauzl directly (independently of the importer). */
export function readZipRecords(path: string): Promise<OsvRecord[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error(`cannot open ${path}`));
      const out: OsvRecord[] = [];
      zip.on('error', reject);
      zip.on('end', () => resolve(out));
      zip.on('entry', (e: yauzl.Entry) => {
        if (!e.fileName.endsWith('.json')) return zip.readEntry();
        zip.openReadStream(e, (err2, s) => {
          if (err2 || !s) return reject(err2 ?? new Error(e.fileName));
          const chunks: Buffer[] = [];
          s.on('data', (c: Buffer) => chunks.push(c));
          s.on('error', reject);
          s.on('end', () => {
            out.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OsvRecord);
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}
