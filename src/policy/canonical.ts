// The zod-free part of the policy model: the API version, the empty exception set, canonical JSON of
// policy documents and the digest over a set of them. What only digests or records a decision, or runs
// without a policy, does not load the schemas (zod: ~0.1 s of a scan's start-up).
import { createHash } from 'node:crypto';
import { stableJson } from '../core/json.js';
import type { ExceptionSet } from './schema.js';

/** The API version of Portcullis' policy documents. */
export const API_VERSION = 'portcullis/v1';

export const EMPTY_EXCEPTIONS: ExceptionSet = { exceptions: [], allowlist: [] };

export function canonicalJson(v: unknown): string {
  return stableJson(v, 0);
}

/** sha256 over the sorted canonical documents: independent of file order, comments and formatting. */
export function digestOf(canonical: string[]): string {
  const h = createHash('sha256');
  for (const c of [...canonical].sort()) h.update(c + '\n');
  return 'sha256:' + h.digest('hex');
}
