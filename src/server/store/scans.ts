// Scan reports and decision records uploaded by pipelines. Listed newest first with filters and an
// opaque cursor (the last id seen); filter values are bound parameters, never SQL text.
import type { Store } from './db.js';
import type { ScansTable } from './tables.js';

export interface ScanRow {
  id: number;
  pipeline: string;
  repository: string | null;
  tag: string | null;
  digest: string | null;
  verdict: string | null;
  uploadedAt: string;
  uploadedBy: string;
}

export interface ScanFilter {
  pipeline?: string;
  repository?: string;
  digest?: string;
  verdict?: string;
  /** only pipelines matching (token scope), applied in the query */
  pipelines?: string[];
  before?: number;
  limit: number;
}

function summary(r: Omit<ScansTable, 'report' | 'decision' | 'id'> & { id: number | bigint }): ScanRow {
  return {
    id: Number(r.id),
    pipeline: r.pipeline,
    repository: r.repository,
    tag: r.tag,
    digest: r.digest,
    verdict: r.verdict,
    uploadedAt: r.uploaded_at,
    uploadedBy: r.uploaded_by,
  };
}

export async function insertScan(
  store: Store,
  s: { pipeline: string; repository?: string; tag?: string; digest?: string; verdict?: string; report: unknown; decision?: unknown; by: string; at: Date },
): Promise<number> {
  const r = await store.db
    .insertInto('scans')
    .values({
      pipeline: s.pipeline,
      repository: s.repository ?? null,
      tag: s.tag ?? null,
      digest: s.digest ?? null,
      verdict: s.verdict ?? null,
      uploaded_at: s.at.toISOString(),
      uploaded_by: s.by,
      report: JSON.stringify(s.report),
      decision: s.decision === undefined ? null : JSON.stringify(s.decision),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(r.id);
}

const COLUMNS = ['id', 'pipeline', 'repository', 'tag', 'digest', 'verdict', 'uploaded_at', 'uploaded_by'] as const;

export async function listScans(store: Store, f: ScanFilter): Promise<ScanRow[]> {
  let q = store.db.selectFrom('scans').select(COLUMNS).orderBy('id', 'desc').limit(f.limit);
  if (f.pipeline !== undefined) q = q.where('pipeline', '=', f.pipeline);
  if (f.repository !== undefined) q = q.where('repository', '=', f.repository);
  if (f.digest !== undefined) q = q.where('digest', '=', f.digest);
  if (f.verdict !== undefined) q = q.where('verdict', '=', f.verdict);
  if (f.before !== undefined) q = q.where('id', '<', f.before);
  if (f.pipelines !== undefined) {
    if (f.pipelines.length === 0) return [];
    q = q.where('pipeline', 'in', f.pipelines);
  }
  return (await q.execute()).map(summary);
}

export async function getScan(store: Store, id: number): Promise<(ScanRow & { report: unknown; decision: unknown }) | undefined> {
  const r = await store.db.selectFrom('scans').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) return undefined;
  return { ...summary(r), report: JSON.parse(r.report) as unknown, decision: r.decision === null ? null : (JSON.parse(r.decision) as unknown) };
}

export async function countScans(store: Store): Promise<number> {
  const r = await store.db.selectFrom('scans').select((e) => e.fn.countAll().as('n')).executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** The newest decision record uploaded for (pipeline, image digest), unverified; undefined when none (for the admission webhook). */
export async function latestDecision(store: Store, pipeline: string, digest: string): Promise<unknown> {
  const r = await store.db
    .selectFrom('scans')
    .select('decision')
    .where('pipeline', '=', pipeline)
    .where('digest', '=', digest)
    .where('decision', 'is not', null)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r?.decision ? (JSON.parse(r.decision) as unknown) : undefined;
}

/**
 * The newest scan of every image in every pipeline (an image is its repository, else its digest),
 * newest first, at most `limit`.
 */
export async function latestScans(store: Store, limit: number): Promise<ScanRow[]> {
  const newest = store.db
    .selectFrom('scans')
    .select((e) => e.fn.max('id').as('id'))
    .groupBy(['pipeline', 'repository', 'digest']);
  const rows = await store.db.selectFrom('scans').select(COLUMNS).where('id', 'in', newest).orderBy('id', 'desc').execute();
  // several digests of one repository: keep the newest per (pipeline, repository)
  const seen = new Set<string>();
  const out: ScanRow[] = [];
  for (const r of rows.map(summary)) {
    const key = `${r.pipeline}\u0000${r.repository ?? r.digest ?? r.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(r);
    if (out.length === limit) break;
  }
  return out;
}
