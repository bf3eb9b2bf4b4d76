// CSAF 2.0, VEX profile (category csaf_vex): product_status lists over a product tree whose products carry
// purls (product_identification_helper) and whose relationships place a component inside a product.
// A product without a purl or sha256 hash cannot be matched to anything in an image: its statements are
// kept (they match nothing) and named in a notice.
import { Reader, purlOf, sha256Digest, type Json } from './read.js';
import { VEX_LIMITS, type VexDocument, type VexProduct, type VexStatement, type VexStatus } from './types.js';

export function isCsaf(doc: Record<string, Json>): boolean {
  const d = doc.document;
  return d !== null && typeof d === 'object' && typeof (d as Record<string, Json>).csaf_version === 'string';
}

const STATUS_LISTS: [string, VexStatus][] = [
  ['known_not_affected', 'not_affected'],
  ['fixed', 'fixed'],
  ['first_fixed', 'fixed'],
  ['known_affected', 'affected'],
  ['first_affected', 'affected'],
  ['last_affected', 'affected'],
  ['under_investigation', 'under_investigation'],
];

interface Placed {
  product: VexProduct;
  /** set for a relationship's product: the component placed inside `product` */
  component?: VexProduct;
}

function fullProductName(r: Reader, v: Json, path: string): VexProduct {
  const o = r.obj(v, path);
  const id = r.str(o.product_id, `${path}.product_id`);
  const digests: string[] = [];
  let purl: string | undefined;
  if (o.product_identification_helper !== undefined) {
    const h = r.obj(o.product_identification_helper, `${path}.product_identification_helper`);
    purl = purlOf(r.optStr(h.purl, `${path}.product_identification_helper.purl`));
    r.arr(h.hashes, `${path}.product_identification_helper.hashes`, 64).forEach((fh, i) => {
      const fo = r.obj(fh, `${path}.product_identification_helper.hashes[${i}]`);
      r.arr(fo.file_hashes, `${path}.product_identification_helper.hashes[${i}].file_hashes`, 16).forEach((x, k) => {
        const xo = r.obj(x, `${path}.product_identification_helper.hashes[${i}].file_hashes[${k}]`);
        const d = sha256Digest(r.str(xo.algorithm, 'algorithm'), r.str(xo.value, 'value'));
        if (d) digests.push(d);
      });
    });
  }
  return { id, purl, digests };
}

function productTree(r: Reader, tree: Record<string, Json>): Map<string, Placed> {
  const out = new Map<string, Placed>();
  let count = 0;
  const add = (p: VexProduct, component?: VexProduct) => {
    if (++count > VEX_LIMITS.statements) r.fail('product_tree', `more than ${VEX_LIMITS.statements} products`);
    out.set(p.id, component ? { product: p, component } : { product: p });
  };
  const branches = (list: Json, path: string, depth: number): void => {
    if (depth > VEX_LIMITS.depth) r.fail(path, `branches nested deeper than ${VEX_LIMITS.depth}`);
    r.arr(list, path, VEX_LIMITS.productsPerStatement).forEach((b, i) => {
      const o = r.obj(b, `${path}[${i}]`);
      if (o.product !== undefined) add(fullProductName(r, o.product, `${path}[${i}].product`));
      branches(o.branches, `${path}[${i}].branches`, depth + 1);
    });
  };
  branches(tree.branches, 'product_tree.branches', 0);
  r.arr(tree.full_product_names, 'product_tree.full_product_names', VEX_LIMITS.productsPerStatement).forEach((p, i) =>
    add(fullProductName(r, p, `product_tree.full_product_names[${i}]`)),
  );
  r.arr(tree.relationships, 'product_tree.relationships', VEX_LIMITS.productsPerStatement).forEach((rel, i) => {
    const path = `product_tree.relationships[${i}]`;
    const o = r.obj(rel, path);
    const full = fullProductName(r, o.full_product_name, `${path}.full_product_name`);
    const component = out.get(r.str(o.product_reference, `${path}.product_reference`))?.product;
    const product = out.get(r.str(o.relates_to_product_reference, `${path}.relates_to_product_reference`))?.product;
    if (!component || !product) r.fail(path, 'product_reference or relates_to_product_reference names no product of the tree');
    add({ ...product, id: full.id }, component);
  });
  return out;
}

/** The remark a CSAF vulnerability gives for one product id in a list of {product_ids} objects. */
function forProduct(r: Reader, list: Json, path: string, id: string, pick: (o: Record<string, Json>, p: string) => string | undefined): string | undefined {
  for (const [i, x] of r.arr(list, path, VEX_LIMITS.productsPerStatement).entries()) {
    const o = r.obj(x, `${path}[${i}]`);
    const ids = r.arr(o.product_ids, `${path}[${i}].product_ids`, VEX_LIMITS.productsPerStatement);
    if (ids.includes(id)) {
      const v = pick(o, `${path}[${i}]`);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

export function readCsafVex(doc: Record<string, Json>, file: string): VexDocument {
  const r: Reader = new Reader(file);
  const d = r.obj(doc.document, 'document');
  const category = r.str(d.category, 'document.category');
  if (category !== 'csaf_vex') r.fail('document.category', `expected csaf_vex (the CSAF VEX profile), got ${JSON.stringify(category)}`);
  const publisher = r.obj(d.publisher, 'document.publisher');
  const author = r.str(publisher.name, 'document.publisher.name');
  const namespace = r.optStr(publisher.namespace, 'document.publisher.namespace');
  const tracking = r.obj(d.tracking, 'document.tracking');
  const id = r.str(tracking.id, 'document.tracking.id');
  const timestamp = r.optStr(tracking.current_release_date, 'document.tracking.current_release_date');
  const products = productTree(r, doc.product_tree === undefined ? {} : r.obj(doc.product_tree, 'product_tree'));
  const notices: string[] = [];
  const unmatchable = new Set<string>();
  const statements: VexStatement[] = [];
  r.arr(doc.vulnerabilities, 'vulnerabilities').forEach((vv, i) => {
    const path = `vulnerabilities[${i}]`;
    const v = r.obj(vv, path);
    const ids = r.arr(v.ids, `${path}.ids`, 100).map((x, k) => r.str(r.obj(x, `${path}.ids[${k}]`).text, `${path}.ids[${k}].text`));
    const cve = r.optStr(v.cve, `${path}.cve`);
    const vulnerability = cve ?? ids[0];
    if (vulnerability === undefined) r.fail(path, 'expected cve or ids');
    const aliases = ids.filter((x) => x !== vulnerability);
    const statusObj = v.product_status === undefined ? {} : r.obj(v.product_status, `${path}.product_status`);
    for (const [list, status] of STATUS_LISTS) {
      for (const [k, pid] of r.arr(statusObj[list], `${path}.product_status.${list}`, VEX_LIMITS.productsPerStatement).entries()) {
        const productId = r.str(pid, `${path}.product_status.${list}[${k}]`);
        const placed = products.get(productId);
        if (!placed) r.fail(`${path}.product_status.${list}[${k}]`, `${productId} is not in the product tree`);
        const identified = (p: VexProduct) => p.purl !== undefined || p.digests.length > 0;
        if (!identified(placed.product) || (placed.component && !identified(placed.component))) unmatchable.add(productId);
        const justification = forProduct(r, v.flags, `${path}.flags`, productId, (o, p) => r.optStr(o.label, `${p}.label`));
        const impact = forProduct(r, v.threats, `${path}.threats`, productId, (o, p) => (o.category === 'impact' ? r.optStr(o.details, `${p}.details`) : undefined));
        if (status === 'not_affected' && justification === undefined && impact === undefined) {
          notices.push(`${file}: ${path}: ${vulnerability} known_not_affected for ${productId} without a flag or impact threat (required by the CSAF VEX profile): statement ignored`);
          continue;
        }
        statements.push({
          vulnerability,
          aliases,
          products: [placed.product],
          subcomponents: placed.component ? [placed.component] : [],
          status,
          justification,
          impact,
          action: forProduct(r, v.remediations, `${path}.remediations`, productId, (o, p) => r.optStr(o.details, `${p}.details`)),
          timestamp,
        });
      }
    }
  });
  if (unmatchable.size > 0) {
    notices.push(`${file}: products ${[...unmatchable].sort().join(', ')} carry no purl or sha256 hash (product_identification_helper): their statements match nothing in an image`);
  }
  return { format: 'csaf', id, author, identities: namespace ? [author, namespace] : [author], timestamp, source: file, statements, notices };
}
