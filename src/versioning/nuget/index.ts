// NuGet versions: up to four numeric parts, SemVer 2.0 prerelease labels compared case-insensitively,
// metadata ignored. https://learn.microsoft.com/en-us/nuget/concepts/package-versioning
import type { VersionScheme } from '../../core/types.js';
import { type Cmp, defineScheme } from '../common.js';
import { type SemVer, comparePrerelease, compareRelease, parseSemver } from '../semver/index.js';

export function parseNuget(s: string): SemVer | undefined {
  if (s.charCodeAt(0) === 118 /* v */) return undefined;
  const v = parseSemver(s);
  if (!v || v.release.length > 4) return undefined;
  return { release: v.release, prerelease: v.prerelease.map((p) => p.toLowerCase()), build: v.build };
}

export function compareNuget(a: SemVer, b: SemVer): Cmp {
  const r = compareRelease(a.release, b.release);
  if (r !== 0) return r;
  return comparePrerelease(a.prerelease, b.prerelease);
}

export const nugetScheme: VersionScheme = defineScheme('nuget', parseNuget, compareNuget);
