// The lineage stage of `scan`: which base the image is built on (base catalog, declared base, or
// unknown), which findings come from it, and which approved bases would fix how many of them.
import { existsSync } from 'node:fs';
import { readUserFile } from '../core/userfile.js';
import { resolve } from 'node:path';
import type { ScanReport } from '../core/report.js';
import type { AdvisoryDb } from '../advisory/index.js';
// the catalog parser (YAML, zod) loads only when a catalog file is there
import { adviseBases } from '../baseimage/advice.js';
import { attributeOrigin } from '../baseimage/attribute.js';
import { detectLineage } from '../baseimage/detect.js';
import { DEFAULT_CATALOG_FILE, type Catalog } from '../baseimage/entry.js';
import type { AdviceInput } from '../baseimage/index.js';

export interface LineageOptions {
  /** base catalog path; default: ./base-catalog.yaml when it exists */
  catalog?: string;
  /** Dockerfile path; its last stage's FROM declares the base */
  dockerfile?: string;
  /** working directory for the default catalog (default: process.cwd()) */
  cwd?: string;
  /**
   * a policy is in force: the working directory's base-catalog.yaml is the gated repository's own file
   * (it could name its layers after an approved base), so it is not used; only an explicit catalog is
   */
  gated?: boolean;
}

const MAX_DOCKERFILE_BYTES = 1024 * 1024;

async function readDockerfile(path: string): Promise<string> {
  // regular files only, size checked while reading
  return (await readUserFile(path, MAX_DOCKERFILE_BYTES, '--dockerfile')).toString('utf8');
}

/** Resolve the catalog: an explicit path must exist; the default one is used only when present. */
export async function catalogFor(path: string | undefined, cwd: string): Promise<Catalog | undefined> {
  const def = resolve(cwd, DEFAULT_CATALOG_FILE);
  if (path === undefined && !existsSync(def)) return undefined;
  const { loadCatalog } = await import('../baseimage/catalog.js');
  return loadCatalog(path ?? def);
}

/** What lineage detection reads from files: loaded before the scan, so a broken catalog fails fast. */
export interface LineageInputs {
  catalog?: Catalog;
  dockerfile?: string;
  /** a note for the lineage detail, e.g. why the working directory's catalog was not used */
  note?: string;
}

export async function loadLineageInputs(opts: LineageOptions): Promise<LineageInputs> {
  const cwd = opts.cwd ?? process.cwd();
  const dockerfile = opts.dockerfile !== undefined ? await readDockerfile(opts.dockerfile) : undefined;
  if (opts.catalog === undefined && opts.gated && existsSync(resolve(cwd, DEFAULT_CATALOG_FILE))) {
    const note = `./${DEFAULT_CATALOG_FILE} in the working directory was not used: under a policy only a catalog given with --base-catalog (by the pipeline) counts`;
    return { dockerfile, note };
  }
  return { catalog: await catalogFor(opts.catalog, cwd), dockerfile };
}

export async function applyLineage(report: ScanReport, db: AdvisoryDb, opts: LineageOptions): Promise<ScanReport> {
  return applyLineageWith(report, db, await loadLineageInputs(opts));
}

export function applyLineageWith(report: ScanReport, db: AdvisoryDb, inputs: LineageInputs, approval?: AdviceInput['approval']): ScanReport {
  const { catalog, dockerfile } = inputs;
  const lineage = detectLineage(report.inventory, catalog, { dockerfile });
  if (inputs.note) lineage.detail = lineage.detail ? `${lineage.detail}; ${inputs.note}` : inputs.note;
  const findings = attributeOrigin(report.findings, lineage);
  const advice = adviseBases({ inventory: report.inventory, findings, lineage, catalog, db, approval });
  if (advice.length) lineage.advice = advice;
  return { ...report, findings, lineage };
}
