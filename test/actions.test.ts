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
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanReport } from '../src/core/report.js';
import { cli } from './helpers/cli.js';

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
    assert.equal(line('qs'), 'upgrade qs 6.7.0 → 6.14.2: fixes 3 (2 high, 1 low) — transitive via express 4.17.1 > qs 6.7.0: upgrade express');
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

test('orders-api under the production example: every action verified, the transitive ones name their direct dependency', async (t) => {
  const image = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!image) return;
  const dbPath = await sharedDb();
  const out = join(mkdtempSync(join(tmpdir(), 'portcullis-actions-')), 'report.json');
  const r = await cli(['scan', image, '--db', dbPath, '--pipeline', 'release-7', '--policy', 'examples/policies', '--quiet', '--format', 'json', '--output', out], { now: SCAN_NOW });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(readFileSync(out, 'utf8')) as ScanReport;
  assert.deepEqual(report.decision?.policies, ['production']);
  const actions = report.actions ?? [];
  const keys = actions.map((a) => `${a.package.type}/${a.package.name}@${a.package.version}:${a.package.path ?? ''}`);
  assert.equal(new Set(keys).size, keys.length, 'one action per package');
  const vulnerable = new Set(report.findings.flatMap((f) => (f.kind === 'vulnerability' ? [`${f.package.type}/${f.package.name}@${f.package.version}:${f.package.path ?? ''}`] : [])));
  assert.deepEqual(new Set(keys), vulnerable, 'every vulnerable package has its action');
  const db = openDb(dbPath);
  try {
    const byPath = new Map(report.inventory.packages.map((p) => [`${p.type}/${p.name}@${p.version}:${p.locations[0]?.path ?? ''}`, p]));
    for (const a of actions) {
      const p = byPath.get(`${a.package.type}/${a.package.name}@${a.package.version}:${a.package.path ?? ''}`)!;
      if (a.to) {
        const moved = { ...p, version: a.to, source: p.source && (p.type === 'deb' || p.type === 'rpm' || p.type === 'apk') ? { ...p.source, version: a.to } : p.source };
        const left = matchInventory({ ...report.inventory, packages: [moved], gaps: [] }, db, { includeOsOwned: true }).findings.filter((f) => f.kind === 'vulnerability');
        assert.deepEqual(left.map((f) => (f.kind === 'vulnerability' ? f.advisoryId : '')).sort(), a.remaining, `${a.package.name} at ${a.to}`);
      }
      if (p.type === 'npm') {
        assert.ok(a.dependency && a.dependency.status !== 'unknown', `${p.name}: the installed tree and /srv/app/package.json say where it comes from`);
        if (a.dependency.status === 'transitive') {
          const direct = a.dependency.path![0]!;
          assert.ok(report.inventory.packages.some((x) => x.name === direct.name && x.version === direct.version && x.direct === true), `${direct.name} is a direct dependency`);
          assert.match(actionLine(a), new RegExp(` — transitive via ${direct.name} .* > ${p.name} ${p.version.replace(/\./g, '\\.')}: upgrade ${direct.name}$`));
        } else assert.ok(p.direct, p.name);
      }
      if (p.type === 'golang' && p.name !== 'stdlib') assert.match(actionLine(a), / — direct dependency unknown$/);
    }
  } finally {
    db.close();
  }
  const line = (name: string) => actionLine(actions.find((a) => a.package.name === name)!);
  assert.match(line('body-parser'), /^upgrade body-parser 1\.19\.0 → \S+: fixes \d.* — transitive via express 4\.17\.1 > body-parser 1\.19\.0: upgrade express$/);
  assert.doesNotMatch(line('minimist'), /transitive|unknown/, 'minimist is a direct dependency of orders-api');
  assert.ok(report.inventory.packages.find((p) => p.name === 'express')?.dependsOn?.includes('pkg:npm/qs@6.7.0'));
});
