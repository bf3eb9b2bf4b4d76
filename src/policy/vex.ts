// VEX statements as suppressions, matched as strictly as exceptions: the exact vulnerability id or an
// alias, a product that is this image (by a digest we computed: manifest or config) with a subcomponent
// that is this package, or a product that is the package itself (by purl, with purl qualifier rules).
// Only documents whose author or publisher a policy trusts (spec.vex.trust) count; the latest statement
// about a vulnerability, product and package wins; only not_affected and fixed suppress.
import { anyGlobMatch } from '../core/glob.js';
import { buildPurl, parsePurl, type PurlParts } from '../core/purl.js';
import type { Suppression, VexSuppression } from '../core/report.js';
import type { Finding, PackageRef } from '../core/types.js';
import type { VexDocument, VexProduct, VexStatement } from '../vex/types.js';
import { normaliseImageName, parseImageRef, type ImageId } from './imageref.js';
import type { Policy } from './schema.js';

interface Indexed {
  doc: VexDocument;
  st: VexStatement;
  order: number;
}

export interface VexIndex {
  byId: Map<string, Indexed[]>;
  docs: VexDocument[];
}

export function indexVex(docs: readonly VexDocument[]): VexIndex {
  const byId = new Map<string, Indexed[]>();
  let order = 0;
  for (const doc of docs) {
    for (const st of doc.statements) {
      const item = { doc, st, order: order++ };
      for (const id of new Set([st.vulnerability, ...st.aliases].map((x) => x.toUpperCase()))) {
        const list = byId.get(id);
        if (list) list.push(item);
        else byId.set(id, [item]);
      }
    }
  }
  return { byId, docs: [...docs] };
}

function parse(p: string): PurlParts | undefined {
  try {
    return parsePurl(p);
  } catch {
    return undefined;
  }
}

/** A statement's purl matches a package's: same type/namespace/name; its version, qualifiers and subpath, when given, equal. */
export function purlMatches(want: string, have: string): boolean {
  const w = parse(want);
  const h = parse(have);
  if (!w || !h) return false;
  const key = (p: PurlParts) => buildPurl({ type: p.type.toLowerCase(), namespace: p.namespace, name: p.name });
  if (key(w) !== key(h)) return false;
  if (w.version !== undefined && w.version !== h.version) return false;
  for (const [k, v] of Object.entries(w.qualifiers ?? {})) if (v !== undefined && h.qualifiers?.[k] !== v) return false;
  return w.subpath === undefined || w.subpath === h.subpath;
}

/** Is the product this image? Only by a digest we computed (manifest or config), never by a tag. */
export function productIsImage(p: VexProduct, img: ImageId): boolean {
  const ours = [img.digest, img.id].filter((d): d is string => d !== undefined).map((d) => d.toLowerCase());
  if (ours.length === 0) return false;
  if (p.digests.some((d) => ours.includes(d))) return true;
  if (p.purl !== undefined) {
    const o = parse(p.purl);
    if (!o || o.type.toLowerCase() !== 'oci' || o.version === undefined || !ours.includes(o.version.toLowerCase())) return false;
    const repo = o.qualifiers?.repository_url;
    if (repo !== undefined && (img.name === undefined || normaliseImageName(repo) !== img.name)) return false;
    const tag = o.qualifiers?.tag;
    return tag === undefined || tag === img.tag;
  }
  const ref = parseImageRef(p.id);
  if (ref?.digest === undefined || !ours.includes(ref.digest)) return false;
  return ref.name === undefined || ref.name === img.name;
}

function productIsPackage(p: VexProduct, pkg: PackageRef): boolean {
  return p.purl !== undefined && purlMatches(p.purl, pkg.purl);
}

function statementApplies(st: VexStatement, img: ImageId, pkg: PackageRef): boolean {
  if (st.subcomponents.length > 0) return st.products.some((p) => productIsImage(p, img)) && st.subcomponents.some((c) => productIsPackage(c, pkg));
  return st.products.some((p) => productIsPackage(p, pkg));
}

export const trusts = (p: Policy, doc: VexDocument): boolean => doc.identities.some((id) => anyGlobMatch(p.spec.vex?.trust ?? [], id));

const time = (s: string | undefined): number => {
  const t = s === undefined ? NaN : Date.parse(s);
  return Number.isFinite(t) ? t : Number.NEGATIVE_INFINITY;
};

/** The suppression a trusted VEX statement gives this finding under policy `p`, if any. */
export function vexSuppression(f: Finding, p: Policy, img: ImageId, index: VexIndex): Omit<Suppression, 'findingId'> | undefined {
  if (f.kind !== 'vulnerability' || index.byId.size === 0) return undefined;
  const seen = new Set<Indexed>();
  let latest: Indexed | undefined;
  for (const id of [f.advisoryId, ...f.aliases]) {
    for (const item of index.byId.get(id.toUpperCase()) ?? []) {
      if (seen.has(item)) continue;
      seen.add(item);
      if (!trusts(p, item.doc) || !statementApplies(item.st, img, f.package)) continue;
      if (!latest || time(item.st.timestamp) > time(latest.st.timestamp) || (time(item.st.timestamp) === time(latest.st.timestamp) && item.order > latest.order)) latest = item;
    }
  }
  if (!latest) return undefined;
  const { doc, st } = latest;
  const status = st.status;
  if (status !== 'not_affected' && status !== 'fixed') return undefined;
  const why = status === 'fixed' ? `fixed per VEX ${doc.id}` : `not affected per VEX ${doc.id}: ${st.justification ?? st.impact}`;
  const vex: VexSuppression = { document: doc.id, author: doc.author, status };
  if (st.justification !== undefined) vex.justification = st.justification;
  if (st.impact !== undefined) vex.impact = st.impact;
  return { by: 'vex', ruleId: doc.id, policy: p.metadata.name, reason: `${why} (${doc.author})`, source: doc.source, vex };
}

/** Notices for the decision: statements skipped while reading, and documents a selected policy does not trust. */
export function vexNotices(index: VexIndex, selected: readonly Policy[]): string[] {
  const out: string[] = [];
  for (const doc of index.docs) {
    out.push(...doc.notices);
    const untrusting = selected.filter((p) => !trusts(p, doc)).map((p) => p.metadata.name);
    if (untrusting.length > 0 && doc.statements.length > 0) {
      out.push(`VEX ${doc.id} by ${doc.author} (${doc.source}) is not trusted by policy ${untrusting.join(', ')} (spec.vex.trust): its ${doc.statements.length} statement(s) are ignored there`);
    }
  }
  return out;
}
