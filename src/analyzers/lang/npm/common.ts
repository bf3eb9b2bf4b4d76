// npm package construction shared by the installed-tree and lockfile parsers.
import type { AnalyzerContext, FileInput, Package } from '../../../core/types.js';
import { isObj, makePackage } from '../common.js';

export const NPM_INSTALLED = 'npm-installed';
export const NPM_LOCKFILE = 'npm-lockfile';

/** npm names: at most 214 chars, no whitespace/control chars, `@scope/name` or a single segment. */
/** whitespace or control characters */
function hasSpaceOrControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x85 || c === 0xa0 || c === 0x2028 || c === 0x2029 || c === 0xfeff) return true;
  }
  return false;
}

export function validNpmName(name: string): boolean {
  if (name.length === 0 || name.length > 214) return false;
  if (hasSpaceOrControl(name)) return false;
  if (name.startsWith('@')) {
    const slash = name.indexOf('/');
    return slash > 1 && slash < name.length - 1 && name.indexOf('/', slash + 1) < 0;
  }
  return !name.includes('/');
}

export function validNpmVersion(v: string): boolean {
  return v.length > 0 && v.length <= 256 && !hasSpaceOrControl(v);
}

export function npmPackage(
  name: string,
  version: string,
  foundBy: string,
  file: FileInput,
  ctx: AnalyzerContext,
  extra: { licenses?: string[]; dev?: boolean; metadata?: Record<string, string>; confidence?: 'high' | 'medium' | 'low' } = {},
): Package {
  let namespace: string | undefined;
  let purlName = name;
  if (name.startsWith('@')) {
    const slash = name.indexOf('/');
    namespace = name.slice(0, slash);
    purlName = name.slice(slash + 1);
  }
  return makePackage({ name, version, type: 'npm', namespace, purlName, foundBy, ...extra }, file, ctx);
}

/**
 * package.json `license` / `licenses` as declared: a string (SPDX expression), `{type}`, or the legacy
 * `licenses: [{type}|string]` array.
 */
export function npmLicenses(manifest: unknown): string[] {
  if (!isObj(manifest)) return [];
  const out: string[] = [];
  const one = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (isObj(v) && typeof v.type === 'string') out.push(v.type);
  };
  if (Object.prototype.hasOwnProperty.call(manifest, 'license')) {
    const l = manifest.license;
    if (Array.isArray(l)) l.forEach(one);
    else one(l);
  }
  if (Object.prototype.hasOwnProperty.call(manifest, 'licenses') && Array.isArray(manifest.licenses)) manifest.licenses.forEach(one);
  return out.filter((l) => l.trim() !== '');
}
