// Record a base image in a catalog from an uploaded scan: the same entry `portcullis base add` writes
// (layers, packages, OS, digests, from the scan's inventory), added to (or replacing the same
// name@digest in) the stored catalog as a new revision. The console's "Record as a base image".
import type { ScanReport } from '../../core/report.js';
import { emptyCatalog, entryFromInventory, entryKey, parseCatalog, renderCatalog, upsertEntry } from '../../baseimage/catalog.js';
import { validateDocument } from '../store/documents.js';
import { getObject, putObject } from '../store/objects.js';
import { getScan } from '../store/scans.js';
import { view } from './objects.js';
import { EDITORS, NAME_PATTERN, mayUsePipeline, notFound, type Route } from './route.js';

export const baseRoutes: Route[] = [
  {
    method: 'POST', url: '/api/v1/catalogs/:name/bases', summary: 'Record the image of an uploaded scan as a base in a catalog (as `base add` does; the catalog is created when missing)', tag: 'catalogs', roles: EDITORS, status: 201,
    params: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string', pattern: NAME_PATTERN } } },
    body: {
      type: 'object',
      required: ['scanId'],
      additionalProperties: false,
      properties: {
        scanId: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' },
        base: { type: 'string', minLength: 1, maxLength: 512, description: 'repo:tag to record it as (default: the name the image gives itself)' },
        approved: { type: 'boolean', description: 'the catalog flag (default true, as `base add`)' },
        note: { type: 'string', maxLength: 1000 },
      },
    },
    handler: async (ctx, call) => {
      const b = call.body as { scanId: string; base?: string; approved?: boolean; note?: string };
      const name = call.params.name!;
      const scan = await getScan(ctx.store, Number(b.scanId));
      if (!scan || !mayUsePipeline(call.token, scan.pipeline)) throw notFound(`scan ${b.scanId}`);
      const entry = entryFromInventory((scan.report as ScanReport).inventory, { name: b.base, approved: b.approved ?? true, addedAt: call.now.toISOString(), note: b.note });
      const prev = await getObject(ctx.store, 'BaseImageCatalog', name);
      const current = prev && prev.state === 'active' ? parseCatalog(prev.raw, `server:BaseImageCatalog/${name}`) : emptyCatalog();
      const { catalog, replaced } = upsertEntry(current, entry);
      const doc = validateDocument(renderCatalog(catalog), `BaseImageCatalog ${name}`, name);
      const r = await putObject(ctx.store, doc, { file: prev?.file ?? `catalogs/${name}.yaml`, position: prev?.position ?? 0 }, call.actor, call.now);
      return { ...view(r.object), base: entryKey(entry), replaced };
    },
  },
];
