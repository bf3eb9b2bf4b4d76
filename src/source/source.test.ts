// Crafted archives and layouts: every source format, and the hostile variations of each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ResolvedImage } from '../core/types.js';
import { isPortcullisError, type ErrorCode } from '../core/errors.js';
import { openImage, startHashWorkerFor } from './index.js';
import { OFFLOAD_MIN_BYTES } from './hashworker.js';
import { TarArchive } from './store.js';
import { configFor, dockerArchive, hasZstd, hex, makeTar, ociImage, ociLayoutFiles, paxHeaderClaiming, sha, tarOf, tempDir, writeTree } from './testkit.js';

async function drain(img: ResolvedImage): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const l of img.layers) {
    const c = await img.openLayer(l.diffId);
    assert.equal(c.kind, 'tar');
    if (c.kind !== 'tar') continue;
    const chunks: Buffer[] = [];
    for await (const ch of c.stream) chunks.push(Buffer.from(ch)); // a chunk is valid until the next (LayerStream)
    out.push(Buffer.concat(chunks));
  }
  return out;
}

function rejectsWith(code: ErrorCode, re: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(isPortcullisError(e), `expected PortcullisError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, re);
    assert.ok(!e.message.includes('\n'), 'one-line message');
    return true;
  };
}

/**
 * Runs `fn` with os.tmpdir() pointing at a private, empty directory (os.tmpdir() reads TMPDIR on every call),
 * so a test can count the temp files the code under test creates without seeing other processes' files.
 */
async function withPrivateTmp<T>(fn: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = tempDir();
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  try {
    assert.equal(tmpdir(), tmp);
    return await fn(tmp);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function withDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = tempDir();
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const L1 = makeTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/os-release', content: 'ID=test\n' }]);
const L2 = makeTar([{ name: 'app/main.js', content: 'console.log(1)\n' }]);

test('docker-archive (legacy layout): config mapped, layers verified, createdBy from history', async () => {
  await withDir(async (dir) => {
    const layers = [await L1, await L2];
    const f = join(dir, 'img.tar');
    writeFileSync(f, await dockerArchive(layers, { repoTags: ['shop/app:1'] }));
    const img = await openImage(`docker-archive:${f}`);
    try {
      assert.equal(img.ref.transport, 'docker-archive');
      assert.deepEqual(img.repoTags, ['shop/app:1']);
      assert.deepEqual(img.platform, { os: 'linux', architecture: 'amd64' });
      assert.equal(img.config.user, 'app');
      assert.deepEqual(img.config.env, ['PATH=/usr/bin']);
      assert.deepEqual(img.config.exposedPorts, ['8080/tcp']);
      assert.deepEqual(img.config.cmd, ['run']);
      assert.equal(img.config.workingDir, '/srv');
      assert.equal(img.config.history.length, 4);
      assert.deepEqual(img.layers.map((l) => l.createdBy), ['layer 1', 'layer 2']);
      assert.deepEqual(img.layers.map((l) => l.diffId), layers.map((l) => sha(l)));
      assert.equal(img.configDigest, sha(configFor(layers.map((l) => sha(l)))));
      assert.deepEqual(await drain(img), layers);
    } finally {
      await img.close();
    }
    // auto-detected too
    const auto = await openImage(f);
    assert.equal(auto.ref.transport, 'docker-archive');
    await auto.close();
  });
});

test('docker-archive: skopeo layout with symlinked layers, gzip and zstd layers', async () => {
  await withDir(async (dir) => {
    const l1 = await L1;
    const l2 = await L2;
    const diffIds = [sha(l1), sha(l2)];
    const config = configFor(diffIds);
    const gz = gzipSync(l1);
    const entries = [
      { name: `${hex(diffIds[0]!)}.tar`, content: gz },
      { name: `${hex(diffIds[1]!)}.tar`, content: l2 },
      { name: 'x1/layer.tar', type: 'symlink' as const, linkname: `../${hex(diffIds[0]!)}.tar` },
      { name: 'x2/layer.tar', type: 'link' as const, linkname: `${hex(diffIds[1]!)}.tar` },
      { name: `${hex(sha(config))}.json`, content: config },
      { name: 'manifest.json', content: JSON.stringify([{ Config: `${hex(sha(config))}.json`, RepoTags: [], Layers: ['x1/layer.tar', 'x2/layer.tar'] }]) },
    ];
    const f = join(dir, 'skopeo.tar');
    writeFileSync(f, await makeTar(entries));
    const img = await openImage(`docker-archive:${f}`);
    assert.deepEqual(await drain(img), [l1, l2]);
    await img.close();
  });
  if (!hasZstd()) {
    console.log('SKIPPED zstd part: zstd tool not installed');
    return;
  }
  await withDir(async (dir) => {
    const built = await ociImage([{ tar: await L1, compress: 'zstd' }, { tar: await L2, compress: 'none' }]);
    writeTree(dir, ociLayoutFiles({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: built.manifestDigest }] }, [built.files]));
    const img = await openImage(`oci:${dir}`);
    assert.deepEqual(await drain(img), [await L1, await L2]);
    await img.close();
  });
});

test('docker-archive: Docker 25+ layout (OCI blobs + manifest.json) and gzip-compressed whole archive', async () => {
  await withDir(async (dir) => {
    const built = await ociImage([{ tar: await L1, compress: 'none' }]);
    const files = ociLayoutFiles({ schemaVersion: 2, manifests: null }, [built.files]);
    files['manifest.json'] = Buffer.from(
      JSON.stringify([{ Config: `blobs/sha256/${hex(built.configDigest)}`, RepoTags: ['app:25'], Layers: [`blobs/sha256/${hex(sha(await L1))}`] }]),
    );
    const f = join(dir, 'd25.tar.gz');
    writeFileSync(f, gzipSync(await tarOf(files)));
    const img = await openImage(f);
    try {
      assert.equal(img.ref.transport, 'docker-archive', 'index.json lists nothing: manifest.json decides');
      assert.deepEqual(img.repoTags, ['app:25']);
      assert.equal(img.layers[0]!.digest, sha(await L1));
      assert.deepEqual(await drain(img), [await L1]);
    } finally {
      await img.close();
    }
  });
});

test('gzip-compressed archive: private temp file removed by close()', async () => {
  await withDir(async (dir) => {
    const f = join(dir, 'img.tar.gz');
    writeFileSync(f, gzipSync(await dockerArchive([await L1])));
    await withPrivateTmp(async (tmp) => {
      const img = await openImage(f);
      const created = readdirSync(tmp);
      assert.equal(created.length, 1);
      assert.match(created[0]!, /^portcullis-/);
      await drain(img);
      await img.close();
      assert.deepEqual(readdirSync(tmp), []);
    });
  });
});

test('oci-archive and oci dir: nested index, attestation ignored, platform selection, tags, annotations', async () => {
  await withDir(async (dir) => {
    const amd = await ociImage([{ tar: await L1 }], { annotations: { 'org.opencontainers.image.base.name': 'docker.io/library/debian:12' } });
    const arm = await ociImage([{ tar: await L2 }], { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    const att = await ociImage([{ tar: await makeTar([{ name: 'x.json', content: '{}' }]) }], { platform: { os: 'unknown', architecture: 'unknown' } });
    const inner = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: att.manifestDigest, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: arm.manifestDigest, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: amd.manifestDigest, platform: { os: 'linux', architecture: 'amd64' } },
        ],
      }),
    );
    const files = ociLayoutFiles(
      {
        schemaVersion: 2,
        manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', digest: sha(inner), size: inner.length, annotations: { 'org.opencontainers.image.ref.name': 'v3', 'io.containerd.image.name': 'docker.io/foo/bar:v3' } }],
      },
      [amd.files, arm.files, att.files, { [`blobs/sha256/${hex(sha(inner))}`]: inner }],
    );
    const f = join(dir, 'multi.tar');
    writeFileSync(f, await tarOf(files));
    const img = await openImage(`oci-archive:${f}`);
    assert.equal(img.manifestDigest, amd.manifestDigest);
    assert.deepEqual(img.platform, { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(img.repoTags, ['docker.io/foo/bar:v3']);
    assert.equal(img.annotations['org.opencontainers.image.base.name'], 'docker.io/library/debian:12');
    assert.equal(img.annotations['org.opencontainers.image.ref.name'], 'v3');
    assert.deepEqual(await drain(img), [await L1]);
    await img.close();
    const a = await openImage(`oci-archive:${f}:v3`, { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    assert.equal(a.manifestDigest, arm.manifestDigest);
    assert.deepEqual(a.platform, { os: 'linux', architecture: 'arm64', variant: 'v8' });
    await a.close();
    await assert.rejects(openImage(`oci-archive:${f}`, { platform: { os: 'linux', architecture: 's390x' } }), rejectsWith('NOT_FOUND', /no image for platform linux\/s390x \(available: linux\/arm64\/v8, linux\/amd64\)/));
    await assert.rejects(openImage(`oci-archive:${f}:nope`), rejectsWith('NOT_FOUND', /no image tagged nope/));
    // the same as a directory
    const d = join(dir, 'layout');
    writeTree(d, files);
    const di = await openImage(d);
    assert.equal(di.ref.transport, 'oci');
    assert.equal(di.manifestDigest, amd.manifestDigest);
    await di.close();
  });
});

test('oci: a single-platform image of another architecture is read and says so; an explicit other --platform is an error', async () => {
  await withDir(async (dir) => {
    const arm = await ociImage([{ tar: await L1 }], { platform: { os: 'linux', architecture: 'arm', variant: 'v7' } });
    writeTree(dir, ociLayoutFiles({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: arm.manifestDigest, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }] }, [arm.files]));
    const img = await openImage(`oci:${dir}`);
    assert.deepEqual(img.platform, { os: 'linux', architecture: 'arm', variant: 'v7' });
    await img.close();
    await assert.rejects(openImage(`oci:${dir}`, { platform: { os: 'linux', architecture: 'amd64' } }), rejectsWith('NOT_FOUND', /is linux\/arm\/v7, not the requested linux\/amd64/));
    const same = await openImage(`oci:${dir}`, { platform: { os: 'linux', architecture: 'arm', variant: 'v7' } });
    await same.close();
  });
  await withDir(async (dir) => {
    const f = join(dir, 'a.tar');
    writeFileSync(f, await dockerArchive([await L1]));
    await assert.rejects(openImage(`docker-archive:${f}`, { platform: { os: 'linux', architecture: 'arm64' } }), rejectsWith('NOT_FOUND', /is linux\/amd64, not the requested linux\/arm64/));
  });
});

test('digest verification: manifest, config, layer blob and diff_id', async () => {
  await withDir(async (dir) => {
    const built = await ociImage([{ tar: await L1 }]);
    const idx = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: built.manifestDigest }] };
    // tampered manifest
    const m1 = join(dir, 'm1');
    writeTree(m1, ociLayoutFiles(idx, [built.files, { [`blobs/sha256/${hex(built.manifestDigest)}`]: Buffer.concat([built.files[`blobs/sha256/${hex(built.manifestDigest)}`]!, Buffer.from(' ')]) }]));
    await assert.rejects(openImage(`oci:${m1}`), rejectsWith('DIGEST_MISMATCH', /manifest sha256:.*digest mismatch/));
    // tampered config
    const m2 = join(dir, 'm2');
    writeTree(m2, ociLayoutFiles(idx, [built.files, { [`blobs/sha256/${hex(built.configDigest)}`]: Buffer.from('{}') }]));
    await assert.rejects(openImage(`oci:${m2}`), rejectsWith('DIGEST_MISMATCH', /config sha256:/));
    // tampered layer blob: detected while streaming
    const layerName = Object.keys(built.files).find((k) => built.files[k]!.length > 0 && built.files[k]![0] === 0x1f)!;
    const m3 = join(dir, 'm3');
    writeTree(m3, ociLayoutFiles(idx, [built.files, { [layerName]: gzipSync(await L2) }]));
    const img = await openImage(`oci:${m3}`);
    await assert.rejects(drain(img), rejectsWith('DIGEST_MISMATCH', /layer 1 \(sha256:[a-f0-9]{64}\).*blob.*digest mismatch/));
    await img.close();
    // docker-archive: diff_id mismatch (layer content differs from config)
    const f = join(dir, 'bad.tar');
    const config = configFor([sha(await L2)]);
    writeFileSync(f, await dockerArchive([await L1], { config }));
    const d = await openImage(f);
    await assert.rejects(drain(d), rejectsWith('DIGEST_MISMATCH', /layer 1 .*diff_id: digest mismatch/));
    await d.close();
    // docker-archive: config file name implies a digest that does not match
    const g = join(dir, 'badcfg.tar');
    const cfg = configFor([sha(await L1)]);
    writeFileSync(
      g,
      await makeTar([
        { name: `${'f'.repeat(64)}.json`, content: cfg },
        { name: 'l/layer.tar', content: await L1 },
        { name: 'manifest.json', content: JSON.stringify([{ Config: `${'f'.repeat(64)}.json`, Layers: ['l/layer.tar'] }]) },
      ]),
    );
    await assert.rejects(openImage(g), rejectsWith('DIGEST_MISMATCH', /config .*digest mismatch/));
  });
});

test('broken archives: each a one-line PortcullisError naming the file', async () => {
  await withDir(async (dir) => {
    const good = await dockerArchive([await L1]);
    const cases: { name: string; data: Buffer | Promise<Buffer>; code: ErrorCode; re: RegExp }[] = [
      { name: 'truncated.tar', data: good.subarray(0, Math.floor(good.length / 2) + 100), code: 'IMAGE_UNREADABLE', re: /corrupt or truncated archive/ },
      { name: 'truncated.tar.gz', data: gzipSync(good).subarray(0, 300), code: 'IMAGE_UNREADABLE', re: /compressed data is corrupt or truncated/ },
      { name: 'null.tar', data: makeTar([{ name: 'manifest.json', content: 'null' }]), code: 'IMAGE_UNREADABLE', re: /lists no images/ },
      { name: 'notjson.tar', data: makeTar([{ name: 'manifest.json', content: '[{' }]), code: 'IMAGE_UNREADABLE', re: /not valid JSON/ },
      { name: 'nomanifest.tar', data: makeTar([{ name: 'x/layer.tar', content: 'x' }]), code: 'IMAGE_UNREADABLE', re: /no manifest.json/ },
      {
        name: 'missingblob.tar',
        data: makeTar([{ name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', Layers: ['l/layer.tar'] }]) }, { name: 'c.json', content: configFor([sha('x')]) }]),
        code: 'NOT_FOUND',
        re: /layer 1 blob l\/layer.tar is missing/,
      },
      { name: 'missingconfig.tar', data: makeTar([{ name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', Layers: [] }]) }]), code: 'NOT_FOUND', re: /c.json is missing/ },
      {
        name: 'dup.tar',
        data: makeTar([{ name: 'manifest.json', content: '[]' }, { name: 'manifest.json', content: '[{}]' }]),
        code: 'BAD_INPUT',
        re: /duplicate entry manifest.json/,
      },
      {
        name: 'fewerlayers.tar',
        data: (async () => makeTar([{ name: 'c.json', content: configFor([sha('a'), sha('b')]) }, { name: 'l/layer.tar', content: await L1 }, { name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', Layers: ['l/layer.tar'] }]) }]))(),
        code: 'IMAGE_UNREADABLE',
        re: /lists 1 layers but the config has 2 diff_ids/,
      },
      {
        name: 'traversal.tar',
        data: makeTar([{ name: '../../manifest.json', content: '[]' }, { name: 'x', content: 'x' }]),
        code: 'IMAGE_UNREADABLE',
        re: /no manifest.json/,
      },
    ];
    for (const c of cases) {
      const f = join(dir, c.name);
      writeFileSync(f, await c.data);
      await assert.rejects(openImage(`docker-archive:${f}`), (e: unknown) => {
        rejectsWith(c.code, c.re)(e);
        assert.ok((e as Error).message.includes(f), `message names the file: ${(e as Error).message}`);
        return true;
      }, c.name);
    }
    const empty = join(dir, 'empty.tar');
    writeFileSync(empty, Buffer.alloc(1024));
    await assert.rejects(openImage(`docker-archive:${empty}`), rejectsWith('IMAGE_UNREADABLE', /empty archive/));
  });
});

test('gzip bomb: decompressing a whole archive stops at the limit and leaves no temp file', async () => {
  await withDir(async (dir) => {
    const f = join(dir, 'bomb.tar.gz');
    writeFileSync(f, gzipSync(Buffer.alloc(50 * 1024 * 1024)));
    await withPrivateTmp(async (tmp) => {
      await assert.rejects(openImage(`docker-archive:${f}`, { maxArchiveBytes: 1024 * 1024 }), rejectsWith('LIMIT_EXCEEDED', /more than 1048576 bytes after decompression/));
      assert.deepEqual(readdirSync(tmp), []);
    });
  });
});

test('archive with a symlinked blob pointing outside the archive is not followed', async () => {
  await withDir(async (dir) => {
    const f = join(dir, 'evil.tar');
    writeFileSync(
      f,
      await makeTar([
        { name: 'manifest.json', type: 'symlink', linkname: '/etc/passwd' },
        { name: 'a/b', type: 'symlink', linkname: '../../../etc/hostname' },
      ]),
    );
    const t = await TarArchive.open(f);
    assert.equal(t.exists('manifest.json'), false);
    assert.equal(t.exists('a/b'), false);
    await t.close();
    // OCI dir: a blob symlinked out of the layout is refused
    const d = join(dir, 'layout');
    writeTree(d, { 'oci-layout': '{"imageLayoutVersion":"1.0.0"}' });
    const { symlinkSync } = await import('node:fs');
    symlinkSync('/etc/hostname', join(d, 'index.json'));
    await assert.rejects(openImage(`oci:${d}`), rejectsWith('IMAGE_UNREADABLE', /no index.json/));
  });
});

test('registry references are pulled (an unreachable registry is NETWORK); sbom files are refused as images', async () => {
  await assert.rejects(openImage('127.0.0.1:1/team/app:1.2', { registry: { retries: 0 } }), rejectsWith('NETWORK', /127\.0\.0\.1:1\/team\/app: .*ECONNREFUSED/));
  await withDir(async (dir) => {
    const f = join(dir, 's.json');
    writeFileSync(f, '{}');
    await assert.rejects(openImage(f), rejectsWith('BAD_INPUT', /not an image/));
  });
});

test('dir: source has one pseudo-layer that opens as a filesystem root', async () => {
  await withDir(async (dir) => {
    writeTree(dir, { 'etc/os-release': 'ID=x\n' });
    const img = await openImage(`dir:${dir}`, { platform: { os: 'linux', architecture: 'arm64' } });
    assert.equal(img.layers.length, 1);
    assert.equal(img.layers[0]!.diffId, `dir:${dir}`);
    assert.deepEqual(img.config.diffIds, [`dir:${dir}`]);
    assert.deepEqual(img.platform, { os: 'linux', architecture: 'arm64' });
    assert.deepEqual(await img.openLayer(`dir:${dir}`), { kind: 'fs', root: dir });
    await assert.rejects(img.openLayer('sha256:x'), rejectsWith('NOT_FOUND', /single layer/));
    await img.close();
    await assert.rejects(openImage(`dir:${join(dir, 'nope')}`), rejectsWith('NOT_FOUND', /directory not found/));
  });
});

test('archive entry-count limit', async () => {
  await withDir(async (dir) => {
    const f = join(dir, 'many.tar');
    writeFileSync(f, await makeTar(Array.from({ length: 50 }, (_v, i) => ({ name: `f${i}`, content: 'x' }))));
    await assert.rejects(openImage(`docker-archive:${f}`, { maxArchiveEntries: 10 }), rejectsWith('LIMIT_EXCEEDED', /more than 10 entries in the archive/));
  });
});

test('outer archive: long member names (pax) are indexed; an oversized extended header is refused', async () => {
  await withDir(async (dir) => {
    const longName = `${'d'.repeat(120)}/${'e'.repeat(90)}/layer.tar`;
    const f = join(dir, 'long.tar');
    writeFileSync(f, await dockerArchive([await L1], { layerNames: [longName] }));
    const img = await openImage(f);
    assert.deepEqual(await drain(img), [await L1]);
    await img.close();
    // a pax header claiming 64 MiB of extended attributes
    const h = paxHeaderClaiming(64 * 1024 * 1024);
    const g = join(dir, 'hugehdr.tar');
    writeFileSync(g, Buffer.concat([h, Buffer.alloc(64 * 1024 * 1024 + 1024)]));
    await assert.rejects(openImage(`docker-archive:${g}`), rejectsWith('LIMIT_EXCEEDED', /hugehdr.tar: a tar extended header of 67108864 bytes/));
    // a header with a bad checksum
    const c = Buffer.from(await makeTar([{ name: 'manifest.json', content: '[]' }]));
    c[0] = 'X'.charCodeAt(0);
    const cf = join(dir, 'cksum.tar');
    writeFileSync(cf, c);
    await assert.rejects(openImage(`docker-archive:${cf}`), rejectsWith('IMAGE_UNREADABLE', /invalid header checksum at offset 0/));
  });
});

test('an unpacked docker save directory is read in place', async () => {
  await withDir(async (dir) => {
    const layers = [await L1, await L2];
    const files: Record<string, Buffer> = {};
    const config = configFor(layers.map((l) => sha(l)));
    files[`${hex(sha(config))}.json`] = config;
    files['a/layer.tar'] = layers[0]!;
    files['b/layer.tar'] = layers[1]!;
    files['manifest.json'] = Buffer.from(JSON.stringify([{ Config: `${hex(sha(config))}.json`, RepoTags: ['x:1'], Layers: ['a/layer.tar', 'b/layer.tar'] }]));
    writeTree(dir, files);
    const img = await openImage(dir);
    assert.equal(img.ref.transport, 'docker-archive');
    assert.deepEqual(await drain(img), layers);
    await img.close();
  });
});

test('zstd: a zstd-compressed whole archive, and corrupt zstd layer data', async (t) => {
  if (!hasZstd()) {
    t.skip('SKIPPED: zstd tool not installed');
    return;
  }
  const { spawnSync } = await import('node:child_process');
  const zstd = (b: Buffer): Buffer => spawnSync('zstd', ['-q', '-c'], { input: b }).stdout;
  await withDir(async (dir) => {
    const f = join(dir, 'img.tar.zst');
    writeFileSync(f, zstd(await dockerArchive([await L1, await L2])));
    const img = await openImage(`docker-archive:${f}`);
    assert.deepEqual(await drain(img), [await L1, await L2]);
    await img.close();
    const layer = zstd(await makeTar([{ name: 'big', content: Buffer.alloc(200_000, 7) }]));
    const broken = Buffer.from(layer);
    for (let i = 20; i < broken.length; i++) broken[i] = broken[i]! ^ 0x5a;
    const g = join(dir, 'badzstd.tar');
    writeFileSync(g, await dockerArchive([broken], { config: configFor([sha('x')]) }));
    const bad = await openImage(g);
    await assert.rejects(drain(bad), (e: unknown) => isPortcullisError(e) && ['IMAGE_UNREADABLE', 'DIGEST_MISMATCH'].includes(e.code) && /badzstd.tar: layer 1/.test(e.message));
    await bad.close();
  });
});

test('a fifo is refused, never opened (no hang)', async (t) => {
  await withDir(async (dir) => {
    const { spawnSync } = await import('node:child_process');
    const fifo = join(dir, 'pipe.tar');
    if (spawnSync('mkfifo', [fifo]).status !== 0) {
      t.skip('SKIPPED: mkfifo not available');
      return;
    }
    await assert.rejects(openImage(fifo), rejectsWith('BAD_INPUT', /not a regular file or directory/));
    await assert.rejects(openImage(`docker-archive:${fifo}`), rejectsWith('BAD_INPUT', /pipe.tar: not a regular file/));
  });
});

test('a temp dir left open by a careless caller is removed when the process exits', async () => {
  await withDir(async (dir) => {
    const f = join(dir, 'img.tar.gz');
    writeFileSync(f, gzipSync(await dockerArchive([await L1])));
    const { spawnSync } = await import('node:child_process');
    const script = `import { openImage } from ${JSON.stringify(new URL('./index.ts', import.meta.url).href)};
      const img = await openImage(${JSON.stringify(f)});
      console.log(process.env.TMPDIR);
      process.exit(0);`;
    const tmp = join(dir, 'tmp');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(tmp);
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('portcullis-')), []);
  });
});

test('the hash worker is started ahead only for a local archive large enough to need it', () => {
  const dir = tempDir();
  try {
    const small = join(dir, 'small.tar');
    const large = join(dir, 'large.tar');
    writeFileSync(small, Buffer.alloc(1024));
    // sparse: its size is what counts, nothing is read
    writeFileSync(large, '');
    truncateSync(large, OFFLOAD_MIN_BYTES);
    assert.equal(startHashWorkerFor(small), false);
    assert.equal(startHashWorkerFor(`docker-archive:${small}`), false);
    assert.equal(startHashWorkerFor(join(dir, 'missing.tar')), false);
    assert.equal(startHashWorkerFor(dir), false, 'a directory');
    assert.equal(startHashWorkerFor('registry.example/app:1'), false);
    // one core: hashing stays on the main thread, no worker
    const cores = availableParallelism() >= 2;
    assert.equal(startHashWorkerFor(large), cores);
    assert.equal(startHashWorkerFor(`oci-archive:${large}`), cores);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
