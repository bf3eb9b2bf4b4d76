// Package-name normalisation per OSV ecosystem. The same function is applied when the DB is built
// and when it is queried, so both sides meet on one spelling. See docs/advisory-db.md.

/** `Debian:12` -> `Debian`, `Alpine:v3.10` -> `Alpine`, `npm` -> `npm`. */
export function baseEcosystem(ecosystem: string): string {
  const i = ecosystem.indexOf(':');
  return i < 0 ? ecosystem : ecosystem.slice(0, i);
}

const LOWERCASE = new Set([
  'npm', // new names must be lower case; legacy mixed-case names (JSONStream) are matched case-insensitively
  'NuGet', // case-insensitive registry
  'Packagist', // vendor/name, lower case by rule
  'Debian', // Debian policy: package names are lower case
  'Ubuntu',
  'Alpine', // apk names are lower case
  'Wolfi',
  'Chainguard',
  'Hex',
  'Pub',
]);

export function normalisePackageName(ecosystem: string, name: string): string {
  const n = name.trim();
  const base = baseEcosystem(ecosystem.trim());
  if (base === 'PyPI') return n.toLowerCase().replace(/[-_.]+/g, '-'); // PEP 503
  if (base === 'crates.io') return n.toLowerCase().replace(/_/g, '-'); // crates.io treats - and _ and case as one name
  if (LOWERCASE.has(base)) return n.toLowerCase();
  // Go module paths, Maven group:artifact, RubyGems, RPM distros (AlmaLinux, Rocky, Red Hat, SUSE...): case-sensitive
  return n;
}

/** The key byPackages uses. */
export function packageKey(ecosystem: string, name: string): string {
  return `${ecosystem}\u0000${normalisePackageName(ecosystem, name)}`;
}
