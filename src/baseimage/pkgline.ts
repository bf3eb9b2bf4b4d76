// The compact one-line form of a catalog package (YAML mappings parse ~40× slower than strings, and
// a catalog with a few thousand packages is read on every scan):
//
//   TYPE NAME VERSION [arch=A] [epoch=N] [src=NAME] [srcv=VERSION] [distro=ID[:VERSION_ID[:CODENAME]]] [module=LABEL] PURL
//
// e.g. `deb libssh2-1 1.10.0-3+b1 arch=amd64 src=libssh2 srcv=1.10.0-3 distro=debian:12:bookworm pkg:deb/debian/libssh2-1@1.10.0-3%2Bb1?arch=amd64&distro=debian-12`
// Tokens are separated by spaces and never contain whitespace; a package whose fields do contain
// whitespace is written as a YAML mapping instead (both forms are read).

export const PACKAGE_TYPES = ['deb', 'apk', 'rpm', 'npm', 'pypi', 'golang', 'maven', 'gem', 'cargo', 'composer', 'nuget'] as const;
export type CatalogPackageType = (typeof PACKAGE_TYPES)[number];

export interface CatalogPackage {
  type: CatalogPackageType;
  name: string;
  version: string;
  arch?: string;
  source?: { name: string; version: string };
  epoch?: number;
  purl: string;
  distro?: { id: string; versionId?: string; codename?: string };
  modularityLabel?: string;
}

const TOKEN = /^\S+$/;
const MAX_LINE = 8192;

/** The line for a package, or undefined when a field cannot be written as a token. */
export function packageLine(p: CatalogPackage): string | undefined {
  const parts: string[] = [p.type, p.name, p.version];
  if (p.arch !== undefined) parts.push(`arch=${p.arch}`);
  if (p.epoch !== undefined) parts.push(`epoch=${p.epoch}`);
  if (p.source) parts.push(`src=${p.source.name}`, `srcv=${p.source.version}`);
  if (p.distro) {
    if ([p.distro.id, p.distro.versionId, p.distro.codename].some((x) => x !== undefined && x.includes(':'))) return undefined;
    if (p.distro.versionId === undefined && p.distro.codename !== undefined) return undefined;
    parts.push(`distro=${[p.distro.id, p.distro.versionId, p.distro.codename].filter((x) => x !== undefined).join(':')}`);
  }
  if (p.modularityLabel !== undefined) parts.push(`module=${p.modularityLabel}`);
  parts.push(p.purl);
  if (!parts.every((t) => t !== '' && !t.endsWith('=') && TOKEN.test(t))) return undefined;
  if (!p.purl.startsWith('pkg:') || p.name.includes('=') || p.version.includes('=')) return undefined;
  const line = parts.join(' ');
  return line.length <= MAX_LINE ? line : undefined;
}

/** Parse a package line; a string result is the problem. */
export function parsePackageLine(line: string): CatalogPackage | string {
  if (line.length > MAX_LINE) return `package line longer than ${MAX_LINE} characters`;
  const t = line.trim().split(/\s+/);
  if (t.length < 4) return `expected "TYPE NAME VERSION [key=value ...] PURL", got ${JSON.stringify(line.slice(0, 120))}`;
  const type = t[0]!;
  if (!(PACKAGE_TYPES as readonly string[]).includes(type)) return `unknown package type ${JSON.stringify(type)} (expected one of ${PACKAGE_TYPES.join(', ')})`;
  const purl = t[t.length - 1]!;
  if (!purl.startsWith('pkg:')) return `the last token must be the purl (pkg:...), got ${JSON.stringify(purl.slice(0, 120))}`;
  const p: CatalogPackage = { type: type as CatalogPackageType, name: t[1]!, version: t[2]!, purl };
  if (p.name.includes('=') || p.version.includes('=')) return `name and version come before any key=value: ${JSON.stringify(line.slice(0, 120))}`;
  let src: string | undefined;
  let srcv: string | undefined;
  const seen = new Set<string>();
  for (const tok of t.slice(3, -1)) {
    const eq = tok.indexOf('=');
    if (eq <= 0 || eq === tok.length - 1) return `expected key=value, got ${JSON.stringify(tok.slice(0, 120))}`;
    const k = tok.slice(0, eq);
    const v = tok.slice(eq + 1);
    if (seen.has(k)) return `${k}= given twice`;
    seen.add(k);
    switch (k) {
      case 'arch':
        p.arch = v;
        break;
      case 'epoch':
        if (!/^\d{1,9}$/.test(v)) return `epoch must be a non-negative integer, got ${JSON.stringify(v)}`;
        p.epoch = Number(v);
        break;
      case 'src':
        src = v;
        break;
      case 'srcv':
        srcv = v;
        break;
      case 'distro': {
        const [id, versionId, codename, ...rest] = v.split(':');
        if (!id || rest.length || versionId === '' || codename === '') return `distro must be ID[:VERSION_ID[:CODENAME]], got ${JSON.stringify(v)}`;
        p.distro = { id };
        if (versionId !== undefined) p.distro.versionId = versionId;
        if (codename !== undefined) p.distro.codename = codename;
        break;
      }
      case 'module':
        p.modularityLabel = v;
        break;
      default:
        return `unknown key ${JSON.stringify(k)} (expected arch, epoch, src, srcv, distro, module)`;
    }
  }
  if ((src === undefined) !== (srcv === undefined)) return 'src= and srcv= go together';
  if (src !== undefined && srcv !== undefined) p.source = { name: src, version: srcv };
  return p;
}
