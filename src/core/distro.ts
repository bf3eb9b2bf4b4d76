// Distribution facts shared by the OS analyzers (which detect the release) and matching (which picks the
// OSV ecosystem whose advisories apply): release numbers, Debian codenames, and the OSV ecosystem of a
// release. In core so that analyzers/os/release and match/keys both import it downwards.
import type { OsInfo } from './types.js';

/** Debian release numbers and codenames (https://debian.pages.debian.net/distro-info-data/debian.csv). */
export const DEBIAN_CODENAMES: Readonly<Record<string, string>> = {
  '7': 'wheezy',
  '8': 'jessie',
  '9': 'stretch',
  '10': 'buster',
  '11': 'bullseye',
  '12': 'bookworm',
  '13': 'trixie',
  '14': 'forky',
  '15': 'duke',
};

export function debianMajorForCodename(codename: string): string | undefined {
  for (const [k, v] of Object.entries(DEBIAN_CODENAMES)) if (v === codename) return k;
  return undefined;
}

/** `major.minor` of a dotted version (`9.3.1` → `9.3`), or the input when it has fewer parts. */
export function majorMinor(v: string): string {
  const m = /^(\d+)(?:\.(\d+))?/.exec(v);
  if (!m) return v;
  return m[2] === undefined ? m[1]! : `${m[1]}.${m[2]}`;
}

export function major(v: string): string {
  const m = /^(\d+)/.exec(v);
  return m ? m[1]! : v;
}

// The OSV ecosystem (https://ossf.github.io/osv-schema/#affectedpackage-field) whose advisories apply to
// OS packages of a given distribution release. `undefined` means no OSV ecosystem covers it (CentOS,
// Fedora, Oracle, Amazon, unknown distros) or the release is unknown: the caller reports a coverage gap.
// The table is documented in src/analyzers/os/release/README.md.
function isUbuntuLts(os: OsInfo, ver: string): boolean {
  if (/\bLTS\b/.test(os.version ?? '') || /\bLTS\b/.test(os.prettyName ?? '')) return true;
  const m = /^(\d+)\.04$/.exec(ver);
  return m !== null && Number(m[1]) % 2 === 0 && Number(m[1]) >= 6;
}

export function osvEcosystemFor(os: OsInfo): string | undefined {
  const v = os.versionId;
  const num = v !== undefined && /^\d/.test(v);
  switch (os.family) {
    case 'debian': {
      if (num) return `Debian:${major(v!)}`;
      const byCodename = os.codename ? debianMajorForCodename(os.codename) : undefined;
      return byCodename ? `Debian:${byCodename}` : undefined;
    }
    case 'ubuntu': {
      if (!num) return undefined;
      const ver = majorMinor(v!);
      return isUbuntuLts(os, ver) ? `Ubuntu:${ver}:LTS` : `Ubuntu:${ver}`;
    }
    case 'alpine':
      return num ? `Alpine:v${majorMinor(v!)}` : undefined;
    case 'almalinux':
      return num ? `AlmaLinux:${major(v!)}` : undefined;
    case 'rocky':
      return num ? `Rocky Linux:${major(v!)}` : undefined;
    case 'rhel':
      // OSV's Red Hat ecosystem is scoped by CPE product stream (`Red Hat:enterprise_linux:9::baseos`,
      // `...::appstream`), which the image does not name. `Red Hat` lets a matcher select the streams by
      // prefix; an exact lookup finds nothing under it and so reports a gap, never "clean".
      return 'Red Hat';
    case 'sles':
    case 'sled':
    case 'sle-micro':
      return os.prettyName ? `SUSE:${os.prettyName}` : 'SUSE';
    case 'opensuse':
    case 'opensuse-leap':
    case 'opensuse-tumbleweed':
      return os.prettyName ? `openSUSE:${os.prettyName}` : 'openSUSE';
    case 'photon':
      return num ? `Photon OS:${majorMinor(v!)}` : undefined;
    // CBL-Mariner was renamed Azure Linux at 3.0; OSV has one `Azure Linux:<major>` ecosystem for both.
    case 'azurelinux':
    case 'mariner':
      return num ? `Azure Linux:${major(v!)}` : undefined;
    case 'wolfi':
      return 'Wolfi';
    case 'chainguard':
      return 'Chainguard';
    case 'mageia':
      return num ? `Mageia:${major(v!)}` : undefined;
    default:
      return undefined;
  }
}
