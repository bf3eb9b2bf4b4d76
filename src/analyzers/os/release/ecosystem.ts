// The OSV ecosystem (https://ossf.github.io/osv-schema/#affectedpackage-field) whose advisories apply to
// OS packages of a given distribution release. `undefined` means no OSV ecosystem covers it (CentOS,
// Fedora, Oracle, Amazon, unknown distros) or the release is unknown: the caller reports a coverage gap.
// The table is documented in README.md.
import type { OsInfo } from '../../../core/types.js';
import { debianMajorForCodename, major, majorMinor } from './detect.js';

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
