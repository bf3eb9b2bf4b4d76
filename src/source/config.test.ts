import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layerInfos, mapConfig } from './config.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;

test('mapConfig: every ImageConfig field, from the Docker/OCI config JSON', () => {
  const cfg = mapConfig(
    {
      architecture: 'arm64',
      variant: 'v8',
      os: 'linux',
      created: '2024-05-01T10:00:00Z',
      author: 'someone',
      config: {
        User: '1000:1000',
        Env: ['A=1', 'B=2'],
        Labels: { 'org.opencontainers.image.source': 'https://x', bad: 3 },
        Entrypoint: ['/entry.sh'],
        Cmd: 'serve',
        WorkingDir: '/app',
        ExposedPorts: { '8080/tcp': {}, '53/udp': {} },
        Volumes: { '/data': {} },
        Healthcheck: { Test: ['CMD', 'curl', '-f', 'http://localhost/'], Interval: 30_000_000_000, Timeout: 5_000_000_000, Retries: 3 },
        StopSignal: 'SIGTERM',
      },
      rootfs: { type: 'layers', diff_ids: [D('a'), D('b')] },
      history: [
        { created: '2024-01-01T00:00:00Z', created_by: 'ADD rootfs.tar /' },
        { created_by: 'ENV A=1', empty_layer: true },
        { created_by: 'RUN make', comment: 'buildkit' },
        'junk',
      ],
    },
    'cfg',
  );
  assert.deepEqual(cfg, {
    env: ['A=1', 'B=2'],
    labels: { 'org.opencontainers.image.source': 'https://x' },
    exposedPorts: ['53/udp', '8080/tcp'],
    history: [
      { emptyLayer: false, created: '2024-01-01T00:00:00Z', createdBy: 'ADD rootfs.tar /' },
      { emptyLayer: true, createdBy: 'ENV A=1' },
      { emptyLayer: false, createdBy: 'RUN make', comment: 'buildkit' },
    ],
    diffIds: [D('a'), D('b')],
    user: '1000:1000',
    entrypoint: ['/entry.sh'],
    cmd: ['serve'],
    workingDir: '/app',
    volumes: ['/data'],
    healthcheck: { test: ['CMD', 'curl', '-f', 'http://localhost/'], interval: 30_000_000_000, timeout: 5_000_000_000, retries: 3 },
    stopSignal: 'SIGTERM',
    created: '2024-05-01T10:00:00Z',
    author: 'someone',
    os: 'linux',
    architecture: 'arm64',
    variant: 'v8',
  });
  const layers = layerInfos(cfg, [{ digest: D('c'), size: 10, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' }, {}], 'cfg');
  assert.deepEqual(layers, [
    { index: 0, diffId: D('a'), digest: D('c'), size: 10, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', createdBy: 'ADD rootfs.tar /', created: '2024-01-01T00:00:00Z' },
    { index: 1, diffId: D('b'), createdBy: 'RUN make' },
  ]);
});

test('mapConfig refuses configs without valid diff_ids; layerInfos refuses count mismatches', () => {
  for (const bad of [null, [], {}, { rootfs: {} }, { rootfs: { diff_ids: ['md5:x'] } }, { rootfs: { diff_ids: 'sha256:x' } }]) {
    assert.throws(() => mapConfig(bad, 'c.json'), /c.json: image config/);
  }
  const cfg = mapConfig({ rootfs: { diff_ids: [D('a')] } }, 'c');
  assert.deepEqual(cfg.history, []);
  assert.throws(() => layerInfos(cfg, [], 'm'), /m: the manifest lists 0 layers but the config has 1 diff_ids/);
});
