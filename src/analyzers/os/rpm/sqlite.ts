// rpm's SQLite database (`rpmdb.sqlite`, rpm >= 4.16: Fedora 33+, RHEL/Alma/Rocky 9+, Amazon Linux 2023):
// table `Packages (hnum INTEGER PRIMARY KEY, blob BLOB)`, one header blob per row.
// Opened from memory (better-sqlite3 deserialises the Buffer), read-only; nothing touches the disk.
import Database from 'better-sqlite3';
import type { DbRecord } from './bdb.js';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

export function looksLikeSqlite(buf: Buffer): boolean {
  return buf.length >= 16 && buf.subarray(0, 16).equals(SQLITE_MAGIC);
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
  try {
    db = new Database(image, { readonly: true });
    // iterate rather than fetch all: rows read before a corrupt page are kept
    const rows = db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').iterate() as IterableIterator<{ hnum: unknown; blob: unknown }>;
    for (const r of rows) {
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
