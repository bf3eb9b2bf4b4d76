// A pipeline bundle (GET /api/v1/pipelines/:name/bundle) as the CLI uses it: checked like any hostile
// input, then turned into the same policies, exceptions, catalog and VEX documents that files would
// give (`--policy`, `--exceptions`, `--base-catalog`, `--vex`), so the decision comes from the same
// evaluate(). Every document keeps its server revision (provenance).
import { PortcullisError } from '../core/errors.js';
import { checkUnique, digestOf, parseDocuments } from '../policy/load.js';
import type { AllowEntry, Policy, PolicyException } from '../policy/schema.js';
import { parseCatalog, type Catalog } from '../baseimage/catalog.js';
import type { ServerProvenance } from '../policy/record.js';
import { vexFromTexts, type LoadedVex, type VexText } from '../vex/load.js';

export type { ServerProvenance };
import { KINDS, NAME_RE, type Kind } from './store/documents.js';

export interface BundleDocument {
  kind: Kind;
  name: string;
  revision: number;
  digest: string;
  file: string;
  position: number;
  raw: string;
}

export interface Bundle {
  pipeline: string;
  generatedAt: string;
  documents: BundleDocument[];
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function parseBundle(v: unknown, where: string): Bundle {
  const bad = (m: string) => new PortcullisError('BAD_INPUT', `${where}: not a pipeline bundle: ${m}`);
  if (!isObj(v)) throw bad('expected a JSON object');
  if (typeof v.pipeline !== 'string' || !NAME_RE.test(v.pipeline)) throw bad('pipeline: expected a name');
  if (typeof v.generatedAt !== 'string' || Number.isNaN(Date.parse(v.generatedAt))) throw bad('generatedAt: expected a date-time');
  if (!Array.isArray(v.documents)) throw bad('documents: expected a list');
  const documents = v.documents.map((d: unknown, i: number): BundleDocument => {
    if (!isObj(d)) throw bad(`documents[${i}]: expected an object`);
    if (typeof d.kind !== 'string' || !(KINDS as readonly string[]).includes(d.kind)) throw bad(`documents[${i}].kind: unknown`);
    if (typeof d.name !== 'string' || !NAME_RE.test(d.name)) throw bad(`documents[${i}].name: expected a name`);
    if (!Number.isInteger(d.revision) || (d.revision as number) < 1) throw bad(`documents[${i}].revision: expected a positive integer`);
    if (typeof d.raw !== 'string' || typeof d.digest !== 'string' || typeof d.file !== 'string') throw bad(`documents[${i}]: raw, digest and file are required`);
    return { kind: d.kind as Kind, name: d.name, revision: d.revision as number, digest: d.digest, file: d.file, position: Number.isInteger(d.position) ? (d.position as number) : 0, raw: d.raw };
  });
  return { pipeline: v.pipeline, generatedAt: v.generatedAt, documents };
}

export interface BundleGate {
  policies: { policies: Policy[]; digest: string; files: string[] };
  exceptions: { exceptions: PolicyException[]; allowlist: AllowEntry[]; digest: string; files: string[] };
  catalog?: Catalog;
  /** the VEX documents served, then the local ones (read as `scan --vex` reads files); absent when none */
  vex?: LoadedVex;
  provenance: ServerProvenance;
}

/**
 * Validate every document with the CLI's parsers; sources read `server:Kind/name@revision`. `localVex`
 * (`scan --server --vex FILE`) adds to the served VEX documents: read after them, one digest over all,
 * a document both served and given locally refused as `--vex` refuses one given twice.
 */
export function gateFromBundle(b: Bundle, url?: string, localVex: readonly VexText[] = []): BundleGate {
  const pol = { policies: [] as Policy[], canonical: [] as string[], files: [] as string[] };
  const exc = { exceptions: [] as PolicyException[], allowlist: [] as AllowEntry[], canonical: [] as string[], files: [] as string[] };
  const provenance: ServerProvenance = { ...(url ? { url } : {}), pipeline: b.pipeline, fetchedAt: b.generatedAt, policies: [], exceptions: [], catalogs: [] };
  const catalogs: Catalog[] = [];
  const vex: VexText[] = [];
  for (const d of b.documents) {
    const source = `server:${d.kind}/${d.name}@${d.revision}`;
    if (d.kind === 'AssurancePolicy') {
      const p = parseDocuments(d.raw, source, 'policy');
      pol.policies.push(...p.policies);
      pol.canonical.push(...p.canonical);
      pol.files.push(source);
      provenance.policies.push({ name: d.name, revision: d.revision, digest: d.digest });
    } else if (d.kind === 'Exceptions') {
      const e = parseDocuments(d.raw, source, 'exceptions');
      exc.exceptions.push(...e.exceptions);
      exc.allowlist.push(...e.allowlist);
      exc.canonical.push(...e.canonical);
      exc.files.push(source);
      provenance.exceptions.push({ document: d.name, revision: d.revision, digest: d.digest, ids: e.exceptions.map((x) => x.id) });
    } else if (d.kind === 'BaseImageCatalog') {
      catalogs.push(parseCatalog(d.raw, source));
      provenance.catalogs.push({ name: d.name, revision: d.revision, digest: d.digest });
    } else if (d.kind === 'VexDocument') {
      vex.push({ source, bytes: d.raw });
      (provenance.vex ??= []).push({ name: d.name, revision: d.revision, digest: d.digest });
    }
  }
  if (pol.policies.length === 0) throw new PortcullisError('NO_POLICY', `the server has no policy for pipeline ${b.pipeline}`);
  checkUnique({ policies: pol.policies, exceptions: exc.exceptions });
  const catalog = catalogs.length === 0 ? undefined : { path: `server:${b.pipeline}`, entries: catalogs.flatMap((c) => c.entries) };
  // every served VEX document read with the CLI's readers (one that none accepts fails the gate, never skipped)
  const all = [...vex, ...localVex];
  const loaded = all.length === 0 ? undefined : vexFromTexts(all);
  return {
    policies: { policies: pol.policies, digest: digestOf(pol.canonical), files: pol.files },
    exceptions: { exceptions: exc.exceptions, allowlist: exc.allowlist, digest: digestOf(exc.canonical), files: exc.files },
    ...(catalog ? { catalog } : {}),
    ...(loaded ? { vex: loaded } : {}),
    provenance,
  };
}

/** The exception set evaluate() takes from a bundle's gate: the exceptions, with the served VEX documents. */
export function exceptionsOf(g: BundleGate): BundleGate['exceptions'] & { vex?: LoadedVex['documents'] } {
  return g.vex ? { ...g.exceptions, vex: g.vex.documents } : g.exceptions;
}
