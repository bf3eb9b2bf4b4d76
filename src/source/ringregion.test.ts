// RingRegion (a file region read into a lent ring, hashed where it lies) and LentRing's accounting.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPortcullisError } from '../core/errors.js';
import { HashWorker } from './hashworker.js';
import { LentRing } from './lentring.js';
import { RingRegion, type RingRegionOptions } from './ringregion.js';
import { assertAbortFails, assertWorkerDeathFails, sha, tempDir } from './testkit.js';

const worker = new HashWorker(64 * 1024);
after(() => worker.close());

const SMALL = { ringBytes: 4096, readBytes: 1000 };

function fileWith(data: Buffer): string {
  const p = join(tempDir(), 'blob');
  writeFileSync(p, data);
  return p;
}

/** every chunk, copied as it comes (a chunk is valid until the next is asked for) */
async function collect(r: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(Buffer.from(c));
  return out;
}

function region(path: string, offset: number, length: number, digest: string, extra: Partial<RingRegionOptions> = {}, w: HashWorker = worker): RingRegion {
  return new RingRegion(w, path, offset, length, { expected: [{ digest, what: 'L: diff_id' }], what: 'L', ...SMALL, ...extra });
}

test('a region of a file comes out whole and in order, in chunks no larger than a read, and is verified', async () => {
  const data = randomBytes(50_000);
  const path = fileWith(data);
  let verified = 0;
  for (const [offset, length] of [[0, data.length], [777, 30_001], [4096, 0], [49_999, 1]] as const) {
    const want = data.subarray(offset, offset + length);
    const chunks = await collect(region(path, offset, length, sha(want), { onVerified: () => verified++ }));
    assert.ok(chunks.every((c) => c.length > 0 && c.length <= 1000));
    assert.ok(Buffer.concat(chunks).equals(want), `${offset}+${length}`);
  }
  assert.equal(verified, 4);
});

test('the chunks share the ring: memory handed out is reused once the next chunk was asked for', async () => {
  const data = randomBytes(20_000);
  const views: Buffer[] = [];
  for await (const c of region(fileWith(data), 0, data.length, sha(data))) views.push(c);
  const bases = new Set(views.map((v) => v.buffer));
  assert.equal(bases.size, 1, 'one ring');
  assert.ok(views[0]!.buffer.byteLength === 4096);
});

test('bytes that do not hash to every expected digest fail the stream at its end, naming the digest', async () => {
  const data = randomBytes(9000);
  const path = fileWith(data);
  const wrong = `sha256:${'0'.repeat(64)}`;
  let seen = 0;
  await assert.rejects(
    (async () => {
      for await (const c of region(path, 0, data.length, wrong)) seen += c.length;
    })(),
    (e: Error) => isPortcullisError(e) && e.code === 'DIGEST_MISMATCH' && e.message.startsWith(`L: diff_id: digest mismatch: expected ${wrong}, got ${sha(data)}`),
  );
  assert.equal(seen, data.length, 'the error comes after the last byte, before the end');
  const blob = new RingRegion(worker, path, 0, data.length, { expected: [{ digest: sha(data), what: 'L: diff_id' }, { digest: wrong, what: 'L: blob b' }], what: 'L', ...SMALL });
  await assert.rejects(collect(blob), (e: Error) => isPortcullisError(e) && e.message.startsWith('L: blob b: digest mismatch'));
});

test('a file that ends before the region does is an error naming the region, never an end', async () => {
  const data = randomBytes(5000);
  await assert.rejects(collect(region(fileWith(data), 1000, 8000, sha(data))), (e: Error) => isPortcullisError(e) && /^L: the file ends 4000 bytes before the layer does/.test(e.message));
  await assert.rejects(collect(region(join(tempDir(), 'missing'), 0, 10, sha(data))), (e: Error) => isPortcullisError(e) && /^L: /.test(e.message));
});

test('destroyed or aborted mid-way: the reader fails, and the ring goes back for the next stream', async () => {
  const data = randomBytes(30_000);
  const path = fileWith(data);
  const r = region(path, 0, data.length, sha(data));
  const it = r[Symbol.asyncIterator]();
  assert.equal((await it.next()).done, false);
  r.destroy();
  await assert.rejects(it.next(), /L: aborted/, 'cut short: an error, never the end of the layer');
  await assertAbortFails((signal) => region(path, 0, data.length, sha(data), { signal }), /L: aborted/);
  // the rings they used are free again: ten more streams cut short, one after the other, make none
  const made = worker.ringsMade;
  for (let i = 0; i < 10; i++) {
    const s = region(path, 0, data.length, sha(data));
    const si = s[Symbol.asyncIterator]();
    await si.next();
    s.destroy();
    await si.return?.();
  }
  assert.ok(worker.ringsMade <= made + 1, `${worker.ringsMade - made} ring(s) made for ten streams`);
  // and a ring given back hashes the next stream right
  assert.ok(Buffer.concat(await collect(region(path, 0, data.length, sha(data)))).equals(data));
});

test('a worker that dies fails the stream: the digest could not be verified', async () => {
  const data = randomBytes(20_000);
  const path = fileWith(data);
  await assertWorkerDeathFails((w) => region(path, 0, data.length, sha(data), {}, w), 'L');
});

test('LentRing lends only memory neither unreleased nor unhashed', () => {
  const ring = new LentRing(1, 4096, 'hash');
  const a = ring.lend(1000)!;
  const b = ring.lend(1000)!;
  const c = ring.lend(1000)!;
  assert.deepEqual([a.at, b.at, c.at], [0, 1000, 2000]);
  assert.equal(ring.lend(1000)!.bytes.length, 1000);
  assert.equal(ring.lend(1000)!.bytes.length, 96, 'up to the end of the ring, not wrapping');
  assert.equal(ring.lend(1000), undefined, 'every byte is lent');
  b.released = true;
  assert.equal(ring.lend(1000), undefined, 'the oldest loan still holds the ring');
  a.released = true;
  const d = ring.lend(5000)!;
  assert.deepEqual([d.at, d.bytes.length], [0, 2000], 'behind the oldest unreleased loan');
  for (const l of [c, d]) l.released = true;
  // bytes committed and not hashed yet hold their room too
  const left = new LentRing(2, 4096, 'hash');
  Atomics.add(left.ctrl, 0, 3000);
  assert.equal(left.lend(4096)!.bytes.length, 1096);
});
