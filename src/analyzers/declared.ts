// What an image has installed, against what its lockfiles and manifests declare. A lockfile describes
// what is installed only where no installed tree stands beside it; a lockfile an OS package owns (a
// project's development lockfile shipped in /usr/share/nodejs/*/, /usr/share/cargo/registry/*/, ...)
// is not an inventory of the image at all. Packages declared only stay out of the inventory (so out of
// the SBOM and of matching) unless asked for with --include-declared, and are then marked `declaredOnly`.
import type { Package } from '../core/types.js';

export interface InventoryOptions {
  /** keep declared-only packages (marked `declaredOnly`) instead of leaving them out */
  includeDeclared?: boolean;
}

/** An inventory rule: packages in, the packages that stay out (in the same order). */
export type PackageRule = (pkgs: Package[], opts: InventoryOptions) => Package[];

/** Keeps `p`, marked, when declared-only packages are asked for; otherwise leaves it out. */
export function keepDeclared(p: Package, reason: NonNullable<Package['declaredOnly']>, opts: InventoryOptions): boolean {
  if (!opts.includeDeclared) return false;
  p.declaredOnly = reason;
  return true;
}

/** Packages of the `declaring` analyzers (lockfiles, manifests) whose file an OS package owns are declared only. */
export function osOwnedDeclarations(declaring: ReadonlySet<string>): PackageRule {
  return (pkgs, opts) => pkgs.filter((p) => !declaring.has(p.foundBy) || p.ownedBy === undefined || keepDeclared(p, 'os-package', opts));
}
