// Lineage: which base image an image is built on, by the strongest evidence available.
//   1. layer match (high): catalog entries whose layer diff_ids are a prefix of the image's; the
//      longest is the nearest base, shorter ones are its own bases (the chain, nearest first);
//   2. declared: OCI annotations / labels org.opencontainers.image.base.{name,digest}, then the FROM
//      of a Dockerfile; medium confidence when a catalog entry backs the claim (same digest, or the
//      same name with no more layers than the image has), low otherwise;
//   3. unknown (low): only the number of layers that look inherited (see inherited.ts).
import type { BaseImageRef, Inventory, Lineage } from '../core/report.js';
import type { CatalogEntry } from './catalog.js';
import { entryKey, normaliseBaseName, type Catalog } from './entry.js';
import { declaredFrom } from './dockerfile.js';
import { guessInheritedLayers } from './inherited.js';

export const BASE_NAME_KEY = 'org.opencontainers.image.base.name';
export const BASE_DIGEST_KEY = 'org.opencontainers.image.base.digest';

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

export interface DetectOptions {
  /** Dockerfile content (not a path) */
  dockerfile?: string;
}

export function imageDiffIds(inv: Inventory): string[] {
  const fromConfig = inv.image.config?.diffIds ?? [];
  return fromConfig.length ? fromConfig : (inv.image.layers ?? []).map((l) => l.diffId);
}

function isPrefix(prefix: readonly string[], of: readonly string[]): boolean {
  if (prefix.length === 0 || prefix.length > of.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== of[i]) return false;
  return true;
}

/** newest first (unknown creation time last), then name, then key: a total order for tie-breaking */
function newestFirst(a: CatalogEntry, b: CatalogEntry): number {
  const ta = a.created ? Date.parse(a.created) : NaN;
  const tb = b.created ? Date.parse(b.created) : NaN;
  const fa = Number.isFinite(ta);
  const fb = Number.isFinite(tb);
  if (fa && fb && ta !== tb) return tb - ta;
  if (fa !== fb) return fa ? -1 : 1;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  const ka = entryKey(a);
  const kb = entryKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function baseRef(e: CatalogEntry): BaseImageRef {
  const r: BaseImageRef = { name: e.name, layers: e.layers.length, approved: e.approved };
  if (e.digest) r.digest = e.digest;
  if (e.configDigest) r.configDigest = e.configDigest;
  if (e.created) r.created = e.created;
  return r;
}

/**
 * The catalog entries the layers are built on, nearest first: for each distinct layer count (longest
 * first) the newest entry whose layers are a prefix. `exclude` drops entries (an image's own entry).
 */
export function layerChain(diffIds: readonly string[], catalog: Catalog | undefined, exclude?: (e: CatalogEntry) => boolean): CatalogEntry[] {
  if (!catalog || diffIds.length === 0) return [];
  const cands = catalog.entries.filter((e) => !exclude?.(e) && isPrefix(e.layers, diffIds));
  cands.sort((a, b) => b.layers.length - a.layers.length || newestFirst(a, b));
  const chain: CatalogEntry[] = [];
  for (const c of cands) if (chain.length === 0 || c.layers.length < chain.at(-1)!.layers.length) chain.push(c);
  return chain;
}

interface Declared {
  name?: string;
  digest?: string;
  /** where the claim comes from, for the report */
  source: string;
  scratch?: boolean;
}

function splitRef(raw: string): { name?: string; digest?: string; problem?: string } {
  let s = raw.trim();
  let digest: string | undefined;
  const at = s.indexOf('@');
  if (at >= 0) {
    digest = s.slice(at + 1).toLowerCase();
    s = s.slice(0, at);
    if (!DIGEST_RE.test(digest)) return { problem: `digest ${JSON.stringify(digest.slice(0, 80))} is not sha256` };
  }
  if (s === '') return { digest };
  try {
    return { name: normaliseBaseName(s), digest };
  } catch (e) {
    return { problem: (e as Error).message };
  }
}

function fromMap(m: Record<string, string> | undefined, where: string, notes: string[]): Declared | undefined {
  const rawName = m?.[BASE_NAME_KEY]?.trim() ?? '';
  const rawDigest = m?.[BASE_DIGEST_KEY]?.trim().toLowerCase() ?? '';
  if (rawName === '' && rawDigest === '') return undefined;
  const d: Declared = { source: where };
  if (rawName !== '') {
    const r = splitRef(rawName);
    if (r.problem) notes.push(`${where} ${BASE_NAME_KEY} ignored: ${r.problem}`);
    else {
      d.name = r.name;
      d.digest = r.digest;
    }
  }
  if (rawDigest !== '') {
    if (DIGEST_RE.test(rawDigest)) d.digest = rawDigest;
    else notes.push(`${where} ${BASE_DIGEST_KEY} ignored: ${JSON.stringify(rawDigest.slice(0, 80))} is not a sha256 digest`);
  }
  return d.name || d.digest ? d : undefined;
}

function fromDockerfile(text: string, notes: string[]): Declared | undefined {
  const f = declaredFrom(text);
  if (f.kind === 'none') {
    notes.push(`Dockerfile: ${f.problem}`);
    return undefined;
  }
  if (f.kind === 'scratch') return { source: `Dockerfile line ${f.line} (FROM scratch)`, scratch: true };
  const r = splitRef(f.ref);
  if (r.problem) {
    notes.push(`Dockerfile line ${f.line}: FROM ${JSON.stringify(f.ref.slice(0, 200))} ignored: ${r.problem}`);
    return undefined;
  }
  return { name: r.name, digest: r.digest, source: `Dockerfile line ${f.line}` };
}

function describeDeclared(d: Declared): string {
  return `${d.name ?? '(no name)'}${d.digest ? `@${d.digest}` : ''}`;
}

function matchesDeclared(e: CatalogEntry, d: Declared): boolean {
  if (d.digest && (e.digest === d.digest || e.configDigest === d.digest)) return !d.name || nameOnly(e.name) === nameOnly(d.name);
  return false;
}

function nameOnly(n: string): string {
  const slash = n.lastIndexOf('/');
  const colon = n.lastIndexOf(':');
  return colon > slash ? n.slice(0, colon) : n;
}

/** Detect the lineage of an inventoried image. Never throws; `unknown` is a valid answer. */
export function detectLineage(inventory: Inventory, catalog: Catalog | undefined, opts: DetectOptions = {}): Lineage {
  const diffIds = imageDiffIds(inventory);
  const notes: string[] = [];

  // what the image and the Dockerfile say (used for the answer when no layers match, and as notes)
  const declared: Declared[] = [];
  const ann = fromMap(inventory.image.annotations, 'manifest annotation', notes);
  if (ann) declared.push(ann);
  const lab = fromMap(inventory.image.config?.labels, 'config label', notes);
  if (lab) declared.push(lab);
  if (opts.dockerfile !== undefined) {
    const df = fromDockerfile(opts.dockerfile, notes);
    if (df) declared.push(df);
  }

  // 1. layer match. An SBOM's layer digests are what the document claims, not digests we computed from
  // bytes: they may name the catalog base it resembles, as a declaration, never as a layer match.
  const chain = layerChain(diffIds, catalog);
  if (chain.length > 0 && inventory.image.ref.transport === 'sbom') {
    const nearest = chain[0]!;
    return {
      method: 'declared',
      confidence: 'medium',
      chain: chain.map(baseRef),
      baseLayers: nearest.layers.length,
      detail: [`the SBOM lists layers 1-${nearest.layers.length} of ${diffIds.length} as ${entryKey(nearest)} from the base catalog; layer digests from an SBOM are claims, not computed from the image, so this is not a layer match (scan the image itself to prove its base)`, ...notes].join('; '),
    };
  }
  if (chain.length > 0) {
    const nearest = chain[0]!;
    const parts = [`layers 1-${nearest.layers.length} of ${diffIds.length} are ${entryKey(nearest)} from the base catalog`];
    if (chain.length > 1) parts.push(`built on ${chain.slice(1).map((e) => e.name).join(' → ')}`);
    const first = declared[0];
    if (first && !first.scratch && first.name && first.name !== nearest.name && !matchesDeclared(nearest, first)) {
      parts.push(`the ${first.source} says ${describeDeclared(first)}`);
    }
    return {
      method: 'layer-match',
      confidence: 'high',
      chain: chain.map(baseRef),
      baseLayers: nearest.layers.length,
      detail: [...parts, ...notes].join('; '),
    };
  }

  // 2. declared
  const d = declared[0];
  if (d) {
    const others = declared.slice(1).filter((o) => o.scratch !== d.scratch || o.name !== d.name || (o.digest && d.digest && o.digest !== d.digest));
    const disagree = others.length ? [`the ${others.map((o) => `${o.source} says ${o.scratch ? 'scratch' : describeDeclared(o)}`).join(', ')}`] : [];
    if (d.scratch) {
      return {
        method: 'declared',
        confidence: 'low',
        chain: [],
        baseLayers: 0,
        detail: [`built FROM scratch (${d.source}): no base image`, ...disagree, ...notes].join('; '),
      };
    }
    const entries = catalog?.entries ?? [];
    // a catalog entry backing the claim: same digest; else the same name with no more layers than the image
    const byDigest = entries.filter((e) => matchesDeclared(e, d)).sort(newestFirst)[0];
    const byName = d.name ? entries.filter((e) => e.name === d.name && e.layers.length <= diffIds.length).sort(newestFirst)[0] : undefined;
    const backing = byDigest ?? byName;
    const guess = guessInheritedLayers(inventory.image);
    const ref: BaseImageRef = backing ? { ...baseRef(backing), name: d.name ?? backing.name } : { name: d.name ?? '', layers: guess.layers };
    if (!byDigest) {
      // backed by name only: some build of that tag, not necessarily the catalogued one
      delete ref.digest;
      delete ref.configDigest;
      delete ref.created;
    }
    if (d.digest) ref.digest = d.digest;
    if (!ref.name) {
      // only a digest was declared and no catalog entry has it: we cannot name the base
      return {
        method: 'unknown',
        confidence: 'low',
        chain: [],
        baseLayers: guess.layers,
        detail: [`the ${d.source} gives only a digest (${d.digest}) that is not in the base catalog`, guess.reason, ...disagree, ...notes].join('; '),
      };
    }
    const baseLayers = backing ? Math.min(backing.layers.length, diffIds.length) : guess.layers;
    const below = backing ? layerChain(backing.layers, catalog, (e) => entryKey(e) === entryKey(backing)).map(baseRef) : [];
    const why = byDigest
      ? `its digest is ${entryKey(byDigest)} in the base catalog, but the image's layers do not start with that base's layers`
      : byName
        ? `${entryKey(byName)} is in the base catalog (${byName.layers.length} layer(s)), but the image's layers do not start with its layers`
        : `not in the base catalog; ${guess.reason}`;
    return {
      method: 'declared',
      confidence: backing ? 'medium' : 'low',
      chain: [ref, ...below],
      baseLayers,
      detail: [`${d.source} declares ${describeDeclared(d)}: ${why}`, ...disagree, ...notes].join('; '),
    };
  }

  // 3. unknown
  const guess = guessInheritedLayers(inventory.image);
  const none = catalog && catalog.entries.length ? `no base catalog entry matches the image's layers` : 'no base catalog given';
  return {
    method: 'unknown',
    confidence: 'low',
    chain: [],
    baseLayers: guess.layers,
    detail: [`${none} and the image declares no base (${BASE_NAME_KEY})`, guess.reason, ...notes].join('; '),
  };
}
