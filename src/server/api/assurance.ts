// Continuous assurance: the current verdict of every stored (pipeline, image), the verdict changes with
// their cause, re-evaluation on demand (clock tick, rules revision), and the job queue's dead letters.
import { planExpiry, planRules } from '../assure/plan.js';
import { listJobs, retryDead, countJobs, type JobState } from '../queue/queue.js';
import { addWatch } from '../assure/watch.js';
import { ALL_ROLES, EDITORS, HttpError, NAME_PATTERN, READERS, mayUsePipeline, notFound, type Call, type Ctx, type Route } from './route.js';

const cursorQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pipeline: { type: 'string', pattern: NAME_PATTERN },
    cursor: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' },
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
  },
};

function page<T extends { id: number | bigint; pipeline: string }>(call: Call, rows: T[], limit: number) {
  const visible = rows.filter((r) => mayUsePipeline(call.token, r.pipeline));
  return { items: visible.slice(0, limit), nextCursor: rows.length > limit ? String(rows[limit - 1]!.id) : null };
}

const reevaluateBody = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: {
    reason: { type: 'string', enum: ['expiry', 'rules'] },
    pipelines: { type: 'array', maxItems: 100, items: { type: 'string', pattern: NAME_PATTERN } },
  },
};

const jobsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    state: { type: 'string', enum: ['queued', 'running', 'done', 'dead'] },
    cursor: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' },
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
  },
};

const idParam = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } } };

const watchBody = {
  type: 'object',
  required: ['repository', 'pipeline'],
  additionalProperties: false,
  properties: {
    repository: { type: 'string', pattern: '^[A-Za-z0-9.-]+(:[0-9]{1,5})?/([a-z0-9]+([._/-][a-z0-9]+)*|\\*)$', maxLength: 512 },
    pipeline: { type: 'string', pattern: NAME_PATTERN },
    intervalSeconds: { type: 'integer', minimum: 30, maximum: 604800 },
    concurrency: { type: 'integer', minimum: 1, maximum: 32 },
  },
};

export const assuranceRoutes: Route[] = [
  {
    method: 'POST', url: '/api/v1/watches', summary: 'Watch a registry repository: new tags and moved digests are scanned for the pipeline (interval and concurrency per repository)', tag: 'assurance', roles: EDITORS, body: watchBody, status: 201,
    handler: async (ctx: Ctx, call) => {
      const b = call.body as { repository: string; pipeline: string; intervalSeconds?: number; concurrency?: number };
      try {
        const id = await addWatch(ctx.store, b, call.now);
        ctx.jobs?.kick();
        return { id: String(id) };
      } catch (e) {
        throw new HttpError(400, (e as Error).message);
      }
    },
  },
  {
    method: 'GET', url: '/api/v1/watches', summary: 'Watched repositories, with the tags seen and the last poll error', tag: 'assurance', roles: READERS,
    handler: async (ctx: Ctx) => {
      const watches = await ctx.store.db.selectFrom('watches').selectAll().orderBy('id').execute();
      const tags = await ctx.store.db.selectFrom('watched_tags').selectAll().orderBy('tag').execute();
      return { items: watches.map((w) => ({ id: String(w.id), repository: w.repository, pipeline: w.pipeline, intervalSeconds: w.interval_seconds, concurrency: w.concurrency, nextPollAt: w.next_poll_at, lastError: w.last_error, tags: tags.filter((t) => Number(t.watch_id) === Number(w.id)).map((t) => ({ tag: t.tag, digest: t.digest, seenAt: t.seen_at })) })) };
    },
  },
  {
    method: 'DELETE', url: '/api/v1/watches/:id', summary: 'Stop watching a repository', tag: 'assurance', roles: EDITORS, params: idParam,
    handler: async (ctx: Ctx, call) => {
      const id = Number(call.params.id);
      const r = await ctx.store.db.deleteFrom('watches').where('id', '=', id).executeTakeFirst();
      if (Number(r.numDeletedRows) !== 1) throw notFound(`watch ${call.params.id}`);
      await ctx.store.db.deleteFrom('watched_tags').where('watch_id', '=', id).execute();
      return { id: call.params.id };
    },
  },
  {
    method: 'GET', url: '/api/v1/images', summary: 'The current verdict of every stored (pipeline, image), as last re-evaluated', tag: 'assurance', roles: ALL_ROLES, query: cursorQuery,
    handler: async (ctx: Ctx, call) => {
      const limit = Math.min(Number(call.query.limit ?? 50), 200);
      let q = ctx.store.db.selectFrom('assured_images').select(['id', 'pipeline', 'repository', 'tag', 'digest', 'verdict', 'evaluated_at', 'next_expiry', 'scan_id']).orderBy('id', 'desc').limit(limit + 1);
      if (call.query.pipeline) q = q.where('pipeline', '=', call.query.pipeline);
      if (call.query.cursor) q = q.where('id', '<', Number(call.query.cursor));
      const rows = (await q.execute()).map((r) => ({ ...r, id: Number(r.id), scan_id: Number(r.scan_id) }));
      return page(call, rows, limit);
    },
  },
  {
    method: 'GET', url: '/api/v1/verdict-changes', summary: 'Verdict changes found by re-evaluation, newest first, with their cause (advisory, exception, policy)', tag: 'assurance', roles: ALL_ROLES, query: cursorQuery,
    handler: async (ctx: Ctx, call) => {
      const limit = Math.min(Number(call.query.limit ?? 50), 200);
      let q = ctx.store.db.selectFrom('verdict_changes').selectAll().orderBy('id', 'desc').limit(limit + 1);
      if (call.query.pipeline) q = q.where('pipeline', '=', call.query.pipeline);
      if (call.query.cursor) q = q.where('id', '<', Number(call.query.cursor));
      const rows = (await q.execute()).map((r) => ({ id: Number(r.id), image: Number(r.assured_id), pipeline: r.pipeline, repository: r.repository, digest: r.digest, at: r.at, before: r.before, after: r.after, causeKind: r.cause_kind, cause: r.cause, event: r.cause_key }));
      return page(call, rows, limit);
    },
  },
  {
    method: 'POST', url: '/api/v1/reevaluations', summary: 'Queue re-evaluation: images whose exceptions ended (expiry), or every image of the pipelines after a rules change (rules)', tag: 'assurance', roles: EDITORS, body: reevaluateBody, status: 202,
    handler: async (ctx: Ctx, call) => {
      const b = call.body as { reason: 'expiry' | 'rules'; pipelines?: string[] };
      const plan = b.reason === 'expiry' ? await planExpiry(ctx.store, call.now) : await planRules(ctx.store, `manual@${call.now.toISOString()}`, call.now, b.pipelines);
      ctx.jobs?.kick();
      return plan;
    },
  },
  {
    method: 'GET', url: '/api/v1/jobs', summary: 'The job queue (state=dead lists the dead letters, with their last error)', tag: 'assurance', roles: ['admin'], query: jobsQuery,
    handler: async (ctx: Ctx, call) => {
      const limit = Math.min(Number(call.query.limit ?? 50), 200);
      const rows = await listJobs(ctx.store, { state: call.query.state as JobState | undefined, before: call.query.cursor ? Number(call.query.cursor) : undefined, limit: limit + 1 });
      return { counts: await countJobs(ctx.store), items: rows.slice(0, limit).map(({ payload: _p, ...j }) => j), nextCursor: rows.length > limit ? String(rows[limit - 1]!.id) : null };
    },
  },
  {
    method: 'POST', url: '/api/v1/jobs/:id/retry', summary: 'Put a dead job back in the queue with fresh attempts', tag: 'assurance', roles: ['admin'], params: idParam,
    handler: async (ctx: Ctx, call) => {
      if (!(await retryDead(ctx.store, Number(call.params.id), call.now))) throw notFound(`dead job ${call.params.id}`);
      ctx.jobs?.kick();
      return { id: call.params.id, state: 'queued' };
    },
  },
];
