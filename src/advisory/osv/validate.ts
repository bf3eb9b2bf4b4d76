// Checks an untrusted JSON value against the parts of the OSV schema we rely on.
// Returns the record (with invalid `affected` entries removed and reported) or the reason to skip it.
import type { OsvAffected, OsvRecord } from '../../core/types.js';
import { isObj } from '../feedfile.js';

const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$/;
const SUPPORTED_MAJOR = 1;
/** real records have a handful of aliases; 200k of them made every matching scan fail */
export const MAX_ALIASES = 256;

export type Checked = { ok: true; record: OsvRecord; problems: string[] } | { ok: false; reason: string };

function validTime(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 64 && !Number.isNaN(Date.parse(s));
}

export function checkRecord(v: unknown): Checked {
  if (!isObj(v)) return { ok: false, reason: 'not a JSON object' };
  if (typeof v.id !== 'string' || !ID_RE.test(v.id)) return { ok: false, reason: `invalid or missing id ${JSON.stringify(String(v.id)).slice(0, 80)}` };
  if (v.schema_version !== undefined) {
    const m = typeof v.schema_version === 'string' ? /^(\d+)\.\d+(\.\d+)?$/.exec(v.schema_version) : null;
    if (!m) return { ok: false, reason: `${v.id}: invalid schema_version ${JSON.stringify(v.schema_version)}` };
    if (Number(m[1]) !== SUPPORTED_MAJOR) return { ok: false, reason: `${v.id}: unsupported OSV schema_version ${v.schema_version}` };
  }
  if (!validTime(v.modified)) return { ok: false, reason: `${v.id}: invalid or missing modified` };
  for (const k of ['published', 'withdrawn'] as const) {
    if (v[k] !== undefined && !validTime(v[k])) return { ok: false, reason: `${v.id}: invalid ${k}` };
  }
  for (const k of ['aliases', 'related'] as const) {
    const a = v[k];
    if (a !== undefined && (!Array.isArray(a) || a.some((x) => typeof x !== 'string'))) {
      return { ok: false, reason: `${v.id}: ${k} is not a list of strings` };
    }
  }
  for (const k of ['summary', 'details'] as const) {
    if (v[k] !== undefined && typeof v[k] !== 'string') return { ok: false, reason: `${v.id}: ${k} is not a string` };
  }
  if (v.severity !== undefined && !Array.isArray(v.severity)) return { ok: false, reason: `${v.id}: severity is not a list` };
  if (v.references !== undefined && !Array.isArray(v.references)) return { ok: false, reason: `${v.id}: references is not a list` };
  if (v.database_specific !== undefined && !isObj(v.database_specific)) {
    return { ok: false, reason: `${v.id}: database_specific is not an object` };
  }
  if (v.affected !== undefined && !Array.isArray(v.affected)) return { ok: false, reason: `${v.id}: affected is not a list` };
  const problems: string[] = [];
  const capped: Partial<Record<'aliases' | 'related', string[]>> = {};
  for (const k of ['aliases', 'related'] as const) {
    const a = v[k] as string[] | undefined;
    if (a && a.length > MAX_ALIASES) {
      problems.push(`${v.id}: ${a.length} ${k}, only the first ${MAX_ALIASES} kept`);
      capped[k] = a.slice(0, MAX_ALIASES);
    }
  }
  const affected: OsvAffected[] = [];
  for (const [i, a] of ((v.affected as unknown[] | undefined) ?? []).entries()) {
    const why = checkAffected(a);
    if (why) problems.push(`${v.id}: affected[${i}] skipped: ${why}`);
    else affected.push(a as OsvAffected);
  }
  const record = { ...(v as unknown as OsvRecord), ...capped };
  if (v.affected !== undefined) record.affected = affected;
  return { ok: true, record, problems };
}

function checkAffected(a: unknown): string | undefined {
  if (!isObj(a)) return 'not an object';
  const p = a.package;
  if (p !== undefined) {
    if (!isObj(p) || typeof p.ecosystem !== 'string' || typeof p.name !== 'string') return 'package needs ecosystem and name strings';
    if (p.ecosystem.length === 0 || p.ecosystem.length > 128 || p.name.length === 0 || p.name.length > 1024) {
      return 'package ecosystem or name empty or too long';
    }
  }
  if (a.ranges !== undefined) {
    if (!Array.isArray(a.ranges)) return 'ranges is not a list';
    for (const r of a.ranges) {
      if (!isObj(r) || typeof r.type !== 'string' || !Array.isArray(r.events)) return 'range needs type and events';
      for (const e of r.events) {
        if (!isObj(e)) return 'event is not an object';
        for (const val of Object.values(e)) if (typeof val !== 'string') return 'event value is not a string';
      }
    }
  }
  if (a.versions !== undefined && (!Array.isArray(a.versions) || a.versions.some((x) => typeof x !== 'string'))) {
    return 'versions is not a list of strings';
  }
  return undefined;
}

/** A malicious-package report (ossf/malicious-packages), not a vulnerability. */
export function isMalicious(r: OsvRecord): boolean {
  return r.id.startsWith('MAL-') || (r.database_specific !== undefined && 'malicious-packages-origins' in r.database_specific);
}
