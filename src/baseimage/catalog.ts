// The catalog of known base images (policy as code: a YAML file in a repository).
//
//   apiVersion: portcullis/v1
//   kind: BaseImageCatalog
//   bases:
//     - name: docker.io/library/debian:12-slim     # repo[:tag], normalised
//       digest: sha256:…                           # manifest digest (when the source has one)
//       configDigest: sha256:…                     # image config digest (the image id)
//       approved: true
//       os: {family: debian, versionId: "12", codename: bookworm}
//       created: 2024-06-12T00:00:00Z              # the image config's `created`
//       layers: [sha256:…]                         # rootfs.diff_ids, in order (at least one)
//       packages: [{type: deb, name: zlib1g, version: …, purl: …}]
//
// Entries are identified by name + digest (configDigest when there is no manifest digest): the same
// name may appear several times (rebuilds of a tag), the same name + digest only once. Loading is
// strict: an invalid file is a whole-run error naming the file and the field.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { readUserFile } from '../core/userfile.js';
import { writeOutputText } from '../core/outfile.js';
import { dirname, resolve } from 'node:path';
import { Document, isPair, isScalar, isSeq, parse, visit } from 'yaml';
import { z } from 'zod';
import { PortcullisError } from '../core/errors.js';
import type { OsInfo, Package } from '../core/types.js';
import type { Inventory } from '../core/report.js';
import { normaliseImageName } from '../source/index.js';
import { acquireLock } from '../advisory/update/lock.js';
import { PACKAGE_TYPES, packageLine, parsePackageLine, type CatalogPackage } from './pkgline.js';

export type { CatalogPackage } from './pkgline.js';
export { DEFAULT_CATALOG_FILE, emptyCatalog, entryInventory, entryKey, normaliseBaseName, type Catalog } from './entry.js';
import { emptyCatalog, entryKey, normaliseBaseName, type Catalog } from './entry.js';

export const CATALOG_API_VERSION = 'portcullis/v1';
export const CATALOG_KIND = 'BaseImageCatalog';
/** a catalog larger than this is refused (it is a list of bases, not a data dump) */
export const MAX_CATALOG_BYTES = 64 * 1024 * 1024;

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;

const digest = z.string().regex(DIGEST_RE, 'expected sha256: followed by 64 lower-case hex digits');
const nonEmpty = z.string().min(1);

const imageName = nonEmpty.superRefine((s, ctx) => {
  try {
    const n = normaliseImageName(s);
    if (n.digest !== undefined) ctx.addIssue({ code: 'custom', message: 'put the digest in `digest`, not in the name' });
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

const packageObject = z.strictObject({
  type: z.enum(PACKAGE_TYPES),
  name: nonEmpty,
  version: nonEmpty,
  arch: nonEmpty.optional(),
  source: z.strictObject({ name: nonEmpty, version: nonEmpty }).optional(),
  epoch: z.number().int().min(0).optional(),
  purl: nonEmpty,
  distro: z.strictObject({ id: nonEmpty, versionId: nonEmpty.optional(), codename: nonEmpty.optional() }).optional(),
  modularityLabel: nonEmpty.optional(),
});

/** a package: the compact line (what `base add` writes) or a mapping (for hand-written entries) */
const catalogPackage = z.unknown().transform((v, ctx): CatalogPackage => {
  if (typeof v === 'string') {
    const r = parsePackageLine(v);
    if (typeof r === 'string') {
      ctx.addIssue({ code: 'custom', message: r });
      return z.NEVER;
    }
    return r;
  }
  const r = packageObject.safeParse(v);
  if (!r.success) {
    const first = r.error.issues[0]!;
    const where = first.path.map((x) => (typeof x === 'number' ? `[${x}]` : `.${String(x)}`)).join('');
    ctx.addIssue({ code: 'custom', message: `${where ? `${where.replace(/^\./, '')}: ` : ''}${first.message}` });
    return z.NEVER;
  }
  return r.data;
});

const catalogOs = z.strictObject({
  family: nonEmpty,
  versionId: nonEmpty.optional(),
  version: nonEmpty.optional(),
  codename: nonEmpty.optional(),
  name: nonEmpty.optional(),
  prettyName: nonEmpty.optional(),
});

const catalogEntry = z.strictObject({
  name: imageName,
  digest: digest.optional(),
  configDigest: digest.optional(),
  approved: z.boolean().default(true),
  os: catalogOs.optional(),
  created: nonEmpty.refine((s) => !Number.isNaN(Date.parse(s)), 'expected an RFC 3339 date-time').optional(),
  addedAt: nonEmpty.optional(),
  note: z.string().optional(),
  layers: z.array(digest).min(1, 'a base image has at least one layer (an entry without layers would match every image)'),
  packages: z.array(catalogPackage).default([]),
});

const catalogDoc = z.strictObject({
  apiVersion: z.literal(CATALOG_API_VERSION),
  kind: z.literal(CATALOG_KIND),
  bases: z.array(catalogEntry).nullish(),
});

export type CatalogOs = z.infer<typeof catalogOs>;
export type CatalogEntry = z.infer<typeof catalogEntry>;

function pathOf(issue: z.core.$ZodIssue): string {
  let out = '';
  for (const p of issue.path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out || '(document)';
}

/** Parse and validate catalog text. `file` is used in messages. */
export function parseCatalog(text: string, file: string): Catalog {
  let doc: unknown;
  try {
    doc = parse(text, { maxAliasCount: 100 });
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `${file}: invalid YAML: ${(e as Error).message.split('\n')[0]}`, { cause: e, subject: file });
  }
  if (doc === null || doc === undefined) {
    throw new PortcullisError('BAD_INPUT', `${file}: empty base catalog (expected apiVersion: ${CATALOG_API_VERSION}, kind: ${CATALOG_KIND}, bases: [...])`, { subject: file });
  }
  const r = catalogDoc.safeParse(doc);
  if (!r.success) {
    const first = r.error.issues[0]!;
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more problem(s))` : '';
    throw new PortcullisError('BAD_INPUT', `${file}: ${pathOf(first)}: ${first.message}${more}`, { subject: file });
  }
  const entries = (r.data.bases ?? []).map((e) => ({ ...e, name: normaliseBaseName(e.name) }));
  const seen = new Map<string, number>();
  entries.forEach((e, i) => {
    const k = entryKey(e);
    const prev = seen.get(k);
    if (prev !== undefined) {
      throw new PortcullisError('BAD_INPUT', `${file}: bases[${i}]: duplicate entry ${k} (also bases[${prev}]); remove one, or give them different digests`, { subject: file });
    }
    seen.set(k, i);
  });
  return { path: file, entries };
}

/** Read a catalog file. A missing file is NOT_FOUND unless `missingOk`, then an empty catalog. */
export async function loadCatalog(path: string, opts: { missingOk?: boolean } = {}): Promise<Catalog> {
  if (!existsSync(path)) {
    if (opts.missingOk) return emptyCatalog(path);
    throw new PortcullisError('NOT_FOUND', `base catalog not found: ${path}`, { subject: path });
  }
  // regular files only, size checked while reading (a FIFO or /dev/zero never hangs the run)
  const buf = await readUserFile(path, MAX_CATALOG_BYTES, 'base catalog');
  return parseCatalog(buf.toString('utf8'), path);
}

function sortEntries(entries: CatalogEntry[]): CatalogEntry[] {
  return [...entries].sort((a, b) => {
    if (a.name !== b.name) return a.name < b.name ? -1 : 1;
    const ca = a.created ?? '';
    const cb = b.created ?? '';
    if (ca !== cb) return ca < cb ? -1 : 1;
    const ka = entryKey(a);
    const kb = entryKey(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

const KEY_ORDER = ['name', 'digest', 'configDigest', 'approved', 'os', 'created', 'addedAt', 'note', 'layers', 'packages'] as const;

const PACKAGE_KEY_ORDER = ['type', 'name', 'version', 'epoch', 'arch', 'source', 'purl', 'distro', 'modularityLabel'] as const;
const OS_KEY_ORDER = ['family', 'versionId', 'version', 'codename', 'name', 'prettyName'] as const;

function pick<T extends object>(o: T, keys: readonly (keyof T)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (o[k] !== undefined) out[k as string] = o[k];
  return out;
}

/** the same key order whatever the entry's history, so the file is stable under re-writes */
function ordered(e: CatalogEntry): Record<string, unknown> {
  const out = pick(e, KEY_ORDER);
  if (e.os) out.os = pick(e.os, OS_KEY_ORDER);
  out.packages = e.packages.map((p) => packageLine(p) ?? pick(p, PACKAGE_KEY_ORDER));
  return out;
}

/** YAML text of a catalog (entries sorted by name, then creation time, then digest; one line per package). */
export function renderCatalog(c: Catalog): string {
  const doc = new Document({
    apiVersion: CATALOG_API_VERSION,
    kind: CATALOG_KIND,
    bases: sortEntries(c.entries).map(ordered),
  });
  visit(doc, {
    Map(_key, node, path) {
      // packages[i] and os: flow style, so a base with hundreds of packages stays readable
      const parent = path.at(-1);
      const grand = path.at(-2);
      if (isSeq(parent) && isPair(grand) && isScalar(grand.key) && grand.key.value === 'packages') node.flow = true; // mapping fallback
      if (isPair(parent) && isScalar(parent.key) && parent.key.value === 'os') node.flow = true;
    },
  });
  return (
    '# Known base images for Portcullis (portcullis base add | list | remove). See docs/base-images.md.\n' +
    doc.toString({ lineWidth: 0 })
  );
}

/** Write atomically: a temp file in the same directory, then rename over the target. */
export async function saveCatalog(c: Catalog, path: string): Promise<void> {
  const text = renderCatalog(c);
  parseCatalog(text, path); // never write something we could not read back
  try {
    // atomically onto a regular file; never renamed over a symlink, device or FIFO (core/outfile)
    await writeOutputText(path, text, { mode: 0o644 });
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `${path}: cannot write the base catalog: ${(e as Error).message}`, { cause: e, subject: path });
  }
}

/**
 * Read-modify-write under a lock file (`FILE.lock`, O_EXCL; stale locks of dead processes are taken
 * over), so concurrent `base add` / `base remove` runs do not lose each other's changes. The file is
 * created when missing. Returns what `mutate` returned.
 */
export async function updateCatalog<T>(path: string, mutate: (c: Catalog) => { catalog: Catalog; result: T }, opts: { timeoutMs?: number } = {}): Promise<T> {
  await mkdir(dirname(resolve(path)), { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await acquireLock(`${path}.lock`, { timeoutMs: opts.timeoutMs ?? 60_000, staleMs: 10 * 60_000 });
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `${path}: the base catalog is being changed by another process (lock file ${path}.lock): ${(e as Error).message}`, { cause: e, subject: path });
  }
  try {
    const { catalog, result } = mutate(await loadCatalog(path, { missingOk: true }));
    await saveCatalog(catalog, path);
    return result;
  } finally {
    await release();
  }
}

function compactPackage(p: Package): CatalogPackage {
  const out: CatalogPackage = { type: p.type, name: p.name, version: p.version, purl: p.purl };
  if (p.arch) out.arch = p.arch;
  if (p.source && p.source.name && p.source.version) out.source = { name: p.source.name, version: p.source.version };
  if (p.epoch !== undefined) out.epoch = p.epoch;
  if (p.distro) {
    const d: NonNullable<CatalogPackage['distro']> = { id: p.distro.id };
    if (p.distro.versionId) d.versionId = p.distro.versionId;
    if (p.distro.codename) d.codename = p.distro.codename;
    out.distro = d;
  }
  if (p.modularityLabel) out.modularityLabel = p.modularityLabel;
  return out;
}

function compactOs(os: OsInfo): CatalogOs {
  const out: CatalogOs = { family: os.family };
  if (os.versionId) out.versionId = os.versionId;
  if (os.version) out.version = os.version;
  if (os.codename) out.codename = os.codename;
  if (os.name) out.name = os.name;
  if (os.prettyName) out.prettyName = os.prettyName;
  return out;
}

/** The repo:tag an image calls itself, when it has a full one (an OCI ref.name may be a bare tag). */
export function imageOwnName(inv: Inventory): string | undefined {
  for (const t of [...inv.image.repoTags, inv.image.ref.name && inv.image.ref.tag ? `${inv.image.ref.name}:${inv.image.ref.tag}` : '']) {
    if (!t || !/[:/]/.test(t)) continue;
    try {
      return normaliseBaseName(t);
    } catch {
      // not a reference; try the next
    }
  }
  return undefined;
}

export interface EntryOptions {
  name?: string;
  approved?: boolean;
  addedAt?: string;
  note?: string;
}

/** A catalog entry describing an inventoried image. Throws BAD_INPUT when it cannot be a base. */
export function entryFromInventory(inv: Inventory, opts: EntryOptions = {}): CatalogEntry {
  const what = inv.image.ref.input;
  const name = opts.name !== undefined ? normaliseBaseName(opts.name) : imageOwnName(inv);
  if (!name) {
    throw new PortcullisError('BAD_INPUT', `${what}: the image does not name itself with a repository and tag (it says ${JSON.stringify(inv.image.repoTags)}); give one with --name, e.g. --name debian:12-slim`);
  }
  const layers = inv.image.config.diffIds.length ? inv.image.config.diffIds : inv.image.layers.map((l) => l.diffId);
  if (layers.length === 0) throw new PortcullisError('BAD_INPUT', `${what}: the image has no layers; it cannot be recorded as a base`);
  const bad = layers.find((d) => !DIGEST_RE.test(d));
  if (bad) throw new PortcullisError('BAD_INPUT', `${what}: layer diff_id ${JSON.stringify(bad)} is not a sha256 digest`);
  const e: CatalogEntry = {
    name,
    approved: opts.approved ?? true,
    layers: [...layers],
    packages: inv.packages.map(compactPackage).sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0)),
  };
  if (inv.image.manifestDigest && DIGEST_RE.test(inv.image.manifestDigest)) e.digest = inv.image.manifestDigest;
  if (inv.image.configDigest && DIGEST_RE.test(inv.image.configDigest)) e.configDigest = inv.image.configDigest;
  if (inv.os) e.os = compactOs(inv.os);
  if (inv.image.config.created && !Number.isNaN(Date.parse(inv.image.config.created))) e.created = inv.image.config.created;
  if (opts.addedAt) e.addedAt = opts.addedAt;
  if (opts.note) e.note = opts.note;
  return e;
}

/** Add or replace (same name + digest) an entry; returns the new catalog and whether it replaced one. */
export function upsertEntry(c: Catalog, e: CatalogEntry): { catalog: Catalog; replaced: boolean } {
  const k = entryKey(e);
  const rest = c.entries.filter((x) => entryKey(x) !== k);
  return { catalog: { ...c, entries: [...rest, e] }, replaced: rest.length !== c.entries.length };
}

/**
 * Remove entries by `NAME` (every digest of that name) or `NAME@DIGEST` (one; the digest may be the
 * manifest or the config digest). Throws NOT_FOUND when nothing matches.
 */
export function removeEntries(c: Catalog, ref: string): { catalog: Catalog; removed: CatalogEntry[] } {
  const at = ref.indexOf('@');
  const name = normaliseBaseName(at >= 0 ? ref.slice(0, at) : ref);
  const dig = at >= 0 ? ref.slice(at + 1).toLowerCase() : undefined;
  if (dig !== undefined && !DIGEST_RE.test(dig)) throw new PortcullisError('BAD_INPUT', `not a sha256 digest: ${JSON.stringify(dig)}`);
  const hit = (e: CatalogEntry) => e.name === name && (dig === undefined || e.digest === dig || e.configDigest === dig);
  const removed = c.entries.filter(hit);
  if (removed.length === 0) {
    throw new PortcullisError('NOT_FOUND', `${c.path ?? 'base catalog'}: no base ${name}${dig ? `@${dig}` : ''} in the catalog`);
  }
  return { catalog: { ...c, entries: c.entries.filter((e) => !hit(e)) }, removed };
}
