// A small image's layers are hashed inline: the hash worker (40-90 ms to boot on another core) starts only
// for a blob it takes: uncompressed from OFFLOAD_MIN_BYTES on, gzip'd from INFLATE_MIN_BYTES on. A file of
// its own: the test needs a process whose worker nothing else started.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { openImage } from './index.js';
import { OFFLOAD_MIN_BYTES, sharedHashWorkerStarted } from './hashworker.js';
import { INFLATE_MIN_BYTES } from './image.js';
import { configFor, dockerArchive, makeTar, ociImage, ociLayoutFiles, sha, tempDir, writeTree } from './testkit.js';

async function drainLayers(input: string): Promise<number> {
  const img = await openImage(input);
  let bytes = 0;
  try {
    for (const l of img.layers) {
      const c = await img.openLayer(l.diffId);
      if (c.kind === 'tar') for await (const ch of c.stream) bytes += ch.length;
    }
  } finally {
    await img.close();
  }
  return bytes;
}

test('layers between the inflate and offload sizes, uncompressed: verified inline, no hash worker started', async () => {
  const dir = tempDir();
  const layer = await makeTar([{ name: 'opt/blob.bin', content: randomBytes(INFLATE_MIN_BYTES + 100_000) }]);
  assert.ok(layer.length > INFLATE_MIN_BYTES && layer.length < OFFLOAD_MIN_BYTES);
  const good = join(dir, 'good.tar');
  writeFileSync(good, await dockerArchive([layer]));
  assert.equal(await drainLayers(`docker-archive:${good}`), layer.length);
  assert.equal(sharedHashWorkerStarted(), false, 'no worker for a layer hashed inline');
  // inline is still checked: a config naming other bytes fails
  const bad = join(dir, 'bad.tar');
  writeFileSync(bad, await dockerArchive([layer], { config: configFor([sha(Buffer.from('other'))]) }));
  await assert.rejects(drainLayers(`docker-archive:${bad}`), /layer 1 .*diff_id: digest mismatch/);
  assert.equal(sharedHashWorkerStarted(), false);
});

test('a gzip layer from the inflate size on starts the worker (when there is a second core)', async () => {
  const dir = tempDir();
  // random bytes do not shrink: the blob is over INFLATE_MIN_BYTES gzip'd too
  const layer = await makeTar([{ name: 'opt/blob.bin', content: randomBytes(INFLATE_MIN_BYTES + 100_000) }]);
  const built = await ociImage([{ tar: layer }]);
  const idx = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: built.manifestDigest }] };
  const oci = join(dir, 'oci');
  writeTree(oci, ociLayoutFiles(idx, [built.files]));
  assert.equal(await drainLayers(`oci:${oci}`), layer.length);
  assert.equal(sharedHashWorkerStarted(), availableParallelism() >= 2);
});
