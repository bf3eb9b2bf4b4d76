// Builds an advisory DB from everything in ../shared/data into a private temp dir (once per test process).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDb } from '../../src/advisory/index.js';
import { fixedClock } from '../../src/core/clock.js';
import { sharedPath } from '../../src/core/shared.js';
import { removeOnExit } from '../../src/core/cleanup.js';

export const SHARED_SOURCES = ['osv', 'ghsa', 'malicious', 'alpine-secdb', 'debian/bookworm-sample.json', 'kev/known_exploited_vulnerabilities.json'];

/** The build time used for shared-data DBs in tests; pair it with a scan clock within 72 h. */
export const DB_BUILT_AT = '2026-08-22T00:00:00.000Z';

/** A scan time within 72 h of the newest record of ../shared/data (2026-08-21), so the DB is not stale. */
export const SCAN_NOW = '2026-08-23T00:00:00.000Z';

let built: Promise<string> | undefined;

export function sharedDb(): Promise<string> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-test-db-'));
    // 20 MB per test process: removed when the process ends, not left in the temp dir
    removeOnExit(dir);
    const out = join(dir, 'portcullis.db');
    await buildDb(SHARED_SOURCES.map((s) => sharedPath(`data/${s}`)), out, { clock: fixedClock(DB_BUILT_AT) });
    return out;
  })();
  return built;
}
