// CycloneDX 1.4–1.6 VEX: `vulnerabilities[].analysis` over components referenced by `affects[].ref`.
// The product is `metadata.component` (the image) when the BOM names one; the affected component is then
// a subcomponent of it. Analysis states map to VEX statuses as CycloneDX's own VEX guide does.
import { Reader, purlOf, sha256Digest, type Json } from './read.js';
import { VEX_LIMITS, type VexDocument, type VexProduct, type VexStatement, type VexStatus } from './types.js';

export function isCycloneDx(doc: Record<string, Json>): boolean {
  return doc.bomFormat === 'CycloneDX';
}

const STATES: Record<string, VexStatus> = {
  not_affected: 'not_affected',
  false_positive: 'not_affected',
  resolved: 'fixed',
  resolved_with_pedigree: 'fixed',
  exploitable: 'affected',
  in_triage: 'under_investigation',
};

function component(r: Reader, v: Json, path: string): VexProduct & { ref?: string } {
  const o = r.obj(v, path);
  const ref = r.optStr(o['bom-ref'], `${path}.bom-ref`);
  const purl = purlOf(r.optStr(o.purl, `${path}.purl`));
  const digests: string[] = [];
  r.arr(o.hashes, `${path}.hashes`, 64).forEach((h, i) => {
    const ho = r.obj(h, `${path}.hashes[${i}]`);
    const d = sha256Digest(r.str(ho.alg, `${path}.hashes[${i}].alg`), r.str(ho.content, `${path}.hashes[${i}].content`));
    if (d) digests.push(d);
  });
  return { id: ref ?? purl ?? r.optStr(o.name, `${path}.name`) ?? path, purl, digests, ref };
}

export function readCycloneDxVex(doc: Record<string, Json>, file: string): VexDocument {
  const r: Reader = new Reader(file);
  const meta = doc.metadata === undefined ? {} : r.obj(doc.metadata, 'metadata');
  const identities: string[] = [];
  r.arr(meta.authors, 'metadata.authors', 100).forEach((a, i) => {
    const o = r.obj(a, `metadata.authors[${i}]`);
    for (const k of ['name', 'email'] as const) {
      const s = r.optStr(o[k], `metadata.authors[${i}].${k}`);
      if (s) identities.push(s);
    }
  });
  for (const k of ['manufacturer', 'manufacture', 'supplier'] as const) {
    if (meta[k] !== undefined) {
      const s = r.optStr(r.obj(meta[k], `metadata.${k}`).name, `metadata.${k}.name`);
      if (s) identities.push(s);
    }
  }
  const byRef = new Map<string, VexProduct>();
  let count = 0;
  const collect = (list: Json, path: string, depth: number): void => {
    if (depth > VEX_LIMITS.depth) r.fail(path, `components nested deeper than ${VEX_LIMITS.depth}`);
    r.arr(list, path, VEX_LIMITS.statements).forEach((c, i) => {
      if (++count > VEX_LIMITS.statements) r.fail(path, `more than ${VEX_LIMITS.statements} components`);
      const p = component(r, c, `${path}[${i}]`);
      if (p.ref) byRef.set(p.ref, p);
      collect(r.obj(c, `${path}[${i}]`).components, `${path}[${i}].components`, depth + 1);
    });
  };
  const root = meta.component === undefined ? undefined : component(r, meta.component, 'metadata.component');
  if (root?.ref) byRef.set(root.ref, root);
  collect(doc.components, 'components', 0);
  const serial = r.optStr(doc.serialNumber, 'serialNumber');
  const id = serial !== undefined ? `${serial}/${typeof doc.version === 'number' ? doc.version : 1}` : file;
  const timestamp = r.optStr(meta.timestamp, 'metadata.timestamp');
  const notices: string[] = [];
  const statements: VexStatement[] = [];
  r.arr(doc.vulnerabilities, 'vulnerabilities').forEach((vv, i) => {
    const path = `vulnerabilities[${i}]`;
    const v = r.obj(vv, path);
    const vulnerability = r.str(v.id, `${path}.id`);
    if (v.analysis === undefined) return; // a vulnerability without analysis is a finding, not a statement
    const a = r.obj(v.analysis, `${path}.analysis`);
    const state = r.optStr(a.state, `${path}.analysis.state`);
    if (state === undefined) return;
    const status = STATES[state];
    if (!status) r.fail(`${path}.analysis.state`, `unknown state ${JSON.stringify(state)}`);
    const aliases = r.arr(v.references, `${path}.references`, 1000).map((x, k) => r.str(r.obj(x, `${path}.references[${k}]`).id, `${path}.references[${k}].id`));
    const affected: VexProduct[] = [];
    r.arr(v.affects, `${path}.affects`, VEX_LIMITS.productsPerStatement).forEach((af, k) => {
      const ref = r.str(r.obj(af, `${path}.affects[${k}]`).ref, `${path}.affects[${k}].ref`);
      const local = ref.includes('#') && ref.startsWith('urn:cdx:') ? ref.slice(ref.indexOf('#') + 1) : ref;
      const p = byRef.get(local) ?? (purlOf(local) ? { id: local, purl: local, digests: [] } : undefined);
      if (p) affected.push(p);
      else notices.push(`${file}: ${path}.affects[${k}]: ${ref} names no component of this BOM: not matched`);
    });
    const justification = r.optStr(a.justification, `${path}.analysis.justification`) ?? (state === 'false_positive' ? 'false_positive' : undefined);
    const impact = r.optStr(a.detail, `${path}.analysis.detail`);
    if (status === 'not_affected' && justification === undefined && impact === undefined) {
      notices.push(`${file}: ${path}: ${state} for ${vulnerability} without a justification or detail: statement ignored`);
      return;
    }
    if (affected.length === 0) return;
    const aboutRoot = root !== undefined && affected.every((p) => p === root);
    const base = {
      vulnerability,
      aliases,
      status,
      justification,
      impact,
      action: r.arr(a.response, `${path}.analysis.response`, 16).map((x, k) => r.str(x, `${path}.analysis.response[${k}]`)).join(', ') || undefined,
      timestamp: r.optStr(a.lastUpdated, `${path}.analysis.lastUpdated`) ?? r.optStr(v.updated, `${path}.updated`) ?? timestamp,
    };
    if (root && !aboutRoot) statements.push({ ...base, products: [root], subcomponents: affected.filter((p) => p !== root) });
    else statements.push({ ...base, products: affected, subcomponents: [] });
  });
  return { format: 'cyclonedx', id, author: identities[0] ?? '(no author)', identities, timestamp, source: file, statements, notices };
}
