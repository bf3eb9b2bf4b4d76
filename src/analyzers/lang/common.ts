// Helpers shared by the language analyzers (mostly the text-format ones: npm, python, ruby, php, dotnet):
// decoding untrusted bytes, size caps, JSON parsing that never throws, and Package construction.
import { buildPurl } from '../../core/purl.js';
import { failed, partial } from '../status.js';
import type { AnalyzerContext, Fact, FileInput, Package, PackageLocation, PackageType } from '../../core/types.js';
import { NO_LICENSES, intern, oneLocation } from '../../core/compact.js';

export const MIB = 1024 * 1024;

/** Decode a text file: UTF-8 (BOM stripped) or UTF-16 LE/BE when it starts with a BOM. */
export function decodeText(buf: Buffer): string {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder('utf-16le').decode(buf.subarray(2));
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder('utf-16be').decode(buf.subarray(2));
  const s = buf.toString('utf8');
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

/** Returns the text, or undefined after a warning when the file is larger than `maxBytes`. */
export function readText(file: FileInput, ctx: AnalyzerContext, maxBytes: number): string | undefined {
  if (file.content.length > maxBytes) {
    partial(ctx, `${file.path}: skipped, ${file.content.length} bytes is over the ${maxBytes}-byte limit for this file type`);
    return undefined;
  }
  return decodeText(file.content);
}

/** JSON.parse with a size cap; undefined (and a warning) on any problem. */
export function readJson(file: FileInput, ctx: AnalyzerContext, maxBytes: number): unknown {
  const text = readText(file, ctx, maxBytes);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    failed(ctx, `${file.path}: invalid JSON (${e instanceof Error ? e.message : String(e)})`);
    return undefined;
  }
}

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** own string property, or undefined */
export function str(o: unknown, k: string): string | undefined {
  if (!isObj(o) || !Object.prototype.hasOwnProperty.call(o, k)) return undefined;
  const v = o[k];
  return typeof v === 'string' ? v : undefined;
}

/** own property, or undefined */
export function prop(o: unknown, k: string): unknown {
  if (!isObj(o) || !Object.prototype.hasOwnProperty.call(o, k)) return undefined;
  return o[k];
}

export interface PkgInit {
  name: string;
  version: string;
  type: PackageType;
  namespace?: string;
  /** name used in the purl when it differs from `name` (e.g. npm unscoped part) */
  purlName?: string;
  licenses?: string[];
  foundBy: string;
  confidence?: 'high' | 'medium' | 'low';
  dev?: boolean;
  metadata?: Record<string, string>;
}

/** The one `[{path, layer}]` shared by the packages read from one file (core/compact). */
const fileLocations = new WeakMap<FileInput, PackageLocation[]>();

function locationsOf(file: FileInput, ctx: AnalyzerContext): PackageLocation[] {
  let locs = fileLocations.get(file);
  if (locs === undefined || locs[0]!.layer !== ctx.layer) {
    locs = oneLocation(file.path, ctx.layer);
    fileLocations.set(file, locs);
  }
  return locs;
}

/** Declared licences, trimmed, without empties and repeats; the shared empty list when none. */
function licenseList(declared: string[] | undefined): string[] {
  if (declared === undefined || declared.length === 0) return NO_LICENSES;
  const out = [...new Set(declared.map((l) => intern(l.trim())).filter((l) => l !== ''))];
  return out.length === 0 ? NO_LICENSES : out;
}

export function makePackage(init: PkgInit, file: FileInput, ctx: AnalyzerContext): Package {
  const pkg: Package = {
    name: init.name,
    version: init.version,
    type: init.type,
    purl: buildPurl({ type: init.type, namespace: init.namespace, name: init.purlName ?? init.name, version: init.version }),
    licenses: licenseList(init.licenses),
    locations: locationsOf(file, ctx),
    foundBy: init.foundBy,
    confidence: init.confidence ?? 'high',
  };
  if (init.dev) pkg.dev = true;
  if (init.metadata && Object.keys(init.metadata).length > 0) pkg.metadata = init.metadata;
  return pkg;
}

/**
 * One package per purl, sorted by name then version. When the same name@version occurs several times
 * (peer variants, nested copies in a lockfile), it is dev only if every occurrence is dev. The packages
 * are the caller's fresh ones: the first of each purl is kept and updated in place (no copies).
 */
export function sortUnique(pkgs: Package[]): Package[] {
  const byPurl = new Map<string, Package>();
  for (const p of pkgs) {
    const seen = byPurl.get(p.purl);
    if (!seen) byPurl.set(p.purl, p);
    else {
      if (!(seen.dev && p.dev)) delete seen.dev;
      if (seen.licenses.length === 0 && p.licenses.length > 0) seen.licenses = p.licenses;
    }
  }
  return [...byPurl.values()].sort((a, b) => cmp(a.name, b.name) || cmp(a.version, b.version));
}

/**
 * Package facts for packages read from one file (binaries, go.mod, Cargo.lock): the first package of
 * each purl, sorted by name then version. Unlike sortUnique, later duplicates are dropped unmerged.
 */
export function firstPerPurlFacts(pkgs: Package[]): Fact[] {
  const seen = new Set<string>();
  return pkgs
    .filter((p) => (seen.has(p.purl) ? false : (seen.add(p.purl), true)))
    .sort((a, b) => cmp(a.name, b.name) || cmp(a.version, b.version))
    .map((pkg) => ({ kind: 'package', pkg }));
}

/**
 * Lockfile packages are declared, not seen installed: `medium` confidence (installed metadata is `high`).
 * Returns the facts for the analyzer to hand back.
 */
export function lockfileFacts(pkgs: Package[]): { kind: 'package'; pkg: Package }[] {
  return sortUnique(pkgs).map((pkg) => {
    pkg.confidence = 'medium';
    return { kind: 'package' as const, pkg };
  });
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

export function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Splits text into lines, accepting LF and CRLF. */
export function lines(text: string): string[] {
  return text.split(/\r?\n/);
}
