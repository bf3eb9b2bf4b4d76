// The layer cache's file seal: `magic`, the body, then the sha256 of both. A file that is not whole and
// intact (truncated, corrupted, another kind of file) does not unseal and is never trusted. LayerCache
// seals what it writes (records, archive facts, images' analyses); recordreader.ts and LayerCache unseal.
import { createHash } from 'node:crypto';

const DIGEST_BYTES = 32;

export function sha256(b: Buffer): Buffer {
  return createHash('sha256').update(b).digest();
}

/** `magic`, `parts` (a gzip'd document; a record's header line and gzip'd entries), then the sha256 of all that. */
export function seal(magic: Buffer, parts: Buffer[]): Buffer {
  const body = Buffer.concat([magic, ...parts]);
  return Buffer.concat([body, sha256(body)]);
}

/** What `seal` put between `magic` and the digest, when `raw` is whole and intact; else undefined. */
export function unseal(raw: Buffer, magic: Buffer): Buffer | undefined {
  if (raw.length < magic.length + DIGEST_BYTES || !raw.subarray(0, magic.length).equals(magic)) return undefined;
  const body = raw.subarray(0, raw.length - DIGEST_BYTES);
  if (!sha256(body).equals(raw.subarray(raw.length - DIGEST_BYTES))) return undefined;
  return body.subarray(magic.length);
}
