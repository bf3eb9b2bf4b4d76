// Small readers over untrusted JSON: every accessor checks the type and bound, and failures name the
// file and the JSON path in one line.
import { PortcullisError } from '../core/errors.js';
import { VEX_LIMITS } from './types.js';

export type Json = unknown;

export class Reader {
  constructor(readonly file: string) {}

  fail(path: string, what: string): never {
    throw new PortcullisError('BAD_INPUT', `${this.file}: ${path}: ${what}`, { subject: this.file });
  }

  obj(v: Json, path: string): Record<string, Json> {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(path, 'expected an object');
    return v as Record<string, Json>;
  }

  arr(v: Json, path: string, max: number = VEX_LIMITS.statements): Json[] {
    if (v === undefined) return [];
    if (!Array.isArray(v)) this.fail(path, 'expected an array');
    if (v.length > max) this.fail(path, `more than ${max} entries`);
    return v;
  }

  str(v: Json, path: string): string {
    if (typeof v !== 'string' || v === '') this.fail(path, 'expected a non-empty string');
    if (v.length > VEX_LIMITS.stringLength) this.fail(path, `longer than ${VEX_LIMITS.stringLength} characters`);
    return v;
  }

  optStr(v: Json, path: string): string | undefined {
    return v === undefined || v === null || v === '' ? undefined : this.str(v, path);
  }
}

/** `sha256:<hex>` from a hash value given with or without the prefix; undefined for anything else. */
export function sha256Digest(algorithm: string, value: string): string | undefined {
  const alg = algorithm.toLowerCase().replace(/[-_]/g, '');
  if (alg !== 'sha256') return undefined;
  const hex = value.toLowerCase().replace(/^sha256:/, '');
  return /^[0-9a-f]{64}$/.test(hex) ? `sha256:${hex}` : undefined;
}

/** A purl-looking identifier, else undefined. */
export function purlOf(s: string | undefined): string | undefined {
  return s !== undefined && s.startsWith('pkg:') ? s : undefined;
}
