// The server's storage: one Kysely query layer over SQLite (default: one file in the data dir) or
// PostgreSQL (`postgres://...`, for several stateless replicas). Versioned migrations run at start
// under a lock (PostgreSQL advisory lock / SQLite BEGIN IMMEDIATE); a replica that finds a schema newer
// than it knows refuses to start.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { PortcullisError } from '../../core/errors.js';
import { MIGRATIONS, SCHEMA_VERSION, type Dialect } from './migrations.js';
import type { Tables } from './tables.js';

export interface Store {
  db: Kysely<Tables>;
  dialect: Dialect;
  /** where the data lives, without credentials */
  location: string;
  schemaVersion: number;
  close(): Promise<void>;
  /** SQLite only: the raw handle (online backup) */
  sqlite?: Database.Database;
}

/** postgres://user:secret@host/db → postgres://user@host/db (never print a password). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '';
    return u.toString().replace(/:@/, '@');
  } catch {
    return '(unparsable database URL)';
  }
}

export function isPostgresUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//i.test(s);
}

/** Open the database named by `target` (a postgres:// URL or a SQLite file path) and migrate it. */
export async function openStore(target: string): Promise<Store> {
  if (isPostgresUrl(target)) {
    const pool = new pg.Pool({ connectionString: target, max: 10 });
    const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
    const location = redactUrl(target);
    try {
      const v = await migratePostgres(db);
      return { db, dialect: 'postgres', location, schemaVersion: v, close: () => db.destroy() };
    } catch (e) {
      await db.destroy().catch(() => undefined);
      throw wrap(e, location);
    }
  }
  try {
    mkdirSync(dirname(target), { recursive: true });
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `${target}: cannot create the data directory: ${(e as Error).message}`, { cause: e });
  }
  let handle: Database.Database;
  try {
    handle = new Database(target);
    handle.pragma('journal_mode = WAL');
    handle.pragma('busy_timeout = 10000');
    handle.pragma('foreign_keys = ON');
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `${target}: cannot open the SQLite database: ${(e as Error).message}`, { cause: e });
  }
  try {
    const v = migrateSqlite(handle);
    const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: handle }) });
    return { db, dialect: 'sqlite', location: target, schemaVersion: v, sqlite: handle, close: () => db.destroy() };
  } catch (e) {
    handle.close();
    throw wrap(e, target);
  }
}

function wrap(e: unknown, location: string): PortcullisError {
  if (e instanceof PortcullisError) return e;
  return new PortcullisError('DB_INVALID', `${location}: ${(e as Error).message}`, { cause: e });
}

function tooNew(found: number, location: string): PortcullisError {
  return new PortcullisError(
    'DB_INVALID',
    `${location}: the database schema is version ${found}, newer than this server knows (${SCHEMA_VERSION}); upgrade this replica before starting it`,
  );
}

function migrateSqlite(h: Database.Database): number {
  h.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const run = h.transaction(() => {
    const row = h.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > SCHEMA_VERSION) throw tooNew(current, h.name);
    for (const m of MIGRATIONS.filter((x) => x.version > current)) {
      for (const stmt of m.up('sqlite')) h.exec(stmt);
      h.prepare('INSERT INTO schema_version (version) VALUES (?)').run(m.version);
    }
    return Math.max(current, SCHEMA_VERSION);
  });
  return run.immediate();
}

const MIGRATION_LOCK = 727021;

async function migratePostgres(db: Kysely<Tables>): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(trx);
    await sql`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`.execute(trx);
    const r = await sql<{ v: number | null }>`SELECT MAX(version) AS v FROM schema_version`.execute(trx);
    const current = Number(r.rows[0]?.v ?? 0);
    if (current > SCHEMA_VERSION) throw tooNew(current, 'postgres');
    for (const m of MIGRATIONS.filter((x) => x.version > current)) {
      for (const stmt of m.up('postgres')) await sql.raw(stmt).execute(trx);
      await sql`INSERT INTO schema_version (version) VALUES (${m.version})`.execute(trx);
    }
    return Math.max(current, SCHEMA_VERSION);
  });
}

/** Is the database answering? (for /readyz) */
export async function ping(store: Store): Promise<boolean> {
  try {
    await sql`SELECT 1`.execute(store.db);
    return true;
  } catch {
    return false;
  }
}
