import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isPortcullisError } from '../core/errors.js';
import { normaliseImageName, parseImageRef, parsePlatform } from './index.js';
import { makeTar, tempDir } from './testkit.js';

test('normaliseImageName: docker.io/library, docker.io/<user>, explicit registries', () => {
  assert.deepEqual(normaliseImageName('alpine:3.19'), { name: 'docker.io/library/alpine', tag: '3.19' });
  assert.deepEqual(normaliseImageName('alpine'), { name: 'docker.io/library/alpine' });
  assert.deepEqual(normaliseImageName('shop/orders-api:1.4.2'), { name: 'docker.io/shop/orders-api', tag: '1.4.2' });
  assert.deepEqual(normaliseImageName('docker.io/alpine:3'), { name: 'docker.io/library/alpine', tag: '3' });
  assert.deepEqual(normaliseImageName('index.docker.io/library/alpine'), { name: 'docker.io/library/alpine' });
  const d = `sha256:${'a'.repeat(64)}`;
  assert.deepEqual(normaliseImageName(`registry.example.com:5000/a/b@${d}`), { name: 'registry.example.com:5000/a/b', digest: d });
  assert.deepEqual(normaliseImageName(`localhost/x:1@${d}`), { name: 'localhost/x', tag: '1', digest: d });
  assert.deepEqual(normaliseImageName('registry.example.com/team/app:1.2'), { name: 'registry.example.com/team/app', tag: '1.2' });
});

test('normaliseImageName rejects malformed references', () => {
  for (const bad of ['', 'UPPER/case', 'a b', 'alpine:', 'alpine@sha256:xyz', '-x', 'a//b', '../etc']) {
    assert.throws(() => normaliseImageName(bad), (e) => isPortcullisError(e) && e.code === 'BAD_INPUT', bad);
  }
});

test('parsePlatform', () => {
  assert.deepEqual(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  assert.deepEqual(parsePlatform('linux/amd64'), { os: 'linux', architecture: 'amd64' });
  for (const bad of ['linux', 'linux/', 'a/b/c/d', 'linux/am d64']) assert.throws(() => parsePlatform(bad), /invalid platform/);
});

test('parseImageRef: prefixes force the transport', () => {
  const dir = tempDir();
  try {
    const f = join(dir, 'img.tar');
    writeFileSync(f, 'x');
    assert.deepEqual(parseImageRef(`docker-archive:${f}`), { input: `docker-archive:${f}`, transport: 'docker-archive', path: f });
    assert.deepEqual(parseImageRef(`oci-archive:${f}`), { input: `oci-archive:${f}`, transport: 'oci-archive', path: f });
    assert.deepEqual(parseImageRef(`oci:${dir}:v1`), { input: `oci:${dir}:v1`, transport: 'oci', path: dir, tag: 'v1' });
    assert.deepEqual(parseImageRef(`oci:${dir}`), { input: `oci:${dir}`, transport: 'oci', path: dir });
    assert.equal(parseImageRef(`dir:${dir}`).transport, 'dir');
    const sel = parseImageRef(`docker-archive:${f}:shop/app:2`);
    assert.equal(sel.path, f);
    assert.equal(sel.name, 'docker.io/shop/app');
    assert.equal(sel.tag, '2');
    assert.throws(() => parseImageRef('oci:'), /missing path/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseImageRef: registry references are parsed and normalised', () => {
  assert.deepEqual(parseImageRef('alpine:3.19'), { input: 'alpine:3.19', transport: 'registry', name: 'docker.io/library/alpine', tag: '3.19' });
  assert.deepEqual(parseImageRef('registry.example.com/team/app:1.2'), {
    input: 'registry.example.com/team/app:1.2',
    transport: 'registry',
    name: 'registry.example.com/team/app',
    tag: '1.2',
  });
  const d = `sha256:${'b'.repeat(64)}`;
  assert.equal(parseImageRef(`docker://quay.io/x/y@${d}`).digest, d);
  assert.throws(() => parseImageRef('./missing.tar'), (e) => isPortcullisError(e) && e.code === 'NOT_FOUND');
  assert.throws(() => parseImageRef(''), /empty/);
  assert.throws(() => parseImageRef('a\u0000b'), /NUL/);
});

test('parseImageRef: bare paths are auto-detected by looking inside', async () => {
  const dir = tempDir();
  try {
    const oci = join(dir, 'layout');
    mkdirSync(oci);
    writeFileSync(join(oci, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    assert.equal(parseImageRef(oci).transport, 'oci');
    const rootfs = join(dir, 'rootfs');
    mkdirSync(rootfs);
    assert.equal(parseImageRef(rootfs).transport, 'dir');
    const ociTar = join(dir, 'o.tar');
    writeFileSync(ociTar, await makeTar([{ name: 'blobs/', type: 'directory' }, { name: 'oci-layout', content: '{}' }, { name: 'index.json', content: '{}' }]));
    assert.equal(parseImageRef(ociTar).transport, 'oci-archive');
    const dockerTar = join(dir, 'd.tar');
    writeFileSync(dockerTar, await makeTar([{ name: 'abc/layer.tar', content: 'x' }, { name: 'manifest.json', content: '[]' }]));
    assert.equal(parseImageRef(dockerTar).transport, 'docker-archive');
    const gz = join(dir, 'o.tar.gz');
    writeFileSync(gz, gzipSync(await makeTar([{ name: 'oci-layout', content: '{}' }])));
    assert.equal(parseImageRef(gz).transport, 'oci-archive');
    const junk = join(dir, 'junk.bin');
    writeFileSync(junk, Buffer.from([0, 1, 2, 3, 4, 5]));
    assert.throws(() => parseImageRef(junk), (e) => isPortcullisError(e) && e.code === 'BAD_INPUT' && e.message.includes('junk.bin'));
    const badGz = join(dir, 'bad.gz');
    writeFileSync(badGz, gzipSync(Buffer.from('not a tar at all, just text')));
    assert.throws(() => parseImageRef(badGz), /does not contain a tar/);
    const sbom = join(dir, 'sbom.json');
    writeFileSync(sbom, '{"bomFormat":"CycloneDX"}');
    assert.equal(parseImageRef(sbom).transport, 'sbom');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
