// One bad record must not take the gate down: deep nesting and huge alias lists are skipped or capped
// at import, counted in the build summary; the rest of the feed is built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { fixedClock } from '../core/clock.js';
import { buildDb, openDb } from './index.js';
import { osvRecord, tempDir } from './testutil.js';
import { jsonDepth, MAX_RECORD_DEPTH } from './osv/import.js';
import { MAX_ALIASES } from './osv/validate.js';
import { findingKeys } from '../policy/exceptions.js';
import type { VulnerabilityFinding } from '../core/types.js';

test('db build: a record nested 1e5 levels deep is skipped with a warning; 200k aliases are capped', async (t) => {
  const d = tempDir(t);
  const src = join(d, 'osv');
  mkdirSync(src);
  writeFileSync(join(src, 'GHSA-good-0000-0001.json'), JSON.stringify(osvRecord('GHSA-good-0000-0001')));
  // 1e5 levels inside database_specific, streamed to disk
  const deep = createWriteStream(join(src, 'GHSA-deep-0000-0002.json'));
  const rec = JSON.stringify(osvRecord('GHSA-deep-0000-0002', { database_specific: { x: 0 } }));
  const [head, tail] = rec.split('{"x":0}') as [string, string];
  deep.write(head + '{"x":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}' + tail);
  deep.end();
  await once(deep, 'finish');
  const aliases = Array.from({ length: 200_000 }, (_, i) => `CVE-2024-${100000 + i}`);
  writeFileSync(join(src, 'GHSA-many-0000-0003.json'), JSON.stringify(osvRecord('GHSA-many-0000-0003', { aliases })));
  const warnings: string[] = [];
  const out = join(d, 'p.db');
  const s = await buildDb([src], out, { clock: fixedClock('2026-01-01T00:00:00Z'), onWarning: (w) => warnings.push(w) });
  assert.equal(s.records, 2);
  assert.ok(s.skipped >= 1);
  assert.ok(warnings.some((w) => /GHSA-deep-0000-0002.*nested more than 64 levels/.test(w)), warnings.join('\n'));
  assert.ok(warnings.some((w) => /200000 aliases, only the first 256 kept/.test(w)), warnings.join('\n'));
  const db = openDb(out);
  t.after(() => db.close());
  assert.ok(db.byId('GHSA-good-0000-0001'));
  assert.equal(db.byId('GHSA-many-0000-0003')?.record.aliases?.length, MAX_ALIASES);
  assert.equal(db.byId('GHSA-deep-0000-0002'), undefined);
});

test('jsonDepth counts brackets outside strings and stops early', () => {
  assert.equal(jsonDepth('{"a":[1,{"b":"[[[{{"}]}', 10), 3);
  assert.equal(jsonDepth('"\\"[["', 10), 0);
  assert.equal(jsonDepth('['.repeat(1_000_000), MAX_RECORD_DEPTH), MAX_RECORD_DEPTH + 1);
});

test('exception keys of a finding with 200k aliases (a DB built before the cap) do not overflow', () => {
  const f = { id: 'vulnerability:x', kind: 'vulnerability', advisoryId: 'GHSA-x', aliases: Array.from({ length: 200_000 }, (_, i) => `A-${i}`) } as unknown as VulnerabilityFinding;
  const keys = findingKeys(f);
  assert.equal(keys.length, 200_002);
});
