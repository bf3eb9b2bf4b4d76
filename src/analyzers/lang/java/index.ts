// Java archives (.jar .war .ear .jpi .hpi .par), including archives nested inside them
// (WEB-INF/lib, BOOT-INF/lib, lib/ of an ear, shaded jars-in-jars), read from memory with hard limits.
import { buildPurl } from '../../../core/purl.js';
import { failed, partial } from '../../status.js';
import type { Analyzer, AnalyzerContext, EntryInfo, Fact, FileInput, Package } from '../../../core/types.js';
import type { Coords } from './coords.js';
import { describesArchive, fromFileName, fromManifest, fromPomProperties, pomPropertiesPath } from './coords.js';
import { parseManifest, parseProperties } from './props.js';
import { readEntries, readEntry, ZipError } from './zip.js';
import type { ZipEntry } from './zip.js';

export const JAVA_ARCHIVE_ANALYZER = 'java-archive';

export interface JavaLimits {
  /** nesting levels below the file itself */
  maxDepth: number;
  /** central directory entries per archive */
  maxEntries: number;
  /** uncompressed bytes of one nested archive */
  maxNestedBytes: number;
  /** uncompressed bytes of one MANIFEST.MF / pom.properties */
  maxMetaBytes: number;
  /** inflated bytes for everything read out of one top-level file */
  maxTotalBytes: number;
  /** nested archives opened per top-level file */
  maxArchives: number;
  /** size of the top-level file */
  maxFileBytes: number;
}

export const DEFAULT_JAVA_LIMITS: JavaLimits = {
  maxDepth: 8,
  maxEntries: 200_000,
  maxNestedBytes: 128 * 1024 * 1024,
  maxMetaBytes: 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
  maxArchives: 10_000,
  maxFileBytes: 256 * 1024 * 1024,
};

const ARCHIVE = /\.(jar|war|ear|jpi|hpi|par)$/i;

export function isJavaArchive(name: string): boolean {
  return ARCHIVE.test(name);
}

interface Walk {
  file: FileInput;
  ctx: AnalyzerContext;
  limits: JavaLimits;
  used: number;
  archives: number;
  /** warnings about limits are given once per kind */
  limitWarned: Set<string>;
  found: { coords: Coords; archivePath: string }[];
}

function warnLimit(w: Walk, kind: string, msg: string): void {
  if (w.limitWarned.has(kind)) return;
  w.limitWarned.add(kind);
  partial(w.ctx, msg);
}

function take(w: Walk, buf: Buffer, e: ZipEntry, cap: number, where: string): Buffer | undefined {
  const room = w.limits.maxTotalBytes - w.used;
  const max = Math.min(cap, room);
  try {
    const out = readEntry(buf, e, max);
    if (e.method !== 0) w.used += out.length;
    return out;
  } catch (err) {
    if (!(err instanceof ZipError)) throw err;
    if (room < cap && /inflates past|declares/.test(err.message)) {
      warnLimit(w, 'total', `${w.file.path}: stopped reading nested content after ${w.limits.maxTotalBytes} inflated bytes (limit)`);
    } else {
      partial(w.ctx, `${w.file.path}: ${where}${err.message}`);
    }
    return undefined;
  }
}

function scan(w: Walk, buf: Buffer, archivePath: string, baseName: string, depth: number): void {
  const where = archivePath ? `${archivePath}!/` : '';
  let entries: ZipEntry[];
  try {
    const dir = readEntries(buf, w.limits.maxEntries);
    entries = dir.entries;
    if (dir.problem) partial(w.ctx, `${w.file.path}: ${archivePath || 'archive'}: ${dir.problem}; the entries before it are used`);
  } catch (err) {
    if (!(err instanceof ZipError)) throw err;
    // the archive itself unreadable: nothing was read (failed); a nested one: the rest was (partial)
    (depth === 0 ? failed : partial)(w.ctx, `${w.file.path}: ${archivePath || 'archive'}: ${err.message}`);
    return;
  }
  const poms: Coords[] = [];
  let manifest: Map<string, string> | undefined;
  const nested: ZipEntry[] = [];
  for (const e of entries) {
    if (e.name.endsWith('/')) continue;
    const pp = pomPropertiesPath(e.name);
    if (pp) {
      const data = take(w, buf, e, w.limits.maxMetaBytes, where);
      if (!data) continue;
      const c = fromPomProperties(parseProperties(data.toString('utf8')), pp, e.name);
      if (c) poms.push(c);
      else w.ctx.warn(`${w.file.path}: ${where}${e.name}: no usable groupId/artifactId/version`);
    } else if (e.name === 'META-INF/MANIFEST.MF') {
      const data = take(w, buf, e, w.limits.maxMetaBytes, where);
      if (data) manifest = parseManifest(data.toString('utf8'));
    } else if (isJavaArchive(e.name)) {
      nested.push(e);
    }
  }

  const stem = baseName.replace(ARCHIVE, '');
  const byName = fromFileName(baseName);
  const byManifest = manifest ? fromManifest(manifest, byName) : undefined;
  for (const c of poms) w.found.push({ coords: c, archivePath });
  if (!poms.some((p) => describesArchive(p, byName, stem, byManifest))) {
    const own = byManifest ?? byName;
    const dup = own && poms.some((p) => p.artifactId.toLowerCase() === own.artifactId.toLowerCase() && p.version === own.version);
    if (own && !dup) w.found.push({ coords: own, archivePath });
  }

  for (const e of nested) {
    const childPath = where + e.name;
    if (depth + 1 > w.limits.maxDepth) {
      warnLimit(w, 'depth', `${w.file.path}: ${childPath}: nested deeper than ${w.limits.maxDepth} archives; not read (limit)`);
      continue;
    }
    if (w.archives >= w.limits.maxArchives) {
      warnLimit(w, 'archives', `${w.file.path}: more than ${w.limits.maxArchives} nested archives; the rest are not read (limit)`);
      return;
    }
    w.archives++;
    const data = take(w, buf, e, w.limits.maxNestedBytes, where);
    if (!data) continue;
    scan(w, data, childPath, e.name.slice(e.name.lastIndexOf('/') + 1), depth + 1);
  }
}

/** Every artifact found in a Java archive and the archives nested in it (not yet deduplicated). */
export function scanArchive(file: FileInput, ctx: AnalyzerContext, limits: JavaLimits = DEFAULT_JAVA_LIMITS): { coords: Coords; archivePath: string }[] {
  const w: Walk = { file, ctx, limits, used: 0, archives: 0, limitWarned: new Set(), found: [] };
  scan(w, file.content, '', file.path.slice(file.path.lastIndexOf('/') + 1), 0);
  return w.found;
}

function toPackage(c: Coords, archivePath: string, file: FileInput): Package {
  const metadata: Record<string, string> = { artifactId: c.artifactId, evidence: c.evidence };
  if (c.groupId) metadata.groupId = c.groupId;
  else metadata.groupIdUnknown = 'true';
  if (archivePath) metadata.archivePath = archivePath;
  if (c.source) metadata.pomProperties = c.source;
  return {
    name: c.groupId ? `${c.groupId}:${c.artifactId}` : c.artifactId,
    version: c.version,
    type: 'maven',
    purl: buildPurl({ type: 'maven', namespace: c.groupId, name: c.artifactId, version: c.version }),
    licenses: [],
    locations: [{ path: file.path, layer: file.layer }],
    foundBy: JAVA_ARCHIVE_ANALYZER,
    confidence: c.evidence === 'pom.properties' ? (c.nonStandard ? 'medium' : 'high') : c.evidence === 'MANIFEST.MF' ? 'medium' : 'low',
    metadata,
  };
}

const RANK = { 'pom.properties': 0, 'MANIFEST.MF': 1, 'file name': 2 } as const;

async function analyze(file: FileInput, ctx: AnalyzerContext, limits: JavaLimits = DEFAULT_JAVA_LIMITS): Promise<Fact[]> {
  const found = scanArchive(file, ctx, limits);
  // one package per purl: the strongest evidence, then the shallowest / first archive path
  found.sort(
    (a, b) =>
      RANK[a.coords.evidence] - RANK[b.coords.evidence] ||
      a.archivePath.split('!/').length - b.archivePath.split('!/').length ||
      (a.archivePath < b.archivePath ? -1 : a.archivePath > b.archivePath ? 1 : 0),
  );
  const byPurl = new Map<string, Package>();
  for (const f of found) {
    const p = toPackage(f.coords, f.archivePath, file);
    if (!byPurl.has(p.purl)) byPurl.set(p.purl, p);
  }
  return [...byPurl.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : 0))
    .map((pkg) => ({ kind: 'package', pkg }));
}

/** A java-archive analyzer with other limits (tests, strict policies). */
export function makeJavaArchiveAnalyzer(limits: JavaLimits): Analyzer {
  return {
    name: JAVA_ARCHIVE_ANALYZER,
    version: 1,
    required(path: string, entry: EntryInfo): boolean {
      // selected by path only (a zip is at least 22 bytes); the walker enforces maxFileBytes and says so
      return entry.type === 'file' && entry.size >= 22 && isJavaArchive(path);
    },
    maxFileBytes: limits.maxFileBytes,
    analyze: (file, ctx) => analyze(file, ctx, limits),
  };
}

export const javaArchiveAnalyzer: Analyzer = makeJavaArchiveAnalyzer(DEFAULT_JAVA_LIMITS);
