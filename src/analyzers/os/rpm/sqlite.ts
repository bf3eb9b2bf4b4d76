// rpm's SQLite database (`rpmdb.sqlite`, rpm >= 4.16: Fedora 33+, RHEL/Alma/Rocky 9+, Amazon Linux 2023):
// table `Packages (hnum INTEGER PRIMARY KEY, blob BLOB)`, one header blob per row.
// Opened from memory (better-sqlite3 deserialises the Buffer), read-only; nothing touches the disk.
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import type { DbRecord } from './bdb.js';

/** better-sqlite3, loaded only when an rpmdb.sqlite is read (start-up stays light). */
const sqlite = (): typeof Database => createRequire(import.meta.url)('better-sqlite3') as typeof Database;

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export function looksLikeSqlite(buf: Buffer): boolean {
  return buf.length >= 16 && buf.subarray(0, 16).equals(SQLITE_MAGIC);
}

/** rpm installs tens of thousands of packages at most; far more rows is a hostile file. */
const MAX_ROWS = 1_000_000;
/** Reading a real rpmdb takes well under a second; bound the time spent on one that is not. */
const MAX_READ_MS = 30_000;

/** What is wrong with the schema, or undefined when `Packages` is rpm's table with `hnum` and `blob`. */
function schemaProblem(db: Database.Database): string | undefined {
  const rows = db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name = 'Packages' COLLATE NOCASE").all() as { type: unknown; name: unknown; sql: unknown }[];
  if (rows.length === 0) return 'no Packages table';
  const t = rows[0]!;
  if (t.type !== 'table') return `Packages is a ${String(t.type)}, not a table`;
  if (typeof t.sql !== 'string' || /^\s*CREATE\s+VIRTUAL\b/i.test(t.sql)) return 'Packages is a virtual table, not a table';
  const cols = new Set((db.prepare("SELECT name FROM pragma_table_info('Packages')").all() as { name: unknown }[]).map((c) => String(c.name).toLowerCase()));
  for (const c of ['hnum', 'blob']) if (!cols.has(c)) return `Packages has no ${c} column`;
  return undefined;
}

/** Reads every row of the Packages table. Problems go to `warn`; never throws. */
export function readSqlite(buf: Buffer, warn: (m: string) => void): DbRecord[] {
  if (!looksLikeSqlite(buf)) {
    warn('sqlite: not an SQLite database (bad magic)');
    return [];
  }
  let image = buf;
  // A database left in WAL mode (bytes 18 and 19 = 2) cannot be opened from memory; the same file in
  // rollback-journal mode (1) reads identically. Only what was checkpointed into the main file is seen:
  // a separate rpmdb.sqlite-wal is not merged (see README.md).
  if (buf.length >= 20 && (buf[18] === 2 || buf[19] === 2)) {
    image = Buffer.from(buf);
    image[18] = 1;
    image[19] = 1;
  }
  let db: Database.Database | undefined;
  const out: DbRecord[] = [];
  const started = Date.now();
  try {
    db = new (sqlite())(image, { readonly: true });
    // The file comes from the image: nothing in its schema may run. No function of the schema is
    // trusted, and `Packages` must be the plain table rpm creates, never a view (a view over an endless
    // recursive query would hang the scan) or a virtual table.
    db.pragma('trusted_schema = OFF');
    const problem = schemaProblem(db);
    if (problem) {
      warn(`sqlite: ${problem}; not read`);
      return [];
    }
    // iterate rather than fetch all: rows read before a corrupt page are kept
    const rows = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').iterate() as IterableIterator<{ hnum: unknown; blob: unknown }>;
    for (const r of rows) {
      if (out.length >= MAX_ROWS || Date.now() - started > MAX_READ_MS) {
        warn(`sqlite: stopped after ${out.length} rows (more than ${MAX_ROWS} rows or ${MAX_READ_MS / 1000} s); the rest not read`);
        break;
      }
      const key = typeof r.hnum === 'number' ? r.hnum : typeof r.hnum === 'bigint' ? Number(r.hnum) : undefined;
      if (!Buffer.isBuffer(r.blob)) {
        warn(`sqlite: row ${String(r.hnum)}: blob is not binary; skipped`);
        continue;
      }
      out.push(key === undefined ? { blob: r.blob } : { key, blob: r.blob });
    }
    return out;
  } catch (e) {
    warn(`sqlite: cannot read the Packages table${out.length ? ` past ${out.length} rows` : ''}: ${e instanceof Error ? e.message : String(e)}`);
    return out;
  } finally {
    db?.close();
  }
}
