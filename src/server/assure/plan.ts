// Planning re-evaluation: which stored images an event touches, as batches of queue jobs.
//  - a new advisory DB: images whose inventory holds a package key of a changed advisory (the index),
//    plus images of an ecosystem whose coverage or freshness flipped, plus images whose decision
//    carried a stale-DB gap; each with the advisory ids that concern it;
//  - the clock: images whose decision rests on a suppression or allowlist entry that has ended;
//  - a policy or exception revision: every image of the pipelines it applies to.
// Batches and keys are deterministic, so planning the same event twice enqueues nothing new.
import { sql } from 'kysely';
import type { Decision } from '../../core/report.js';
import { expiryInstant } from '../../policy/exceptions.js';
import type { Store } from '../store/db.js';
import { enqueue } from '../queue/queue.js';
import type { DbDiff } from './dbdiff.js';
import type { Cause } from './evaluate.js';

export const REEVALUATE_QUEUE = 'reevaluate';
export const DEFAULT_BATCH = 100;

export interface ReevaluateItem {
  id: number;
  /** what concerns this image (advisory ids, exception ids) */
  what: string;
}

export interface ReevaluatePayload {
  kind: Cause['kind'];
  /** the event key (cause_key of the verdict changes) */
  event: string;
  /** the advisory DB fingerprint the worker must hold (DB events) */
  db?: string;
  items: ReevaluateItem[];
}

export interface Plan {
  event: string;
  images: number;
  jobs: number;
  /** jobs newly queued (0 when the event was planned before) */
  queued: number;
}

async function enqueueItems(store: Store, kind: Cause['kind'], event: string, items: ReevaluateItem[], now: Date, batch: number, db?: string): Promise<Plan> {
  const sorted = [...items].sort((a, b) => a.id - b.id);
  const jobs = [];
  for (let i = 0; i < sorted.length; i += batch) {
    const chunk = sorted.slice(i, i + batch);
    const payload: ReevaluatePayload = { kind, event, ...(db ? { db } : {}), items: chunk };
    jobs.push({ queue: REEVALUATE_QUEUE, key: `${event}#${chunk[0]!.id}-${chunk[chunk.length - 1]!.id}`, payload });
  }
  const queued = await enqueue(store, jobs, now);
  return { event, images: sorted.length, jobs: jobs.length, queued };
}

const IN_CHUNK = 500;

async function assuredOf(store: Store, inventoryIds: number[]): Promise<{ id: number; inventory_id: number }[]> {
  const out: { id: number; inventory_id: number }[] = [];
  for (let i = 0; i < inventoryIds.length; i += IN_CHUNK) {
    const rows = await store.db.selectFrom('assured_images').select(['id', 'inventory_id']).where('inventory_id', 'in', inventoryIds.slice(i, i + IN_CHUNK)).execute();
    out.push(...rows.map((r) => ({ id: Number(r.id), inventory_id: Number(r.inventory_id) })));
  }
  return out;
}

/** Plan the re-evaluation a DB update calls for. */
export async function planDbUpdate(store: Store, diff: DbDiff, now: Date, batch = DEFAULT_BATCH): Promise<Plan> {
  const causes = new Map<number, Set<string>>(); // inventory id → advisory ids
  const byEco = new Map<string, string[]>();
  for (const k of diff.keys.keys()) {
    const [eco, name] = k.split('\u0001') as [string, string];
    (byEco.get(eco) ?? byEco.set(eco, []).get(eco)!).push(name);
  }
  for (const [eco, names] of [...byEco].sort()) {
    for (let i = 0; i < names.length; i += IN_CHUNK) {
      const rows = await store.db.selectFrom('inventory_packages').select(['inventory_id', 'name']).where('ecosystem', '=', eco).where('name', 'in', names.slice(i, i + IN_CHUNK)).execute();
      for (const r of rows) {
        const set = causes.get(Number(r.inventory_id)) ?? new Set<string>();
        for (const id of diff.keys.get(`${eco}\u0001${r.name}`) ?? []) set.add(id);
        causes.set(Number(r.inventory_id), set);
      }
    }
  }
  if (diff.ecosystems.length) {
    const rows = await store.db.selectFrom('inventory_packages').select('inventory_id').where('name', '=', '').where('ecosystem', 'in', diff.ecosystems).execute();
    for (const r of rows) causes.set(Number(r.inventory_id), causes.get(Number(r.inventory_id)) ?? new Set(diff.ecosystems.map((e) => `coverage:${e}`)));
  }
  const items = new Map<number, ReevaluateItem>();
  for (const a of await assuredOf(store, [...causes.keys()].sort((x, y) => x - y))) items.set(a.id, { id: a.id, what: [...causes.get(a.inventory_id)!].sort().join(',') });
  // a decision that carried a stale-DB gap may change with any newer DB
  const stale = await store.db.selectFrom('assured_images').select('id').where(sql<boolean>`decision LIKE ${'%db-stale%'}`).execute();
  for (const r of stale) if (!items.has(Number(r.id))) items.set(Number(r.id), { id: Number(r.id), what: 'db-freshness' });
  return enqueueItems(store, 'advisory', `db:${diff.fingerprint}`, [...items.values()], now, batch, diff.fingerprint);
}

/** Plan re-evaluation of images whose suppressions or allowlist entries ended by `now`. */
export async function planExpiry(store: Store, now: Date, batch = DEFAULT_BATCH): Promise<Plan> {
  const rows = await store.db.selectFrom('assured_images').select(['id', 'decision', 'next_expiry']).where('next_expiry', '<=', now.toISOString()).execute();
  const items: ReevaluateItem[] = [];
  const deadlines: ReevaluateItem[] = [];
  for (const r of rows) {
    const d = r.decision ? (JSON.parse(r.decision) as Pick<Decision, 'suppressed' | 'allowlisted' | 'warnings'>) : undefined;
    const ended = [...(d?.suppressed ?? []).map((s) => ({ id: s.ruleId, expires: s.expires })), ...(d?.allowlisted ? [{ id: d.allowlisted.image, expires: d.allowlisted.expires }] : [])]
      .filter((s) => s.expires !== undefined && expiryInstant({ expires: s.expires }) <= now.getTime())
      .map((s) => s.id);
    // fix-within deadlines that passed (vulnerabilities.fixWithinDays)
    const due = (d?.warnings ?? []).filter((w) => w.deadline !== undefined && Date.parse(w.deadline) <= now.getTime()).map((w) => `fixWithinDays:${(w.subject ?? w.findingId ?? '').split(' ')[0]}`);
    if (ended.length) items.push({ id: Number(r.id), what: [...new Set(ended)].sort().join(',') });
    else deadlines.push({ id: Number(r.id), what: [...new Set(due)].sort().join(',') || `clock@${r.next_expiry}` });
  }
  // one event per instant the expiries were observed at: a later tick is a new event only for images still due
  const a = await enqueueItems(store, 'exception', `expiry:${now.toISOString()}`, items, now, batch);
  const b = await enqueueItems(store, 'clock', `deadline:${now.toISOString()}`, deadlines, now, batch);
  return { event: a.event, images: a.images + b.images, jobs: a.jobs + b.jobs, queued: a.queued + b.queued };
}

/** Plan re-evaluation of every image of `pipelines` (all when undefined) after a rules revision. */
export async function planRules(store: Store, revision: string, now: Date, pipelines?: string[], batch = DEFAULT_BATCH, what = revision): Promise<Plan> {
  let q = store.db.selectFrom('assured_images').select('id');
  if (pipelines) {
    if (pipelines.length === 0) return { event: `policy:${revision}`, images: 0, jobs: 0, queued: 0 };
    q = q.where('pipeline', 'in', pipelines);
  }
  const items = (await q.execute()).map((r) => ({ id: Number(r.id), what }));
  return enqueueItems(store, 'policy', `policy:${revision}`, items, now, batch);
}
