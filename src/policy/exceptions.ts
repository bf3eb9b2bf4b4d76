// Exceptions (acknowledged findings with scope and expiry) and the image allowlist.
// Pure functions; the clock is passed in.
import { anyGlobMatch, globMatch } from '../core/glob.js';
import type { Finding, PackageRef } from '../core/types.js';
import { imageCandidates, normaliseImageName, normaliseImagePattern, parseImageRef, type ImageId } from './imageref.js';
import type { AllowEntry, PolicyException } from './schema.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Exceptions ending within this many days are warned about. */
export const EXPIRY_WARNING_DAYS = 7;

function startOf(s: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? Date.parse(s + 'T00:00:00Z') : Date.parse(s);
}

/**
 * The first instant at which an exception no longer applies.
 * `expires: 2026-12-31` is valid through the end of that day UTC → ends at 2027-01-01T00:00:00Z.
 * `expires: 2026-12-31T12:00:00Z` ends at that instant. `ttl: 30d` with `created: 2026-11-01` ends at
 * 2026-12-01T00:00:00Z (created at the start of its day, plus the duration).
 */
export function expiryInstant(e: { expires?: string; ttl?: string; created?: string }): number {
  if (e.expires !== undefined) {
    return /^\d{4}-\d{2}-\d{2}$/.test(e.expires) ? startOf(e.expires) + DAY_MS : Date.parse(e.expires);
  }
  if (e.ttl !== undefined && e.created !== undefined) {
    const n = Number(e.ttl.slice(0, -1));
    const unit = e.ttl.slice(-1);
    const ms = unit === 'h' ? 3600_000 : unit === 'w' ? 7 * DAY_MS : DAY_MS;
    return startOf(e.created) + n * ms;
  }
  return Number.NEGATIVE_INFINITY; // the schema forbids this; treat as expired, never as eternal
}

/** Human form of the expiry, e.g. `2026-12-31` or `2026-12-01T00:00:00.000Z`. */
export function expiryLabel(e: { expires?: string; ttl?: string; created?: string }): string {
  if (e.expires !== undefined) return e.expires;
  const t = expiryInstant(e);
  return Number.isFinite(t) ? new Date(t).toISOString() : 'unknown';
}

export function isActive(e: { expires?: string; ttl?: string; created?: string }, now: Date): boolean {
  return now.getTime() < expiryInstant(e);
}

/** Whole days left (rounded up) while active; undefined when expired. */
export function daysLeft(e: { expires?: string; ttl?: string; created?: string }, now: Date): number | undefined {
  const left = expiryInstant(e) - now.getTime();
  return left > 0 ? Math.ceil(left / DAY_MS) : undefined;
}

/** purl without version, qualifiers and subpath: `pkg:deb/debian/zlib1g`. */
export function purlBase(purl: string): string {
  let s = purl;
  for (const sep of ['#', '?', '@']) {
    const i = s.indexOf(sep, sep === '@' ? s.lastIndexOf('/') + 1 : 0);
    if (i >= 0) s = s.slice(0, i);
  }
  return s;
}

/** Anchored match of a package pattern: `pkg:...` patterns over the versionless purl, others over name or source name. */
export function packageMatches(pattern: string, pkg: Pick<PackageRef, 'name' | 'purl' | 'source'>): boolean {
  if (pattern.startsWith('pkg:')) return globMatch(pattern, purlBase(pkg.purl)) || globMatch(pattern, pkg.purl);
  if (globMatch(pattern, pkg.name)) return true;
  return pkg.source !== undefined && globMatch(pattern, pkg.source.name);
}

export function findingPackage(f: Finding): PackageRef | undefined {
  switch (f.kind) {
    case 'vulnerability':
    case 'license':
      return f.package;
    case 'malware':
    case 'coverage-gap':
    case 'config':
      return f.package;
    default:
      return undefined;
  }
}

/** The identifiers an exception's `finding:` may name for this finding (besides its fingerprint id). */
export function findingKeys(f: Finding): string[] {
  const keys = [f.id];
  switch (f.kind) {
    case 'vulnerability':
      keys.push(f.advisoryId);
      for (const a of f.aliases) keys.push(a); // never spread a list from data into a call
      break;
    case 'secret':
      keys.push(f.rule);
      break;
    case 'config':
      keys.push(f.check);
      break;
    case 'malware':
      keys.push(f.signature);
      break;
    case 'license':
      keys.push(f.license);
      break;
    case 'coverage-gap':
      // a control that was not evaluated is accepted only by its own name (`not-evaluated:secrets`,
      // which is its id), never by a gap reason that also covers ordinary gaps
      if (!f.id.startsWith('not-evaluated:')) keys.push(f.reason);
      break;
    case 'base-image':
      keys.push(`base-image:${f.status}`);
      break;
  }
  return keys;
}

/** Advisory ids compare case-insensitively (cve-2021-44228 = CVE-2021-44228); everything else exactly. */
export function keyMatches(want: string, keys: readonly string[]): boolean {
  const w = want.toUpperCase();
  return keys.some((k) => k === want || (/^[A-Z]+-/i.test(want) && k.toUpperCase() === w));
}

/**
 * Does the image match a scope/allowlist reference?
 * - a reference with a digest matches only that digest (and that repository, when one is named): the
 *   manifest digest, or the image ID (config digest) — both are content addresses, and a `docker save`
 *   archive has only the latter;
 * - a reference with a tag (no digest) matches that repository and tag;
 * - `repository` scopes are anchored globs over the normalised repository.
 */
export function imageRefMatches(ref: string, img: ImageId): boolean {
  const want = parseImageRef(ref);
  if (!want) return false;
  if (want.digest !== undefined) {
    const matches = [img.digest, img.id].some((d) => d !== undefined && d.toLowerCase() === want.digest);
    if (!matches) return false;
    return want.name === undefined || (img.name !== undefined && normaliseImageName(img.name) === want.name);
  }
  if (want.name === undefined || img.name === undefined) return false;
  const tag = want.tag ?? 'latest';
  return normaliseImageName(img.name) === want.name && img.tag === tag;
}

export function repositoryMatches(pattern: string, img: ImageId): boolean {
  if (img.name === undefined) return false;
  return globMatch(normaliseImagePattern(pattern), normaliseImageName(img.name));
}

/** Scope and pipeline criteria (the image/pipeline side) of an exception; the finding side is `exceptionMatchesFinding`. */
export function exceptionInScope(e: PolicyException, pipeline: string, img: ImageId): boolean {
  if (e.pipelines !== undefined && !anyGlobMatch(e.pipelines, pipeline)) return false;
  const s = e.scope;
  if (s.all === true) return true;
  if (s.repository !== undefined) return repositoryMatches(s.repository, img);
  if (s.image !== undefined) return imageRefMatches(s.image, img);
  return false;
}

/** The file a finding is in, for `paths:` (the package's file, a secret's or malware's file). */
function findingPath(f: Finding): string | undefined {
  if (f.kind === 'secret' || f.kind === 'malware') return f.path;
  return findingPackage(f)?.path;
}

export function exceptionMatchesFinding(e: PolicyException, f: Finding): boolean {
  if (e.finding !== '*' && !keyMatches(e.finding, findingKeys(f))) return false;
  if (e.package !== undefined || e.version !== undefined || e.type !== undefined) {
    const pkg = findingPackage(f);
    if (!pkg) return false;
    if (e.package !== undefined && !packageMatches(e.package, pkg)) return false;
    if (e.version !== undefined && pkg.version !== e.version) return false;
    if (e.type !== undefined && pkg.type !== e.type) return false;
  }
  if (e.fixState !== undefined && (f.kind !== 'vulnerability' || (f.fixState === 'unimportant' ? 'not-fixed' : f.fixState) !== e.fixState)) return false;
  if (e.paths !== undefined) {
    const p = findingPath(f);
    if (p === undefined || !anyGlobMatch(e.paths, p.startsWith('/') ? p : `/${p}`)) return false;
  }
  return true;
}

export function allowEntryMatches(a: AllowEntry, pipeline: string, img: ImageId): boolean {
  if (a.pipelines !== undefined && !anyGlobMatch(a.pipelines, pipeline)) return false;
  return imageRefMatches(a.image, img);
}

/** For messages: the names the image is known by. */
export function describeImage(img: ImageId): string {
  return imageCandidates(img).at(-1) ?? img.digest ?? '(unnamed image)';
}
