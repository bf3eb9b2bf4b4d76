// Opens an SQLite file with better-sqlite3, its native addon named by path where its install put it.
// Without a path better-sqlite3 finds the addon through the `bindings` package, which reads the call stack
// for its caller's file, walks up to its package.json and tries up to 13 places in turn (a failed require
// each): ~4 ms of every scan, whose advisory DB opens at the start. npm's install (prebuild-install or
// node-gyp) puts the addon in build/Release.
//
// With the addon named, only better-sqlite3's Database class is needed, from its own file: the CLI's bundle
// takes that file in (scripts/bundle.mjs), so it runs from the bundle's code cache instead of Node resolving,
// reading and compiling the package's 13 files (~8 ms of every scan). Where the addon is not in
// build/Release, the package is loaded as it is, when first needed, and searches for it itself.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type Database from 'better-sqlite3';
import NamedAddonDatabase from 'better-sqlite3/lib/database.js';

const require = createRequire(import.meta.url);
let addonPath: string | null | undefined;

/** better-sqlite3's build/Release/better_sqlite3.node beside the better-sqlite3 this module loads, if there. */
export function nativeAddonPath(): string | undefined {
  if (addonPath === undefined) {
    try {
      // main is lib/index.js: the package's root is two levels up
      const root = dirname(dirname(require.resolve('better-sqlite3')));
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
  if (nativeBinding !== undefined) return new NamedAddonDatabase(path, { ...options, nativeBinding });
  const Searching = require('better-sqlite3') as typeof Database;
  return new Searching(path, options);
}
