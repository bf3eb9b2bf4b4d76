// --vex FILE|DIR: read VEX documents (JSON files; directories expanded to *.json), detect the format by
// content, and digest what was read (the decision record names it, like the policy and exception files).
import { createHash } from 'node:crypto';
import { PortcullisError } from '../core/errors.js';
import { expandUserPaths, readUserFile } from '../core/userfile.js';
import { readCsafVex, isCsaf } from './csaf.js';
import { isCycloneDx, readCycloneDxVex } from './cyclonedx.js';
import { isOpenVex, readOpenVex } from './openvex.js';
import { VEX_LIMITS, type VexDocument } from './types.js';

export interface LoadedVex {
  documents: VexDocument[];
  /** sha256 over the files' bytes, in the order read */
  digest: string;
  files: string[];
}

/** One VEX document from its JSON text. Throws BAD_INPUT naming the file and what is wrong. */
export function parseVex(text: string, file: string): VexDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `${file}: not JSON: ${(e as Error).message.split('\n')[0]}`, { subject: file, cause: e });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new PortcullisError('BAD_INPUT', `${file}: expected a JSON object (an OpenVEX, CycloneDX or CSAF document)`, { subject: file });
  const o = doc as Record<string, unknown>;
  if (isOpenVex(o)) return readOpenVex(o, file);
  if (isCycloneDx(o)) return readCycloneDxVex(o, file);
  if (isCsaf(o)) return readCsafVex(o, file);
  throw new PortcullisError('BAD_INPUT', `${file}: not a VEX document: expected OpenVEX (@context https://openvex.dev/ns/…), CycloneDX (bomFormat) or CSAF (document.csaf_version)`, { subject: file });
}

/** One VEX text and where it came from (a file, or `server:VexDocument/name@revision`). */
export interface VexText {
  source: string;
  bytes: Buffer | string;
}

/**
 * VEX documents from their texts, in order: each read by its format's reader, one digest over the bytes
 * in that order, and a document given twice (same format and id) refused.
 */
export function vexFromTexts(texts: readonly VexText[]): LoadedVex {
  const hash = createHash('sha256');
  const documents: VexDocument[] = [];
  for (const t of texts) {
    hash.update(t.bytes);
    documents.push(parseVex(typeof t.bytes === 'string' ? t.bytes : t.bytes.toString('utf8'), t.source));
  }
  const ids = new Map<string, string>();
  for (const d of documents) {
    const prev = ids.get(`${d.format}\u0000${d.id}`);
    if (prev !== undefined) throw new PortcullisError('BAD_INPUT', `${d.source}: VEX document ${d.id} is also read from ${prev}: give each document once`, { subject: d.source });
    ids.set(`${d.format}\u0000${d.id}`, d.source);
  }
  return { documents, digest: `sha256:${hash.digest('hex')}`, files: texts.map((t) => t.source) };
}

/** The files of --vex FILE|DIR (directories give their *.json files), read whole within the size bound. */
export async function readVexFiles(paths: string[]): Promise<VexText[]> {
  const files = await expandUserPaths(paths, (n) => /\.json$/i.test(n), 'BAD_INPUT', '.json files');
  const out: VexText[] = [];
  for (const f of files) out.push({ source: f, bytes: await readUserFile(f, VEX_LIMITS.fileBytes, '--vex') });
  return out;
}

export async function loadVex(paths: string[]): Promise<LoadedVex> {
  return vexFromTexts(await readVexFiles(paths));
}

export { VEX_LIMITS, type VexDocument };
export type { VexStatement, VexProduct, VexStatus, VexFormat } from './types.js';
