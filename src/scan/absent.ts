// What is absent is not clean. An image whose OS cannot be identified, whose OS is one we cannot
// inventory (Arch, Gentoo, ...), or whose identified OS has no package database we could find (dpkg
// `status` or distroless `status.d/`, apk `installed`, an rpmdb) is not "an image without packages": it
// is an image whose OS packages were not seen. Each case is one coverage gap with a stable id, so a
// scratch or distroless-static image passes only through an explicit, visible exception for it.
import type { Finding, OsInfo, Package } from '../core/types.js';
import type { WalkResult } from '../walker/types.js';
import { fingerprint } from '../core/fingerprint.js';
import { DPKG_STATUS, DPKG_STATUS_D } from '../analyzers/os/dpkg/analyzer.js';
import { APK_INSTALLED_PATHS } from '../analyzers/os/apk/analyzer.js';
import { RPMDB_PATHS } from '../analyzers/os/rpm/analyzer.js';

type DbKind = 'dpkg' | 'apk' | 'rpm';

const FAMILY_DB: Record<string, DbKind> = {
  debian: 'dpkg',
  ubuntu: 'dpkg',
  alpine: 'apk',
  wolfi: 'apk',
  chainguard: 'apk',
  rhel: 'rpm',
  centos: 'rpm',
  rocky: 'rpm',
  almalinux: 'rpm',
  fedora: 'rpm',
  ol: 'rpm',
  amzn: 'rpm',
  sles: 'rpm',
  sled: 'rpm',
  'sle-micro': 'rpm',
  opensuse: 'rpm',
  'opensuse-leap': 'rpm',
  'opensuse-tumbleweed': 'rpm',
  photon: 'rpm',
  mariner: 'rpm',
  azurelinux: 'rpm',
  mageia: 'rpm',
};

const DB_FILES: Record<DbKind, string> = {
  dpkg: `${DPKG_STATUS} or ${DPKG_STATUS_D}*`,
  apk: APK_INSTALLED_PATHS.join(' or '),
  rpm: 'an rpm database (rpmdb.sqlite, Packages or Packages.db under /var/lib/rpm or /usr/lib/sysimage/rpm)',
};

const RPMDB = new Set(RPMDB_PATHS);
const APKDB = new Set(APK_INSTALLED_PATHS);

/** The package database kinds present in the final filesystem (read or not: a broken one is an analyzer-error gap). */
export function packageDbsPresent(walk: WalkResult): Set<DbKind> {
  const out = new Set<DbKind>();
  for (const f of walk.files) {
    if (!f.effective) continue;
    if (f.analyzer === 'dpkg' && (f.path === DPKG_STATUS || (f.path.startsWith(DPKG_STATUS_D) && !f.path.endsWith('.md5sums')))) out.add('dpkg');
    else if (f.analyzer === 'apk' && APKDB.has(f.path)) out.add('apk');
    else if (f.analyzer === 'rpm' && RPMDB.has(f.path)) out.add('rpm');
  }
  return out;
}

/** The package database an OS keeps its packages in, when Portcullis reads it. */
export function packageDbFor(os: OsInfo): DbKind | undefined {
  const own = FAMILY_DB[os.family];
  if (own) return own;
  for (const like of os.idLike ?? []) if (FAMILY_DB[like]) return FAMILY_DB[like];
  return undefined;
}

function gap(reason: 'os-unknown' | 'package-db-missing', subject: string, title: string, detail: string, remediation: string): Finding {
  return { id: fingerprint('coverage-gap', reason), kind: 'coverage-gap', title, severity: 'unknown', reason, subject, detail, remediation };
}

const SCRATCH_HINT = 'if the image really has no OS packages (scratch, distroless static), add an exception for this gap';

/** The gaps for an OS that is unknown, not supported, or without its package database. */
export function absenceGaps(os: OsInfo | undefined, packages: Package[], walk: WalkResult, isOsPackage: (p: Package) => boolean): Finding[] {
  if (!os) {
    const detail = packages.some(isOsPackage)
      ? 'OS packages were found but no os-release or release file identified the distribution; OS packages cannot be matched'
      : 'no os-release or release file identified the distribution, and no package database was read: the OS packages of this image (if any) were not inventoried';
    return [gap('os-unknown', 'os-release', 'operating system not identified', detail, SCRATCH_HINT)];
  }
  const kind = packageDbFor(os);
  if (!kind) {
    return [
      gap(
        'os-unknown',
        'os-release',
        `operating system ${os.family} not supported`,
        `${os.prettyName ?? os.name} (${os.family}, from ${os.source}) keeps its packages in a database Portcullis does not read: its OS packages were not inventoried`,
        'use a base image of a supported distribution, or add an exception for this gap',
      ),
    ];
  }
  if (packageDbsPresent(walk).has(kind)) return [];
  return [
    gap(
      'package-db-missing',
      DB_FILES[kind],
      `package database of ${os.family} not found`,
      `${os.prettyName ?? os.name} was identified (${os.source}) but ${DB_FILES[kind]} is missing (or is not a regular file): its OS packages were not inventoried`,
      SCRATCH_HINT,
    ),
  ];
}
