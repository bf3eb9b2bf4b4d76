// Records are stored as raw-deflated JSON.
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { OsvRecord } from '../../core/types.js';

export function encodeRecord(r: OsvRecord): Buffer {
  return deflateRawSync(Buffer.from(JSON.stringify(r), 'utf8'));
}

export function decodeRecord(b: Buffer): OsvRecord {
  return JSON.parse(inflateRawSync(b, { maxOutputLength: 64 * 1024 * 1024 }).toString('utf8')) as OsvRecord;
}
