// Test and bench helpers for continuous assurance: small advisory DBs from OSV records, generated
// inventories (many images, a few shared npm packages), seeding the store, and rules documents.
// Not part of the product.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDb } from '../../advisory/index.js';
import { fixedClock } from '../../core/clock.js';
import type { Inventory, ScanReport } from '../../core/report.js';
import type { OsvRecord } from '../../core/types.js';
import { REPORT_SCHEMA_VERSION } from '../../core/report.js';
import { inventory, pkg } from '../../match/testutil.js';
import { validateDocument } from '../store/documents.js';
import { putObject } from '../store/objects.js';
import { insertScan } from '../store/scans.js';
import type { Store } from '../store/db.js';
import { assureScan } from './inventory.js';

export const CRITICAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';

export function npmAdvisory(id: string, name: string, fixed: string, modified: string): OsvRecord {
  return {
    id,
    modified,
    published: modified,
    summary: `${name} test advisory`,
    severity: [{ type: 'CVSS_V3', score: CRITICAL }],
    affected: [{ package: { ecosystem: 'npm', name }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed }] }] }],
  } as OsvRecord;
}

/** An advisory DB built from these records (one OSV directory), in a private temp dir. */
export async function advisoryDb(records: OsvRecord[], builtAt: string): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'portcullis-assure-db-'));
  const src = join(root, 'osv');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(src);
  for (const r of records) writeFileSync(join(src, `${r.id}.json`), JSON.stringify(r));
  const out = join(root, 'portcullis.db');
  await buildDb([src], out, { clock: fixedClock(builtAt) });
  return out;
}

export interface GenImage {
  i: number;
  repository: string;
  digest: string;
  /** installed minimist version, when the image has it */
  minimist?: string;
  lib: string;
}

/** Image i of a generated fleet: `gen-lib-<i % 10>` in every image, minimist in every 7th (1.2.0 in every 14th). */
export function genImage(i: number): GenImage {
  const minimist = i % 7 === 0 ? (i % 14 === 0 ? '1.2.0' : '1.2.8') : undefined;
  return {
    i,
    repository: `registry.test/team-${i % 2 === 0 ? 'a' : 'b'}/app-${i}`,
    digest: 'sha256:' + createHash('sha256').update(`image ${i}`).digest('hex'),
    lib: `gen-lib-${i % 10}`,
    ...(minimist ? { minimist } : {}),
  };
}

export function genInventory(g: GenImage): Inventory {
  const packages = [pkg({ type: 'npm', name: g.lib, version: `1.0.${g.i % 3}` }), pkg({ type: 'npm', name: 'express', version: '4.17.1' })];
  if (g.minimist) packages.push(pkg({ type: 'npm', name: 'minimist', version: g.minimist }));
  const inv = inventory(packages);
  inv.image.ref = { input: `${g.repository}@${g.digest}`, transport: 'registry', name: g.repository, digest: g.digest };
  inv.image.name = `${g.repository}@${g.digest}`;
  inv.image.manifestDigest = g.digest;
  return inv;
}

export function reportOf(inv: Inventory, at: string): ScanReport {
  return { schemaVersion: REPORT_SCHEMA_VERSION, scanner: { name: 'portcullis', version: 'test' }, createdAt: at, inventory: inv, findings: [] };
}

/** Store a report as an upload would (no decision: the server decides). Returns the assured image id. */
export async function seedReport(store: Store, pipeline: string, report: ScanReport, repository: string | undefined, digest: string | undefined, now: Date): Promise<number> {
  const scanId = await insertScan(store, { pipeline, repository, digest, report, by: 'seed', at: now });
  return assureScan(store, { pipeline, scanId, repository, digest, report }, now);
}

export async function seedFleet(store: Store, pipeline: string, n: number, now: Date): Promise<Map<number, GenImage>> {
  const out = new Map<number, GenImage>();
  for (let i = 0; i < n; i++) {
    const g = genImage(i);
    out.set(await seedReport(store, pipeline, reportOf(genInventory(g), now.toISOString()), g.repository, g.digest, now), g);
  }
  return out;
}

export const V1 = 'apiVersion: portcullis/v1';

/** A policy failing critical vulnerabilities, gaps only warned about (the fixture's Debian packages are not covered by a test DB). */
export function criticalPolicy(name = 'prod-gate', notify?: string): string {
  return `${V1}\nkind: AssurancePolicy\nmetadata: {name: ${name}}\nspec:\n  appliesTo: {pipelines: [prod]}\n${notify ? `  notify: ['${notify}']\n` : ''}  controls:\n    vulnerabilities: {failOn: critical}\n    coverage: {onGap: warn}\n`;
}

export async function putRules(store: Store, docs: { file: string; raw: string }[], now: Date): Promise<void> {
  for (const d of docs) {
    const v = validateDocument(d.raw, d.file, undefined, d.file.replace(/\.yaml$/, '').replace(/\//g, '-'));
    await putObject(store, v, { file: d.file, position: 0 }, { name: 'test-setup' }, now);
  }
}
