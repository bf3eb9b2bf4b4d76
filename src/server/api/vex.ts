// VEX documents served to every pipeline: a security team uploads a vendor's OpenVEX, CycloneDX VEX or
// CSAF VEX document once (the JSON text as published, kept byte for byte), optionally scoped to
// pipelines; the pipeline bundle carries the ones that apply and the CLI reads them with the readers
// `scan --vex` uses. Revisions, audit entries and revoke as for policies.
import { activeObjects, getObject, latestObjects, objectHistory, putObject, type StoredObject } from '../store/objects.js';
import { MAX_DOCUMENT_BYTES } from '../store/documents.js';
import { MAX_VEX_PIPELINES, validateVex, vexConflict, VEX_KIND, type VexEnvelope } from '../store/vexdoc.js';
import { findOne, revokeOne, view } from './objects.js';
import { ALL_ROLES, EDITORS, HttpError, nameParam, notFound, type Call, type Ctx, type Route } from './route.js';

const TAG = 'vex';
const BASE = '/api/v1/vex';

/** What the API shows of a VEX document: the object, and with `raw` the vendor's text. */
function vexView(o: StoredObject, raw: boolean): Record<string, unknown> {
  const e = o.body as VexEnvelope;
  return { ...view(o), pipelines: e.metadata.pipelines ?? null, vex: e.vex, ...(raw ? { raw: o.raw } : {}) };
}

const putBody = {
  type: 'object',
  required: ['raw'],
  additionalProperties: false,
  properties: {
    raw: { type: 'string', maxLength: MAX_DOCUMENT_BYTES, description: "the vendor's VEX document: its JSON text exactly as published (OpenVEX 0.2, CycloneDX 1.4-1.6 VEX, CSAF 2.0 csaf_vex)" },
    pipelines: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_VEX_PIPELINES,
      items: { type: 'string', maxLength: 128 },
      description: 'anchored globs over pipeline names the document applies to; omitted: as the previous revision (every pipeline for a new document)',
    },
  },
};

async function put(ctx: Ctx, call: Call, name: string): Promise<unknown> {
  const b = call.body as { raw: string; pipelines?: string[] };
  const prev = await getObject(ctx.store, VEX_KIND, name);
  // scoping left out keeps the previous revision's: an update of the vendor's text never widens it
  const pipelines = b.pipelines ?? (prev ? (prev.body as VexEnvelope).metadata.pipelines : undefined);
  const doc = validateVex(b.raw, `VexDocument ${name}`, name, pipelines);
  const clash = vexConflict([...(await activeObjects(ctx.store, VEX_KIND)).filter((o) => o.name !== name), doc]);
  if (clash) throw new HttpError(409, clash);
  const r = await putObject(ctx.store, doc, { file: prev?.file ?? `vex/${name}.vex.json`, position: 0 }, call.actor, call.now);
  call.reply.code(prev ? 200 : 201);
  return { ...vexView(r.object, false), changed: r.changed };
}

export const vexRoutes: Route[] = [
  {
    method: 'GET', url: BASE, summary: 'List VEX documents (latest revision of each, revoked ones with ?all=true; without the text)', tag: TAG, roles: ALL_ROLES,
    query: { type: 'object', additionalProperties: false, properties: { all: { type: 'string', enum: ['true', 'false'] } } },
    handler: async (ctx, call) => {
      const list = call.query.all === 'true' ? await latestObjects(ctx.store, VEX_KIND) : await activeObjects(ctx.store, VEX_KIND);
      return { items: list.map((o) => vexView(o, false)) };
    },
  },
  {
    method: 'GET', url: `${BASE}/:name`, summary: "Get one VEX document with the vendor's text (?revision=N for an older one)", tag: TAG, roles: ALL_ROLES, params: nameParam(),
    query: { type: 'object', additionalProperties: false, properties: { revision: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } } },
    handler: async (ctx, call) => vexView(await findOne(ctx, call, VEX_KIND, call.params.name!), true),
  },
  {
    method: 'GET', url: `${BASE}/:name/history`, summary: 'Every revision of one VEX document', tag: TAG, roles: ALL_ROLES.filter((r) => r !== 'ci'), params: nameParam(),
    handler: async (ctx, call) => {
      const h = await objectHistory(ctx.store, VEX_KIND, call.params.name!);
      if (h.length === 0) throw notFound(`${VEX_KIND} ${call.params.name}`);
      return { items: h.map((o) => vexView(o, false)) };
    },
  },
  {
    method: 'PUT', url: `${BASE}/:name`, summary: "Upload or update a VEX document (validated with the readers of scan --vex; a new revision)", tag: TAG, roles: EDITORS, params: nameParam(), body: putBody,
    handler: (ctx, call) => put(ctx, call, call.params.name!),
  },
  {
    method: 'DELETE', url: `${BASE}/:name`, summary: 'Revoke a VEX document (a new revision in state revoked; history is kept)', tag: TAG, roles: EDITORS, params: nameParam(),
    handler: async (ctx, call) => vexView(await revokeOne(ctx, call, VEX_KIND, call.params.name!), false),
  },
];
