// Go versions: module versions (SemVer with a leading "v", pseudo-versions, +incompatible) and Go
// toolchain versions for the standard library (go1.21.3, go1.22rc1, 1.19.8).
// https://go.dev/ref/mod#versions · https://go.dev/doc/toolchain#version · https://go.dev/security/vuln/database#schema
import type { VersionScheme } from '../../core/types.js';
import { defineScheme, skipDigits } from '../common.js';
import { type SemVer, compareSemver, parseSemver, readRelease } from '../semver/index.js';

const TOOLCHAIN_PRE = ['rc', 'beta', 'alpha'];

/**
 * Go toolchain syntax, with or without the "go" prefix: "1.21.3", "1.21" (= 1.21.0), "1.22rc1" and
 * "1.9beta2" (a prerelease of 1.22.0 / 1.9.0). Mapped to SemVer the way the Go vulnerability
 * database writes stdlib ranges: 1.22rc1 → 1.22.0-rc.1. Returns undefined when s is not in that form.
 */
function parseToolchain(s: string, prefixed: boolean): SemVer | undefined {
  const r = readRelease(s, 0, 3);
  if (!r) return undefined;
  const [release, i] = r;
  // "go1" was Go 1.0; without the prefix a lone number is left to the SemVer reading
  if (i === s.length) return release.length >= 2 || prefixed ? { release, prerelease: [], build: [] } : undefined;
  for (const tag of TOOLCHAIN_PRE) {
    if (s.startsWith(tag, i)) {
      const start = i + tag.length;
      const j = skipDigits(s, start);
      if (j === start || j !== s.length || release.length > 2) return undefined;
      return { release, prerelease: [tag, s.slice(start, j)], build: [] };
    }
  }
  return undefined;
}

/**
 * Accepts: module versions ("v1.2.3", "v0.0.0-20191109021931-daa7c04131f5", "v2.0.0+incompatible"),
 * the same without "v" as OSV Go records write them ("1.19.9", "1.18.0-0"), and toolchain versions
 * ("go1.21.3", "go1.22rc1", "1.22rc1"). Build metadata such as +incompatible does not affect order.
 * Strings like "devel go1.23-abcdef" or "go1.22.0 X:boringcrypto" are not versions: callers strip
 * experiment suffixes first.
 */
export function parseGo(s: string): SemVer | undefined {
  if (s.startsWith('go')) return parseToolchain(s.slice(2), true);
  const sem = parseSemver(s);
  if (sem) return sem;
  return parseToolchain(s, false);
}

export const goScheme: VersionScheme = defineScheme('go', parseGo, compareSemver);
