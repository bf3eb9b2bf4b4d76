// Tokens (admin), the audit log (export), and DB status.
import { latestObjects, listAudit } from '../store/objects.js';
import { countScans } from '../store/scans.js';
import { createToken, listTokens, revokeToken, ROLES, type Role } from '../store/tokens.js';
import { ALL_ROLES, EDITORS, HttpError, NAME_PATTERN, notFound, type Route } from './route.js';

const tokenBody = {
  type: 'object',
  required: ['name', 'role', 'expiresInDays'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', pattern: NAME_PATTERN },
    role: { type: 'string', enum: [...ROLES] },
    pipelines: { type: 'array', maxItems: 100, items: { type: 'string', minLength: 1, maxLength: 200 } },
    expiresInDays: { type: 'integer', minimum: 1, maximum: 730 },
  },
};

const auditQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cursor: { type: 'string', pattern: '^[0-9]{1,16}$' },
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' },
    kind: { type: 'string', pattern: NAME_PATTERN },
    name: { type: 'string', maxLength: 200 },
    action: { type: 'string', enum: ['create', 'update', 'restore', 'revoke'] },
    actor: { type: 'string', minLength: 1, maxLength: 200 },
    order: { type: 'string', enum: ['asc', 'desc'] },
    format: { type: 'string', enum: ['json', 'jsonl'] },
  },
};

export const adminRoutes: Route[] = [
  {
    method: 'POST', url: '/api/v1/tokens', summary: 'Create an API token (the secret is shown once; only its hash is stored)', tag: 'tokens', roles: ['admin'], body: tokenBody, status: 201,
    handler: async (ctx, call) => {
      const b = call.body as { name: string; role: Role; pipelines?: string[]; expiresInDays: number };
      const expiresAt = new Date(call.now.getTime() + b.expiresInDays * 86_400_000);
      try {
        return await createToken(ctx.store, { name: b.name, role: b.role, pipelines: b.pipelines ?? [], expiresAt }, call.actor, call.now);
      } catch (e) {
        throw new HttpError(400, (e as Error).message);
      }
    },
  },
  {
    method: 'GET', url: '/api/v1/tokens', summary: 'List tokens (never their secrets)', tag: 'tokens', roles: ['admin'],
    handler: async (ctx) => ({ items: await listTokens(ctx.store) }),
  },
  {
    method: 'DELETE', url: '/api/v1/tokens/:id', summary: 'Revoke a token', tag: 'tokens', roles: ['admin'],
    params: { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string', pattern: '^[a-f0-9]{16}$' } } },
    handler: async (ctx, call) => {
      const t = await revokeToken(ctx.store, call.params.id!, call.actor, call.now);
      if (!t) throw notFound(`active token ${call.params.id}`);
      return t;
    },
  },
  {
    method: 'GET', url: '/api/v1/audit', summary: 'The audit log, oldest first (order=desc: newest first, the cursor then pages backwards; filters by kind, name, action and actor substring; cursor pagination; format=jsonl exports everything after the cursor)', tag: 'audit', roles: EDITORS, query: auditQuery,
    handler: async (ctx, call) => {
      const q = call.query;
      const after = q.cursor !== undefined ? Number(q.cursor) : undefined;
      const filter = { kind: q.kind, name: q.name, action: q.action, actor: q.actor };
      if (q.format === 'jsonl') {
        const lines: string[] = [];
        let cursor = after;
        for (;;) {
          const page = await listAudit(ctx.store, { after: cursor, limit: 1000, ...filter });
          for (const e of page) lines.push(JSON.stringify(e));
          if (page.length < 1000) break;
          cursor = page[page.length - 1]!.id;
        }
        call.reply.type('application/x-ndjson');
        return lines.join('\n') + (lines.length ? '\n' : '');
      }
      const limit = Math.min(Number(q.limit ?? 100), 1000);
      const items = await listAudit(ctx.store, { after, limit, newestFirst: q.order === 'desc', ...filter });
      return { items, nextCursor: items.length === limit ? String(items[items.length - 1]!.id) : null };
    },
  },
  {
    method: 'GET', url: '/api/v1/status', summary: 'Database status: dialect, schema version, object and scan counts', tag: 'status', roles: ALL_ROLES,
    handler: async (ctx, call) => {
      const objs = await latestObjects(ctx.store);
      const counts: Record<string, { active: number; revoked: number }> = {};
      for (const o of objs) {
        const c = (counts[o.kind] ??= { active: 0, revoked: 0 });
        c[o.state]++;
      }
      return { database: ctx.store.dialect, location: ctx.store.location, schemaVersion: ctx.store.schemaVersion, objects: counts, scans: await countScans(ctx.store), time: call.now.toISOString() };
    },
  },
];
