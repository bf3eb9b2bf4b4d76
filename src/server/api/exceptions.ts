// Exceptions and allowlist entries, one by one. Each created entry is its own Exceptions document
// (named after the exception id, or `allow-<hash>` for an allowlist entry), so it round-trips through
// `policy pull` as a file the CLI reads. Removing an entry is a new revision of its document (revoked
// when it held nothing else): nothing disappears from the history or the audit log.
import { createHash } from 'node:crypto';
import { API_VERSION, type AllowEntry, type PolicyException } from '../../policy/schema.js';
import { expiryInstant, isActive } from '../../policy/exceptions.js';
import { validateJson } from '../store/documents.js';
import { activeObjects, putObject, revokeObject, type StoredObject } from '../store/objects.js';
import { checkUniqueWith } from './objects.js';
import { ALL_ROLES, EDITORS, HttpError, nameParam, notFound, type Call, type Ctx, type Route } from './route.js';

type ExceptionsBody = { apiVersion: string; kind: 'Exceptions'; metadata?: { name?: string; description?: string }; exceptions?: PolicyException[]; allowlist?: AllowEntry[] };

export function allowId(a: Pick<AllowEntry, 'image' | 'pipelines'>): string {
  const h = createHash('sha256').update(JSON.stringify([a.image, [...(a.pipelines ?? [])].sort()])).digest('hex');
  return `allow-${h.slice(0, 16)}`;
}

function state(e: { expires?: string; ttl?: string; created?: string }, now: Date): Record<string, unknown> {
  const t = expiryInstant(e);
  return { active: isActive(e, now), expiresAt: Number.isFinite(t) ? new Date(t).toISOString() : null };
}

async function exceptionDocs(ctx: Ctx): Promise<readonly StoredObject[]> {
  return activeObjects(ctx.store, 'Exceptions');
}

function entriesOf(o: StoredObject): { exceptions: PolicyException[]; allowlist: AllowEntry[] } {
  const b = o.body as ExceptionsBody;
  return { exceptions: b.exceptions ?? [], allowlist: b.allowlist ?? [] };
}

/** Write the document without one entry: a new revision, or a revoke when nothing is left. */
async function removeEntry(ctx: Ctx, call: Call, o: StoredObject, keep: ExceptionsBody): Promise<StoredObject> {
  const left = (keep.exceptions?.length ?? 0) + (keep.allowlist?.length ?? 0);
  if (left === 0) return (await revokeObject(ctx.store, 'Exceptions', o.name, call.actor, call.now))!;
  const clean: ExceptionsBody = { ...keep };
  if (!clean.exceptions?.length) delete clean.exceptions;
  if (!clean.allowlist?.length) delete clean.allowlist;
  const doc = validateJson(clean, `Exceptions ${o.name}`, o.name);
  return (await putObject(ctx.store, doc, { file: o.file, position: o.position }, call.actor, call.now)).object;
}

async function create(ctx: Ctx, call: Call, name: string, body: ExceptionsBody): Promise<unknown> {
  const doc = validateJson(body, `Exceptions ${name}`, name);
  const existing = (await exceptionDocs(ctx)).find((o) => o.name === name);
  if (existing) throw new HttpError(409, `${name} already exists (revision ${existing.revision}); remove it first or choose another id`);
  try {
    await checkUniqueWith(ctx, [doc.raw], []);
  } catch (e) {
    throw new HttpError(409, (e as Error).message);
  }
  const r = await putObject(ctx.store, doc, { file: `exceptions/${name}.yaml`, position: 0 }, call.actor, call.now);
  call.reply.code(201);
  return { name, revision: r.object.revision, document: r.object.body };
}

const entryBody = { type: 'object' };

export const exceptionRoutes: Route[] = [
  {
    method: 'GET', url: '/api/v1/exceptions', summary: 'List exceptions (with their document revision, and whether they are active now)', tag: 'exceptions', roles: ALL_ROLES.filter((r) => r !== 'ci'),
    handler: async (ctx, call) => ({
      items: (await exceptionDocs(ctx)).flatMap((o) => entriesOf(o).exceptions.map((e) => ({ ...e, document: o.name, revision: o.revision, ...state(e, call.now) }))),
    }),
  },
  {
    method: 'GET', url: '/api/v1/exceptions/:id', summary: 'Get one exception', tag: 'exceptions', roles: ALL_ROLES.filter((r) => r !== 'ci'), params: nameParam('id'),
    handler: async (ctx, call) => {
      for (const o of await exceptionDocs(ctx)) {
        const e = entriesOf(o).exceptions.find((x) => x.id === call.params.id);
        if (e) return { ...e, document: o.name, revision: o.revision, ...state(e, call.now) };
      }
      throw notFound(`exception ${call.params.id}`);
    },
  },
  {
    method: 'POST', url: '/api/v1/exceptions', summary: 'Create an exception (id, finding, scope, owner, reason and expires or ttl+created are required)', tag: 'exceptions', roles: EDITORS, body: entryBody,
    handler: async (ctx, call) => {
      const e = call.body as PolicyException;
      const id = typeof e.id === 'string' ? e.id : '';
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(id)) throw new HttpError(400, 'id: expected a plain name (letters, digits, . _ -, at most 128)');
      return create(ctx, call, id, { apiVersion: API_VERSION, kind: 'Exceptions', metadata: { name: id }, exceptions: [e] });
    },
  },
  {
    method: 'DELETE', url: '/api/v1/exceptions/:id', summary: 'Revoke an exception (its document gets a new revision)', tag: 'exceptions', roles: EDITORS, params: nameParam('id'),
    handler: async (ctx, call) => {
      for (const o of await exceptionDocs(ctx)) {
        const { exceptions, allowlist } = entriesOf(o);
        if (!exceptions.some((x) => x.id === call.params.id)) continue;
        const r = await removeEntry(ctx, call, o, { ...(o.body as ExceptionsBody), exceptions: exceptions.filter((x) => x.id !== call.params.id), allowlist });
        return { id: call.params.id, document: o.name, revision: r.revision, state: r.state };
      }
      throw notFound(`exception ${call.params.id}`);
    },
  },
  {
    method: 'GET', url: '/api/v1/allowlist', summary: 'List allowlist entries', tag: 'allowlist', roles: ALL_ROLES.filter((r) => r !== 'ci'),
    handler: async (ctx, call) => ({
      items: (await exceptionDocs(ctx)).flatMap((o) => entriesOf(o).allowlist.map((a) => ({ id: allowId(a), ...a, document: o.name, revision: o.revision, ...state(a, call.now) }))),
    }),
  },
  {
    method: 'POST', url: '/api/v1/allowlist', summary: 'Allowlist an image (image, owner, reason and expires or ttl+created are required; pin a digest)', tag: 'allowlist', roles: EDITORS, body: entryBody,
    handler: async (ctx, call) => {
      const a = call.body as AllowEntry;
      const id = allowId({ image: String(a.image ?? ''), pipelines: Array.isArray(a.pipelines) ? a.pipelines : undefined });
      return create(ctx, call, id, { apiVersion: API_VERSION, kind: 'Exceptions', metadata: { name: id }, allowlist: [a] });
    },
  },
  {
    method: 'DELETE', url: '/api/v1/allowlist/:id', summary: 'Revoke an allowlist entry', tag: 'allowlist', roles: EDITORS, params: nameParam('id'),
    handler: async (ctx, call) => {
      for (const o of await exceptionDocs(ctx)) {
        const { exceptions, allowlist } = entriesOf(o);
        if (!allowlist.some((x) => allowId(x) === call.params.id)) continue;
        const r = await removeEntry(ctx, call, o, { ...(o.body as ExceptionsBody), exceptions, allowlist: allowlist.filter((x) => allowId(x) !== call.params.id) });
        return { id: call.params.id, document: o.name, revision: r.revision, state: r.state };
      }
      throw notFound(`allowlist entry ${call.params.id}`);
    },
  },
];
