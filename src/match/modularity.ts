// RPM modularity (RHEL 8+ AppStream modules): the same package name is built in several module
// streams (nodejs:18, nodejs:20, postgresql:15 ...) and in the non-modular default stream, each with
// its own advisories. An advisory for nodejs:20 must not flag a nodejs:18 package (its "fix" would be a
// stream switch), nor the default-stream package.
//
// What the data supports (AlmaLinux OSV records, ../shared/data/osv/AlmaLinux:9): no ecosystem_specific
// or database_specific field; a module advisory is recognisable by its `fixed` EVRs, built with a
// `.module_elN` release tag (`1:18.12.1-1.module_el9.1.0+16+91bc168f`), and its summary names the
// stream (`Moderate: nodejs:18 security, bug fix, and enhancement update`). An installed package names
// its stream in the rpm MODULARITYLABEL header (`nodejs:18:9010020221...:rhel9`), or at least shows a
// `.module_el` release.
//
// Rules:
//  - module advisory, non-modular package → does not apply;
//  - non-module advisory, modular package → does not apply (it fixed the default-stream build);
//  - both modular, both streams known → applies only when name:stream are equal;
//  - both modular, a stream unknown (no label in the image, no stream in the summary) → versions decide.
// Not supported because the data does not say: module contexts/versions beyond name:stream, and the
// module defaults of a repository.
import type { OsvAffected, OsvRecord, Package } from '../core/types.js';

const MODULE_RELEASE = /\.module_el\d/;

/** `nodejs:18:9010020221122:rhel9` → `nodejs:18`; undefined when not a label. */
export function labelStream(label: string | undefined): string | undefined {
  if (!label) return undefined;
  const parts = label.split(':');
  if (parts.length < 2 || !parts[0] || !parts[1]) return undefined;
  return `${parts[0]}:${parts[1]}`;
}

/** `Moderate: nodejs:18 security update` → `nodejs:18`. */
export function summaryStream(summary: string | undefined): string | undefined {
  if (!summary) return undefined;
  const m = /^\s*(?:Low|Moderate|Important|Critical):\s+([A-Za-z0-9_.+-]+):([A-Za-z0-9_.+-]+)\s/i.exec(summary);
  return m ? `${m[1]}:${m[2]}` : undefined;
}

export function isModularPackage(p: Package): boolean {
  return !!p.modularityLabel || MODULE_RELEASE.test(p.version);
}

export function isModularEntry(a: OsvAffected): boolean {
  for (const r of a.ranges ?? []) for (const e of r.events ?? []) if (e.fixed && MODULE_RELEASE.test(e.fixed)) return true;
  for (const v of a.versions ?? []) if (MODULE_RELEASE.test(v)) return true;
  return false;
}

/** Whether an rpm advisory entry is about the package's own (module or default) stream. */
export function moduleApplies(p: Package, record: OsvRecord, a: OsvAffected): boolean {
  const pkgModular = isModularPackage(p);
  const entryModular = isModularEntry(a);
  if (pkgModular !== entryModular) return false;
  if (!pkgModular) return true;
  const mine = labelStream(p.modularityLabel);
  const theirs = summaryStream(record.summary);
  return !mine || !theirs || mine === theirs;
}
