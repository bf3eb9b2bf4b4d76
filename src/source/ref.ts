// Image references: what the user typed, parsed into an ImageRef; docker.io/library name normalisation;
// `os/arch[/variant]` platforms. Auto-detection of bare paths peeks into files (see detect.ts).
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ImageRef, Platform } from '../core/types.js';
import { PortcullisError } from '../core/errors.js';
import { sniffPath } from './detect.js';

const DOCKER_HUB = 'docker.io';

// distribution/reference grammar (simplified, anchored)
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const DIGEST_ONLY = new RegExp(`^${DIGEST}$`);

/** True for a content digest as the reference grammar writes it: `algorithm:hex` with at least 32 hex digits. */
export function isDigest(s: string): boolean {
  return DIGEST_ONLY.test(s);
}

/**
 * Docker's normalisation of a repository name, without validation (so it also serves for glob patterns
 * over names): the first component is a registry host only when it contains `.` or `:`, is `localhost`
 * or is a bracketed IPv6 address, and is followed by `/`; otherwise the host is docker.io.
 * `index.docker.io` and `registry-1.docker.io` mean docker.io, and single-component Docker Hub paths
 * get `library/`.
 */
export function splitRepository(full: string): { domain: string; path: string } {
  const slash = full.indexOf('/');
  let domain = DOCKER_HUB;
  let path = full;
  if (slash > 0) {
    const first = full.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[')) {
      domain = first;
      path = full.slice(slash + 1);
    }
  }
  if (domain === 'index.docker.io' || domain === 'registry-1.docker.io') domain = DOCKER_HUB;
  if (domain === DOCKER_HUB && !path.includes('/')) path = `library/${path}`;
  return { domain, path };
}

/**
 * Normalise a docker-style image name: `alpine:3.19` → `{name: 'docker.io/library/alpine', tag: '3.19'}`,
 * `shop/orders-api` → `docker.io/shop/orders-api`; an explicit registry host (has `.` or `:`, or is
 * `localhost`) is kept. `index.docker.io` becomes `docker.io`. No tag is added when none is given.
 * Throws BAD_INPUT for something that is not a valid reference.
 */
export function normaliseImageName(ref: string): { name: string; tag?: string; digest?: string } {
  const m = REFERENCE.exec(ref.trim());
  if (!m || ref.length > 1024) {
    throw new PortcullisError('BAD_INPUT', `not a valid image reference: ${JSON.stringify(ref.slice(0, 200))}`);
  }
  const { domain, path } = splitRepository(m[1]!);
  if (path !== path.toLowerCase()) {
    throw new PortcullisError('BAD_INPUT', `repository name must be lower case: ${ref}`);
  }
  const out: { name: string; tag?: string; digest?: string } = { name: `${domain}/${path}` };
  if (m[2] !== undefined) out.tag = m[2];
  if (m[3] !== undefined) out.digest = m[3].toLowerCase();
  return out;
}

/** `linux/arm64/v8` → {os:'linux', architecture:'arm64', variant:'v8'}. */
/** normaliseImageName, or undefined for a malformed reference (never throws). */
export function imageRefOf(ref: string): { name: string; tag?: string; digest?: string } | undefined {
  try {
    return normaliseImageName(ref);
  } catch {
    return undefined;
  }
}

export function parsePlatform(s: string): Platform {
  const parts = s.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/i.test(p))) {
    throw new PortcullisError('BAD_INPUT', `invalid platform ${JSON.stringify(s)}: expected os/arch[/variant], e.g. linux/arm64/v8`);
  }
  const p: Platform = { os: parts[0]!.toLowerCase(), architecture: parts[1]!.toLowerCase() };
  if (parts[2]) p.variant = parts[2].toLowerCase();
  return p;
}

export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

const PREFIXES: { prefix: string; transport: ImageRef['transport'] }[] = [
  { prefix: 'docker-archive:', transport: 'docker-archive' },
  { prefix: 'oci-archive:', transport: 'oci-archive' },
  { prefix: 'oci:', transport: 'oci' },
  { prefix: 'dir:', transport: 'dir' },
  { prefix: 'sbom:', transport: 'sbom' },
  { prefix: 'docker-daemon:', transport: 'docker-daemon' },
  { prefix: 'podman:', transport: 'podman' },
  { prefix: 'docker://', transport: 'registry' },
  { prefix: 'registry:', transport: 'registry' },
];

/**
 * Split `PATH[:REF]` the way skopeo does for archive transports: the whole string when it exists,
 * else the longest part before a `:` that exists (the rest names the image inside).
 */
function splitPathRef(rest: string): { path: string; sel?: string } {
  if (existsSync(rest)) return { path: rest };
  for (let i = rest.lastIndexOf(':'); i > 0; i = rest.lastIndexOf(':', i - 1)) {
    const p = rest.slice(0, i);
    const sel = rest.slice(i + 1);
    if (sel.length > 0 && existsSync(p)) return { path: p, sel };
  }
  return { path: rest };
}

const TRAILING_DIGEST = new RegExp(`@(${DIGEST})$`);

/**
 * `PATH[:SEL]@sha256:…`: a digest the user typed to pin the image. It is only ever compared with the
 * digests computed from the archive (openImage refuses a mismatch), never used as the image's digest.
 * The whole string wins when it exists as a file (a path may contain `@`).
 */
function splitDigest(rest: string): { body: string; digest?: string } {
  if (existsSync(rest)) return { body: rest };
  const m = TRAILING_DIGEST.exec(rest);
  if (!m || m.index === 0) return { body: rest };
  return { body: rest.slice(0, m.index), digest: m[1]!.toLowerCase() };
}

function registryRef(input: string, body: string): ImageRef {
  const n = normaliseImageName(body);
  const ref: ImageRef = { input, transport: 'registry', name: n.name };
  if (n.tag !== undefined) ref.tag = n.tag;
  if (n.digest !== undefined) ref.digest = n.digest;
  return ref;
}

/** Apply a `:TAG` / `:name:tag` selector to an archive ref (picks the image inside the archive). */
function withSelector(ref: ImageRef, sel: string | undefined): ImageRef {
  if (sel === undefined) return ref;
  if (ref.transport === 'oci' || ref.transport === 'oci-archive') {
    ref.tag = sel;
    return ref;
  }
  // docker-archive:PATH:name:tag — skopeo's syntax; keep the selector as given, normalised when possible
  try {
    const n = normaliseImageName(sel);
    ref.name = n.name;
    if (n.tag !== undefined) ref.tag = n.tag;
    if (n.digest !== undefined) ref.digest = n.digest;
  } catch {
    ref.tag = sel;
  }
  return ref;
}

/**
 * Parse what the user typed. Prefixes force a transport; a bare existing path is auto-detected
 * (directory with `oci-layout` → oci, other directory → dir, tar with `oci-layout` → oci-archive,
 * with `manifest.json` → docker-archive, gzip → peeked after decompressing the start); anything else
 * must be a registry reference. Never throws for a well-formed reference to a missing file: opening does.
 */
export function parseImageRef(input: string): ImageRef {
  if (typeof input !== 'string' || input.trim() === '') throw new PortcullisError('BAD_INPUT', 'empty image reference');
  if (input.includes('\u0000')) throw new PortcullisError('BAD_INPUT', 'image reference contains a NUL byte');
  for (const { prefix, transport } of PREFIXES) {
    if (!input.startsWith(prefix)) continue;
    const rest = input.slice(prefix.length);
    if (rest === '') throw new PortcullisError('BAD_INPUT', `missing path after ${prefix} in ${JSON.stringify(input)}`);
    if (transport === 'registry') return registryRef(input, rest);
    if (transport === 'docker-daemon' || transport === 'podman') {
      // NAME[:TAG] as the engine knows it (normalised when it is a reference, else an image id)
      const ref: ImageRef = { input, transport };
      try {
        const n = normaliseImageName(rest);
        ref.name = n.name;
        if (n.tag !== undefined) ref.tag = n.tag;
        if (n.digest !== undefined) ref.digest = n.digest;
      } catch {
        if (!/^(sha256:)?[0-9a-f]{12,64}$/.test(rest)) throw new PortcullisError('BAD_INPUT', `${input}: not an image name or id`);
      }
      return ref;
    }
    if (transport === 'dir' || transport === 'sbom') return { input, transport, path: resolve(rest) };
    const { body, digest } = splitDigest(rest);
    const { path, sel } = splitPathRef(body);
    const ref = withSelector({ input, transport, path: resolve(path) }, sel);
    if (digest !== undefined) {
      if (ref.digest !== undefined && ref.digest !== digest) {
        throw new PortcullisError('BAD_INPUT', `${JSON.stringify(input.slice(0, 300))} names two different digests`);
      }
      ref.digest = digest;
    }
    return ref;
  }
  if (existsSync(input)) {
    const st = statSync(input);
    const path = resolve(input);
    if (!st.isDirectory() && !st.isFile()) throw new PortcullisError('BAD_INPUT', `${input}: not a regular file or directory (a pipe or device cannot be read as an image)`);
    return { input, transport: sniffPath(path, st.isDirectory()), path };
  }
  // Looks like a path but does not exist: say so rather than trying a registry.
  if (input.startsWith('/') || input.startsWith('./') || input.startsWith('../') || /\.(tar|tgz|gz|oci)$/.test(input)) {
    throw new PortcullisError('NOT_FOUND', `image file or directory not found: ${input}`);
  }
  return registryRef(input, input);
}
