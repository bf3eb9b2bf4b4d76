// apk-tools' installed database (/lib/apk/db/installed): records separated by blank lines, one
// `<letter>:<value>` per line (https://wiki.alpinelinux.org/wiki/Apk_spec#Installed_Database_V2).
// Fields used: P name, V version, A arch, L license, o origin (source package), t build time, c commit,
// F directory and R file (owned files are `/` + F + `/` + R). Never throws.
import { buildPurl } from '../../../core/purl.js';
import type { LayerRef, Package } from '../../../core/types.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9+._-]{0,255}$/;
const VERSION = /^[\x21-\x7e]{1,256}$/;
const ARCH = /^[A-Za-z0-9_]{1,32}$/;
const MAX_FILE_PATH = 4096;

interface Rec {
  line: number;
  fields: Map<string, string>;
  files: string[];
  dir: string;
}

/**
 * License field → licenses[]. SPDX expressions with OR or parentheses stay whole (splitting them would
 * change their meaning); otherwise the list is split on spaces and `AND` (`MIT BSD GPL2+` → three,
 * `GPL-2.0-or-later AND MIT` → two), keeping `X WITH Y` together.
 */
export function splitApkLicense(value: string): string[] {
  const tokens = value.trim().split(/\s+/).filter((t) => t !== '');
  if (tokens.length === 0) return [];
  if (tokens.some((t) => t === 'OR' || t.includes('(') || t.includes(')'))) return [tokens.join(' ')];
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t === 'AND') continue;
    if (t === 'WITH' && out.length > 0 && i + 1 < tokens.length) {
      out[out.length - 1] += ` WITH ${tokens[++i]}`;
      continue;
    }
    out.push(t);
  }
  return out;
}

function toPackage(r: Rec, path: string, layer: LayerRef, warn: (m: string) => void, skip: (m: string) => void): Package | undefined {
  const where = `record at line ${r.line}`;
  const name = r.fields.get('P');
  if (name === undefined || name === '') {
    skip(`${where}: no P (name) field; skipped`);
    return undefined;
  }
  if (!NAME.test(name)) {
    skip(`${where}: invalid package name ${JSON.stringify(name.slice(0, 60))}; skipped`);
    return undefined;
  }
  const version = r.fields.get('V');
  if (version === undefined || version === '') {
    skip(`${where} (${name}): no V (version) field; skipped`);
    return undefined;
  }
  if (!VERSION.test(version)) {
    skip(`${where} (${name}): version is not printable ASCII (or too long); skipped`);
    return undefined;
  }
  let arch = r.fields.get('A');
  if (arch !== undefined && !ARCH.test(arch)) {
    warn(`${where} (${name}): invalid arch ${JSON.stringify(arch.slice(0, 40))}; ignored`);
    arch = undefined;
  }
  let origin = r.fields.get('o');
  if (origin !== undefined && !NAME.test(origin)) {
    warn(`${where} (${name}): invalid origin ${JSON.stringify(origin.slice(0, 60))}; the package name is used`);
    origin = undefined;
  }
  const metadata: Record<string, string> = {};
  const t = r.fields.get('t');
  if (t !== undefined && /^\d{1,12}$/.test(t)) metadata.buildTime = t;
  const c = r.fields.get('c');
  if (c !== undefined && /^[0-9a-f]{7,64}$/i.test(c)) metadata.commit = c;
  const pkg: Package = {
    name,
    version,
    type: 'apk',
    purl: buildPurl({ type: 'apk', namespace: 'alpine', name, version, qualifiers: { arch } }),
    source: { name: origin ?? name, version },
    licenses: splitApkLicense(r.fields.get('L') ?? ''),
    locations: [{ path, layer }],
    foundBy: 'apk',
    confidence: 'high',
    files: r.files,
  };
  if (arch !== undefined) pkg.arch = arch;
  if (Object.keys(metadata).length > 0) pkg.metadata = metadata;
  return pkg;
}

export interface InstalledResult {
  packages: Package[];
  records: number;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function readInstalled(content: Buffer, path: string, layer: LayerRef, warn: (m: string) => void, skip: (m: string) => void = warn): InstalledResult {
  const text = content.toString('utf8');
  if (text.includes('\uFFFD')) warn('invalid UTF-8 (replaced with U+FFFD)');
  const recs: Rec[] = [];
  let cur: Rec | undefined;
  let badLines = 0;
  let firstBad = 0;
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    let line = text.slice(start, end);
    start = end + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '') {
      if (cur) recs.push(cur);
      cur = undefined;
      continue;
    }
    const c0 = line.charCodeAt(0) | 0x20; // lower-cased ASCII letter
    if (line.length < 2 || line.charCodeAt(1) !== 0x3a || c0 < 0x61 || c0 > 0x7a) {
      if (badLines++ === 0) firstBad = lineNo;
      continue;
    }
    const key = line[0]!;
    const value = line.slice(2);
    if (key === 'P' && cur?.fields.has('P')) {
      // a new package without the blank line before it: apk-tools would read a new record too
      warn(`line ${lineNo}: P field without a blank line before it; a new record is started`);
      recs.push(cur);
      cur = undefined;
    }
    cur ??= { line: lineNo, fields: new Map(), files: [], dir: '' };
    if (key === 'F') {
      cur.dir = value.replace(/^\/+|\/+$/g, '');
    } else if (key === 'R') {
      const file = '/' + (cur.dir ? cur.dir + '/' : '') + (value.charCodeAt(0) === 0x2f ? value.replace(/^\/+/, '') : value);
      if (value === '' || file.length > MAX_FILE_PATH || file.includes('\u0000')) {
        if (badLines++ === 0) firstBad = lineNo;
      } else cur.files.push(file);
    } else if (!cur.fields.has(key)) {
      cur.fields.set(key, value.trim());
    }
  }
  if (cur) recs.push(cur);
  if (badLines > 0) skip(`${badLines} lines are not "<letter>:<value>" (first at line ${firstBad}); ignored`);

  const packages: Package[] = [];
  const seen = new Map<string, Package>();
  for (const r of recs) {
    const p = toPackage(r, path, layer, warn, skip);
    if (!p) continue;
    const prev = seen.get(p.name);
    if (prev) {
      if (prev.version === p.version) {
        warn(`record at line ${r.line}: ${p.name} listed twice; merged`);
        continue;
      }
      warn(`record at line ${r.line}: ${p.name} listed twice with versions ${prev.version} and ${p.version}; both reported`);
    } else seen.set(p.name, p);
    packages.push(p);
  }
  packages.sort((a, b) => cmp(a.name, b.name) || cmp(a.version, b.version));
  return { packages, records: recs.length };
}
