// Scan reports and decisions: pipelines upload them (a ci token only for its pipelines); people list
// them with filters and cursor pagination, and fetch one.
import type { ScanReport } from '../../core/report.js';
import { checkReport } from '../../policy/report-input.js';
import { verifyDecisionRecord, type DecisionRecord } from '../../policy/record.js';
import { PortcullisError } from '../../core/errors.js';
import { normaliseImageName } from '../../policy/imageref.js';
import { getScan, insertScan, listScans } from '../store/scans.js';
import { assureScan } from '../assure/inventory.js';
import { ALL_ROLES, HttpError, NAME_PATTERN, mayUsePipeline, notFound, requirePipeline, type Call, type Ctx, type Route } from './route.js';

const DIGEST_PATTERN = '^sha256:[0-9a-f]{64}$';

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    pipeline: { type: 'string', pattern: NAME_PATTERN },
    repository: { type: 'string', maxLength: 512 },
    digest: { type: 'string', pattern: DIGEST_PATTERN },
    verdict: { type: 'string', enum: ['pass', 'fail', 'error'] },
    cursor: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' },
    limit: { type: 'string', pattern: '^[1-9][0-9]{0,2}$' },
  },
};

const idParam = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } } };

const uploadBody = {
  type: 'object',
  required: ['pipeline', 'report'],
  additionalProperties: false,
  properties: { pipeline: { type: 'string', pattern: NAME_PATTERN }, report: { type: 'object' }, decision: { type: 'object' } },
};

async function list(ctx: Ctx, call: Call, withDecision: boolean): Promise<unknown> {
  const q = call.query;
  const limit = Math.min(Number(q.limit ?? 50), 200);
  const rows = await listScans(ctx.store, {
    pipeline: q.pipeline,
    repository: q.repository,
    digest: q.digest,
    verdict: q.verdict,
    before: q.cursor !== undefined ? Number(q.cursor) : undefined,
    limit: limit + 1,
  });
  // a token scoped to pipelines sees only those (globs, checked here)
  const visible = rows.filter((r) => mayUsePipeline(call.token, r.pipeline));
  const page = visible.slice(0, limit);
  const items = withDecision ? await Promise.all(page.map(async (r) => ({ ...r, decision: (await getScan(ctx.store, r.id))?.decision ?? null }))) : page;
  return { items, nextCursor: rows.length > limit ? String(rows[limit - 1]!.id) : null };
}

async function fetchOne(ctx: Ctx, call: Call): Promise<NonNullable<Awaited<ReturnType<typeof getScan>>>> {
  const s = await getScan(ctx.store, Number(call.params.id));
  if (!s || !mayUsePipeline(call.token, s.pipeline)) throw notFound(`scan ${call.params.id}`);
  return s;
}

export const scanRoutes: Route[] = [
  {
    method: 'POST', url: '/api/v1/reports', summary: 'Upload a scan report, with the decision record when a policy was evaluated', tag: 'reports', roles: ['admin', 'ci'], body: uploadBody, status: 201,
    handler: async (ctx, call) => {
      const b = call.body as { pipeline: string; report: unknown; decision?: DecisionRecord };
      requirePipeline(call.token, b.pipeline);
      let report: ScanReport;
      try {
        report = checkReport(b.report, 'report');
      } catch (e) {
        throw new HttpError(400, e instanceof PortcullisError ? e.message.split('\n').slice(0, 3).join('; ') : 'report: invalid');
      }
      const d = b.decision;
      if (d !== undefined) {
        if (d.kind !== 'portcullis/decision' || typeof d.recordDigest !== 'string' || !verifyDecisionRecord(d)) throw new HttpError(400, 'decision: not a decision record, or its recordDigest does not match its content');
        if (d.pipeline !== b.pipeline) throw new HttpError(400, `decision: made for pipeline ${d.pipeline}, uploaded for ${b.pipeline}`);
      }
      const img = report.inventory.image;
      let repository: string | undefined;
      try {
        repository = d?.image.name ?? (img.ref.name !== undefined ? normaliseImageName(img.ref.name) : undefined);
      } catch {
        repository = undefined;
      }
      const digest = img.ref.transport === 'sbom' ? undefined : img.manifestDigest;
      const id = await insertScan(ctx.store, { pipeline: b.pipeline, repository, tag: d?.image.tag ?? img.ref.tag, digest, verdict: d?.verdict, report, decision: d, by: call.actor.name, at: call.now });
      // continuous assurance: the inventory (for re-matching) and the current decision of (pipeline, image)
      await assureScan(ctx.store, { pipeline: b.pipeline, scanId: id, repository, tag: d?.image.tag ?? img.ref.tag, digest, report, decision: d }, call.now);
      ctx.metrics.countUpload(b.pipeline);
      if (d) ctx.metrics.countDecision(d.verdict);
      return { id: String(id) };
    },
  },
  {
    method: 'GET', url: '/api/v1/reports', summary: 'List uploaded scans, newest first (filters; cursor pagination)', tag: 'reports', roles: ALL_ROLES, query: listQuery,
    handler: (ctx, call) => list(ctx, call, false),
  },
  {
    method: 'GET', url: '/api/v1/reports/:id', summary: 'Fetch one scan report', tag: 'reports', roles: ALL_ROLES, params: idParam,
    handler: async (ctx, call) => {
      const s = await fetchOne(ctx, call);
      return s;
    },
  },
  {
    method: 'GET', url: '/api/v1/decisions', summary: 'List decisions, newest first (filters by pipeline, repository, image digest, verdict; cursor pagination)', tag: 'decisions', roles: ALL_ROLES, query: listQuery,
    handler: (ctx, call) => list(ctx, call, true),
  },
  {
    method: 'GET', url: '/api/v1/decisions/:id', summary: 'Fetch one decision record', tag: 'decisions', roles: ALL_ROLES, params: idParam,
    handler: async (ctx, call) => {
      const s = await fetchOne(ctx, call);
      if (s.decision === null) throw notFound(`decision of scan ${call.params.id}`);
      return s.decision;
    },
  },
];
