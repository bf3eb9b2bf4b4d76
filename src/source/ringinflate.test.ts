// RingInflate: a gzip'd file region gunzipped by the hash worker into a lent ring.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { isPortcullisError } from '../core/errors.js';
import { HashWorker } from './hashworker.js';
import { RingInflate, type RingInflateOptions } from './ringinflate.js';
import { assertAbortFails, assertWorkerDeathFails, sha, tempDir } from './testkit.js';

const worker = new HashWorker(64 * 1024);
after(() => worker.close());

/** compressible bytes: text with random words */
function text(n: number): Buffer {
  const words = Array.from({ length: 64 }, () => randomBytes(4).toString('hex'));
  let s = '';
  while (s.length < n) s += `${words[Math.floor(Math.random() * words.length)]} `;
  return Buffer.from(s.slice(0, n));
}

function fileWith(data: Buffer): string {
  const p = join(tempDir(), 'blob');
  writeFileSync(p, data);
  return p;
}

async function collect(r: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(Buffer.from(c)); // a chunk is valid until the next is asked for
  return Buffer.concat(out);
}

function inflate(path: string, offset: number, length: number, gz: Buffer, plain: Buffer, extra: Partial<RingInflateOptions> = {}, w: HashWorker = worker): RingInflate {
  return new RingInflate(w, { path, offset, length }, {
    blob: { digest: sha(gz), what: 'L: blob b' },
    diff: { digest: sha(plain), what: 'L: diff_id' },
    what: 'L',
    ringBytes: 4096,
    maxChunk: 1000,
    ...extra,
  });
}

test('a gzip region comes out inflated, whole and in order, verified against both digests', async () => {
  const plain = text(200_000);
  const gz = gzipSync(plain);
  const pre = randomBytes(333);
  const path = fileWith(Buffer.concat([pre, gz, randomBytes(50)]));
  let verified = 0;
  const got = await collect(inflate(path, pre.length, gz.length, gz, plain, { onVerified: () => verified++ }));
  assert.ok(got.equals(plain));
  assert.equal(verified, 1);
  // without a blob digest (a docker archive's gzip'd layer.tar), the diff_id alone
  assert.ok((await collect(inflate(path, pre.length, gz.length, gz, plain, { blob: undefined }))).equals(plain));
  // default sizes, and an empty layer
  assert.ok((await collect(inflate(path, pre.length, gz.length, gz, plain, { ringBytes: undefined, maxChunk: undefined }))).equals(plain));
  const empty = gzipSync(Buffer.alloc(0));
  assert.equal((await collect(inflate(fileWith(empty), 0, empty.length, empty, Buffer.alloc(0)))).length, 0);
});

test('concatenated gzip members inflate as gunzip reads them', async () => {
  const a = text(30_000);
  const b = text(20_000);
  const gz = Buffer.concat([gzipSync(a), gzipSync(b)]);
  const want = gunzipSync(gz);
  assert.ok((await collect(inflate(fileWith(gz), 0, gz.length, gz, want))).equals(want));
});

test('a digest that does not match fails the stream at its end, naming the blob or the diff_id', async () => {
  const plain = text(50_000);
  const gz = gzipSync(plain);
  const path = fileWith(gz);
  const wrong = { digest: `sha256:${'0'.repeat(64)}`, what: 'L: blob b' };
  await assert.rejects(collect(inflate(path, 0, gz.length, gz, plain, { blob: wrong })), (e: Error) => isPortcullisError(e) && e.code === 'DIGEST_MISMATCH' && e.message.startsWith(`L: blob b: digest mismatch: expected ${wrong.digest}, got ${sha(gz)}`));
  await assert.rejects(collect(inflate(path, 0, gz.length, gz, plain, { diff: { ...wrong, what: 'L: diff_id' } })), (e: Error) => isPortcullisError(e) && e.code === 'DIGEST_MISMATCH' && e.message.startsWith('L: diff_id: digest mismatch'));
});

test('corrupt or truncated gzip, or a short file: an error naming the layer, never an end', async () => {
  const plain = text(100_000);
  const gz = gzipSync(plain);
  const bad = Buffer.from(gz);
  for (let i = 2000; i < 2100; i++) bad[i] = 0xff;
  await assert.rejects(collect(inflate(fileWith(bad), 0, bad.length, bad, plain)), (e: Error) => isPortcullisError(e) && e.code === 'IMAGE_UNREADABLE' && /^L: compressed data is corrupt or truncated/.test(e.message));
  const cut = gz.subarray(0, gz.length - 500);
  await assert.rejects(collect(inflate(fileWith(cut), 0, cut.length, cut, plain)), (e: Error) => isPortcullisError(e) && /^L: /.test(e.message));
  await assert.rejects(collect(inflate(fileWith(cut), 0, gz.length, gz, plain)), (e: Error) => isPortcullisError(e) && /^L: /.test(e.message));
  await assert.rejects(collect(inflate(join(tempDir(), 'missing'), 0, gz.length, gz, plain)), (e: Error) => isPortcullisError(e) && /^L: /.test(e.message));
});

test('destroyed or aborted mid-way: an error, and the ring goes back once the worker stopped', async () => {
  const plain = text(300_000);
  const gz = gzipSync(plain);
  const path = fileWith(gz);
  const made = worker.ringsMade;
  for (let i = 0; i < 5; i++) {
    const r = inflate(path, 0, gz.length, gz, plain);
    const it = r[Symbol.asyncIterator]();
    assert.equal((await it.next()).done, false);
    r.destroy();
    await assert.rejects(it.next(), /L: aborted/, 'cut short: an error, never the end of the layer');
    await it.return?.();
  }
  await assertAbortFails((signal) => inflate(path, 0, gz.length, gz, plain, { signal }), /L: aborted/);
  assert.ok(worker.ringsMade <= made + 1, `${worker.ringsMade - made} ring(s) made for six streams`);
  assert.ok((await collect(inflate(path, 0, gz.length, gz, plain))).equals(plain), 'a ring given back inflates the next stream right');
});

test('a worker that dies fails the stream: the digest could not be verified', async () => {
  const plain = text(300_000);
  const gz = gzipSync(plain);
  const path = fileWith(gz);
  await assertWorkerDeathFails((w) => inflate(path, 0, gz.length, gz, plain, {}, w), 'L');
});

/** a stream of `data` in pieces of `piece` bytes, failing after `failAfter` bytes when given */
function streamOf(data: Buffer, piece: number, failAfter?: number): Readable {
  return Readable.from(
    (async function* () {
      for (let o = 0; o < data.length; o += piece) {
        if (failAfter !== undefined && o >= failAfter) throw new Error('connection reset by the registry');
        yield data.subarray(o, o + piece);
      }
    })(),
  );
}

function placed(stream: Readable, gz: Buffer, plain: Buffer, extra: Partial<RingInflateOptions> = {}, w: HashWorker = worker): RingInflate {
  return new RingInflate(w, { stream }, { blob: { digest: sha(gz), what: 'L: blob b' }, diff: { digest: sha(plain), what: 'L: diff_id' }, what: 'L', ringBytes: 4096, maxChunk: 1000, ...extra });
}

test('a gzip stream placed in the shared ring (a download) inflates the same, through a small shared ring', async () => {
  const plain = text(400_000);
  const gz = gzipSync(plain);
  // the worker's shared ring is 64 KiB: the download waits while the gunzip is behind
  for (const piece of [7777, 4096, 100_000]) {
    let verified = 0;
    const got = await collect(placed(streamOf(gz, piece), gz, plain, { onVerified: () => verified++ }));
    assert.ok(got.equals(plain), `pieces of ${piece}`);
    assert.equal(verified, 1);
  }
  assert.equal(worker.inUse(), 0, 'every placed byte was freed');
});

test('a placed stream: digest mismatch, corrupt gzip and a failed download are errors; the ring is freed', async () => {
  const plain = text(200_000);
  const gz = gzipSync(plain);
  const wrong = { digest: `sha256:${'0'.repeat(64)}`, what: 'L: blob b' };
  await assert.rejects(collect(placed(streamOf(gz, 5000), gz, plain, { blob: wrong })), (e: Error) => isPortcullisError(e) && e.code === 'DIGEST_MISMATCH' && e.message.startsWith('L: blob b: digest mismatch'));
  const bad = Buffer.from(gz);
  for (let i = 3000; i < 3100; i++) bad[i] = 0xff;
  await assert.rejects(collect(placed(streamOf(bad, 5000), bad, plain)), (e: Error) => isPortcullisError(e) && /^L: compressed data is corrupt or truncated/.test(e.message));
  await assert.rejects(collect(placed(streamOf(gz, 5000, 20_000), gz, plain)), (e: Error) => isPortcullisError(e) && /^L: connection reset by the registry/.test(e.message));
  await assert.rejects(collect(placed(streamOf(gz.subarray(0, gz.length - 100), 5000), gz, plain)), (e: Error) => isPortcullisError(e) && /^L: /.test(e.message));
  // destroyed mid-way: an error, and everything placed is freed
  const r = placed(streamOf(gz, 5000), gz, plain);
  const it = r[Symbol.asyncIterator]();
  await it.next();
  r.destroy();
  await assert.rejects(it.next(), /L: aborted/);
  await it.return?.();
  for (let i = 0; i < 50 && worker.inUse() > 0; i++) await new Promise((res) => setTimeout(res, 10));
  assert.equal(worker.inUse(), 0, 'the room of the pieces the gunzip never took is freed');
  assert.ok((await collect(placed(streamOf(gz, 5000), gz, plain))).equals(plain), 'and the next stream inflates right');
});
