// Turns the content of one release file (os-release or a legacy distro file) into an OsInfo.
// Pure functions; never throw. Problems are returned for the analyzer to pass to ctx.warn.
import type { OsInfo } from '../../../core/types.js';
import { decodeRelease, parseKeyValue } from './keyvalue.js';

export const OS_RELEASE_PATHS: readonly string[] = ['/etc/os-release', '/usr/lib/os-release'];

/** Legacy files, most specific first (this order is also their precedence in pickOs). */
export const LEGACY_RELEASE_PATHS: readonly string[] = [
  '/etc/alpine-release',
  '/etc/photon-release',
  '/etc/azurelinux-release',
  '/etc/mariner-release',
  '/etc/rocky-release',
  '/etc/almalinux-release',
  '/etc/oracle-release',
  '/etc/centos-release',
  '/etc/fedora-release',
  '/etc/redhat-release',
  '/etc/SuSE-release',
  '/etc/system-release',
  '/etc/lsb-release',
  '/etc/debian_version',
];

export { DEBIAN_CODENAMES, debianMajorForCodename, major, majorMinor } from '../../../core/distro.js';
import { DEBIAN_CODENAMES, major, majorMinor } from '../../../core/distro.js';

const MAX_VALUE = 256;
const ID_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export interface Detected {
  os?: OsInfo;
  problems: string[];
}

function clip(v: string | undefined, problems: string[], key: string): string | undefined {
  if (v === undefined) return undefined;
  const t = v.trim();
  if (t === '') return undefined;
  if (t.length > MAX_VALUE) {
    problems.push(`${key} is ${t.length} characters long; cut to ${MAX_VALUE}`);
    return t.slice(0, MAX_VALUE);
  }
  return t;
}

function strip<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

/** os-release(5): `/etc/os-release`, `/usr/lib/os-release`. */
export function fromOsRelease(content: Buffer, source: string): Detected {
  const problems: string[] = [];
  const { text, truncated } = decodeRelease(content);
  if (truncated) problems.push('larger than 64 KiB; only the start was read');
  if (text.includes('\u0000')) return { problems: [...problems, 'binary content, not an os-release file'] };
  const kv = parseKeyValue(text);
  problems.push(...kv.problems);
  const get = (k: string): string | undefined => clip(kv.values.get(k), problems, k);
  const rawId = get('ID');
  if (kv.values.size === 0) return { problems: [...problems, 'no KEY=VALUE assignments; not an os-release file'] };
  let family = rawId?.toLowerCase() ?? 'linux';
  if (!ID_RE.test(family)) {
    problems.push(`ID ${JSON.stringify(family.slice(0, 40))} is not a valid os-release ID; treated as "linux"`);
    family = 'linux';
  }
  const version = get('VERSION');
  let versionId = get('VERSION_ID');
  let codename = get('VERSION_CODENAME') ?? get('UBUNTU_CODENAME');
  const idLike = get('ID_LIKE')?.toLowerCase().split(/\s+/).filter((s) => ID_RE.test(s));
  if (family === 'debian') {
    codename ??= /\(([a-z]+)\)/.exec(version ?? '')?.[1];
    if (versionId) codename ??= DEBIAN_CODENAMES[major(versionId)];
    // testing/sid have no VERSION_ID; keep it absent rather than guess
  }
  if (versionId !== undefined && !/^[A-Za-z0-9._~+-]+$/.test(versionId)) {
    problems.push(`VERSION_ID ${JSON.stringify(versionId.slice(0, 40))} has characters os-release does not allow; ignored`);
    versionId = undefined;
  }
  const os: OsInfo = strip({
    family,
    name: get('NAME') ?? 'Linux',
    version,
    versionId,
    codename,
    prettyName: get('PRETTY_NAME'),
    idLike: idLike && idLike.length > 0 ? idLike : undefined,
    source,
  });
  return { os, problems };
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').replace(/\r$/, '').trim();
}

interface RhLike {
  family: string;
  name: string;
  versionId: (v: string) => string;
}

/** `<NAME> release <VERSION> (<CODENAME>)` files of the Red Hat family, first match wins. */
const RH_FAMILIES: [RegExp, RhLike][] = [
  [/^Red Hat Enterprise Linux/i, { family: 'rhel', name: 'Red Hat Enterprise Linux', versionId: majorMinor }],
  [/^CentOS Stream/i, { family: 'centos', name: 'CentOS Stream', versionId: major }],
  [/^CentOS/i, { family: 'centos', name: 'CentOS Linux', versionId: major }],
  [/^Rocky Linux/i, { family: 'rocky', name: 'Rocky Linux', versionId: majorMinor }],
  [/^AlmaLinux/i, { family: 'almalinux', name: 'AlmaLinux', versionId: majorMinor }],
  [/^Oracle Linux/i, { family: 'ol', name: 'Oracle Linux Server', versionId: majorMinor }],
  [/^Fedora/i, { family: 'fedora', name: 'Fedora Linux', versionId: major }],
  // Amazon Linux 2023 writes `2023.3.20240219`; its os-release VERSION_ID is `2023`. AL2 is `2`, AL1 `2018.03`.
  [/^Amazon Linux/i, { family: 'amzn', name: 'Amazon Linux', versionId: (v) => (/^\d{4}\.\d+\.\d{8}/.test(v) ? major(v) : v) }],
];

function fromRedHatStyle(line: string, source: string): OsInfo | undefined {
  const m = /^(.*?)\s+release\s+([0-9][A-Za-z0-9._-]*)(?:\s*\(([^)]*)\))?/i.exec(line);
  if (!m) return undefined;
  for (const [re, f] of RH_FAMILIES) {
    if (!re.test(m[1]!)) continue;
    return strip({ family: f.family, name: f.name, version: m[2]!, versionId: f.versionId(m[2]!), codename: m[3]?.trim() || undefined, prettyName: line, source });
  }
  return undefined;
}

/** Legacy release files (see LEGACY_RELEASE_PATHS). */
export function fromLegacy(content: Buffer, source: string): Detected {
  const problems: string[] = [];
  const { text, truncated } = decodeRelease(content);
  if (truncated) problems.push('larger than 64 KiB; only the start was read');
  if (text.includes('\u0000')) return { problems: [...problems, 'binary content, not a release file'] };
  const line = firstLine(text);
  const base = source.slice(source.lastIndexOf('/') + 1);
  const fail = (what: string): Detected => ({ problems: [...problems, `${what}: ${JSON.stringify(line.slice(0, 80))}`] });
  if (line.length > MAX_VALUE) return fail(`first line is ${line.length} characters long, not a release line`);
  switch (base) {
    case 'alpine-release': {
      if (!/^\d+\.\d+(\.\d+)?([._][A-Za-z0-9]+)*$/.test(line)) return fail('not an Alpine version');
      return { os: { family: 'alpine', name: 'Alpine Linux', version: line, versionId: line, source }, problems };
    }
    case 'debian_version': {
      const num = /^(\d+)(\.\d+)*$/.exec(line);
      if (num) {
        const versionId = num[1]!;
        return { os: strip({ family: 'debian', name: 'Debian GNU/Linux', version: line, versionId, codename: DEBIAN_CODENAMES[versionId], source }), problems };
      }
      const testing = /^([a-z]+)\/sid$/.exec(line);
      if (testing) return { os: { family: 'debian', name: 'Debian GNU/Linux', version: line, codename: testing[1]!, source }, problems };
      return fail('not a Debian version');
    }
    case 'lsb-release': {
      const kv = parseKeyValue(text);
      problems.push(...kv.problems);
      const id = clip(kv.values.get('DISTRIB_ID'), problems, 'DISTRIB_ID')?.toLowerCase().replace(/\s+/g, '');
      if (!id || !ID_RE.test(id)) return { problems: [...problems, 'no usable DISTRIB_ID'] };
      const release = clip(kv.values.get('DISTRIB_RELEASE'), problems, 'DISTRIB_RELEASE');
      return {
        os: strip({
          family: id,
          name: clip(kv.values.get('DISTRIB_ID'), problems, 'DISTRIB_ID')!,
          version: release,
          versionId: release && /^[A-Za-z0-9._~+-]+$/.test(release) ? release : undefined,
          codename: clip(kv.values.get('DISTRIB_CODENAME'), problems, 'DISTRIB_CODENAME'),
          prettyName: clip(kv.values.get('DISTRIB_DESCRIPTION'), problems, 'DISTRIB_DESCRIPTION'),
          source,
        }),
        problems,
      };
    }
    case 'SuSE-release': {
      const kv = parseKeyValue(text.split('\n').slice(1).join('\n').replace(/\s*=\s*/g, '='));
      const ver = kv.values.get('VERSION');
      const patch = kv.values.get('PATCHLEVEL');
      if (!ver || !/^\d+(\.\d+)?$/.test(ver)) return fail('no VERSION in SuSE-release');
      const versionId = patch && patch !== '0' && /^\d+$/.test(patch) ? `${ver}.${patch}` : ver;
      if (/^openSUSE/i.test(line)) {
        const leap = /leap/i.test(line) || Number(major(ver)) >= 42;
        return { os: { family: leap ? 'opensuse-leap' : 'opensuse', name: leap ? 'openSUSE Leap' : 'openSUSE', version: ver, versionId, prettyName: line, source }, problems };
      }
      if (/^SUSE Linux Enterprise/i.test(line)) {
        return { os: { family: /desktop/i.test(line) ? 'sled' : 'sles', name: 'SLES', version: ver, versionId, prettyName: line, source }, problems };
      }
      return fail('unknown SUSE product');
    }
    case 'photon-release': {
      const m = /Photon (?:OS|Linux)\s+(\d+\.\d+)/i.exec(line);
      if (!m) return fail('not a Photon OS release line');
      return { os: { family: 'photon', name: 'VMware Photon OS', version: m[1]!, versionId: m[1]!, prettyName: line, source }, problems };
    }
    case 'mariner-release':
    case 'azurelinux-release': {
      const m = /^(CBL-Mariner|Azure Linux)\s+(\d+\.\d+)/i.exec(line);
      if (!m) return fail('not a CBL-Mariner / Azure Linux release line');
      const az = /azure/i.test(m[1]!);
      return { os: { family: az ? 'azurelinux' : 'mariner', name: az ? 'Microsoft Azure Linux' : 'CBL-Mariner', version: m[2]!, versionId: m[2]!, prettyName: line, source }, problems };
    }
    default: {
      const os = fromRedHatStyle(line, source);
      return os ? { os, problems } : fail('unrecognised release line');
    }
  }
}
