// VexDocument: a vendor's VEX document (OpenVEX, CycloneDX VEX, CSAF VEX) stored as the JSON text it was
// uploaded as, byte for byte, and validated with the readers `scan --vex` uses. The stored body is an
// envelope: the server-side name, the optional pipeline scoping, what the reader found (format, id,
// author, statements) and the sha256 of the original text, so the object's digest covers both the text
// and its scoping.
import { createHash } from 'node:crypto';
import { PortcullisError } from '../../core/errors.js';
import { canonicalJson } from '../../policy/load.js';
import { API_VERSION } from '../../policy/schema.js';
import { parseVex } from '../../vex/load.js';
import type { VexFormat } from '../../vex/types.js';
import { checkName, MAX_DOCUMENT_BYTES, nameFromFile, type ValidDocument } from './documents.js';

export const VEX_KIND = 'VexDocument';
/** Pipeline globs of one document: as many as a policy's appliesTo may hold. */
export const MAX_VEX_PIPELINES = 100;

export interface VexEnvelope {
  apiVersion: typeof API_VERSION;
  kind: typeof VEX_KIND;
  /** pipelines: anchored globs over the pipeline name; absent = every pipeline */
  metadata: { name: string; pipelines?: string[] };
  vex: { format: VexFormat; id: string; author: string; statements: number; sha256: string };
}

/**
 * A file of a policy-as-code folder that holds a VEX document: `*.vex.json`, `*.openvex.json`,
 * `*.cdx.json`, `*.csaf.json`, or any `*.json` in a directory named `vex`. Other JSON files are not
 * pushed (a folder may hold unrelated JSON).
 */
export function isVexFile(relPath: string): boolean {
  const p = relPath.toLowerCase();
  if (!p.endsWith('.json')) return false;
  return /\.(vex|openvex|cdx|csaf)\.json$/.test(p) || p.split('/').slice(0, -1).includes('vex');
}

/** The server-side name of a pushed VEX file: `vex/vendor-x.openvex.json` → `vex-vendor-x.openvex`. */
export function vexNameFromFile(file: string): string {
  return nameFromFile(file.replace(/\.json$/i, ''));
}

function checkPipelines(pipelines: unknown, where: string): string[] | undefined {
  if (pipelines === undefined) return undefined;
  const bad = (m: string) => new PortcullisError('BAD_INPUT', `${where}: pipelines: ${m}`);
  if (!Array.isArray(pipelines) || pipelines.length === 0) throw bad('expected a non-empty list of pipeline globs');
  if (pipelines.length > MAX_VEX_PIPELINES) throw bad(`more than ${MAX_VEX_PIPELINES} entries`);
  for (const p of pipelines) {
    if (typeof p !== 'string' || !/^[A-Za-z0-9*?][A-Za-z0-9._*?-]{0,127}$/.test(p)) throw bad(`expected pipeline names or globs (letters, digits, . _ - * ?), got ${JSON.stringify(String(p).slice(0, 80))}`);
  }
  return [...new Set(pipelines as string[])].sort();
}

/**
 * Validate an uploaded VEX text with the CLI's readers. The text is kept as given (no newline added,
 * nothing re-rendered); `where` names it in messages (the reader's one-line reason is the error).
 */
export function validateVex(raw: string, where: string, name: string, pipelines?: unknown): ValidDocument {
  if (Buffer.byteLength(raw) > MAX_DOCUMENT_BYTES) throw new PortcullisError('BAD_INPUT', `${where}: document larger than ${MAX_DOCUMENT_BYTES} bytes`);
  checkName(name, `${where}: name`);
  const scoped = checkPipelines(pipelines, where);
  const doc = parseVex(raw, where);
  const sha256 = createHash('sha256').update(raw).digest('hex');
  const body: VexEnvelope = {
    apiVersion: API_VERSION,
    kind: VEX_KIND,
    metadata: { name, ...(scoped ? { pipelines: scoped } : {}) },
    vex: { format: doc.format, id: doc.id, author: doc.author, statements: doc.statements.length, sha256: `sha256:${sha256}` },
  };
  const canonical = canonicalJson(body);
  return { kind: VEX_KIND, name, body, canonical, digest: 'sha256:' + createHash('sha256').update(canonical).digest('hex'), raw };
}

/** Raw bytes of a pushed or uploaded file as text, refused when they are not UTF-8 (they could not round-trip). */
export function vexText(buf: Buffer, where: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf);
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `${where}: not UTF-8 text (a VEX document is JSON)`, { cause: e });
  }
}

/**
 * A VEX document (same format and id) is stored once: two copies under different names would be read
 * twice by every pipeline, which `scan --vex` refuses too. The message of the first clash, if any.
 */
export function vexConflict(objects: readonly { name: string; body: unknown }[]): string | undefined {
  const seen = new Map<string, string>();
  for (const o of objects) {
    const v = (o.body as VexEnvelope).vex;
    const key = `${v.format}\u0000${v.id}`;
    const prev = seen.get(key);
    if (prev !== undefined && prev !== o.name) return `VexDocument ${o.name}: VEX document ${v.id} is already stored as VexDocument ${prev}: update that one instead`;
    seen.set(key, o.name);
  }
  return undefined;
}
