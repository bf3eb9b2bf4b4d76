// Choosing the image's OS among the release files found in its final filesystem.
//
// Precedence (first wins), see README.md:
//   1. /etc/os-release          2. /usr/lib/os-release
//   3. distro-specific legacy files, in LEGACY_RELEASE_PATHS order (alpine-release, photon-release,
//      azurelinux-release, mariner-release, rocky-, almalinux-, oracle-, centos-, fedora-, redhat-release,
//      SuSE-release), then system-release, lsb-release, and last debian_version (Ubuntu ships one too).
//   An os-release without ID (family "linux") ranks after every legacy file.
// Merging: the winner keeps its identity; fields it lacks (versionId, version, codename) are filled from
// lower-ranked candidates of the SAME family. For Alpine, /etc/alpine-release (`3.10.4`) replaces an
// os-release VERSION_ID that is a prefix of it (`3.10`), since it carries the patch release.
import type { OsInfo } from '../../../core/types.js';
import { LEGACY_RELEASE_PATHS, OS_RELEASE_PATHS } from './detect.js';

const ORDER: readonly string[] = [...OS_RELEASE_PATHS, ...LEGACY_RELEASE_PATHS];

function rank(c: { os: OsInfo; path: string }): number {
  const i = ORDER.indexOf(c.path);
  const base = i < 0 ? ORDER.length : i;
  return c.os.family === 'linux' ? base + ORDER.length + 1 : base;
}

export function pickOs(candidates: { os: OsInfo; path: string }[]): OsInfo | undefined {
  if (candidates.length === 0) return undefined;
  const sorted = [...candidates].sort((a, b) => rank(a) - rank(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const winner: OsInfo = { ...sorted[0]!.os };
  if (winner.idLike) winner.idLike = [...winner.idLike];
  for (const c of sorted.slice(1)) {
    if (c.os.family !== winner.family) continue;
    if (winner.versionId === undefined && c.os.versionId !== undefined) winner.versionId = c.os.versionId;
    if (winner.version === undefined && c.os.version !== undefined) winner.version = c.os.version;
    if (winner.codename === undefined && c.os.codename !== undefined) winner.codename = c.os.codename;
  }
  if (winner.family === 'alpine') {
    const ar = candidates.find((c) => c.path === '/etc/alpine-release' && c.os.family === 'alpine' && c.os.versionId);
    const full = ar?.os.versionId;
    if (full && winner.versionId !== full && full.startsWith(winner.versionId + '.')) winner.versionId = full;
  }
  return winner;
}
