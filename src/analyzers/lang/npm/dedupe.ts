// When an image holds both an installed node_modules tree and the lockfile next to it, the lockfile
// packages repeat the installed copies. The inventory step calls this once over all packages.
import type { Package } from '../../../core/types.js';
import { NPM_INSTALLED, NPM_LOCKFILE } from './common.js';

/** `/srv/app/node_modules/a/node_modules/b/package.json` → `/srv/app` (the directory of the outermost node_modules) */
function projectDirOfInstalled(path: string): string | undefined {
  const i = path.indexOf('/node_modules/');
  return i < 0 ? undefined : path.slice(0, i) || '/';
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/**
 * Drops npm lockfile packages (foundBy `npm-lockfile`) whose lockfile sits in a project directory that
 * also has installed packages (foundBy `npm-installed` under `<dir>/node_modules/`). A lockfile package
 * with several locations is dropped only when every location's directory has an installed tree.
 * Every other package is returned unchanged, in the same order.
 */
export function dedupeLockfilePackages(pkgs: Package[]): Package[] {
  const installedDirs = new Set<string>();
  for (const p of pkgs) {
    if (p.foundBy !== NPM_INSTALLED) continue;
    for (const loc of p.locations) {
      const d = projectDirOfInstalled(loc.path);
      if (d !== undefined) installedDirs.add(d);
    }
  }
  if (installedDirs.size === 0) return pkgs;
  return pkgs.filter(
    (p) => p.foundBy !== NPM_LOCKFILE || p.locations.length === 0 || !p.locations.every((loc) => installedDirs.has(dirOf(loc.path))),
  );
}
