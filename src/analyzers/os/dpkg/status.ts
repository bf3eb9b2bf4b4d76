// dpkg's database of installed packages: /var/lib/dpkg/status (and distroless' status.d/<pkg> files,
// same stanza format) → Package. See README.md for which Status values count as installed.
import { buildPurl } from '../../../core/purl.js';
import { NO_LICENSES, intern, oneLocation } from '../../../core/compact.js';
import type { LayerRef, Package, PackageLocation } from '../../../core/types.js';
import { forEachStanza, type Stanza } from './control.js';

/** dpkg's package-name rule (lib/dpkg/parsehelp.c): starts alphanumeric, then alphanumerics and `+-._`. */
export const PACKAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9+._-]{0,255}$/;
/** Characters dpkg accepts in a version (deb-version(7)), epoch and revision included. */
const DPKG_VERSION = /^[A-Za-z0-9.+~:-]+$/;
const ARCH = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Package states (third word of Status) whose files are not (fully) on disk: not reported. */
const NOT_ON_DISK = new Set(['not-installed', 'config-files', 'half-installed']);
const KNOWN_STATES = new Set(['installed', 'unpacked', 'half-configured', 'triggers-awaited', 'triggers-pending', ...NOT_ON_DISK]);

/** The fields read from a status stanza. */
const FIELDS: ReadonlySet<string> = new Set(['package', 'version', 'architecture', 'source', 'status']);

export interface StatusOptions {
  /** status.d files of distroless images have no Status field; the main status file always has one */
  statusRequired: boolean;
  /** where a stanza that could not be used goes (the analyzer's `partial`); default: `warn` */
  skip?: (m: string) => void;
}

export interface StatusResult {
  packages: Package[];
  stanzas: number;
  /** stanzas of packages that are not installed (config-files, not-installed, half-installed) */
  notInstalled: number;
}

/** `Source: glibc (2.36-9+deb12u4)` → name and version; without the parenthesis the binary version applies. */
export function parseSourceField(value: string, binaryVersion: string): { name: string; version: string } | undefined {
  const m = /^([A-Za-z0-9][A-Za-z0-9+._-]*)(?:\s*\(\s*([^()\s]+)\s*\))?$/.exec(value.trim());
  if (!m) return undefined;
  return { name: m[1]!, version: m[2] ?? binaryVersion };
}

function toPackage(st: Stanza, locations: PackageLocation[], opts: StatusOptions, warn: (m: string) => void): Package | 'not-installed' | undefined {
  const skip = opts.skip ?? warn;
  const where = `stanza at line ${st.line}`;
  const name = st.fields.get('package');
  const version = st.fields.get('version');
  if (name === undefined || name === '') {
    skip(`${where}: no Package field; skipped`);
    return undefined;
  }
  if (!PACKAGE_NAME.test(name)) {
    skip(`${where}: invalid package name ${JSON.stringify(name.slice(0, 60))}; skipped`);
    return undefined;
  }
  const status = st.fields.get('status');
  let unusualStatus: string | undefined;
  if (status === undefined) {
    if (opts.statusRequired) warn(`${where} (${name}): no Status field; reported as installed`);
  } else {
    const words = status.split(/\s+/);
    const state = words[2];
    if (words.length !== 3 || state === undefined || !KNOWN_STATES.has(state)) {
      warn(`${where} (${name}): unrecognised Status ${JSON.stringify(status.slice(0, 60))}; reported as installed`);
      unusualStatus = status.slice(0, 60);
    } else if (NOT_ON_DISK.has(state)) {
      if (state === 'half-installed') warn(`${where} (${name}): Status "${status}" (installation interrupted); not reported`);
      return 'not-installed';
    } else if (status !== 'install ok installed') {
      unusualStatus = status;
    }
  }
  if (version === undefined || version === '') {
    skip(`${where} (${name}): no Version field; skipped`);
    return undefined;
  }
  if (!/^[\x21-\x7e]{1,256}$/.test(version)) {
    skip(`${where} (${name}): version is not printable ASCII (or too long); skipped`);
    return undefined;
  }
  if (!DPKG_VERSION.test(version)) warn(`${where} (${name}): version ${JSON.stringify(version)} has characters dpkg does not allow`);
  let arch = st.fields.get('architecture');
  if (arch !== undefined) arch = intern(arch);
  if (arch !== undefined && !ARCH.test(arch)) {
    warn(`${where} (${name}): invalid Architecture ${JSON.stringify(arch.slice(0, 40))}; ignored`);
    arch = undefined;
  }
  if (arch === undefined && status !== undefined) warn(`${where} (${name}): no Architecture field`);
  const srcField = st.fields.get('source');
  let source = { name, version };
  if (srcField !== undefined && srcField !== '') {
    const s = parseSourceField(srcField, version);
    if (s) source = s;
    else warn(`${where} (${name}): unparsable Source ${JSON.stringify(srcField.slice(0, 60))}; the binary package is used`);
  }
  const pkg: Package = {
    name,
    version,
    type: 'deb',
    purl: buildPurl({ type: 'deb', namespace: 'debian', name, version, qualifiers: { arch } }),
    source,
    licenses: NO_LICENSES,
    locations,
    foundBy: 'dpkg',
    confidence: 'high',
  };
  if (arch !== undefined) pkg.arch = arch;
  if (unusualStatus !== undefined) pkg.metadata = { status: unusualStatus };
  return pkg;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Reads one status-format file. Packages are sorted by name, arch, version. A second stanza for the same
 * name and architecture is reported: identical ones are merged, different versions are both kept (a
 * scanner must not pick one and hide the other).
 */
export function readStatus(content: Buffer, path: string, layer: LayerRef, warn: (m: string) => void, opts: StatusOptions): StatusResult {
  // keyed by the name string the package already holds (no key built per package); several entries
  // under one name are the architectures of a multi-arch package
  const seen = new Map<string, Package | Package[]>();
  const packages: Package[] = [];
  const locations = oneLocation(path, layer);
  let notInstalled = 0;
  let stanzas = 0;
  forEachStanza(content, warn, FIELDS, (st) => {
    stanzas++;
    const p = toPackage(st, locations, opts, warn);
    if (p === 'not-installed') {
      notInstalled++;
      return;
    }
    if (!p) return;
    const got = seen.get(p.name);
    const prev = got === undefined ? undefined : Array.isArray(got) ? got.find((q) => q.arch === p.arch) : got.arch === p.arch ? got : undefined;
    if (prev) {
      if (prev.version === p.version) {
        warn(`stanza at line ${st.line}: ${p.name} (${p.arch ?? 'no arch'}) listed twice; merged`);
        return;
      }
      warn(`stanza at line ${st.line}: ${p.name} (${p.arch ?? 'no arch'}) listed twice with versions ${prev.version} and ${p.version}; both reported`);
    } else if (got === undefined) {
      seen.set(p.name, p);
    } else if (Array.isArray(got)) {
      got.push(p);
    } else {
      seen.set(p.name, [got, p]);
    }
    packages.push(p);
  });
  seen.clear();
  packages.sort((a, b) => cmp(a.name, b.name) || cmp(a.arch ?? '', b.arch ?? '') || cmp(a.version, b.version));
  return { packages, stanzas, notInstalled };
}
