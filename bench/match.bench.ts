// matchInventory speed: the orders-api image inventory (collected once) against a DB built from all of
// ../shared/data, and a synthetic inventory of 3,000 PyPI/Go/npm packages named by real records.
import { sharedPath } from '../src/core/shared.js';
import { existsSync } from 'node:fs';
import { openDb } from '../src/advisory/index.js';
import { collectInventory } from '../src/scan/collect.js';
import { matchInventory, type MatchOptions } from '../src/match/index.js';
import type { Inventory } from '../src/core/report.js';
import type { PackageType } from '../src/core/types.js';
import { inventory, pkg, readZipRecords, testDbPath } from '../src/match/testutil.js';

const SOURCES = ['osv', 'ghsa', 'malicious', 'alpine-secdb', 'debian/bookworm-sample.json', 'kev/known_exploited_vulnerabilities.json'];

function time(inv: Inventory, db: ReturnType<typeof openDb>, opts: MatchOptions, label: string): void {
  matchInventory(inv, db, opts); // warm-up (statement cache, record decoding)
  const runs: number[] = [];
  let findings = 0;
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    findings = matchInventory(inv, db, opts).findings.length;
    runs.push(performance.now() - t0);
  }
  runs.sort((a, b) => a - b);
  const med = runs[3]!;
  const n = inv.packages.length;
  console.log(`${label}: ${n} packages, ${findings} findings: median ${med.toFixed(1)} ms (min ${runs[0]!.toFixed(1)}) = ${Math.round((n / med) * 1000)} packages/s`);
}

export async function run(): Promise<void> {
  const image = sharedPath('fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!existsSync(image) || !existsSync(sharedPath('data/osv'))) {
    console.log('SKIPPED: ../shared not found');
    return;
  }
  let t0 = performance.now();
  const dbPath = await testDbPath(SOURCES.map((s) => sharedPath(`data/${s}`)));
  console.log(`db build (all of ../shared/data): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const db = openDb(dbPath);
  try {
    t0 = performance.now();
    const inv = await collectInventory(`docker-archive:${image}`);
    console.log(`collectInventory(orders-api): ${(performance.now() - t0).toFixed(0)} ms, ${inv.packages.length} packages (once; not part of the rates below)`);
    time(inv, db, {}, 'orders-api (OS-owned language packages skipped)');
    time(inv, db, { includeOsOwned: true }, 'orders-api --include-os-owned');

    // a large application: the first 1,000 package names of each of PyPI, Go and crates.io, at an old version
    const eco: [string, PackageType, string][] = [
      ['data/osv/PyPI/all.zip', 'pypi', '0.1'],
      ['data/osv/Go/all.zip', 'golang', 'v0.1.0'],
      ['data/osv/crates.io/all.zip', 'cargo', '0.1.0'],
    ];
    const pkgs = [];
    for (const [zip, type, version] of eco) {
      const names = new Set<string>();
      for (const r of await readZipRecords(sharedPath(zip))) for (const a of r.affected ?? []) if (a.package && names.size < 1000) names.add(a.package.name);
      for (const name of names) pkgs.push(pkg({ type, name, version: name === 'stdlib' ? 'go1.15.2' : version }));
    }
    time(inventory(pkgs), db, {}, 'synthetic PyPI+Go+crates.io');
  } finally {
    db.close();
  }
}
