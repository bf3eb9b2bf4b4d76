import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
import type Database from 'better-sqlite3';
import { tempDir } from '../testutil.js';
import { nativeAddonPath, openSqlite } from './sqlite.js';

const require = createRequire(import.meta.url);

test('the addon is named by path: the better-sqlite3 install beside us, its build/Release', () => {
  const file = nativeAddonPath();
  assert.ok(file !== undefined, 'npm ci puts better_sqlite3.node in build/Release');
  assert.ok(isAbsolute(file) && existsSync(file));
  assert.match(file, /[\\/]better-sqlite3[\\/]build[\\/]Release[\\/]better_sqlite3\.node$/);
  // the same package the import resolves, not another copy
  assert.ok(file.startsWith(join(require.resolve('better-sqlite3'), '..', '..')));
  assert.equal(nativeAddonPath(), file, 'looked up once');
});

test('openSqlite opens, writes and reads with that addon, and keeps the caller\'s options', (t) => {
  const file = join(tempDir(t), 'x.db');
  const w = openSqlite(file);
  w.exec('CREATE TABLE t (v TEXT)');
  w.prepare('INSERT INTO t VALUES (?)').run('kept');
  w.close();
  // Node loaded the addon from the path we gave (better-sqlite3 requires it by that name), and (unbundled)
  // the Database class from its own file is the one the package exports
  assert.ok(Object.keys(require.cache).includes(nativeAddonPath()!));
  assert.ok(w instanceof (require('better-sqlite3') as typeof Database));
  const r = openSqlite(file, { readonly: true, fileMustExist: true });
  assert.equal((r.prepare('SELECT v FROM t').get() as { v: string }).v, 'kept');
  assert.throws(() => r.exec("INSERT INTO t VALUES ('no')"), /readonly/);
  r.close();
  assert.throws(() => openSqlite(join(tempDir(t), 'absent.db'), { fileMustExist: true }), /unable to open|directory does not exist|does not exist/);
});
