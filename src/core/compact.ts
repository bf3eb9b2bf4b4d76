// Compact package records: a 1e6-package inventory must fit in memory (issue 12: under 1 GiB RSS for
// the whole scan), so what is the same for many packages is held once. Shared values are frozen: a
// package that needs its own list replaces the array, never pushes into the shared one.
import type { LayerRef, PackageLocation } from './types.js';

/** The licence list of every package that declares none (frozen: assign a new array instead of pushing). */
export const NO_LICENSES: string[] = Object.freeze([]) as unknown as string[];

/**
 * One frozen `[{path, layer}]` for every package read from one file: the packages of a 1e6-entry
 * lockfile or status file share it instead of holding 1e6 arrays and objects.
 */
export function oneLocation(path: string, layer: LayerRef): PackageLocation[] {
  return Object.freeze([Object.freeze({ path, layer })]) as unknown as PackageLocation[];
}

const MAX_INTERNED = 4096;
const interned = new Map<string, string>();

/**
 * One copy of a short value many packages repeat (an architecture, a licence, a distro id). Values seen
 * after the table is full are returned as they are: the table stays small whatever the input.
 */
export function intern(s: string): string {
  const got = interned.get(s);
  if (got !== undefined) return got;
  if (interned.size < MAX_INTERNED && s.length <= 64) interned.set(s, s);
  return s;
}
