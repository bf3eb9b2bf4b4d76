// A hash worker thread started early (by the bundle's launcher, earlyworker.ts) is adopted by the first
// HashWorker of its ring size and hashes as one started by it; one that died before adoption fails that
// HashWorker at once, and digest checks then hash inline (never a pass on a digest not computed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { startEarlyWorker, takeEarlyWorker, type EarlyWorker } from './earlyworker.js';
import { HashWorker, RING_BYTES } from './hashworker.js';
import { digestCheck } from './streams.js';
import { sha } from './testkit.js';

const slot = (): EarlyWorker | undefined => (globalThis as { [k: symbol]: EarlyWorker | undefined })[Symbol.for('portcullis.earlyHashWorker')];

/** `data` through a digest check in `w`, drained (rejects when the check fails) */
async function through(data: Buffer, expected: string, w: HashWorker): Promise<void> {
  const check = digestCheck(expected, 'L: diff_id', { worker: w });
  await pipeline(Readable.from([data.subarray(0, 100_000), data.subarray(100_000)]), check, async (src: AsyncIterable<Buffer>) => {
    for await (const _ of src);
  });
}

test('the first HashWorker with the early ring size adopts the thread; another size leaves it', async () => {
  startEarlyWorker(RING_BYTES);
  const early = slot();
  assert.ok(early, 'started');
  startEarlyWorker(RING_BYTES);
  assert.equal(slot(), early, 'one at a time');
  const other = new HashWorker(64 * 1024);
  assert.equal(other.adopted, false);
  assert.equal(slot(), early, 'left for a HashWorker of its size');
  const w = new HashWorker();
  assert.equal(w.adopted, true);
  assert.equal(slot(), undefined, 'taken once');
  assert.equal(new HashWorker(RING_BYTES).adopted, false, 'the next starts its own');
  const data = randomBytes(300_000);
  await through(data, sha(data), w);
  // a wrong digest still fails through the adopted thread
  await assert.rejects(through(data, sha(Buffer.from('other')), w), /digest mismatch/);
  await Promise.all([w.close(), other.close()]);
});

test('an early thread that died before adoption fails its HashWorker at once; checks then hash inline', async () => {
  startEarlyWorker(RING_BYTES);
  const early = slot()!;
  await early.worker.terminate();
  await new Promise((r) => setImmediate(r));
  assert.match(early.failure ?? '', /exited/);
  const w = new HashWorker();
  assert.equal(w.adopted, true);
  assert.match(w.failed ?? '', /hash worker exited/);
  const data = randomBytes(50_000);
  await through(data, sha(data), w); // inline: a failed worker is not asked
  assert.equal(takeEarlyWorker(RING_BYTES), undefined);
});
