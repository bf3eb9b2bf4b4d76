// OpenVEX 0.2 (https://github.com/openvex/spec), and the 0.0.x layout where subcomponents sat on the statement.
import { Reader, purlOf, sha256Digest, type Json } from './read.js';
import { VEX_LIMITS, VEX_STATUSES, type VexDocument, type VexProduct, type VexStatement, type VexStatus } from './types.js';

export function isOpenVex(doc: Record<string, Json>): boolean {
  return typeof doc['@context'] === 'string' && doc['@context'].startsWith('https://openvex.dev/ns');
}

function product(r: Reader, v: Json, path: string): VexProduct {
  const o = r.obj(v, path);
  const id = r.optStr(o['@id'], `${path}.@id`);
  const ids = o.identifiers === undefined ? {} : r.obj(o.identifiers, `${path}.identifiers`);
  const purl = purlOf(r.optStr(ids.purl, `${path}.identifiers.purl`)) ?? purlOf(id);
  const digests: string[] = [];
  if (o.hashes !== undefined) {
    for (const [alg, value] of Object.entries(r.obj(o.hashes, `${path}.hashes`))) {
      const d = sha256Digest(alg, r.str(value, `${path}.hashes.${alg}`));
      if (d) digests.push(d);
    }
  }
  if (id === undefined && purl === undefined) r.fail(path, 'expected @id or identifiers.purl');
  return { id: id ?? purl!, purl, digests };
}

export function readOpenVex(doc: Record<string, Json>, file: string): VexDocument {
  const r: Reader = new Reader(file);
  const id = r.str(doc['@id'], '@id');
  const author = r.str(doc.author, 'author');
  const timestamp = r.optStr(doc.last_updated, 'last_updated') ?? r.optStr(doc.timestamp, 'timestamp');
  const notices: string[] = [];
  const statements: VexStatement[] = [];
  r.arr(doc.statements, 'statements').forEach((sv, i) => {
    const path = `statements[${i}]`;
    const s = r.obj(sv, path);
    let vulnerability: string;
    let aliases: string[] = [];
    if (typeof s.vulnerability === 'string') vulnerability = r.str(s.vulnerability, `${path}.vulnerability`);
    else {
      const v = r.obj(s.vulnerability, `${path}.vulnerability`);
      vulnerability = r.str(v.name, `${path}.vulnerability.name`);
      aliases = r.arr(v.aliases, `${path}.vulnerability.aliases`, 1000).map((a, k) => r.str(a, `${path}.vulnerability.aliases[${k}]`));
    }
    const status = r.str(s.status, `${path}.status`) as VexStatus;
    if (!VEX_STATUSES.includes(status)) r.fail(`${path}.status`, `expected one of ${VEX_STATUSES.join(', ')}`);
    const products: VexProduct[] = [];
    const subcomponents: VexProduct[] = [];
    r.arr(s.products, `${path}.products`, VEX_LIMITS.productsPerStatement).forEach((pv, k) => {
      products.push(product(r, pv, `${path}.products[${k}]`));
      const subs = r.obj(pv, `${path}.products[${k}]`).subcomponents;
      r.arr(subs, `${path}.products[${k}].subcomponents`, VEX_LIMITS.productsPerStatement).forEach((c, m) =>
        subcomponents.push(product(r, c, `${path}.products[${k}].subcomponents[${m}]`)),
      );
    });
    r.arr(s.subcomponents, `${path}.subcomponents`, VEX_LIMITS.productsPerStatement).forEach((c, m) => subcomponents.push(product(r, c, `${path}.subcomponents[${m}]`)));
    const justification = r.optStr(s.justification, `${path}.justification`);
    const impact = r.optStr(s.impact_statement, `${path}.impact_statement`);
    if (status === 'not_affected' && justification === undefined && impact === undefined) {
      notices.push(`${file}: ${path}: not_affected for ${vulnerability} without a justification or impact_statement (required by OpenVEX): statement ignored`);
      return;
    }
    if (products.length === 0) {
      notices.push(`${file}: ${path}: ${vulnerability}: no products: statement ignored`);
      return;
    }
    statements.push({
      vulnerability,
      aliases,
      products,
      subcomponents,
      status,
      justification,
      impact,
      action: r.optStr(s.action_statement, `${path}.action_statement`),
      timestamp: r.optStr(s.last_updated, `${path}.last_updated`) ?? r.optStr(s.timestamp, `${path}.timestamp`) ?? timestamp,
    });
  });
  return { format: 'openvex', id, author, identities: [author], timestamp, source: file, statements, notices };
}
