// Cargo.lock (format v1–v4): `[[package]]` tables with name, version, source; v1's `[root]` table.
// https://doc.rust-lang.org/cargo/guide/cargo-toml-vs-cargo-lock.html ,
// https://github.com/rust-lang/cargo/blob/master/src/cargo/core/resolver/encode.rs
import { parseToml, TomlError, tomlGet, tomlString, tomlTable, tomlTables } from '../toml.js';
import type { TomlTable } from '../toml.js';

export interface LockedCrate {
  name: string;
  version: string;
  /** `registry+https://…`, `sparse+https://…`, `git+https://…#rev`; absent for workspace members and path dependencies */
  source?: string;
}

export type CargoLockResult = { ok: true; lockVersion: number; crates: LockedCrate[]; skipped: number } | { ok: false; error: string };

export function parseCargoLock(text: string): CargoLockResult {
  let doc: TomlTable;
  try {
    doc = parseToml(text);
  } catch (e) {
    if (e instanceof TomlError) return { ok: false, error: `not valid TOML: ${e.message}` };
    throw e;
  }
  const v = tomlGet(doc, 'version');
  // files without `version` are v1 (or v2 written by cargo 1.41–1.52, indistinguishable and parsed alike)
  const lockVersion = typeof v === 'number' ? v : 1;
  const tables = tomlTables(tomlGet(doc, 'package'));
  const root = tomlTable(tomlGet(doc, 'root'));
  if (root) tables.push(root);
  const crates: LockedCrate[] = [];
  let skipped = 0;
  for (const t of tables) {
    const name = tomlString(tomlGet(t, 'name'));
    const version = tomlString(tomlGet(t, 'version'));
    if (!name || !version) {
      skipped++;
      continue;
    }
    const source = tomlString(tomlGet(t, 'source'));
    crates.push(source ? { name, version, source } : { name, version });
  }
  return { ok: true, lockVersion, crates, skipped };
}
