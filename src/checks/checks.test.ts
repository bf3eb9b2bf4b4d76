// The content-check plumbing: every check folder is registered and tested; a check rides the same walk
// as the analyzers; a check that throws in finish() ends `failed`, never silently clean.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerArchive, makeTar, tempDir } from '../source/testkit.js';
import { collectWithChecks } from '../scan/collect.js';
import { checkFactories } from './registry.js';
import { prepareChecks } from './index.js';
import type { CheckRun, ContentCheck, TrackedFile } from './types.js';

const HERE = dirname(fileURLToPath(import.meta.url));

test('every check folder with an index.ts is registered and has tests', async () => {
  const folders = readdirSync(HERE)
    .map((n) => join(HERE, n))
    .filter((p) => statSync(p).isDirectory() && existsSync(join(p, 'index.ts')));
  const names = new Set(checkFactories.map((f) => f.name));
  assert.equal(names.size, checkFactories.length, 'check names are unique');
  for (const f of folders) {
    const name = f.slice(f.lastIndexOf('/') + 1);
    assert.ok(names.has(name as never), `checks/${name} is not in registry.ts`);
    assert.ok(readdirSync(f).some((n) => n.endsWith('.test.ts')), `checks/${name} has no tests`);
  }
});

test('prepareChecks loads every registered check but the skipped ones', async () => {
  const saved = [...checkFactories];
  checkFactories.length = 0;
  checkFactories.push({ name: 'secrets', prepare: async () => fakeCheck('ok') }, { name: 'malware', prepare: async () => ({ ...fakeCheck('ok'), name: 'malware' }) });
  try {
    assert.deepEqual((await prepareChecks({ env: {} })).map((c) => c.name), ['secrets', 'malware']);
    assert.deepEqual((await prepareChecks({ env: {}, skip: ['secrets'] })).map((c) => c.name), ['malware']);
  } finally {
    checkFactories.length = 0;
    checkFactories.push(...saved);
  }
});

function fakeCheck(behaviour: 'ok' | 'throw'): ContentCheck & { tracked: TrackedFile[] } {
  const tracked: TrackedFile[] = [];
  return {
    name: 'secrets',
    version: 1,
    rulesDigest: 'sha256:test',
    tracked,
    start(ctx): CheckRun {
      let bytes = 0;
      return {
        name: 'secrets',
        onEntry(entry, layer) {
          if (entry.type !== 'file') return undefined;
          tracked.push(ctx.track(entry.path, layer));
          return { write: (c) => void (bytes += c.length), end: () => {}, abort: () => {} };
        },
        async finish(inventory) {
          if (behaviour === 'throw') throw new Error('rules exploded');
          return {
            findings: [],
            status: { check: 'secrets', state: 'complete', detail: `${bytes} bytes of ${inventory.image.layers.length} layer(s)`, reasons: [] },
          };
        },
      };
    },
  };
}

test('a check rides the same walk: it sees removed files and reports its own status', async () => {
  const dir = tempDir();
  const l0 = await makeTar([{ name: 'a.txt', content: 'abc' }]);
  const l1 = await makeTar([{ name: '.wh.a.txt' }, { name: 'b.txt', content: 'de' }]);
  const archive = join(dir, 'img.tar');
  writeFileSync(archive, await dockerArchive([l0, l1]));
  const check = fakeCheck('ok');
  const { inventory, checkResults } = await collectWithChecks(`docker-archive:${archive}`, { checks: [check] });
  assert.equal(inventory.image.layers.length, 2);
  assert.deepEqual(checkResults.map((r) => [r.status.state, r.status.detail]), [['complete', '5 bytes of 2 layer(s)']]);
  assert.deepEqual(check.tracked.map((t) => [t.path, t.effective, t.removedIn?.index]), [['/a.txt', false, 1], ['/b.txt', true, undefined]]);
});

test('a check that throws in finish() is `failed`, naming why', async () => {
  const dir = tempDir();
  const archive = join(dir, 'img.tar');
  writeFileSync(archive, await dockerArchive([await makeTar([{ name: 'a.txt', content: 'abc' }])]));
  const { checkResults } = await collectWithChecks(`docker-archive:${archive}`, { checks: [fakeCheck('throw')] });
  assert.equal(checkResults[0]!.status.state, 'failed');
  assert.match(checkResults[0]!.status.detail, /rules exploded/);
});
