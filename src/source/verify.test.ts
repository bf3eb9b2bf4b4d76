// verifyLayer: a cached layer's digests checked without walking it. Uncompressed blobs in a local file
// (a plain archive's member, an OCI layout's blob) are read and hashed in the hash worker; the rest go
// through openLayer's stream checks. Either way a layer whose bytes do not match its blob digest or
// diff_id is refused with the same error a walk would give.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { isPortcullisError } from '../core/errors.js';
import { fileHashWorker, HashWorker, OFFLOAD_MIN_BYTES } from './hashworker.js';
import type { ArchiveMemo } from './store.js';
import { openImage } from './index.js';
import { compress, configFor, dockerArchive, hex, makeTar, ociImage, ociLayoutFiles, sha, tempDir, writeTree } from './testkit.js';

const twoCores = availableParallelism() >= 2;
const hw = new HashWorker(64 * 1024);
after(() => hw.close());

/** A layer tar of about `mib` MiB whose bytes depend on `seed`. */
async function bigLayer(mib: number, seed: string): Promise<Buffer> {
  const block = createHash('sha512').update(seed).digest();
  const content = Buffer.alloc(mib * 1024 * 1024);
  for (let off = 0; off < content.length; off += block.length) block.copy(content, off);
  return makeTar([{ name: 'opt/blob.bin', content }, { name: 'etc/seed', content: seed }]);
}

async function verify(path: string): Promise<unknown> {
  const img = await openImage(path);
  try {
    for (const l of img.layers) await img.verifyLayer!(l.diffId);
    return undefined;
  } catch (e) {
    return e;
  } finally {
    await img.close();
  }
}

test('hashFile: the sha256 of a region of a file, read in the worker', async () => {
  const dir = tempDir();
  const data = Buffer.alloc(3 * 1024 * 1024 + 517);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 11)) & 0xff;
  const file = join(dir, 'data');
  writeFileSync(file, data);
  const want = (a: number, b: number): string => createHash('sha256').update(data.subarray(a, b)).digest('hex');
  for (const [a, b] of [
    [0, data.length],
    [513, data.length - 3],
    [1024 * 1024, 2 * 1024 * 1024],
    [7, 7],
  ] as const) {
    assert.equal(await hw.hashFile(file, a, b - a), want(a, b), `${a}..${b}`);
  }
  // a region past the end of the file, a file that is not there: errors, never a digest
  await assert.rejects(hw.hashFile(file, 10, data.length), /ends before the region/);
  await assert.rejects(hw.hashFile(join(dir, 'missing'), 0, 10), /ENOENT/);
  // aborted: rejects; the worker goes on serving
  const ac = new AbortController();
  const p = hw.hashFile(file, 0, data.length, ac.signal);
  ac.abort();
  await assert.rejects(p, /aborted/);
  assert.equal(await hw.hashFile(file, 0, 100), want(0, 100));
});

test('fileHashWorker: a second worker takes a file while the first hashes one', { skip: !twoCores && 'one core: no worker' }, async () => {
  const dir = tempDir();
  const file = join(dir, 'data');
  writeFileSync(file, Buffer.alloc(32 * 1024 * 1024, 1));
  const first = fileHashWorker()!;
  const busy = first.hashFile(file, 0, 32 * 1024 * 1024);
  const other = fileHashWorker()!;
  assert.notEqual(other, first);
  const both = await Promise.all([busy, other.hashFile(file, 0, 1024)]);
  assert.equal(both[1], createHash('sha256').update(Buffer.alloc(1024, 1)).digest('hex'));
  assert.equal(fileHashWorker(), first, 'idle again: the shared worker');
});

test('docker archive: large plain layers verified in the worker, a forged one refused as a walk refuses it', async () => {
  const dir = tempDir();
  const clean = await bigLayer(9, 'clean');
  const small = await makeTar([{ name: 'etc/hostname', content: 'x' }]);
  assert.ok(clean.length >= OFFLOAD_MIN_BYTES);
  const good = join(dir, 'good.tar');
  writeFileSync(good, await dockerArchive([small, clean]));
  assert.equal(await verify(good), undefined);
  // the config names the clean layer's diff_id; the archive holds other bytes of the same size
  const evil = await bigLayer(9, 'evil!');
  assert.equal(evil.length, clean.length);
  const forged = join(dir, 'forged.tar');
  writeFileSync(forged, await dockerArchive([small, evil], { config: configFor([sha(small), sha(clean)]) }));
  const e = await verify(forged);
  assert.ok(isPortcullisError(e) && e.code === 'DIGEST_MISMATCH', String(e));
  assert.match((e as Error).message, /layer 2 .*diff_id: digest mismatch: expected sha256:/);
  // the same refusal as a walk of the layer gets from openLayer's stream
  const img = await openImage(forged);
  const content = await img.openLayer(sha(clean));
  assert.equal(content.kind, 'tar');
  await assert.rejects(
    (async () => {
      if (content.kind === 'tar') for await (const _ of content.stream);
    })(),
    (err: Error) => isPortcullisError(err) && err.code === 'DIGEST_MISMATCH' && err.message === (e as Error).message,
  );
  await img.close();
});

test('gzip layers go through the stream checks: verified, and a forged one refused', async () => {
  const dir = tempDir();
  const clean = await bigLayer(9, 'gz-clean');
  const evil = await bigLayer(9, 'gz-evil');
  const write = async (layer: Buffer, claimed: Buffer, name: string): Promise<string> => {
    const gz = await compress(layer, 'gzip');
    const p = join(dir, name);
    writeFileSync(p, await dockerArchive([gz], { config: configFor([sha(claimed)]) }));
    return p;
  };
  assert.equal(await verify(await write(clean, clean, 'good.tar')), undefined);
  const e = await verify(await write(evil, clean, 'forged.tar'));
  assert.ok(isPortcullisError(e) && e.code === 'DIGEST_MISMATCH', String(e));
  assert.match((e as Error).message, /diff_id: digest mismatch/);
});

test('OCI layout: an uncompressed blob altered on disk fails its blob digest', async () => {
  const dir = tempDir();
  const layer = await bigLayer(9, 'oci');
  const built = await ociImage([{ tar: layer, compress: 'none' }]);
  const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: built.manifestDigest, size: built.files[`blobs/sha256/${hex(built.manifestDigest)}`]!.length }] };
  writeTree(dir, ociLayoutFiles(index, [built.files]));
  assert.equal(await verify(dir), undefined);
  const blob = join(dir, 'blobs', 'sha256', hex(sha(layer)));
  const altered = Buffer.from(layer);
  altered[altered.length - 2000]! ^= 1;
  writeFileSync(blob, altered);
  const e = await verify(dir);
  assert.ok(isPortcullisError(e) && e.code === 'DIGEST_MISMATCH', String(e));
  assert.match((e as Error).message, /blob .*: digest mismatch/);
});

test('an aborted verification rejects', async () => {
  const dir = tempDir();
  const p = join(dir, 'img.tar');
  writeFileSync(p, await dockerArchive([await bigLayer(9, 'abort')]));
  const img = await openImage(p);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(img.verifyLayer!(img.layers[0]!.diffId, ac.signal));
  await img.close();
});

/** An in-memory memo of blob → diff_id (archive facts unused here). */
function blobMemo(): ArchiveMemo & { blobs: Map<string, string> } {
  const blobs = new Map<string, string>();
  return {
    blobs,
    getArchive: async () => undefined,
    putArchive: async () => undefined,
    blobDiffId: async (b) => blobs.get(b),
    putBlob: async (b, d) => void blobs.set(b, d),
  };
}

test('compressed blobs: the diff_id a run hashed is remembered; later a blob is verified by its own digest, without decompressing it', async () => {
  for (const mib of [1, 9]) {
    const dir = tempDir();
    const layer = await bigLayer(mib, `gz-memo-${mib}`);
    const built = await ociImage([{ tar: layer, compress: 'gzip' }]);
    const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: built.manifestDigest, size: built.files[`blobs/sha256/${hex(built.manifestDigest)}`]!.length }] };
    writeTree(dir, ociLayoutFiles(index, [built.files]));
    const blob = Object.keys(built.files).find((n) => built.files[n]!.length > 1000 && built.files[n]![0] === 0x1f)!;
    const blobDigest = `sha256:${blob.split('/').pop()}`;
    const memo = blobMemo();
    const open = () => openImage(dir, { archiveMemo: memo });
    // first run: decompressed and hashed, the mapping recorded once the stream ended well
    let img = await open();
    await img.verifyLayer!(sha(layer));
    await img.close();
    assert.equal(memo.blobs.get(blobDigest), sha(layer), `${mib} MiB`);
    // the memo is believed for the blob whose digest is computed now: a mapping to another diff_id is
    // not, so the layer is decompressed and checked (and fails: its bytes are not that diff_id's)
    memo.blobs.set(blobDigest, sha('something else'));
    img = await open();
    const wrong = await img.verifyLayer!(sha(layer)).then(() => undefined, (e: unknown) => e);
    await img.close();
    assert.equal(wrong, undefined, 'a mapping to another diff_id is not used: the layer is decompressed and matches');
    // with the right mapping the blob is only hashed: altered blob bytes fail the blob digest
    memo.blobs.set(blobDigest, sha(layer));
    const file = join(dir, blob);
    const altered = Buffer.from(built.files[blob]!);
    altered[altered.length - 20]! ^= 1;
    writeFileSync(file, altered);
    img = await open();
    const e = await img.verifyLayer!(sha(layer)).then(() => undefined, (x: unknown) => x);
    await img.close();
    assert.ok(isPortcullisError(e) && e.code === 'DIGEST_MISMATCH', String(e));
    assert.match((e as Error).message, /blob .*: digest mismatch/);
  }
});

test('with the blob → diff_id known, the blob is not decompressed (a blob that does not even inflate passes on its digest alone)', async () => {
  for (const size of [4096, 9 * 1024 * 1024]) {
    const dir = tempDir();
    // gzip's magic bytes, then bytes that do not inflate: decompressing it can only fail
    const garbage = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.alloc(size, 0xa5)]);
    const built = await ociImage([{ tar: garbage, compress: 'none' }]);
    const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: built.manifestDigest, size: built.files[`blobs/sha256/${hex(built.manifestDigest)}`]!.length }] };
    writeTree(dir, ociLayoutFiles(index, [built.files]));
    const memo = blobMemo();
    const img = await openImage(dir, { archiveMemo: memo });
    const diffId = img.layers[0]!.diffId;
    await assert.rejects(img.verifyLayer!(diffId), /not a valid|incorrect header|unexpected end|invalid/i, 'no mapping: decompressed, and it fails');
    memo.blobs.set(sha(garbage), diffId);
    await img.verifyLayer!(diffId);
    await img.close();
  }
});
