// TarReader against tar-stream on every layer of the real images under ../shared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedOrSkip } from '../core/shared.js';
import { openImage } from '../source/index.js';
import type { LayerStream } from '../core/types.js';
import { viaReader, viaTarStream, type Rec } from './tarreader.testkit.js';

async function layerBytes(stream: LayerStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  // copied: a chunk is valid until the next is asked for (LayerStream)
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

for (const rel of ['fixtures/images/debian-12-slim.oci.tar', 'fixtures/images/orders-api-1.4.2.docker.tar.gz']) {
  test(`every layer of ${rel} reads as tar-stream reads it`, { timeout: 300_000 }, async (t) => {
    const file = sharedOrSkip(t, rel);
    if (!file) return;
    const img = await openImage(file);
    try {
      for (const l of img.layers) {
        const content = await img.openLayer(l.diffId);
        assert.equal(content.kind, 'tar');
        if (content.kind !== 'tar') continue;
        const b = await layerBytes(content.stream);
        const want = await viaTarStream(b);
        assert.ok(!(want instanceof Error), `${l.diffId}: ${want instanceof Error ? want.message : ''}`);
        assert.ok(want.length > 0);
        for (const chunk of [0, 511, 513, 65536]) {
          for (const readAll of [true, false]) {
            const got = await viaReader(b, chunk, readAll);
            assert.ok(!(got instanceof Error), `${l.diffId} (chunks of ${chunk}): ${got instanceof Error ? got.message : ''}`);
            const skipped: Rec[] = got;
            const expected: Rec[] = readAll ? want : want.map((r, i) => (i % 2 === 0 ? r : { ...r, sha: skipped[i]?.sha ?? '' }));
            assert.deepEqual(got, expected, `${l.diffId} (chunks of ${chunk})`);
          }
        }
      }
    } finally {
      await img.close();
    }
  });
}
