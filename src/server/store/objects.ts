// Objects with revisions and the append-only audit log. Nothing is ever deleted or overwritten: a
// change is a new revision, a revoke is a new revision in state `revoked`, and every change appends an
// audit entry (who, when, what, before/after) in the same transaction.
import { sql, type Kysely, type Transaction } from 'kysely';
import { PortcullisError } from '../../core/errors.js';
import type { Kind, ValidDocument } from './documents.js';
import type { Store } from './db.js';
import type { ObjectsTable, Tables } from './tables.js';

export interface StoredObject {
  kind: Kind;
  name: string;
  revision: number;
  state: 'active' | 'revoked';
  file: string;
  position: number;
  body: unknown;
  raw: string;
  digest: string;
  author: string;
  createdAt: string;
}

export interface Actor {
  /** token name (or `cli:<user>` for local commands) */
  name: string;
  requestId?: string;
}

function toObject(r: ObjectsTable): StoredObject {
  return {
    kind: r.kind as Kind,
    name: r.name,
    revision: Number(r.revision),
    state: r.state === 'revoked' ? 'revoked' : 'active',
    file: r.file,
    position: Number(r.position),
    body: JSON.parse(r.body) as unknown,
    raw: r.raw,
    digest: r.digest,
    author: r.author,
    createdAt: r.created_at,
  };
}

/**
 * The latest revision of every object (of one kind), revoked ones included; sorted by kind and name;
 * deep-frozen (shared by every caller). Objects are append-only (a change is a new row), so the row count
 * read BEFORE the rows marks a state at most as new as the rows read after it: the cached list is reused
 * while the count is unchanged, and a change committed by any process (another replica on PostgreSQL)
 * is seen by the next call. One count instead of the per-(kind, name) latest-revision query and the JSON
 * parsing of every body on each bundle fetch.
 */
export async function latestObjects(store: Store, kind?: Kind): Promise<readonly StoredObject[]> {
  const marker = await store.db
    .selectFrom('objects')
    .select((e) => e.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  const n = Number(marker.n);
  let cached = latestCache.get(store);
  if (!cached || cached.count !== n) {
    const rows = await store.db
      .selectFrom('objects as o')
      .selectAll('o')
      .where('o.revision', '=', (eb) =>
        eb.selectFrom('objects as o2').select((e) => e.fn.max('o2.revision').as('m')).whereRef('o2.kind', '=', 'o.kind').whereRef('o2.name', '=', 'o.name'),
      )
      .orderBy('o.kind')
      .orderBy('o.name')
      .execute();
    cached = { count: n, objects: rows.map((r) => deepFreeze(toObject(r))) };
    latestCache.set(store, cached);
  }
  return kind ? cached.objects.filter((o) => o.kind === kind) : cached.objects;
}

const latestCache = new WeakMap<Store, { count: number; objects: readonly StoredObject[] }>();

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as object)) deepFreeze(x);
  }
  return v;
}

export async function activeObjects(store: Store, kind?: Kind): Promise<readonly StoredObject[]> {
  return (await latestObjects(store, kind)).filter((o) => o.state === 'active');
}

export async function getObject(store: Store, kind: Kind, name: string, revision?: number): Promise<StoredObject | undefined> {
  let q = store.db.selectFrom('objects').selectAll().where('kind', '=', kind).where('name', '=', name);
  q = revision !== undefined ? q.where('revision', '=', revision) : q.orderBy('revision', 'desc').limit(1);
  const r = await q.executeTakeFirst();
  return r ? toObject(r) : undefined;
}

export async function objectHistory(store: Store, kind: Kind, name: string): Promise<StoredObject[]> {
  const rows = await store.db.selectFrom('objects').selectAll().where('kind', '=', kind).where('name', '=', name).orderBy('revision').execute();
  return rows.map(toObject);
}

type Db = Kysely<Tables> | Transaction<Tables>;

async function latestIn(db: Db, kind: string, name: string): Promise<ObjectsTable | undefined> {
  return db.selectFrom('objects').selectAll().where('kind', '=', kind).where('name', '=', name).orderBy('revision', 'desc').limit(1).executeTakeFirst();
}

export interface AuditInput {
  at: string;
  actor: Actor;
  action: string;
  kind: string;
  name: string;
  revision?: number;
  before?: unknown;
  after?: unknown;
}

export async function appendAudit(db: Db, a: AuditInput): Promise<void> {
  await db
    .insertInto('audit')
    .values({
      at: a.at,
      actor: a.actor.name,
      action: a.action,
      kind: a.kind,
      name: a.name,
      revision: a.revision ?? null,
      before: a.before === undefined ? null : JSON.stringify(a.before),
      after: a.after === undefined ? null : JSON.stringify(a.after),
      request_id: a.actor.requestId ?? null,
    })
    .execute();
}

function conflict(e: unknown, kind: string, name: string): never {
  const msg = (e as Error).message ?? '';
  if (/UNIQUE|duplicate key|PRIMARY KEY/i.test(msg)) {
    throw new PortcullisError('DB_LOCKED', `${kind} ${name}: changed by someone else at the same time; retry`, { cause: e });
  }
  throw e;
}

export interface PutResult {
  object: StoredObject;
  changed: boolean;
}

/**
 * Store a validated document as the next revision of (kind, name). An unchanged document (same content,
 * text and file, still active) is not a new revision.
 */
export async function putObject(
  store: Store,
  doc: ValidDocument,
  where: { file: string; position: number },
  actor: Actor,
  now: Date,
): Promise<PutResult> {
  try {
    return await store.db.transaction().execute(async (trx) => {
      const prev = await latestIn(trx, doc.kind, doc.name);
      if (prev && prev.state === 'active' && prev.digest === doc.digest && prev.raw === doc.raw && prev.file === where.file && Number(prev.position) === where.position) {
        return { object: toObject(prev), changed: false };
      }
      const row: ObjectsTable = {
        kind: doc.kind,
        name: doc.name,
        revision: prev ? Number(prev.revision) + 1 : 1,
        state: 'active',
        file: where.file,
        position: where.position,
        body: doc.canonical,
        raw: doc.raw,
        digest: doc.digest,
        author: actor.name,
        created_at: now.toISOString(),
      };
      await trx.insertInto('objects').values(row).execute();
      await appendAudit(trx, {
        at: row.created_at,
        actor,
        action: !prev ? 'create' : prev.state === 'revoked' ? 'restore' : 'update',
        kind: doc.kind,
        name: doc.name,
        revision: row.revision,
        before: prev ? (JSON.parse(prev.body) as unknown) : undefined,
        after: doc.body,
      });
      return { object: toObject(row), changed: true };
    });
  } catch (e) {
    return conflict(e, doc.kind, doc.name);
  }
}

/** Revoke: a new revision in state `revoked` (the content stays readable in the history). */
export async function revokeObject(store: Store, kind: Kind, name: string, actor: Actor, now: Date): Promise<StoredObject | undefined> {
  try {
    return await store.db.transaction().execute(async (trx) => {
      const prev = await latestIn(trx, kind, name);
      if (!prev || prev.state === 'revoked') return undefined;
      const row: ObjectsTable = { ...prev, revision: Number(prev.revision) + 1, state: 'revoked', author: actor.name, created_at: now.toISOString() };
      await trx.insertInto('objects').values(row).execute();
      await appendAudit(trx, { at: row.created_at, actor, action: 'revoke', kind, name, revision: row.revision, before: JSON.parse(prev.body) as unknown });
      return toObject(row);
    });
  } catch (e) {
    return conflict(e, kind, name);
  }
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  kind: string;
  name: string;
  revision: number | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
}

export interface AuditFilter {
  /** oldest first after this id; with `newestFirst`, before it */
  after?: number;
  newestFirst?: boolean;
  limit: number;
  kind?: string;
  name?: string;
  action?: string;
  /** a substring of the actor */
  actor?: string;
}

export async function listAudit(store: Store, opts: AuditFilter): Promise<AuditEntry[]> {
  let q = store.db.selectFrom('audit').selectAll().orderBy('id', opts.newestFirst ? 'desc' : 'asc').limit(opts.limit);
  if (opts.after !== undefined) q = q.where('id', opts.newestFirst ? '<' : '>', opts.after);
  if (opts.kind !== undefined) q = q.where('kind', '=', opts.kind);
  if (opts.name !== undefined) q = q.where('name', '=', opts.name);
  if (opts.action !== undefined) q = q.where('action', '=', opts.action);
  // case-insensitive substring, wildcards escaped; the filter is a bound parameter, never SQL text
  if (opts.actor !== undefined) {
    const pattern = `%${opts.actor.toLowerCase().replace(/[!%_]/g, (c) => `!${c}`)}%`;
    q = q.where(sql<boolean>`lower(actor) like ${pattern} escape '!'`);
  }
  const rows = await q.execute();
  return rows.map((r) => ({
    id: Number(r.id),
    at: r.at,
    actor: r.actor,
    action: r.action,
    kind: r.kind,
    name: r.name,
    revision: r.revision === null ? null : Number(r.revision),
    before: r.before === null ? null : (JSON.parse(r.before) as unknown),
    after: r.after === null ? null : (JSON.parse(r.after) as unknown),
    requestId: r.request_id,
  }));
}
