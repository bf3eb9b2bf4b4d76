// Identity from content: a digest typed in the image reference pins the image; it must equal a digest
// computed from the archive's bytes (manifest or config), else the run stops (DIGEST_MISMATCH, exit 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isPortcullisError } from '../core/errors.js';
import { openImage, parseImageRef } from './index.js';
import { configFor, dockerArchive, hex, makeTar, ociImage, ociLayoutFiles, sha, tarOf, tempDir, writeTree } from './testkit.js';

const FORGED = `sha256:${'ab'.repeat(32)}`;

function mismatch(want: string, ...named: string[]) {
  return (e: unknown): boolean => {
    assert.ok(isPortcullisError(e), String(e));
    assert.equal(e.code, 'DIGEST_MISMATCH', e.message);
    assert.ok(e.message.includes(want), e.message);
    for (const n of named) assert.ok(e.message.includes(n), `${e.message} should name ${n}`);
    assert.ok(!e.message.includes('\n'));
    return true;
  };
}

test('parseImageRef: a trailing @digest on archive transports is split off the path and the selector', () => {
  const dir = tempDir();
  try {
    const f = join(dir, 'a.tar');
    writeFileSync(f, '');
    assert.deepEqual(parseImageRef(`docker-archive:${f}:shop/api:1.0@${FORGED}`), {
      input: `docker-archive:${f}:shop/api:1.0@${FORGED}`,
      transport: 'docker-archive',
      path: f,
      name: 'docker.io/shop/api',
      tag: '1.0',
      digest: FORGED,
    });
    const r = parseImageRef(`docker-archive:${f}@${FORGED.toUpperCase().replace('SHA256', 'sha256')}`);
    assert.equal(r.path, f);
    assert.equal(r.digest, FORGED);
    const o = parseImageRef(`oci:${dir}:v1@${FORGED}`);
    assert.equal(o.path, dir);
    assert.equal(o.tag, 'v1');
    assert.equal(o.digest, FORGED);
    assert.equal(parseImageRef(`oci-archive:${f}@${FORGED}`).digest, FORGED);
    // a file whose name really ends in @sha256:... is that file
    const odd = join(dir, `b.tar@${FORGED}`);
    writeFileSync(odd, '');
    assert.equal(parseImageRef(`docker-archive:${odd}`).path, odd);
    assert.equal(parseImageRef(`docker-archive:${odd}`).digest, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('docker-archive: a typed digest must be the computed config digest, never taken on trust', async () => {
  const dir = tempDir();
  try {
    const layer = await makeTar([{ name: 'etc/os-release', content: 'ID=test\n' }]);
    const f = join(dir, 'app.tar');
    writeFileSync(f, await dockerArchive([layer], { repoTags: ['shop/api:1.0'] }));
    const plain = await openImage(`docker-archive:${f}`);
    const configDigest = plain.configDigest!;
    await plain.close();

    await assert.rejects(openImage(`docker-archive:${f}:shop/api:1.0@${FORGED}`), mismatch(FORGED, configDigest));
    await assert.rejects(openImage(`docker-archive:${f}@${FORGED}`), mismatch(FORGED, configDigest));
    const ok = await openImage(`docker-archive:${f}:shop/api:1.0@${configDigest}`);
    assert.equal(ok.configDigest, configDigest);
    assert.equal(ok.manifestDigest, undefined, 'a docker-archive has no manifest digest; the typed one is not used as one');
    await ok.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('docker-archive with two images: @digest picks the one whose config hashes to it', async () => {
  const dir = tempDir();
  try {
    const l1 = await makeTar([{ name: 'a', content: '1' }]);
    const l2 = await makeTar([{ name: 'b', content: '2' }]);
    const c1 = configFor([sha(l1)]);
    const c2 = configFor([sha(l2)], { created: '2024-02-02T00:00:00Z' });
    const d2 = sha(c2);
    const f = join(dir, 'both.tar');
    writeFileSync(
      f,
      await makeTar([
        { name: `${hex(sha(c1))}.json`, content: c1 },
        { name: `${hex(sha(c2))}.json`, content: c2 },
        { name: 'l1/layer.tar', content: l1 },
        { name: 'l2/layer.tar', content: l2 },
        {
          name: 'manifest.json',
          content: JSON.stringify([
            { Config: `${hex(sha(c1))}.json`, RepoTags: ['x/one:1'], Layers: ['l1/layer.tar'] },
            { Config: `${hex(sha(c2))}.json`, RepoTags: ['x/two:1'], Layers: ['l2/layer.tar'] },
          ]),
        },
      ]),
    );
    const img = await openImage(`docker-archive:${f}@${d2}`);
    assert.deepEqual(img.repoTags, ['x/two:1']);
    await img.close();
    await assert.rejects(openImage(`docker-archive:${f}@${FORGED}`), /holds 2 images/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('oci and oci-archive: @digest must be the manifest or config digest', async () => {
  const dir = tempDir();
  try {
    const img = await ociImage([{ tar: await makeTar([{ name: 'etc/os-release', content: 'ID=test\n' }]) }]);
    const files = ociLayoutFiles(
      { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.manifestDigest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] },
      [img.files],
    );
    const layout = join(dir, 'layout');
    writeTree(layout, files);
    const archive = join(dir, 'img.oci.tar');
    writeFileSync(archive, await tarOf(files));
    for (const input of [`oci:${layout}@${img.manifestDigest}`, `oci:${layout}:v1@${img.configDigest}`, `oci-archive:${archive}@${img.manifestDigest}`]) {
      const r = await openImage(input);
      assert.equal(r.manifestDigest, img.manifestDigest, input);
      await r.close();
    }
    await assert.rejects(openImage(`oci:${layout}@${FORGED}`), mismatch(FORGED, img.manifestDigest, img.configDigest));
    await assert.rejects(openImage(`oci-archive:${archive}:v1@${FORGED}`), mismatch(FORGED, img.manifestDigest));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
