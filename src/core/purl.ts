// The only place purls are built (https://github.com/package-url/purl-spec).
// Components are percent-encoded except the unreserved set, so `+` becomes `%2B`
// (`pkg:deb/debian/curl@7.88.1-10%2Bdeb12u15?arch=amd64&distro=debian-12`), as Trivy and Syft write them.
import { PackageURL } from 'packageurl-js';
import type { PackageType } from './types.js';

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

export function buildPurl(p: PurlParts): string {
  const { namespace, name } = normalise(p);
  let out = `pkg:${p.type}/`;
  if (namespace) out += namespace.split('/').filter(Boolean).map(enc).join('/') + '/';
  out += enc(name);
  if (p.version !== undefined && p.version !== '') out += '@' + enc(p.version);
  const q = Object.entries(p.qualifiers ?? {})
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (q.length) out += '?' + q.map(([k, v]) => `${k.toLowerCase()}=${enc(v)}`).join('&');
  if (p.subpath) out += '#' + p.subpath.split('/').filter(Boolean).map(enc).join('/');
  return out;
}

/** Parse any purl (ours or another tool's). Throws on an invalid string. */
export function parsePurl(s: string): PurlParts {
  const u = PackageURL.fromString(s);
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
