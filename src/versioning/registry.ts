// Every version scheme, by id, and the OSV ecosystem names that use each.
// Adding a scheme: a folder src/versioning/<id>/ exporting `<id>Scheme`, one line in `schemes`, its
// ecosystems in ECOSYSTEMS; registry.test.ts fails when a folder is not registered or lacks tests.
import type { VersionScheme } from '../core/types.js';
import { apkScheme } from './apk/index.js';
import { cargoScheme } from './cargo/index.js';
import { composerScheme } from './composer/index.js';
import { debScheme } from './deb/index.js';
import { gemScheme } from './gem/index.js';
import { goScheme } from './go/index.js';
import { mavenScheme } from './maven/index.js';
import { nugetScheme } from './nuget/index.js';
import { pep440Scheme } from './pep440/index.js';
import { rpmScheme } from './rpm/index.js';
import { semverScheme } from './semver/index.js';

export const schemes: Record<string, VersionScheme> = {
  apk: apkScheme,
  cargo: cargoScheme,
  composer: composerScheme,
  deb: debScheme,
  gem: gemScheme,
  go: goScheme,
  maven: mavenScheme,
  nuget: nugetScheme,
  pep440: pep440Scheme,
  rpm: rpmScheme,
  semver: semverScheme,
};

/**
 * OSV ecosystem name (the part before the first ':') → scheme id.
 * https://ossf.github.io/osv-schema/#defined-ecosystems
 */
export const ECOSYSTEMS: Readonly<Record<string, string>> = {
  Debian: 'deb',
  Ubuntu: 'deb',
  Alpine: 'apk',
  Wolfi: 'apk',
  Chainguard: 'apk',
  MinimOS: 'apk',
  AlmaLinux: 'rpm',
  'Red Hat': 'rpm',
  'Rocky Linux': 'rpm',
  SUSE: 'rpm',
  openSUSE: 'rpm',
  'Photon OS': 'rpm',
  Mageia: 'rpm',
  openEuler: 'rpm',
  Oracle: 'rpm',
  'Oracle Linux': 'rpm',
  'Amazon Linux': 'rpm',
  'Azure Linux': 'rpm',
  Mariner: 'rpm',
  Fedora: 'rpm',
  CentOS: 'rpm',
  npm: 'semver',
  PyPI: 'pep440',
  Maven: 'maven',
  Go: 'go',
  RubyGems: 'gem',
  NuGet: 'nuget',
  Packagist: 'composer',
  'crates.io': 'cargo',
};

/**
 * The scheme for an OSV ecosystem string such as "Debian:12", "Alpine:v3.19", "Ubuntu:Pro:22.04:LTS"
 * or "npm". Matching is exact on the part before the first ':' (OSV names are case-sensitive);
 * unknown ecosystems (GIT, Linux, Hackage, CRAN, Pub, ...) give undefined.
 */
export function schemeForEcosystem(osvEcosystem: string): VersionScheme | undefined {
  if (typeof osvEcosystem !== 'string') return undefined;
  const colon = osvEcosystem.indexOf(':');
  const base = colon >= 0 ? osvEcosystem.slice(0, colon) : osvEcosystem;
  const id = Object.prototype.hasOwnProperty.call(ECOSYSTEMS, base) ? ECOSYSTEMS[base] : undefined;
  return id === undefined ? undefined : schemes[id];
}
