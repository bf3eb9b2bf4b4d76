// Advisory DB: build time and size for ../shared/data, and lookups per second (single and batch).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../src/core/clock.js';
import { sharedPath } from '../src/core/shared.js';
import { buildDb, openDb } from '../src/advisory/index.js';

export async function run(): Promise<void> {
  const data = sharedPath('data');
  if (!existsSync(data)) {
    console.log(`SKIPPED: shared data not found at ${data}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pc-bench-adv-'));
  try {
    const out = join(dir, 'portcullis.db');
    const sources = ['osv', 'ghsa', 'malicious', 'alpine-secdb', 'debian/bookworm-sample.json', 'kev/known_exploited_vulnerabilities.json'].map((p) => join(data, p));
    const rss0 = process.memoryUsage().rss;
    const s = await buildDb(sources, out, { clock: fixedClock('2025-01-01T00:00:00Z') });
    const rss1 = process.memoryUsage().rss;
    console.log(`build: ${s.records} advisories, ${s.kev} KEV, ${s.warnings} warnings in ${s.durationMs} ms; DB ${(s.bytes / 1048576).toFixed(1)} MiB; RSS +${((rss1 - rss0) / 1048576).toFixed(0)} MiB`);
    const db = openDb(out);
    // keys: every package named by the Go and PyPI ecosystems plus misses, as a matcher would ask
    const keys: { ecosystem: string; name: string }[] = [];
    for (const id of ['GO-2022-0969', 'PYSEC-2023-74', 'GHSA-jfh8-c2jp-5v3q']) {
      for (const a of db.byId(id)?.record.affected ?? []) if (a.package) keys.push({ ecosystem: a.package.ecosystem, name: a.package.name });
    }
    for (let i = 0; i < 2000; i++) keys.push({ ecosystem: i % 2 ? 'npm' : 'PyPI', name: `no-such-package-${i}` });
    for (const name of ['openssl', 'curl', 'busybox', 'musl', 'zlib', 'sqlite', 'libxml2', 'expat']) keys.push({ ecosystem: 'Alpine:v3.10', name });
    let n = 0;
    let hits = 0;
    const t0 = process.hrtime.bigint();
    while (process.hrtime.bigint() - t0 < 1_000_000_000n) {
      for (const k of keys) {
        hits += db.byPackage(k.ecosystem, k.name).length;
        n++;
      }
    }
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    console.log(`byPackage: ${Math.round(n / secs)} lookups/s (${keys.length} keys, ${hits} advisories returned)`);
    const t1 = process.hrtime.bigint();
    const m = db.byPackages(keys);
    console.log(`byPackages: ${keys.length} keys in ${(Number(process.hrtime.bigint() - t1) / 1e6).toFixed(1)} ms (${m.size} distinct)`);
    const hot = db.byPackage('Go', 'stdlib');
    const t2 = process.hrtime.bigint();
    for (let i = 0; i < 20; i++) db.byPackage('Go', 'stdlib');
    console.log(`byPackage Go/stdlib: ${hot.length} advisories, ${(Number(process.hrtime.bigint() - t2) / 1e6 / 20).toFixed(1)} ms per call (decompress + parse)`);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
