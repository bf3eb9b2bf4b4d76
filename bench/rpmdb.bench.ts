// rpm database reading speed: a 2000-package rpmdb.sqlite (real header blobs from the fixtures, repeated),
// and the Berkeley DB / ndb fixtures read many times.
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readRpmDb } from '../src/analyzers/os/rpm/index.js';
import { readSqlite } from '../src/analyzers/os/rpm/sqlite.js';
import { LAYER, TESTDATA } from '../src/analyzers/os/rpm/test-support.js';

function time(label: string, iterations: number, f: () => number): void {
  f();
  const t0 = performance.now();
  let n = 0;
  for (let i = 0; i < iterations; i++) n += f();
  const ms = performance.now() - t0;
  console.log(`${label}: ${(ms / iterations).toFixed(2)} ms per database, ${((n / ms) * 1000).toFixed(0)} packages/s`);
}

export async function run(): Promise<void> {
  const blobs = readSqlite(readFileSync(join(TESTDATA, 'rpmdb.sqlite')), () => {})
    .map((r) => r.blob)
    .filter((b) => b.length > 2600); // the two real packages, not the key
  const db = new Database(':memory:');
  db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
  const ins = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
  for (let i = 0; i < 2000; i++) ins.run(blobs[i % blobs.length]);
  const big = db.serialize();
  db.close();
  console.log(`rpmdb.sqlite with 2000 packages: ${(big.length / 1024 / 1024).toFixed(1)} MiB`);
  time('sqlite 2000 packages', 5, () => readRpmDb(big, '/var/lib/rpm/rpmdb.sqlite', LAYER, () => {}).packages.length);
  for (const f of ['Packages.le.bdb', 'Packages.be.bdb', 'Packages.db']) {
    const buf = readFileSync(join(TESTDATA, f));
    time(`${f} (2 packages)`, 500, () => readRpmDb(buf, '/var/lib/rpm/Packages', LAYER, () => {}).packages.length);
  }
}
