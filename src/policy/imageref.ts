// Image reference parsing and normalisation for policy matching (appliesTo, exception scopes, allowlist,
// approved bases). Docker's rules: the first path component is a registry only when it contains `.` or
// `:` or is `localhost` AND is followed by `/`; otherwise the registry is docker.io, and single-component
// Docker Hub names get `library/`. `index.docker.io` and `registry-1.docker.io` mean docker.io.
// (A copy of this logic may also live in src/source/; it belongs in one place eventually.)
import { globMatch } from '../core/glob.js';

export interface ImageId {
  /** normalised repository, e.g. docker.io/library/alpine */
  name?: string;
  tag?: string;
  /** sha256:... of the manifest */
  digest?: string;
  /** sha256:... of the image config: the image ID (`docker images`), the only content address a `docker save` archive has */
  id?: string;
}

const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

function splitRegistry(s: string): { registry?: string; rest: string } {
  const slash = s.indexOf('/');
  if (slash <= 0) return { rest: s };
  const first = s.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') {
    return { registry: first, rest: s.slice(slash + 1) };
  }
  return { rest: s };
}

/** Prefix-normalise a repository or a `repo[:tag][@digest]` string (also works on glob patterns). */
function normaliseFront(s: string): string {
  const { registry, rest } = splitRegistry(s);
  const reg = registry === undefined || DOCKER_HUB_ALIASES.has(registry) ? 'docker.io' : registry;
  if (reg === 'docker.io' && !rest.includes('/')) return `docker.io/library/${rest}`;
  return `${reg}/${rest}`;
}

/** `alpine` → `docker.io/library/alpine`; `ghcr.io/x/y` unchanged. A repository name only (no tag/digest). */
export function normaliseImageName(name: string): string {
  return normaliseFront(name.trim());
}

/** Parse `[registry/]repo[:tag][@sha256:hex]` into a normalised ImageId. Returns undefined for an empty or malformed string. */
export function parseImageRef(input: string): ImageId | undefined {
  let s = input.trim();
  if (s === '') return undefined;
  let digest: string | undefined;
  const at = s.indexOf('@');
  if (at >= 0) {
    digest = s.slice(at + 1).toLowerCase();
    s = s.slice(0, at);
    if (!/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(digest)) return undefined;
  }
  if (s === '') return digest ? { digest } : undefined;
  if (/^sha256:[0-9a-f]{64}$/i.test(s) && !digest) return { digest: s.toLowerCase() };
  let tag: string | undefined;
  const lastSlash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = s.slice(colon + 1);
    s = s.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return undefined;
  }
  if (s === '' || /\s/.test(s) || s.startsWith('/') || s.endsWith('/') || s.includes('//')) return undefined;
  return { name: normaliseImageName(s), tag, digest };
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
