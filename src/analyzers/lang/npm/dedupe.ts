// When an image holds both an installed node_modules tree and the lockfile next to it, the tree is what
// is installed: the lockfile's packages repeat the installed copies or were never installed (dev
// dependencies of an `npm ci --omit=dev`). The inventory step calls this once over all packages.
import type { Package } from '../../../core/types.js';
import { keepDeclared, type InventoryOptions } from '../../declared.js';
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
 * npm lockfile packages (foundBy `npm-lockfile`) whose lockfile sits in a project directory that also has
 * an installed tree (foundBy `npm-installed` under `<dir>/node_modules/`) are superseded by the tree: the
 * ones installed there (same name and version) are left out as duplicates, the others are declared only
 * (kept, marked, with `includeDeclared`). A lockfile package with several locations is superseded only
 * when every location's directory has an installed tree. Every other package is returned unchanged, in
 * the same order.
 */
export function dedupeLockfilePackages(pkgs: Package[], opts: InventoryOptions = {}): Package[] {
  /** project directory → name@version installed below it */
  const installed = new Map<string, Set<string>>();
  for (const p of pkgs) {
    if (p.foundBy !== NPM_INSTALLED) continue;
    for (const loc of p.locations) {
      const d = projectDirOfInstalled(loc.path);
      if (d === undefined) continue;
      const set = installed.get(d) ?? new Set<string>();
      set.add(`${p.name}@${p.version}`);
      installed.set(d, set);
    }
  }
  if (installed.size === 0) return pkgs;
  return pkgs.filter((p) => {
    if (p.foundBy !== NPM_LOCKFILE || p.locations.length === 0) return true;
    const trees = p.locations.map((loc) => installed.get(dirOf(loc.path)));
    if (trees.some((t) => t === undefined)) return true;
    if (trees.some((t) => t!.has(`${p.name}@${p.version}`))) return false;
    return keepDeclared(p, 'not-installed', opts);
  });
}
