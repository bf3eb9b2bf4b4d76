// The only place purls are built (https://github.com/package-url/purl-spec).
// Components are percent-encoded except the unreserved set, so `+` becomes `%2B`
// (`pkg:deb/debian/curl@7.88.1-10%2Bdeb12u15?arch=amd64&distro=debian-12`), as Trivy and Syft write them.
import { createRequire } from 'node:module';
import type { PackageURL as PackageUrlClass } from 'packageurl-js';
import type { PackageType } from './types.js';

// packageurl-js only parses purls other tools wrote (SBOM input, VEX, a purl without our own qualifiers):
// loaded on first use, as evaluating it builds an Intl.Collator (~8-10 ms of every run's start-up)
const requireHere = createRequire(import.meta.url);
let packageUrl: typeof PackageUrlClass | undefined;
function purlParser(): typeof PackageUrlClass {
  return (packageUrl ??= (requireHere('packageurl-js') as { PackageURL: typeof PackageUrlClass }).PackageURL);
}

export interface PurlParts {
  type: PackageType | string;
  namespace?: string;
  name: string;
  version?: string;
  qualifiers?: Record<string, string | undefined>;
  subpath?: string;
}

function enc(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Name and namespace rules per type from the purl spec (lower-casing, PEP 503 for pypi). */
function normalise(p: PurlParts): { namespace?: string; name: string } {
  let { namespace, name } = p;
  switch (p.type) {
    case 'pypi':
      name = name.toLowerCase().replace(/[-_.]+/g, '-');
      break;
    case 'deb':
    case 'apk':
    case 'npm':
    case 'cargo':
    case 'composer':
      if (p.type !== 'npm' && p.type !== 'cargo') {
        namespace = namespace?.toLowerCase();
        name = name.toLowerCase();
      }
      break;
    case 'golang':
      // Go module paths are case-sensitive; keep them.
      break;
    default:
      break;
  }
  return { namespace, name };
}

/**
 * The purl of `p`, as one flat string: built with `join` (not `+=`, whose rope of pieces would keep every
 * part alive: a 1e6-package inventory holds 1e6 purls).
 */
export function buildPurl(p: PurlParts): string {
  const { namespace, name } = normalise(p);
  const parts: string[] = ['pkg:', p.type, '/'];
  if (namespace) {
    const before = parts.length;
    for (const seg of namespace.split('/')) if (seg) parts.push(enc(seg), '/');
    if (parts.length === before) parts.push('/');
  }
  parts.push(enc(name));
  if (p.version !== undefined && p.version !== '') parts.push('@', enc(p.version));
  const q = Object.entries(p.qualifiers ?? {})
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 0; i < q.length; i++) parts.push(i === 0 ? '?' : '&', q[i]![0].toLowerCase(), '=', enc(q[i]![1]));
  if (p.subpath) {
    parts.push('#');
    let first = true;
    for (const seg of p.subpath.split('/')) {
      if (!seg) continue;
      parts.push(first ? '' : '/', enc(seg));
      first = false;
    }
  }
  return parts.join('');
}

/**
 * The qualifiers of a purl built by `buildPurl` (`?k=v&k=v`, values percent-decoded), without a full
 * parse: re-stamping 1e6 OS packages with their distro needs only these. Undefined when a qualifier is
 * not `key=value` or its value is not valid percent-encoding (the caller then parses the whole purl).
 */
export function purlQualifiers(purl: string): Record<string, string> | undefined {
  const q = purl.indexOf('?');
  const out: Record<string, string> = {};
  if (q < 0) return out;
  const hash = purl.indexOf('#', q);
  for (const kv of purl.slice(q + 1, hash < 0 ? undefined : hash).split('&')) {
    const eq = kv.indexOf('=');
    if (eq <= 0) return undefined;
    try {
      out[kv.slice(0, eq).toLowerCase()] = decodeURIComponent(kv.slice(eq + 1));
    } catch {
      return undefined;
    }
  }
  return out;
}

/** Parse any purl (ours or another tool's). Throws on an invalid string. */
export function parsePurl(s: string): PurlParts {
  const u = purlParser().fromString(s);
  const qualifiers: Record<string, string> = {};
  for (const [k, v] of Object.entries(u.qualifiers ?? {})) if (typeof v === 'string') qualifiers[k] = v;
  return {
    type: u.type,
    namespace: u.namespace ?? undefined,
    name: u.name,
    version: u.version ?? undefined,
    qualifiers,
    subpath: u.subpath ?? undefined,
  };
}
