// The hash worker (hashworker.ts) behind digestCheck: digests equal createHash's whatever the chunking,
// streams are independent, mismatches and worker failures fail the stream, destroyed streams free their
// ring space, and a process using it exits by itself.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { writeFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Readable, Writable, type Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isPortcullisError } from '../core/errors.js';
import { gzipSync } from 'node:zlib';
import { HashWorker, OFFLOAD_MIN_BYTES, regionDigest, sharedHashWorker } from './hashworker.js';
import { digestCheck } from './streams.js';
import { openImage } from './index.js';
import { configFor, dockerArchive, makeTar, ociImage, ociLayoutFiles, sha as shaOf, tempDir, writeTree } from './testkit.js';

const RING = 2 * 1024 * 1024;
/** on one core the shared worker is never started (hashing inline is as fast there) */
const twoCores = availableParallelism() >= 2;
const hw = new HashWorker(RING);
after(() => hw.close());

const sha = (b: Uint8Array): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** `data` cut into chunks of the sizes in `sizes`, cycling. */
function cut(data: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

/** Run `chunks` through `check`; resolves with the sha256 of what came out of it. */
async function through(chunks: Buffer[], check: Transform): Promise<string> {
  const h = createHash('sha256');
  await pipeline(
    Readable.from(chunks),
    check,
    new Writable({
      write(c: Buffer, _e, cb) {
        h.update(c);
        cb();
      },
    }),
  );
  return `sha256:${h.digest('hex')}`;
}

async function verified(data: Buffer, sizes: number[], worker: HashWorker = hw): Promise<void> {
  const want = sha(data);
  const out = await through(cut(data, sizes), digestCheck(want, 'test blob', { worker }));
  assert.equal(out, want, 'the bytes pass through unchanged');
}

function mismatch(what: string) {
  return (e: unknown): boolean => {
    assert.ok(isPortcullisError(e), String(e));
    assert.equal(e.code, 'DIGEST_MISMATCH', e.message);
    assert.ok(e.message.startsWith(`${what}: digest mismatch`), e.message);
    return true;
  };
}

async function drained(w: HashWorker): Promise<void> {
  for (let i = 0; i < 500 && w.inUse() > 0; i++) await sleep(10);
  assert.equal(w.inUse(), 0, 'the worker consumed everything placed');
}

test('worker digests equal createHash: empty, one byte, exactly the ring, 3x the ring in odd chunks', async () => {
  await verified(Buffer.alloc(0), [1]);
  await verified(randomBytes(1), [1]);
  await verified(randomBytes(RING), [RING]);
  await verified(randomBytes(RING), [4097]);
  await verified(randomBytes(3 * RING), [1, 511, 4097, 1024 * 1024 + 3]);
  await verified(randomBytes(3 * RING + 17), [3 * RING + 17]); // one chunk larger than the ring
  await drained(hw);
});

test('the default ring: 3x its size in odd chunks, in the shared worker picked by the size hint', async () => {
  const { RING_BYTES } = await import('./hashworker.js');
  const data = randomBytes(3 * RING_BYTES + 5);
  const want = sha(data);
  const out = await through(cut(data, [1, 511, 4097, 1024 * 1024 + 3]), digestCheck(want, 'big', { sizeHint: OFFLOAD_MIN_BYTES }));
  assert.equal(out, want);
  assert.equal(!!sharedHashWorker(), twoCores, 'a size hint over the threshold starts the shared worker');
  await assert.rejects(through(cut(data, [65536]), digestCheck(sha(Buffer.from('x')), 'big', { sizeHint: data.length })), mismatch('big'));
});

test('8 interleaved streams in one worker are independent; only the wrong one fails', async () => {
  const datas = Array.from({ length: 8 }, (_, i) => randomBytes(RING / 2 + i * 100_003));
  const runs = datas.map((d, i) => {
    const want = i === 5 ? sha(Buffer.from('other')) : sha(d);
    return through(cut(d, [1 + i * 777, 65536 + i]), digestCheck(want, `stream ${i}`, { worker: hw }));
  });
  const got = await Promise.allSettled(runs);
  got.forEach((r, i) => {
    if (i === 5) {
      assert.equal(r.status, 'rejected');
      mismatch('stream 5')((r as PromiseRejectedResult).reason);
    } else {
      assert.equal(r.status, 'fulfilled', String((r as PromiseRejectedResult).reason));
      assert.equal((r as PromiseFulfilledResult<string>).value, sha(datas[i]!));
    }
  });
  await drained(hw);
});

test('a mismatch errors the stream with DIGEST_MISMATCH naming what was read, worker and inline alike', async () => {
  const data = randomBytes(100_000);
  const wrong = sha(Buffer.from('not it'));
  await assert.rejects(through(cut(data, [4096]), digestCheck(wrong, 'layer 3 (sha256:abc): diff_id', { worker: hw })), mismatch('layer 3 (sha256:abc): diff_id'));
  await assert.rejects(through(cut(data, [4096]), digestCheck(wrong, 'layer 3 (sha256:abc): diff_id')), mismatch('layer 3 (sha256:abc): diff_id'));
  await assert.rejects(through([], digestCheck(wrong, 'empty', { worker: hw })), mismatch('empty'));
});

test('a stream destroyed mid-way frees its ring space: a following stream of 2x the ring completes', async () => {
  const w = new HashWorker(RING);
  try {
    // destroyed after some chunks went through
    const a = digestCheck(sha(Buffer.from('whatever')), 'a', { worker: w });
    a.resume();
    for (const c of cut(randomBytes(RING / 2), [65536])) a.write(c);
    await sleep(5);
    a.destroy();
    // destroyed while waiting for room (one write of 3x the ring)
    const b = digestCheck(sha(Buffer.from('whatever')), 'b', { worker: w });
    b.resume();
    b.on('error', () => {});
    b.write(randomBytes(3 * RING));
    await sleep(1);
    b.destroy();
    await drained(w);
    await verified(randomBytes(2 * RING), [65536, 3], w);
    await drained(w);
  } finally {
    await w.close();
  }
});

test('a worker that dies fails the streams it was hashing (never passes them); new checks then hash inline', async () => {
  const w = new HashWorker(RING);
  const data = randomBytes(3 * RING);
  const check = digestCheck(sha(data), 'layer 1: diff_id', { worker: w });
  check.resume();
  const run = finished(check);
  check.write(data.subarray(0, RING / 2));
  await sleep(5);
  await w.close();
  check.end(data.subarray(RING / 2));
  await assert.rejects(run, (e: unknown) => {
    assert.ok(isPortcullisError(e), String(e));
    assert.ok(e.code === 'INTERNAL' && e.message.startsWith('layer 1: diff_id: digest could not be verified'), e.message);
    return true;
  });
  assert.ok(w.failed);
  // a check asked to use a failed worker hashes inline
  assert.equal(await through(cut(data, [65536]), digestCheck(sha(data), 'again', { worker: w })), sha(data));
});

async function drainLayers(input: string): Promise<void> {
  const img = await openImage(input);
  try {
    for (const l of img.layers) {
      const c = await img.openLayer(l.diffId);
      if (c.kind === 'tar') for await (const _ of c.stream);
    }
  } finally {
    await img.close();
  }
}

test('images with layers over the threshold: verified in the worker, tampering still DIGEST_MISMATCH', async () => {
  const dir = tempDir();
  try {
    const big = await makeTar([{ name: 'opt/blob.bin', content: randomBytes(OFFLOAD_MIN_BYTES + 4096) }]);
    const other = await makeTar([{ name: 'opt/other.bin', content: randomBytes(OFFLOAD_MIN_BYTES + 4096) }]);
    const opened = sharedHashWorker()?.opened ?? 0;
    const good = join(dir, 'good.tar');
    writeFileSync(good, await dockerArchive([big, other]));
    await drainLayers(`docker-archive:${good}`);
    const bad = join(dir, 'bad.tar');
    writeFileSync(bad, await dockerArchive([big], { config: configFor([shaOf(other)]) }));
    await assert.rejects(drainLayers(`docker-archive:${bad}`), /layer 1 .*diff_id: digest mismatch/);
    // gzip layer (random bytes do not shrink): read, gunzipped and hashed twice (blob digest, diff_id) in the worker
    const built = await ociImage([{ tar: big }]);
    const idx = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: built.manifestDigest }] };
    const oci = join(dir, 'oci');
    writeTree(oci, ociLayoutFiles(idx, [built.files]));
    await drainLayers(`oci:${oci}`);
    const layerName = Object.keys(built.files).find((k) => built.files[k]!.length > OFFLOAD_MIN_BYTES)!;
    const tampered = join(dir, 'tampered');
    writeTree(tampered, ociLayoutFiles(idx, [built.files, { [layerName]: gzipSync(other) }]));
    await assert.rejects(drainLayers(`oci:${tampered}`), (e: unknown) => {
      assert.ok(isPortcullisError(e) && e.code === 'DIGEST_MISMATCH', String(e));
      assert.match(e.message, new RegExp(`layer 1 .*blob ${layerName}: digest mismatch`));
      return true;
    });
    // 2 plain layers read into a lent ring, 1 more, then one inflate job per gzip'd layer (both digests), twice
    if (twoCores) assert.equal(sharedHashWorker()!.opened - opened, 5, 'every layer check went to the worker');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a process that hashed in the shared worker exits by itself, promptly', () => {
  const dir = tempDir();
  try {
    const script = join(dir, 'child.mjs');
    const here = fileURLToPath(new URL('.', import.meta.url));
    const streams = pathToFileURL(join(here, 'streams.ts')).href;
    const hashworker = pathToFileURL(join(here, 'hashworker.ts')).href;
    writeFileSync(
      script,
      `import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
const { digestCheck } = await import(${JSON.stringify(streams)});
const { sharedHashWorker } = await import(${JSON.stringify(hashworker)});
const data = randomBytes(20 * 1024 * 1024);
const want = 'sha256:' + createHash('sha256').update(data).digest('hex');
const chunks = [];
for (let at = 0; at < data.length; at += 1 << 20) chunks.push(data.subarray(at, at + (1 << 20)));
await pipeline(Readable.from(chunks), digestCheck(want, 'child', { sizeHint: data.length }), new Writable({ write(c, e, cb) { cb(); } }));
console.log('verified', sharedHashWorker() ? 'in the worker' : 'inline');
`,
    );
    // the timeout only guards against a hang: a process that does not exit by itself is killed, and its
    // status (null, with a signal) fails the assertion below
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, `exit ${r.status} signal ${r.signal}: ${r.stderr}`);
    assert.equal(r.stdout.trim(), twoCores ? 'verified in the worker' : 'verified inline');
    // a worker started and never waited on (a large layer opened, then abandoned) does not hold the process either
    const idle = join(dir, 'idle.mjs');
    writeFileSync(
      idle,
      `const { digestCheck } = await import(${JSON.stringify(streams)});
const { sharedHashWorker } = await import(${JSON.stringify(hashworker)});
const c = digestCheck('sha256:' + '0'.repeat(64), 'idle', { sizeHint: 1e9 });
c.write(Buffer.alloc(1000));
c.destroy();
console.log(sharedHashWorker() ? 'started' : 'inline');
`,
    );
    const r2 = spawnSync(process.execPath, ['--import', 'tsx', idle], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r2.status, 0, `exit ${r2.status} signal ${r2.signal}: ${r2.stderr}`);
    assert.equal(r2.stdout.trim(), twoCores ? 'started' : 'inline');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('regionDigest on this thread (under the offload size): regions across read buffers, several at once, and a file shorter than its region', async () => {
  const dir = tempDir();
  const file = join(dir, 'blob');
  const bytes = randomBytes(2 * 1024 * 1024 + 12345);
  writeFileSync(file, bytes);
  const want = (o: number, n: number): string => createHash('sha256').update(bytes.subarray(o, o + n)).digest('hex');
  const regions: [number, number][] = [[0, bytes.length], [7, 1024 * 1024], [1024 * 1024 - 3, 1024 * 1024 + 6], [bytes.length - 1, 1], [5, 0]];
  // at once: each call reads into a buffer of its own (they are reused after, never shared)
  assert.deepEqual(await Promise.all(regions.map(([o, n]) => regionDigest(file, o, n))), regions.map(([o, n]) => want(o, n)));
  assert.deepEqual(await Promise.all(regions.map(([o, n]) => regionDigest(file, o, n))), regions.map(([o, n]) => want(o, n)));
  // a region past the end: an error, as from the worker, never the digest of fewer bytes
  await assert.rejects(regionDigest(file, bytes.length - 10, 20), /the file ends before the region does/);
  await assert.rejects(regionDigest(join(dir, 'missing'), 0, 1), /ENOENT/);
  rmSync(dir, { recursive: true, force: true });
});
