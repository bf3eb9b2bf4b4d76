// Routes over stored documents: policies, pipelines, the base catalog, whole-folder push/pull
// (`/documents`, VEX JSON files included) and the pipeline bundle (everything that applies to one
// pipeline, with revisions).
import { anyGlobMatch } from '../../core/glob.js';
import { checkUnique, parseDocuments } from '../../policy/load.js';
import { API_VERSION, type Policy } from '../../policy/schema.js';
import { nameFromFile, validateDocument, validateJson, type Kind, type ValidDocument } from '../store/documents.js';
import { isVexFile, validateVex, vexConflict, vexNameFromFile, VEX_KIND, type VexEnvelope } from '../store/vexdoc.js';
import { activeObjects, getObject, latestObjects, objectHistory, putObject, revokeObject, type StoredObject } from '../store/objects.js';
import { ALL_ROLES, EDITORS, HttpError, nameParam, notFound, requirePipeline, type Call, type Ctx, type Route } from './route.js';

/** What the API shows of an object. */
export function view(o: StoredObject): Record<string, unknown> {
  return { kind: o.kind, name: o.name, revision: o.revision, state: o.state, digest: o.digest, file: o.file, author: o.author, createdAt: o.createdAt, document: o.body };
}

const revisionQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { revision: { type: 'string', pattern: '^[1-9][0-9]{0,8}$' } },
};

const anyObject = { type: 'object' };

/** One object (`?revision=N`: that revision, revoked or not; else the latest, when active), or 404. */
export async function findOne(ctx: Ctx, call: Call, kind: Kind, name: string): Promise<StoredObject> {
  const rev = call.query.revision !== undefined ? Number(call.query.revision) : undefined;
  const o = await getObject(ctx.store, kind, name, rev);
  if (!o || (rev === undefined && o.state === 'revoked')) throw notFound(`${kind} ${name}${rev !== undefined ? ` revision ${rev}` : ''}`);
  return o;
}

async function getOne(ctx: Ctx, call: Call, kind: Kind, name: string): Promise<unknown> {
  return view(await findOne(ctx, call, kind, name));
}

async function putJson(ctx: Ctx, call: Call, kind: Kind, name: string, file: string): Promise<unknown> {
  const doc = validateJson(call.body, `${kind} ${name}`, name);
  if (doc.kind !== kind) throw new HttpError(400, `${kind} ${name}: kind: expected ${kind}, got ${doc.kind}`);
  if (kind === 'AssurancePolicy' || kind === 'Exceptions') await checkUniqueWith(ctx, [doc.raw], [{ kind, name }]);
  const prev = await getObject(ctx.store, kind, name);
  const r = await putObject(ctx.store, doc, { file: prev?.file ?? file, position: prev?.position ?? 0 }, call.actor, call.now);
  call.reply.code(prev ? 200 : 201);
  return { ...view(r.object), changed: r.changed };
}

/** Revoke (a new revision in state revoked), or 404 when there is nothing active to revoke. */
export async function revokeOne(ctx: Ctx, call: Call, kind: Kind, name: string): Promise<StoredObject> {
  const o = await revokeObject(ctx.store, kind, name, call.actor, call.now);
  if (!o) throw notFound(`${kind} ${name}`);
  return o;
}

async function revoke(ctx: Ctx, call: Call, kind: Kind, name: string): Promise<unknown> {
  return view(await revokeOne(ctx, call, kind, name));
}

/**
 * Policy names and exception ids stay unique across everything active, as when the CLI loads a folder:
 * the stored set with `replacing` left out, plus the new documents.
 */
export async function checkUniqueWith(ctx: Ctx, raws: string[], replacing: { kind: string; name: string }[]): Promise<void> {
  const skip = new Set(replacing.map((r) => `${r.kind}/${r.name}`));
  const all = { policies: [] as Policy[], exceptions: [] as ReturnType<typeof parseDocuments>['exceptions'] };
  const stored = (await activeObjects(ctx.store)).filter((o) => (o.kind === 'AssurancePolicy' || o.kind === 'Exceptions') && !skip.has(`${o.kind}/${o.name}`));
  for (const [i, raw] of [...stored.map((o) => o.raw), ...raws].entries()) {
    const where = i < stored.length ? `server:${stored[i]!.kind}/${stored[i]!.name}` : 'request';
    const d = parseDocuments(raw, where);
    all.policies.push(...d.policies);
    all.exceptions.push(...d.exceptions);
  }
  checkUnique(all);
}

function kindRoutes(kind: Kind, base: string, tag: string, dir: string, writers: Route['roles']): Route[] {
  return [
    {
      method: 'GET', url: base, summary: `List ${tag} (latest revision of each, revoked ones with ?all=true)`, tag, roles: ALL_ROLES.filter((r) => r !== 'ci' || kind === 'AssurancePolicy'),
      query: { type: 'object', additionalProperties: false, properties: { all: { type: 'string', enum: ['true', 'false'] } } },
      handler: async (ctx, call) => {
        const list = call.query.all === 'true' ? await latestObjects(ctx.store, kind) : await activeObjects(ctx.store, kind);
        return { items: list.map(view) };
      },
    },
    {
      method: 'GET', url: `${base}/:name`, summary: `Get one of ${tag} (?revision=N for an older one)`, tag, roles: ALL_ROLES.filter((r) => r !== 'ci' || kind === 'AssurancePolicy'),
      params: nameParam(), query: revisionQuery,
      handler: (ctx, call) => getOne(ctx, call, kind, call.params.name!),
    },
    {
      method: 'GET', url: `${base}/:name/history`, summary: `Every revision of one of ${tag}`, tag, roles: ALL_ROLES.filter((r) => r !== 'ci'), params: nameParam(),
      handler: async (ctx, call) => {
        const h = await objectHistory(ctx.store, kind, call.params.name!);
        if (h.length === 0) throw notFound(`${kind} ${call.params.name}`);
        return { items: h.map(view) };
      },
    },
    {
      method: 'PUT', url: `${base}/:name`, summary: `Create or update one of ${tag} (a new revision)`, tag, roles: writers, params: nameParam(), body: anyObject,
      handler: (ctx, call) => putJson(ctx, call, kind, call.params.name!, `${dir}/${call.params.name}.yaml`),
    },
    {
      method: 'DELETE', url: `${base}/:name`, summary: `Revoke one of ${tag} (a new revision in state revoked; history is kept)`, tag, roles: writers, params: nameParam(),
      handler: (ctx, call) => revoke(ctx, call, kind, call.params.name!),
    },
  ];
}

const pipelineBody = {
  type: 'object',
  additionalProperties: false,
  properties: { description: { type: 'string', maxLength: 1000 }, owner: { type: 'string', maxLength: 200 } },
};

const FILE_RE = /^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,127}\/){0,8}[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.(?:ya?ml|json)$/;

const pushBody = {
  type: 'object',
  required: ['documents'],
  additionalProperties: false,
  properties: {
    prune: { type: 'boolean' },
    dryRun: { type: 'boolean' },
    documents: {
      type: 'array',
      maxItems: 10000,
      items: {
        type: 'object',
        required: ['file', 'position', 'raw'],
        additionalProperties: false,
        properties: { file: { type: 'string', maxLength: 1200 }, position: { type: 'integer', minimum: 0, maximum: 100000 }, raw: { type: 'string' } },
      },
    },
  },
};

const FOLDER_KINDS: readonly Kind[] = ['AssurancePolicy', 'Exceptions', 'BaseImageCatalog', VEX_KIND];

/**
 * One pushed file's document. A VEX file (see isVexFile) is the vendor's JSON, one per file; its
 * pipeline scoping is not in the file and stays as stored (set with PUT /api/v1/vex/NAME); its name is
 * the one stored from this file, else derived from the file's path.
 */
function validatePushed(d: { file: string; position: number; raw: string }, stored: readonly StoredObject[]): ValidDocument {
  const where = `${d.file}#${d.position + 1}`;
  if (/\.json$/i.test(d.file)) {
    if (!isVexFile(d.file)) throw new HttpError(400, `${d.file}: a JSON file is pushed only as a VEX document (*.vex.json, *.openvex.json, *.cdx.json, *.csaf.json, or *.json under vex/)`);
    if (d.position !== 0) throw new HttpError(400, `${where}: a VEX file holds one document (position 0)`);
    // the document stored from this file (an uploaded one is pulled as vex/NAME.vex.json) keeps its name
    const vex = stored.filter((o) => o.kind === VEX_KIND);
    const prev = vex.find((o) => o.file === d.file && o.state === 'active') ?? vex.find((o) => o.name === vexNameFromFile(d.file));
    return validateVex(d.raw, d.file, prev?.name ?? vexNameFromFile(d.file), prev ? (prev.body as VexEnvelope).metadata.pipelines : undefined);
  }
  const v = validateDocument(d.raw, where, undefined, nameFromFile(d.file, d.position));
  if (!FOLDER_KINDS.includes(v.kind)) throw new HttpError(400, `${where}: kind ${v.kind} is not pushed as a file (use the pipelines API)`);
  return v;
}

/** The documents that apply to one pipeline. */
export function applies(o: StoredObject, pipeline: string): boolean {
  const b = o.body as Record<string, unknown>;
  switch (o.kind) {
    case 'AssurancePolicy': {
      const pipes = (b as unknown as Policy).spec.appliesTo?.pipelines;
      return pipes === undefined || anyGlobMatch(pipes, pipeline);
    }
    case 'Exceptions': {
      const entries = [...((b.exceptions as { pipelines?: string[] }[] | undefined) ?? []), ...((b.allowlist as { pipelines?: string[] }[] | undefined) ?? [])];
      return entries.some((e) => e.pipelines === undefined || anyGlobMatch(e.pipelines, pipeline));
    }
    case 'BaseImageCatalog':
      return true;
    case 'VexDocument': {
      const pipes = (b as unknown as VexEnvelope).metadata.pipelines;
      return pipes === undefined || anyGlobMatch(pipes, pipeline);
    }
    default:
      return false;
  }
}

export const objectRoutes: Route[] = [
  ...kindRoutes('AssurancePolicy', '/api/v1/policies', 'policies', 'policies', EDITORS),
  ...kindRoutes('BaseImageCatalog', '/api/v1/catalogs', 'catalogs', 'catalogs', EDITORS),
  {
    method: 'GET', url: '/api/v1/pipelines', summary: 'List pipelines', tag: 'pipelines', roles: ALL_ROLES,
    handler: async (ctx, call) => ({ items: (await activeObjects(ctx.store, 'Pipeline')).filter((o) => call.token.pipelines.length === 0 || anyGlobMatch(call.token.pipelines, o.name)).map(view) }),
  },
  {
    method: 'PUT', url: '/api/v1/pipelines/:name', summary: 'Register or update a pipeline', tag: 'pipelines', roles: ['admin'], params: nameParam(), body: pipelineBody,
    handler: (ctx, call) => {
      const b = call.body as { description?: string; owner?: string };
      call.body = { apiVersion: API_VERSION, kind: 'Pipeline', metadata: { name: call.params.name, ...b } };
      return putJson(ctx, call, 'Pipeline', call.params.name!, `pipelines/${call.params.name}.yaml`);
    },
  },
  {
    method: 'DELETE', url: '/api/v1/pipelines/:name', summary: 'Revoke a pipeline', tag: 'pipelines', roles: ['admin'], params: nameParam(),
    handler: (ctx, call) => revoke(ctx, call, 'Pipeline', call.params.name!),
  },
  {
    method: 'GET', url: '/api/v1/pipelines/:name/bundle', summary: 'Everything that applies to one pipeline (policies, exceptions, allowlist, catalog, VEX documents) with revisions', tag: 'pipelines', roles: ALL_ROLES, params: nameParam(),
    handler: async (ctx, call) => {
      const name = call.params.name!;
      requirePipeline(call.token, name);
      const p = await getObject(ctx.store, 'Pipeline', name);
      if (!p || p.state !== 'active') throw notFound(`pipeline ${name} (register it with PUT /api/v1/pipelines/${name})`);
      const docs = (await activeObjects(ctx.store)).filter((o) => applies(o, name));
      return {
        pipeline: name,
        generatedAt: call.now.toISOString(),
        documents: docs.map((o) => ({ kind: o.kind, name: o.name, revision: o.revision, digest: o.digest, file: o.file, position: o.position, raw: o.raw })),
      };
    },
  },
  {
    method: 'GET', url: '/api/v1/documents', summary: 'Every active policy-as-code document with its file (for `policy pull`; VEX documents as their original JSON)', tag: 'documents', roles: ['admin', 'security', 'viewer'],
    handler: async (ctx) => ({
      documents: (await activeObjects(ctx.store)).filter((o) => FOLDER_KINDS.includes(o.kind)).map((o) => ({ kind: o.kind, name: o.name, revision: o.revision, digest: o.digest, file: o.file, position: o.position, raw: o.raw })),
    }),
  },
  {
    method: 'POST', url: '/api/v1/documents', summary: 'Push a folder of policy-as-code documents (all validated before any is stored; prune revokes the ones not pushed; dryRun validates and stores nothing)', tag: 'documents', roles: EDITORS, body: pushBody,
    handler: async (ctx, call) => {
      const b = call.body as { prune?: boolean; dryRun?: boolean; documents: { file: string; position: number; raw: string }[] };
      const stored = await latestObjects(ctx.store, VEX_KIND);
      const docs = b.documents.map((d) => {
        if (!FILE_RE.test(d.file) || d.file.split('/').some((s) => s === '..' || s === '.')) throw new HttpError(400, `file: expected a relative path of plain names ending in .yaml (or a VEX .json), got ${JSON.stringify(d.file.slice(0, 80))}`);
        return { v: validatePushed(d, stored), file: d.file, position: d.position };
      });
      const seen = new Set<string>();
      for (const d of docs) {
        const k = `${d.v.kind}/${d.v.name}`;
        if (seen.has(k)) throw new HttpError(400, `${d.file}: ${d.v.kind} ${d.v.name} is pushed twice`);
        seen.add(k);
      }
      const current = (await activeObjects(ctx.store)).filter((o) => FOLDER_KINDS.includes(o.kind));
      // uniqueness against what stays: everything when not pruning, nothing stored when pruning
      await checkUniqueWith(ctx, docs.filter((d) => d.v.kind === 'AssurancePolicy' || d.v.kind === 'Exceptions').map((d) => d.v.raw), b.prune ? current : docs.map((d) => d.v));
      const vexDocs = docs.filter((d) => d.v.kind === VEX_KIND).map((d) => d.v);
      const keptVex = current.filter((o) => o.kind === VEX_KIND && !b.prune && !vexDocs.some((v) => v.name === o.name));
      const clash = vexConflict([...keptVex, ...vexDocs]);
      if (clash) throw new HttpError(409, clash);
      const out = { created: [] as string[], updated: [] as string[], unchanged: [] as string[], revoked: [] as string[] };
      if (b.dryRun) return { ...out, valid: docs.map((d) => `${d.v.kind}/${d.v.name}`) };
      for (const d of docs) {
        const before = current.find((o) => o.kind === d.v.kind && o.name === d.v.name);
        const r = await putObject(ctx.store, d.v, { file: d.file, position: d.position }, call.actor, call.now);
        const k = `${d.v.kind}/${d.v.name}@${r.object.revision}`;
        (r.changed ? (before ? out.updated : out.created) : out.unchanged).push(k);
      }
      if (b.prune) {
        for (const o of current.filter((c) => !seen.has(`${c.kind}/${c.name}`))) {
          const r = await revokeObject(ctx.store, o.kind, o.name, call.actor, call.now);
          if (r) out.revoked.push(`${o.kind}/${o.name}@${r.revision}`);
        }
      }
      return out;
    },
  },
];
