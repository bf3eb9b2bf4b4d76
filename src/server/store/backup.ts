// `portcullis server backup`: SQLite's online backup API (consistent while the server keeps writing).
// PostgreSQL is backed up with its own tools (pg_dump), as docs/server.md says.
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { PortcullisError } from '../../core/errors.js';
import { isPostgresUrl } from './db.js';
import { SCHEMA_VERSION } from './migrations.js';

export async function backupSqlite(file: string, out: string): Promise<number> {
  if (isPostgresUrl(file)) throw new PortcullisError('BAD_INPUT', 'backup: the database is PostgreSQL; use pg_dump (pg_dump --format=custom --file=portcullis.dump URL), and pg_restore to restore');
  if (!existsSync(file)) throw new PortcullisError('NOT_FOUND', `backup: no database at ${file}`);
  if (existsSync(out)) throw new PortcullisError('BAD_INPUT', `backup: ${out} exists; choose a new file`);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `backup: ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const v = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
    if (v.v === null || v.v > SCHEMA_VERSION) throw new PortcullisError('BAD_INPUT', `backup: ${file} is not a Portcullis server database this version knows`);
    const r = await db.backup(out);
    return r.totalPages;
  } catch (e) {
    if (e instanceof PortcullisError) throw e;
    throw new PortcullisError('BAD_INPUT', `backup: ${file}: ${(e as Error).message}`, { cause: e });
  } finally {
    db.close();
  }
}
