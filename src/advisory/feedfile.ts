// Reading a feed that is one JSON document (Debian security tracker, CISA KEV) within the import size
// limit, and the plain-object test every importer uses on untrusted JSON.
import { readFile, stat } from 'node:fs/promises';
import type { ImportContext } from './types.js';

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Parses the JSON file at `path`; throws an Error naming the file when it is larger than
 * `ctx.limits.maxFeedBytes` or not valid JSON. `mtime` is the file's modification time.
 */
export async function readJsonFeed(path: string, ctx: ImportContext): Promise<{ doc: unknown; mtime: Date }> {
  const st = await stat(path);
  if (st.size > ctx.limits.maxFeedBytes) throw new Error(`${path}: larger than ${ctx.limits.maxFeedBytes} bytes`);
  try {
    return { doc: JSON.parse(await readFile(path, 'utf8')) as unknown, mtime: st.mtime };
  } catch (e) {
    throw new Error(`${path}: malformed JSON: ${(e as Error).message}`, { cause: e });
  }
}
