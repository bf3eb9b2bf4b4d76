// Image reference parsing and normalisation for policy matching (appliesTo, exception scopes, allowlist,
// approved bases). The Docker reference grammar and name normalisation are src/source/ref.ts's
// (`normaliseImageName`, `splitRepository`); this module adds what policies need on top: names that never
// throw, bare digests (`sha256:…` image IDs) as references, and glob patterns over names.
import { globMatch } from '../core/glob.js';
import { isPortcullisError } from '../core/errors.js';
import { isDigest, normaliseImageName as normaliseReference, splitRepository } from '../source/ref.js';

export interface ImageId {
  /** normalised repository, e.g. docker.io/library/alpine */
  name?: string;
  tag?: string;
  /** sha256:... of the manifest */
  digest?: string;
  /** sha256:... of the image config: the image ID (`docker images`), the only content address a `docker save` archive has */
  id?: string;
}

/** Prefix-normalise a repository or a `repo[:tag][@digest]` string (also works on glob patterns). */
function normaliseFront(s: string): string {
  const { domain, path } = splitRepository(s);
  return `${domain}/${path}`;
}

/** `alpine` → `docker.io/library/alpine`; `ghcr.io/x/y` unchanged. A repository name only (no tag/digest). */
export function normaliseImageName(name: string): string {
  return normaliseFront(name.trim());
}

/**
 * Parse `[registry/]repo[:tag][@digest]` (the Docker reference grammar, see src/source/ref.ts), `@digest`
 * or a bare `sha256:<64 hex>` image ID into a normalised ImageId. Returns undefined for an empty or
 * malformed string.
 */
export function parseImageRef(input: string): ImageId | undefined {
  const s = input.trim();
  if (s === '') return undefined;
  if (s.startsWith('@')) return isDigest(s.slice(1)) ? { digest: s.slice(1).toLowerCase() } : undefined;
  if (/^sha256:[0-9a-f]{64}$/i.test(s)) return { digest: s.toLowerCase() };
  try {
    const r = normaliseReference(s);
    return { name: r.name, tag: r.tag, digest: r.digest };
  } catch (e) {
    if (isPortcullisError(e)) return undefined;
    throw e;
  }
}

/**
 * Normalise a glob pattern over image names the same way as names, so `alpine:3.19*` means
 * `docker.io/library/alpine:3.19*`. Patterns starting with a wildcard are left alone.
 */
export function normaliseImagePattern(pattern: string): string {
  const p = pattern.trim();
  if (p === '' || p.startsWith('*') || p.startsWith('?')) return p;
  return normaliseFront(p);
}

/** The strings an image is known by, for anchored glob matching: `name`, `name:tag`, `name@digest`, `name:tag@digest`. */
export function imageCandidates(img: ImageId): string[] {
  const out: string[] = [];
  if (img.name) {
    const name = normaliseImageName(img.name);
    out.push(name);
    if (img.tag) out.push(`${name}:${img.tag}`);
    if (img.digest) out.push(`${name}@${img.digest}`);
    if (img.tag && img.digest) out.push(`${name}:${img.tag}@${img.digest}`);
  }
  return out;
}

/** Anchored glob match of (normalised) patterns against an image's names. */
export function imageMatchesAny(patterns: readonly string[], img: ImageId): boolean {
  const cands = imageCandidates(img);
  return patterns.some((p) => {
    const np = normaliseImagePattern(p);
    return cands.some((c) => globMatch(np, c));
  });
}

/** `name:tag`, `name@digest` or what is known, for messages. */
export function formatImage(img: ImageId): string {
  let s = img.name ?? '';
  if (img.tag) s += `:${img.tag}`;
  if (img.digest) s += `@${img.digest}`;
  return s === '' ? '(unnamed image)' : s;
}
