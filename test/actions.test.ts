// The actions list on orders-api: one line per package; each fix version checked by re-matching the
// package at that version against the same DB (no vulnerability left); the examples hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedOrSkip } from '../src/core/shared.js';
import { openDb } from '../src/advisory/index.js';
import { collectInventory } from '../src/scan/collect.js';
import { scanInventory } from '../src/scan/scan.js';
import { computeActions } from '../src/scan/actions.js';
import { actionLine } from '../src/report/describe.js';
import { matchInventory } from '../src/match/index.js';
import { sharedDb, SCAN_NOW } from './helpers/shared-db.js';

test('orders-api: one action per package, each verified by re-matching at the advised version', async (t) => {
  const image = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!image) return;
  const db = openDb(await sharedDb());
  try {
    const now = new Date(SCAN_NOW);
    const inventory = await collectInventory(image);
    const report = scanInventory(inventory, db, { now, scanner: { name: 'portcullis', version: 'test' } });
    const actions = computeActions(report, db, { now });
    const keys = actions.map((a) => `${a.package.type}/${a.package.name}@${a.package.version}:${a.package.path ?? ''}`);
    assert.equal(new Set(keys).size, keys.length, 'one action per package');
    const line = (name: string) => actionLine(actions.find((a) => a.package.name === name)!);
    assert.equal(line('qs'), 'upgrade qs 6.7.0 → 6.14.2: fixes 3 (2 high, 1 low)');
    assert.match(line('path-to-regexp'), /^upgrade path-to-regexp 0\.1\.7 → 0\.1\.13: fixes 3/);
    assert.ok(actions.find((a) => a.package.name === 'zlib1g')?.kind === 'no-fix');
    for (const a of actions.filter((x) => x.to)) {
      const p = inventory.packages.find((x) => x.name === a.package.name && x.version === a.package.version && (x.locations[0]?.path ?? '') === (a.package.path ?? ''))!;
      const moved = { ...p, version: a.to!, source: p.source && (p.type === 'deb' || p.type === 'rpm' || p.type === 'apk') ? { ...p.source, version: a.to! } : p.source };
      const left = matchInventory({ ...inventory, packages: [moved], gaps: [] }, db, { includeOsOwned: true }).findings.filter((f) => f.kind === 'vulnerability');
      assert.deepEqual(left.map((f) => (f.kind === 'vulnerability' ? f.advisoryId : '')), a.remaining, `${a.package.name} at ${a.to}`);
      assert.deepEqual(a.remaining, [], `${a.package.name}: ${a.to} fixes everything`);
      const before = report.findings.filter((f) => f.kind === 'vulnerability' && f.package.name === p.name && (f.package.path ?? '') === (a.package.path ?? ''));
      assert.equal(a.fixes.ids.length, before.length, `${a.package.name}: fixes every finding of the package`);
    }
  } finally {
    db.close();
  }
});
