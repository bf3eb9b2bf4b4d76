// Which advisory records can name a package: per-ecosystem rules that turn an inventory package into
// the (OSV ecosystem, package name, version to compare) keys to look up.
//
//  deb     Debian:<major> / Ubuntu:<ver>; advisories name the SOURCE package, so the source name and
//          the source version are used (libssh2-1 1.10.0-3+b1 is judged as libssh2 1.10.0-3).
//  apk     Alpine:v<major.minor> (Wolfi, Chainguard); secdb names the origin package.
//  rpm     <Distro>:<major>; OSV records of AlmaLinux/Rocky name binary RPMs, so the binary name is
//          tried first, then the source RPM name for feeds keyed by source; EVR with epoch.
//  npm, PyPI, Go, Maven, RubyGems, crates.io, Packagist, NuGet: the package's own name; Go's `stdlib`
//          is compared with the toolchain version of the binary.
import type { OsInfo, Package } from '../core/types.js';
import { osvEcosystemFor } from '../core/distro.js';

export interface MatchKey {
  ecosystem: string;
  name: string;
  /** the version compared against the advisory's ranges */
  version: string;
  /** which rule produced the key, shown in explanations */
  via: 'binary' | 'source' | 'package';
}

const LANG_ECOSYSTEM: Record<string, string> = {
  npm: 'npm',
  pypi: 'PyPI',
  golang: 'Go',
  maven: 'Maven',
  gem: 'RubyGems',
  cargo: 'crates.io',
  composer: 'Packagist',
  nuget: 'NuGet',
};

export function languageEcosystem(type: string): string | undefined {
  return LANG_ECOSYSTEM[type];
}

/** `go1.19.8` → `1.19.8`; OSV's Go database writes stdlib versions without the `go` prefix. */
export function goToolchainVersion(v: string): string {
  return v.startsWith('go') ? v.slice(2) : v;
}

function rpmEvr(p: Package, version: string): string {
  return p.epoch !== undefined && p.epoch !== 0 ? `${p.epoch}:${version}` : version;
}

/** The keys for one package; an empty list means "no ecosystem to look in" (the caller reports a gap). */
export function matchKeys(p: Package, os: OsInfo | undefined): { ecosystem?: string; keys: MatchKey[] } {
  if (p.type === 'deb' || p.type === 'apk' || p.type === 'rpm') {
    const ecosystem = os ? osvEcosystemFor(os) : undefined;
    if (!ecosystem) return { keys: [] };
    if (p.type === 'deb') {
      const name = p.source?.name ?? p.name;
      const version = p.source?.version ?? p.version;
      return { ecosystem, keys: [{ ecosystem, name, version, via: p.source ? 'source' : 'binary' }] };
    }
    if (p.type === 'apk') {
      const name = p.source?.name ?? p.name;
      return { ecosystem, keys: [{ ecosystem, name, version: p.version, via: p.source ? 'source' : 'binary' }] };
    }
    const keys: MatchKey[] = [{ ecosystem, name: p.name, version: rpmEvr(p, p.version), via: 'binary' }];
    if (p.source && p.source.name !== p.name) {
      keys.push({ ecosystem, name: p.source.name, version: rpmEvr(p, p.source.version), via: 'source' });
    }
    return { ecosystem, keys };
  }
  const ecosystem = languageEcosystem(p.type);
  if (!ecosystem) return { keys: [] };
  const version = p.type === 'golang' && p.name === 'stdlib' ? goToolchainVersion(p.version) : p.version;
  return { ecosystem, keys: [{ ecosystem, name: p.name, version, via: 'package' }] };
}
