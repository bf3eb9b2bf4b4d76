// A plain layer walked as the main thread reads it while the hash worker reads and hashes it on its own
// (PlainRegion, image.ts openLayerUnchecked): the stream gives the bytes, `checked` says whether they
// are the layer's, and both readers refuse a file replaced or changed while they read it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isPortcullisError } from '../core/errors.js';
import { HashWorker, OFFLOAD_MIN_BYTES, sharedHashWorker } from './hashworker.js';
import { identityOf } from './fileidentity.js';
import { openImage } from './index.js';
import { PlainRegion } from './plainregion.js';
import { compress, configFor, dockerArchive, makeTar, sha, tempDir } from './testkit.js';

const hw = new HashWorker(64 * 1024);
after(() => hw.close());

function fileWith(data: Buffer): string {
  const p = join(tempDir(), 'blob');
  writeFileSync(p, data);
  return p;
}

async function region(path: string, offset: number, length: number, readBytes = 1000): Promise<PlainRegion> {
  const fh = await open(path, 'r');
  return new PlainRegion(fh, offset, length, identityOf(await fh.stat({ bigint: true })), 'L', undefined, readBytes);
}

async function collect(r: AsyncIterable<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const c of r) out.push(Buffer.from(c));
  return out;
}

test('a region comes out whole and in order, in chunks no larger than a read, from two reused buffers', async () => {
  const data = randomBytes(50_000);
  const path = fileWith(data);
  for (const [offset, length] of [[0, data.length], [777, 30_001], [4096, 0], [49_999, 1]] as const) {
    const chunks = await collect(await region(path, offset, length));
    assert.ok(chunks.every((c) => c.length > 0 && c.length <= 1000));
    assert.ok(Buffer.concat(chunks).equals(data.subarray(offset, offset + length)), `${offset}+${length}`);
  }
  const bases = new Set<ArrayBufferLike>();
  for await (const c of await region(path, 0, data.length)) bases.add(c.buffer);
  assert.equal(bases.size, 2, 'one buffer in the reader\'s hands, one being read');
});

test('a file that ends before the region, or changes while it is read, is an error naming the region, never an end', async () => {
  const data = randomBytes(5000);
  await assert.rejects(collect(await region(fileWith(data), 1000, 8000)), (e: Error) => isPortcullisError(e) && /^L: .*the file ends 4000 bytes before the layer does/.test(e.message));
  const path = fileWith(data);
  const r = await region(path, 0, data.length);
  let seen = 0;
  await assert.rejects(
    (async () => {
      for await (const c of r) {
        if (seen === 0) appendFileSync(path, 'x'); // a write to the file while it is read (its bytes in the region are the same)
        seen += c.length;
      }
    })(),
    (e: Error) => isPortcullisError(e) && /^L: .*the file changed while it was read/.test(e.message),
  );
  assert.equal(seen, data.length, 'found at the end, after the last byte');
});

test('destroyed mid-way: the reader fails, never sees an end', async () => {
  const data = randomBytes(30_000);
  const r = await region(fileWith(data), 0, data.length);
  const it = r[Symbol.asyncIterator]();
  assert.equal((await it.next()).done, false);
  r.destroy();
  await assert.rejects(it.next(), /L: aborted/);
});

test('hashFile with the file\'s identity: the digest of that file, unchanged; another file or a changed one is refused', async () => {
  const data = randomBytes(200_000);
  const path = fileWith(data);
  const ident = identityOf(await stat(path, { bigint: true }));
  assert.equal(await hw.hashFile(path, 0, data.length, undefined, ident), createHash('sha256').update(data).digest('hex'));
  // same bytes, another file in its place (renamed over it)
  const twin = join(tempDir(), 'twin');
  writeFileSync(twin, data);
  renameSync(twin, path);
  await assert.rejects(hw.hashFile(path, 0, data.length, undefined, ident), /the file was replaced while it was read/);
  // the file written to since its status was taken
  const other = fileWith(data);
  const before = identityOf(await stat(other, { bigint: true }));
  appendFileSync(other, 'y');
  await assert.rejects(hw.hashFile(other, 0, data.length, undefined, before), /the file changed while it was read/);
});

/** A layer tar of about `mib` MiB whose bytes depend on `seed`. */
async function bigLayer(mib: number, seed: string): Promise<Buffer> {
  const block = createHash('sha512').update(seed).digest();
  const content = Buffer.alloc(mib * 1024 * 1024);
  for (let off = 0; off < content.length; off += block.length) block.copy(content, off);
  return makeTar([{ name: 'opt/blob.bin', content }, { name: 'etc/seed', content: seed }]);
}

test('openLayerUnchecked: a large plain layer streams unchecked and its check settles apart; a forged one is refused as openLayer refuses it', async () => {
  const dir = tempDir();
  const clean = await bigLayer(9, 'clean');
  const small = await makeTar([{ name: 'etc/hostname', content: 'x' }]);
  const gz = await compress(await makeTar([{ name: 'opt/noise.bin', content: randomBytes(9 * 1024 * 1024) }]), 'gzip');
  assert.ok(clean.length >= OFFLOAD_MIN_BYTES && gz.length >= OFFLOAD_MIN_BYTES);
  const good = join(dir, 'good.tar');
  writeFileSync(good, await dockerArchive([small, clean, gz]));
  const img = await openImage(good);
  try {
    const [l1, l2, l3] = img.layers;
    assert.equal(await img.openLayerUnchecked!(l1!.diffId), undefined, 'a small layer: openLayer hashes it inline');
    assert.equal(await img.openLayerUnchecked!(l3!.diffId), undefined, 'a gzip\'d one: the worker inflates and hashes it (RingInflate)');
    const u = (await img.openLayerUnchecked!(l2!.diffId))!;
    assert.ok(Buffer.concat(await collect(u.stream)).equals(clean));
    await u.checked;
  } finally {
    await img.close();
  }
  // the config names the clean layer's diff_id; the archive holds other bytes of the same size
  const evil = await bigLayer(9, 'evil!');
  const forged = join(dir, 'forged.tar');
  writeFileSync(forged, await dockerArchive([small, evil], { config: configFor([sha(small), sha(clean)]) }));
  const bad = await openImage(forged);
  try {
    const u = (await bad.openLayerUnchecked!(sha(clean)))!;
    assert.ok(Buffer.concat(await collect(u.stream)).equals(evil), 'the stream gives the bytes as they are');
    const refused = await u.checked.then(() => undefined, (e: Error) => e);
    assert.ok(isPortcullisError(refused) && refused.code === 'DIGEST_MISMATCH', String(refused));
    const content = await bad.openLayer(sha(clean));
    await assert.rejects(
      (async () => {
        if (content.kind === 'tar') for await (const _ of content.stream);
      })(),
      (e: Error) => isPortcullisError(e) && e.message === refused.message,
    );
    // aborted: the check rejects rather than pass
    const ac = new AbortController();
    const v = (await bad.openLayerUnchecked!(sha(clean), ac.signal))!;
    ac.abort();
    await assert.rejects(v.checked);
    v.stream.destroy();
  } finally {
    await bad.close();
  }
});

test('skip: bytes left out of the read under way and past it are never given; past the region\'s end is an error', async () => {
  const data = Buffer.alloc(20_000);
  for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
  const path = fileWith(data);
  // chunks of 1000: skip 300 of the read under way, then 2500 more (two reads never made), then read on
  const r = await region(path, 0, data.length);
  const got: Buffer[] = [];
  let i = 0;
  for await (const c of r) {
    got.push(Buffer.from(c));
    if (i++ === 0) r.skip(2800);
  }
  const want = Buffer.concat([data.subarray(0, 1000), data.subarray(3800)]);
  assert.ok(Buffer.concat(got).equals(want));
  // to the end exactly: an end; one byte past it: an error, never an end
  for (const [n, fails] of [[19_000, false], [19_001, true]] as const) {
    const s = await region(path, 0, data.length);
    const run = (async () => {
      let first = true;
      for await (const _ of s) {
        if (first) s.skip(n);
        first = false;
      }
    })();
    if (fails) await assert.rejects(run, (e: Error) => isPortcullisError(e) && /the layer ends 1 bytes before the data its reader passed over/.test(e.message));
    else await run;
  }
  // a skip after the last chunk was given (no read under way): an error too
  const last = await region(path, 0, 1000);
  await assert.rejects(
    (async () => {
      for await (const _ of last) last.skip(1);
    })(),
    /the layer ends 1 bytes before the data its reader passed over/,
  );
});

test('a layer checked ahead is hashed once, whether walked or verified; a file replaced since its check was made is refused', async () => {
  const dir = tempDir();
  const a = await bigLayer(9, 'a');
  const b = await bigLayer(9, 'b');
  const path = join(dir, 'img.tar');
  writeFileSync(path, await dockerArchive([a, b]));
  const img = await openImage(path);
  try {
    const worker = sharedHashWorker()!;
    const before = worker.opened;
    img.checkAhead!(1);
    const [la, lb] = img.layers;
    const u = (await img.openLayerUnchecked!(la!.diffId))!;
    for await (const _ of u.stream);
    await u.checked;
    await img.verifyLayer!(la!.diffId);
    await img.verifyLayer!(lb!.diffId);
    assert.equal(worker.opened - before, 2, 'one hash job per layer');
  } finally {
    await img.close();
  }
  // a layer's check is made (the file's identity taken) when it is first asked for; the archive is then
  // replaced by a copy: a stream of that layer opened since finds another file
  const img2 = await openImage(path);
  try {
    const d = img2.layers[1]!.diffId;
    (await img2.openLayerUnchecked!(d))!.stream.destroy();
    const copy = join(dir, 'copy.tar');
    writeFileSync(copy, readFileSync(path));
    renameSync(copy, path);
    await assert.rejects(img2.openLayerUnchecked!(d), (e: Error) => isPortcullisError(e) && /the file was replaced while it was read/.test(e.message));
  } finally {
    await img2.close();
  }
});

test('checks made ahead run in layer order, one at a time while the walk asks for one', async () => {
  const layers = await Promise.all(['x', 'y', 'z'].map((s) => bigLayer(9, s)));
  const path = join(tempDir(), 'img.tar');
  writeFileSync(path, await dockerArchive(layers));
  const img = await openImage(path);
  const started: number[] = [];
  let inFlight = 0;
  let most = 0;
  const original = HashWorker.prototype.hashFile;
  HashWorker.prototype.hashFile = function (this: HashWorker, ...args: Parameters<HashWorker['hashFile']>) {
    started.push(args[1]);
    most = Math.max(most, ++inFlight);
    return original.apply(this, args).finally(() => inFlight--);
  };
  try {
    img.checkAhead!(1);
    for (const l of img.layers) await img.verifyLayer!(l.diffId);
  } finally {
    HashWorker.prototype.hashFile = original;
    await img.close();
  }
  assert.equal(started.length, 3);
  assert.deepEqual(started, [...started].sort((a, b) => a - b), 'the regions in the order of their layers (a docker archive stores them so)');
  assert.equal(most, 1);
});

test('readAt: bytes of the region read apart from the stream, only while it is read; outside the region, or past the file, an error', async () => {
  const data = randomBytes(40_000);
  const path = fileWith(data);
  const r = await region(path, 1000, 30_000);
  await assert.rejects(r.readAt(0, 10), /only while it is read/, 'before the stream started');
  let got: Buffer | undefined;
  let n = 0;
  for await (const c of r) {
    if (n++ === 2) {
      // the region's last bytes, long before the stream reaches them, and bytes it gave already
      got = await r.readAt(30_000 - 4096, 4096);
      assert.ok((await r.readAt(0, 5)).equals(data.subarray(1000, 1005)));
      await assert.rejects(r.readAt(29_999, 2), RangeError);
      await assert.rejects(r.readAt(-1, 1), RangeError);
    }
    assert.ok(c.length > 0);
  }
  assert.ok(got?.equals(data.subarray(31_000 - 4096, 31_000)));
  await assert.rejects(r.readAt(0, 1), /only while it is read/, 'after the stream ended');
  // a region that claims more than the file holds: readAt past the file's end is an error, never fewer bytes
  const short = await region(path, 30_000, 20_000);
  const it = short[Symbol.asyncIterator]();
  await it.next();
  await assert.rejects(short.readAt(15_000, 5000), /ends 5000 bytes before/);
  short.destroy();
});
