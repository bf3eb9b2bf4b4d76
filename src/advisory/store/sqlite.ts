// Opens an SQLite file with better-sqlite3, its native addon named by path where its install put it.
// Without a path better-sqlite3 finds the addon through the `bindings` package, which reads the call stack
// for its caller's file, walks up to its package.json and tries up to 13 places in turn (a failed require
// each): ~4 ms of every scan, whose advisory DB opens at the start. npm's install (prebuild-install or
// node-gyp) puts the addon in build/Release; where it is not there, better-sqlite3 searches as before.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';

let addonPath: string | null | undefined;

/** better-sqlite3's build/Release/better_sqlite3.node beside the better-sqlite3 this module loads, if there. */
export function nativeAddonPath(): string | undefined {
  if (addonPath === undefined) {
    try {
      // main is lib/index.js: the package's root is two levels up
      const root = dirname(dirname(createRequire(import.meta.url).resolve('better-sqlite3')));
      const file = join(root, 'build', 'Release', 'better_sqlite3.node');
      addonPath = existsSync(file) ? file : null;
    } catch {
      addonPath = null;
    }
  }
  return addonPath ?? undefined;
}

/** `new Database(path, options)`, telling better-sqlite3 where its addon is when we know. */
export function openSqlite(path: string, options: Database.Options = {}): Database.Database {
  const nativeBinding = nativeAddonPath();
  return new Database(path, nativeBinding === undefined ? options : { ...options, nativeBinding });
}
