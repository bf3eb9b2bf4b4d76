// Ignore files of other scanners (.trivyignore, .trivyignore.yaml, .grype.yaml, .snyk) read as our
// exceptions: each entry keeps its scope and expiry; what ours require and theirs lack (an expiry, a
// reason, an owner) is filled in visibly and named in a warning, never silently made permanent.
import { basename } from 'node:path';
import { PortcullisError } from '../../core/errors.js';

export type ForeignKind = 'trivyignore' | 'trivyignore-yaml' | 'grype' | 'snyk';

/** Which foreign format a file is, by its name (`.trivyignore`, `x.trivyignore.yaml`, `.grype.yaml`, `.snyk`). */
export function foreignKind(file: string): ForeignKind | undefined {
  const n = basename(file).toLowerCase();
  if (/(^|\.)trivyignore$/.test(n)) return 'trivyignore';
  if (/(^|\.)trivyignore\.ya?ml$/.test(n)) return 'trivyignore-yaml';
  if (/(^|\.)grype\.ya?ml$/.test(n)) return 'grype';
  if (n === '.snyk' || n.endsWith('.snyk')) return 'snyk';
  return undefined;
}

/** An exception as a plain object, validated afterwards with the exceptions schema like our own. */
export type RawException = Record<string, unknown> & { id: string };

export interface Converted {
  exceptions: RawException[];
  warnings: string[];
}

export const DEFAULT_DAYS = 90;

/** The fields ours require, from what the foreign entry gives; warnings for what it lacks. */
export function completion(
  where: string,
  given: { reason?: string; expires?: string; created?: string },
  now: Date,
  warn: (m: string) => void,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (given.reason !== undefined && given.reason.trim() !== '') out.reason = given.reason.trim();
  else {
    out.reason = `imported from ${where} (no reason given)`;
    warn(`${where}: no reason given (Portcullis exceptions require one)`);
  }
  const exp = given.expires === undefined ? undefined : normaliseDate(given.expires);
  if (given.expires !== undefined && exp === undefined) throw new PortcullisError('POLICY_INVALID', `${where}: expiry ${JSON.stringify(given.expires).slice(0, 60)}: expected a date YYYY-MM-DD or an RFC 3339 date-time`);
  if (exp !== undefined) out.expires = exp;
  else {
    out.created = now.toISOString().slice(0, 10);
    out.ttl = `${DEFAULT_DAYS}d`;
    warn(`${where}: no expiry (Portcullis exceptions expire): applied as if created today with the ${DEFAULT_DAYS}-day default; write a dated exception with \`portcullis policy convert\``);
  }
  if (given.created !== undefined && exp !== undefined) {
    const c = normaliseDate(given.created);
    if (c !== undefined) out.created = c;
  }
  return out;
}

/** `2023-01-01`, `2023-01-01T00:00:00Z`, `2020-07-15T09:00:00.000Z` → the schema's date forms; else undefined. */
export function normaliseDate(v: unknown): string | undefined {
  const s = v instanceof Date ? v.toISOString() : typeof v === 'string' ? v.trim() : undefined;
  if (s === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return s;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s)) return s;
  return undefined;
}

/** A purl to `package` (versionless) and `version` fields. */
export function purlFields(purl: string): Record<string, string> {
  const at = purl.indexOf('@', purl.lastIndexOf('/') + 1);
  const cut = (s: string) => s.split(/[?#]/)[0]!;
  if (at < 0) return { package: cut(purl) };
  return { package: purl.slice(0, at), version: decodeURIComponent(cut(purl.slice(at + 1))) };
}

/** Trivy and Grype paths are relative to the image root; ours are absolute. */
export const absolute = (p: string): string => (p.startsWith('/') ? p : `/${p}`);
