// Upgrade advice: which approved catalog bases of the same OS family would remove how many of the
// image's base-layer vulnerabilities. Approved means: by a policy in force (its `baseImage.approved`)
// when there is one, else by the catalog (said in the advice); never the current base or a descendant
// of it; with the exact, digest-pinned FROM line. Each candidate's stored inventory is matched against the current
// DB; an image finding is fixed by a candidate when the candidate has no finding with the same
// advisory id for the same package name.
import type { Finding, VulnerabilityFinding } from '../core/types.js';
import type { BaseAdvice, BaseImageRef, Inventory, Lineage } from '../core/report.js';
import type { AdvisoryDb } from '../advisory/index.js';
import { matchInventory } from '../match/index.js';
import { matchKeys } from '../match/keys.js';
import type { CatalogEntry } from './catalog.js';
import { entryInventory, entryKey, type Catalog } from './entry.js';

export interface AdviceInput {
  inventory: Inventory;
  /** findings with `origin` already set (attributeOrigin) */
  findings: readonly Finding[];
  lineage: Lineage;
  catalog: Catalog | undefined;
  db: AdvisoryDb;
  /**
   * The policies in force that name approved bases (`baseImage.approved`) and what they all accept:
   * advice stays inside what the gate accepts. Absent, or `policies` empty: the catalog's approved
   * bases are offered, and the advice says no policy approved them.
   */
  approval?: { policies: string[]; approves: (e: CatalogEntry) => boolean };
}

/** A catalog entry whose layers start with every layer of `base` (and has more): built on it. */
export function isDescendant(e: CatalogEntry, base: CatalogEntry): boolean {
  return e.layers.length > base.layers.length && base.layers.every((l, i) => e.layers[i] === l);
}

/** The exact FROM line: pinned by manifest digest when the catalog records one (a config digest cannot be pulled by). */
export function fromLine(name: string, digest: string | undefined): string {
  return digest ? `FROM ${name}@${digest}` : `FROM ${name}`;
}

function vulnKey(f: VulnerabilityFinding): string {
  return `${f.advisoryId}\u0000${f.package.name}`;
}

function time(s: string | undefined): number {
  const t = s ? Date.parse(s) : NaN;
  return Number.isFinite(t) ? t : NaN;
}

/** Whether a catalog entry is the base a lineage ref names (by digest, config digest, else by name). */
function isRef(b: BaseImageRef, e: CatalogEntry): boolean {
  if (e.name !== b.name) return false;
  if (b.digest || b.configDigest) return (!!b.digest && e.digest === b.digest) || (!!b.configDigest && e.configDigest === b.configDigest);
  return true;
}

/**
 * Advice for moving to another approved base, sorted by fixes (most first), then name. Empty when the
 * image has no base-layer vulnerabilities and no known base, or when the catalog has no candidates.
 */
export function adviseBases(input: AdviceInput): BaseAdvice[] {
  const { lineage, catalog, db } = input;
  if (!catalog || catalog.entries.length === 0) return [];
  const baseVulns = input.findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability' && f.origin === 'base');
  if (baseVulns.length === 0 && lineage.chain.length === 0) return [];
  const near = lineage.chain[0];
  const current = near ? catalog.entries.find((e) => isRef(near, e)) : undefined;
  const family: string | undefined = current?.os?.family ?? input.inventory.os?.family;
  if (!family) return [];
  const inChain = new Set(lineage.chain.flatMap((b) => catalog.entries.filter((e) => isRef(b, e)).map(entryKey)));
  const out: BaseAdvice[] = [];
  for (const e of catalog.entries) {
    if (!e.approved || e.os?.family !== family) continue;
    if (input.approval && !input.approval.approves(e)) continue;
    if (current && entryKey(e) === entryKey(current)) continue;
    if (inChain.has(entryKey(e))) continue;
    // a child of the current base (corp/base on top of debian:12-slim) carries the same base packages: never advice
    if (current && isDescendant(e, current)) continue;
    let kind: BaseAdvice['kind'] = 'upgrade';
    if (near && e.name === near.name) {
      // the same repo:tag: advice only when it is a newer build
      const tNew = time(e.created);
      const tOld = time(near.created ?? current?.created);
      if (!(Number.isFinite(tNew) && Number.isFinite(tOld) && tNew > tOld)) continue;
      kind = 'rebuild';
    }
    const inv = entryInventory(e);
    const matched = matchInventory(inv, db);
    const theirs = new Set(matched.findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability').map(vulnKey));
    const uncheckedPurls = new Set<string>();
    const uncoveredEcos = new Set<string>();
    for (const f of matched.findings) {
      if (f.kind !== 'coverage-gap') continue;
      if (f.package) uncheckedPurls.add(f.package.purl);
      else if (f.reason === 'ecosystem-not-covered') uncoveredEcos.add(f.subject);
    }
    for (const p of inv.packages) if (uncoveredEcos.has(matchKeys(p, inv.os).ecosystem ?? '')) uncheckedPurls.add(p.purl);
    const fixes = baseVulns.filter((f) => !theirs.has(vulnKey(f))).length;
    const a: BaseAdvice = { name: e.name, kind, fixes, remaining: theirs.size, from: fromLine(e.name, e.digest), approvedBy: input.approval ? input.approval.policies : [] };
    if (e.digest) a.digest = e.digest;
    if (uncheckedPurls.size > 0) a.unchecked = uncheckedPurls.size;
    out.push(a);
  }
  out.sort((a, b) => b.fixes - a.fixes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || ((a.digest ?? '') < (b.digest ?? '') ? -1 : 1));
  return out;
}
