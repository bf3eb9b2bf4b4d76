import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPORTERS, formatsFor, reporterFor } from './registry.js';

test('each registry entry names the format and modes of the reporter it loads', async () => {
  for (const entry of REPORTERS) {
    const r = await entry.load();
    assert.equal(r.format, entry.format);
    assert.deepEqual([...r.modes].sort(), [...entry.modes].sort(), entry.format);
  }
  assert.equal(await reporterFor('pdf'), undefined);
  assert.deepEqual(formatsFor('sbom'), ['table', 'json', 'cyclonedx', 'spdx-json']);
});

test('every reporter folder is registered', () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const folders = readdirSync(here).filter((n) => statSync(join(here, n)).isDirectory() && n !== 'testdata');
  const loaded = REPORTERS.map((r) => r.load.toString());
  for (const f of folders) assert.ok(loaded.some((l) => l.includes(`./${f}/index.js`)), `report/${f} is not in REPORTERS`);
});
