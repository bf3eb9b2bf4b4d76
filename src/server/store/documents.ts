// What the server stores: exactly the policy-as-code documents the CLI reads (AssurancePolicy,
// Exceptions with their allowlist, BaseImageCatalog), validated by the CLI's own parsers, plus Pipeline
// (a name the tokens and bundles are scoped to). One YAML document per object. VexDocument (a vendor's
// VEX JSON, kept byte for byte) is validated in vexdoc.ts.
import { createHash } from 'node:crypto';
import { parseAllDocuments, stringify } from 'yaml';
import { z } from 'zod';
import { PortcullisError } from '../../core/errors.js';
import { canonicalJson, parseDocuments } from '../../policy/load.js';
import { API_VERSION } from '../../policy/schema.js';
import { parseCatalog, CATALOG_KIND } from '../../baseimage/catalog.js';

export const KINDS = ['AssurancePolicy', 'Exceptions', 'BaseImageCatalog', 'Pipeline', 'VexDocument'] as const;
export type Kind = (typeof KINDS)[number];

/** Names and ids that reach URLs, files and SQL: plain, short, no path separators. */
export const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

export const pipelineSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Pipeline'),
  metadata: z.strictObject({ name: z.string().regex(NAME_RE), description: z.string().optional(), owner: z.string().optional() }),
});

export interface ValidDocument {
  kind: Kind;
  name: string;
  /** the validated document (plain JSON) */
  body: unknown;
  /** canonical JSON of body */
  canonical: string;
  digest: string;
  raw: string;
}

export function checkName(name: string, what: string): string {
  if (!NAME_RE.test(name)) {
    throw new PortcullisError('BAD_INPUT', `${what}: expected a plain name (letters, digits, . _ -, at most 128, not starting with . or -), got ${JSON.stringify(name.slice(0, 80))}`);
  }
  return name;
}

/**
 * Name of a pushed document that has no metadata.name (an Exceptions file, a catalog): from its path,
 * `exceptions/orders-api.yaml` → `exceptions-orders-api`, with `-2`, `-3`... for later documents in it.
 */
export function nameFromFile(file: string, position = 0): string {
  const stem = file.replace(/\.ya?ml$/i, '').replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 120);
  const base = stem === '' ? 'document' : stem;
  return position === 0 ? base : `${base}-${position + 1}`;
}

/** Render a document as YAML (for objects created through the API). */
export function renderYaml(body: unknown): string {
  return stringify(body, { lineWidth: 0 });
}

const sha = (s: string) => 'sha256:' + createHash('sha256').update(s).digest('hex');

/**
 * Validate one YAML document's text with the CLI's parsers. `where` names it in messages; `name` is
 * the name the request gives (it must agree with metadata.name); `fallback` names an Exceptions document
 * without metadata.name, or a catalog (pushed files: derived from the file name).
 */
export function validateDocument(raw: string, where: string, name?: string, fallback?: string): ValidDocument {
  if (Buffer.byteLength(raw) > MAX_DOCUMENT_BYTES) throw new PortcullisError('BAD_INPUT', `${where}: document larger than ${MAX_DOCUMENT_BYTES} bytes`);
  const docs = parseAllDocuments(raw, { prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(docs) || docs.filter((d) => d.contents !== null).length !== 1) {
    throw new PortcullisError('BAD_INPUT', `${where}: expected exactly one YAML document`);
  }
  const doc = docs.find((d) => d.contents !== null)!;
  if (doc.errors[0]) throw new PortcullisError('BAD_INPUT', `${where}: YAML syntax error: ${doc.errors[0].message.split('\n')[0]}`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `${where}: YAML error: ${(e as Error).message}`, { cause: e });
  }
  const kind = value && typeof value === 'object' ? (value as Record<string, unknown>).kind : undefined;
  let body: unknown;
  let objName: string | undefined;
  switch (kind) {
    case 'AssurancePolicy': {
      const p = parseDocuments(raw, where, 'policy').policies[0]!;
      const { source: _s, ...rest } = p;
      body = rest;
      objName = p.metadata.name;
      if (name !== undefined && name !== objName) throw new PortcullisError('BAD_INPUT', `${where}: metadata.name is "${objName}", the request names "${name}"`);
      break;
    }
    case 'Exceptions': {
      parseDocuments(raw, where, 'exceptions');
      body = value;
      const meta = (value as { metadata?: { name?: string } }).metadata?.name;
      if (name !== undefined && meta !== undefined && name !== meta) throw new PortcullisError('BAD_INPUT', `${where}: metadata.name is "${meta}", the request names "${name}"`);
      objName = name ?? meta ?? fallback;
      break;
    }
    case CATALOG_KIND:
      parseCatalog(raw, where);
      body = value;
      objName = name ?? fallback;
      break;
    case 'Pipeline': {
      const r = pipelineSchema.safeParse(value);
      if (!r.success) {
        const i = r.error.issues[0]!;
        throw new PortcullisError('BAD_INPUT', `${where}: ${i.path.join('.') || '(document)'}: ${i.message}`);
      }
      body = r.data;
      objName = r.data.metadata.name;
      break;
    }
    case 'VexDocument':
      throw new PortcullisError('BAD_INPUT', `${where}: kind: a VexDocument is the vendor's VEX JSON itself: upload it with PUT /api/v1/vex/NAME or push it as a *.vex.json file`);
    default:
      throw new PortcullisError('BAD_INPUT', `${where}: kind: expected one of ${KINDS.filter((k) => k !== 'VexDocument').join(', ')}, got ${typeof kind === 'string' ? JSON.stringify(kind.slice(0, 40)) : String(kind)}`);
  }
  if (objName === undefined) throw new PortcullisError('BAD_INPUT', `${where}: the document has no name (give metadata.name)`);
  checkName(objName, `${where}: name`);
  const canonical = canonicalJson(body);
  return { kind: kind as Kind, name: objName, body, canonical, digest: sha(canonical), raw: raw.endsWith('\n') ? raw : raw + '\n' };
}

/** Validate a document given as JSON (API): rendered to YAML, then validated like pushed text. */
export function validateJson(body: unknown, where: string, name?: string): ValidDocument {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new PortcullisError('BAD_INPUT', `${where}: expected a JSON object`);
  return validateDocument(renderYaml(body), where, name);
}
