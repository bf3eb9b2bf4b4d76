// Collecting through the layer cache: a layer record found bad part-way through its replay, after its
// first entries reached the checks, is no part of the result: the image is walked again with fresh
// checks, that layer read, and the result equals the one without the cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Analyzer, FileInput, ResolvedImage } from '../core/types.js';
import type { CheckRun, ContentCheck } from '../checks/types.js';
import { makeTar } from '../source/testkit.js';
import { LayerCache, type WalkCache } from '../walker/index.js';
import { memImage, resealRecord } from '../walker/testkit.js';
import { walkWithChecks } from './collect.js';

/** Takes every .conf file: one package named by its content. */
const probe: Analyzer = {
  name: 'probe',
  version: 1,
  required: (p: string) => p.endsWith('.conf'),
  async analyze(f: FileInput) {
    const name = f.content.toString('utf8').trim();
    return [{ kind: 'package', pkg: { name, version: '1', type: 'npm', purl: `pkg:npm/${name}@1`, licenses: [], locations: [{ path: f.path, layer: f.layer }], foundBy: 'probe' } }];
  },
};

/** A check that counts the entries and bytes it is shown, per layer: an entry seen twice would show. */
const counting: ContentCheck = {
  name: 'config',
  version: 1,
  rulesDigest: 'sha256:counting',
  start(): CheckRun {
    const seen = new Map<number, { entries: number; bytes: number }>();
    return {
      name: 'config',
      onEntry(entry, layer) {
        const c = seen.get(layer.index) ?? { entries: 0, bytes: 0 };
        seen.set(layer.index, c);
        c.entries++;
        if (entry.type !== 'file') return undefined;
        let n = 0;
        return {
          write: (b: Buffer) => void (n += b.length),
          end: () => void (c.bytes += n),
          abort() {},
          save: () => n,
          restore: (v: unknown) => void (c.bytes += v as number),
        };
      },
      async finish() {
        return { findings: [], status: { check: 'config', state: 'complete', detail: JSON.stringify([...seen]), reasons: [] } };
      },
    };
  },
};

async function image(): Promise<ResolvedImage> {
  const many = Array.from({ length: 1500 }, (_, i) => ({ name: `srv/data/d${i % 31}/a-file-with-a-longer-name-${i}.conf`, content: `pkg${i}` }));
  const layers = [await makeTar([{ name: 'etc/base.conf', content: 'base' }]), await makeTar(many), await makeTar([{ name: 'etc/top.conf', content: 'top' }])];
  return { ...memImage(layers), layerIdentity: 'diff-id' };
}

test('a record bad part-way through its replay: the image is walked again, and the result equals the one without the cache', async () => {
  const img = await image();
  const opts = { analyzers: [probe], checks: [counting] };
  const plain = await walkWithChecks(img, opts);
  const d = mkdtempSync(join(tmpdir(), 'portcullis-collect-'));
  const notes: string[] = [];
  const cache: WalkCache = { store: new LayerCache(d), salt: ['collect'], onNote: (m) => notes.push(m) };
  assert.deepEqual(await walkWithChecks(img, { ...opts, cache }), plain);
  // as an image on the same layers not scanned before sees it: its analysis is not cached, every layer's record is
  rmSync(join(d, 'images'), { recursive: true });
  const path = readdirSync(d)
    .filter((n) => n.endsWith('.rec'))
    .map((n) => join(d, n))
    .find((p) => readFileSync(p, 'latin1').split('\n', 2)[1]!.includes(`"diffId":"${img.layers[1]!.diffId}"`))!;
  resealRecord(path, (_h, lines) => (lines[1400] = JSON.stringify({ ...JSON.parse(lines[1400]!), m: -1 })));
  notes.length = 0;
  assert.deepEqual(await walkWithChecks(img, { ...opts, cache }), plain);
  assert.ok(notes.some((n) => /damaged .*walked again/.test(n)), notes.join('\n'));
  assert.ok(notes.some((n) => /2 of 3 layer\(s\) replayed/.test(n)), notes.join('\n'));
  assert.equal(cache.store.stats.rejected, 1);
});
