// From a parsed rpm header to a Package: name, VERSION-RELEASE, epoch, arch, license, source rpm,
// vendor, modularity label and owned files.
import { buildPurl } from '../../../core/purl.js';
import type { LayerRef, Package } from '../../../core/types.js';
import { HeaderError, RPM_TAG, type RpmHeader } from './header.js';

/**
 * The purl namespace (distro) implied by an rpm VENDOR string, when it is unambiguous; otherwise
 * undefined. Matching is anchored at the start of the vendor string, case-insensitively.
 * The inventory step re-stamps namespace/distro from the detected OS; this is only the per-file guess.
 */
export function rpmVendorNamespace(vendor: string | undefined): string | undefined {
  if (!vendor) return undefined;
  const v = vendor.trim().toLowerCase();
  const rules: [RegExp, string][] = [
    [/^almalinux\b/, 'almalinux'],
    [/^rocky enterprise software foundation\b/, 'rocky'],
    [/^red hat\b/, 'redhat'],
    [/^fedora project\b/, 'fedora'],
    [/^amazon (linux|\.com)\b/, 'amazon'],
    [/^amazon\.com\b/, 'amazon'],
    [/^centos\b/, 'centos'],
    [/^oracle america\b/, 'oracle'],
    [/^suse llc\b/, 'suse'],
    [/^opensuse\b/, 'opensuse'],
  ];
  for (const [re, ns] of rules) if (re.test(v)) return ns;
  return undefined;
}

/**
 * Splits a SOURCERPM value `name-version-release.src.rpm` (or `.nosrc.rpm`) into the source package
 * name and `version-release`. The source rpm file name carries no epoch. Undefined when malformed.
 */
export function parseSourceRpm(s: string | undefined): { name: string; version: string } | undefined {
  if (!s) return undefined;
  const m = /^(.+)\.(?:no)?src\.rpm$/.exec(s);
  if (!m) return undefined;
  const nvr = m[1]!;
  const r = nvr.lastIndexOf('-');
  if (r <= 0) return undefined;
  const v = nvr.lastIndexOf('-', r - 1);
  if (v <= 0) return undefined;
  const name = nvr.slice(0, v);
  const version = nvr.slice(v + 1, r);
  const release = nvr.slice(r + 1);
  if (!name || !version || !release) return undefined;
  return { name, version: `${version}-${release}` };
}

/** Absolute paths of the files a header owns: BASENAMES + DIRNAMES by DIRINDEXES, else OLDFILENAMES. */
export function headerFiles(h: RpmHeader): string[] {
  const basenames = h.getStringArray(RPM_TAG.BASENAMES);
  if (basenames) {
    const dirnames = h.getStringArray(RPM_TAG.DIRNAMES) ?? [];
    const dirindexes = h.getIntArray(RPM_TAG.DIRINDEXES) ?? [];
    if (dirindexes.length !== basenames.length) {
      throw new HeaderError(`${basenames.length} basenames but ${dirindexes.length} directory indexes`);
    }
    return basenames.map((b, i) => {
      const d = dirnames[dirindexes[i]!];
      if (d === undefined) throw new HeaderError(`directory index ${dirindexes[i]} out of range (${dirnames.length} dirnames)`);
      return d + b;
    });
  }
  return h.getStringArray(RPM_TAG.OLDFILENAMES) ?? [];
}

export type HeaderOutcome =
  | { kind: 'package'; pkg: Package }
  | { kind: 'skip'; reason: string }
  | { kind: 'error'; reason: string };

/**
 * One header to one Package. `gpg-pubkey` pseudo-packages (imported signing keys, which `rpm -qa`
 * lists) are skipped as Trivy and Syft do: they are not installed software.
 * version is `VERSION-RELEASE` without the epoch; the epoch is in `pkg.epoch` and the purl's `epoch`
 * qualifier whenever the header has an EPOCH tag.
 */
export function headerToPackage(h: RpmHeader, dbPath: string, layer: LayerRef, warn: (m: string) => void): HeaderOutcome {
  let name: string | undefined;
  let version: string | undefined;
  let release: string | undefined;
  let epoch: number | undefined;
  try {
    name = h.getString(RPM_TAG.NAME);
    version = h.getString(RPM_TAG.VERSION);
    release = h.getString(RPM_TAG.RELEASE);
    epoch = h.getInt(RPM_TAG.EPOCH);
  } catch (e) {
    return { kind: 'error', reason: e instanceof Error ? e.message : String(e) };
  }
  if (!name || !version) return { kind: 'error', reason: 'header has no NAME or VERSION' };
  if (name === 'gpg-pubkey') return { kind: 'skip', reason: 'gpg-pubkey pseudo-package' };

  // The rest is optional: a bad optional tag costs that field (with a warning), not the package.
  const opt = <T>(what: string, f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      warn(`${name}: ${what} unreadable: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  };
  const arch = opt('ARCH', () => h.getString(RPM_TAG.ARCH));
  const license = opt('LICENSE', () => h.getString(RPM_TAG.LICENSE));
  const sourceRpm = opt('SOURCERPM', () => h.getString(RPM_TAG.SOURCERPM));
  const vendor = opt('VENDOR', () => h.getString(RPM_TAG.VENDOR));
  const modularityLabel = opt('MODULARITYLABEL', () => h.getString(RPM_TAG.MODULARITYLABEL));
  const files = opt('file list', () => headerFiles(h));

  const fullVersion = release ? `${version}-${release}` : version;
  const namespace = rpmVendorNamespace(vendor);
  const pkg: Package = {
    name,
    version: fullVersion,
    type: 'rpm',
    purl: buildPurl({
      type: 'rpm',
      namespace,
      name,
      version: fullVersion,
      qualifiers: { arch, epoch: epoch === undefined ? undefined : String(epoch) },
    }),
    licenses: license ? [license] : [],
    locations: [{ path: dbPath, layer }],
    foundBy: 'rpm',
    confidence: 'high',
  };
  if (arch) pkg.arch = arch;
  if (epoch !== undefined) pkg.epoch = epoch;
  const source = parseSourceRpm(sourceRpm);
  if (source) pkg.source = source;
  else if (sourceRpm) warn(`${name}: SOURCERPM ${JSON.stringify(sourceRpm)} is not name-version-release.src.rpm`);
  if (modularityLabel) pkg.modularityLabel = modularityLabel;
  if (files) pkg.files = files;
  const metadata: Record<string, string> = {};
  if (vendor) metadata.vendor = vendor;
  if (sourceRpm) metadata.sourceRpm = sourceRpm;
  if (Object.keys(metadata).length) pkg.metadata = metadata;
  return { kind: 'package', pkg };
}
