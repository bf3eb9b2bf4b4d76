// Python package names and versions (PEP 508 names, PEP 440-shaped versions).
import type { AnalyzerContext, FileInput, Package } from '../../../core/types.js';
import { makePackage } from '../common.js';

export const PYTHON_INSTALLED = 'python-installed';
export const PYTHON_LOCKFILE = 'python-lockfile';

/** PEP 508 distribution name */
export function validPyName(name: string): boolean {
  return name.length > 0 && name.length <= 256 && /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(name);
}

/** a concrete version: PEP 440 characters (plus `+local`), no wildcard */
export function validPyVersion(v: string): boolean {
  return v.length > 0 && v.length <= 128 && /^[A-Za-z0-9][A-Za-z0-9.!+_-]*$/.test(v);
}

export function pyPackage(
  name: string,
  version: string,
  foundBy: string,
  file: FileInput,
  ctx: AnalyzerContext,
  extra: { licenses?: string[]; dev?: boolean; metadata?: Record<string, string> } = {},
): Package {
  return makePackage({ name, version, type: 'pypi', foundBy, ...extra }, file, ctx);
}
