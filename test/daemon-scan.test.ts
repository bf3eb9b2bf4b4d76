// Local engines end to end: podman's `podman system service` (rootful, vfs storage in a private temp
// dir) serves the Docker Engine API on a unix socket; `podman:` and `docker-daemon:` (DOCKER_HOST
// pointing at the same socket) must give the same findings as the archive. CI installs podman.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { sharedOrSkip } from '../src/core/shared.js';
import type { ScanReport } from '../src/core/report.js';
import { engineSocket } from '../src/source/daemon/index.js';
import { haveTools } from '../src/source/registry/testregistry.js';
import { cli } from './helpers/cli.js';
import { sharedDb } from './helpers/shared-db.js';

const ORDERS = 'fixtures/images/orders-api-1.4.2.docker.tar.gz';
const missing = haveTools('podman');
let skipMsg = missing.length > 0 ? 'SKIPPED: podman not installed (apt-get install podman; .ci/run does)' : undefined;
if (skipMsg) console.log(skipMsg);

const work = mkdtempSync(join(tmpdir(), 'portcullis-daemon-test-'));
const sock = join(work, 'podman.sock');
const podmanArgs = ['--root', join(work, 'root'), '--runroot', join(work, 'run'), '--storage-driver', 'vfs'];
let service: ChildProcess | undefined;

before(async () => {
  if (skipMsg) return;
  service = spawn('podman', [...podmanArgs, 'system', 'service', '--time=0', `unix://${sock}`], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  while (!existsSync(sock) && Date.now() < deadline && service.exitCode === null) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(sock)) {
    skipMsg = 'SKIPPED: podman system service could not start in this environment';
    console.log(skipMsg);
  }
});

after(async () => {
  if (service && service.exitCode === null) {
    const gone = new Promise((r) => service!.once('exit', r));
    service.kill('SIGTERM');
    await gone;
  }
  rmSync(work, { recursive: true, force: true });
});

function essence(r: ScanReport): unknown {
  return {
    findings: r.findings.map((f) => f.id).sort(),
    packages: r.inventory.packages.map((p) => `${p.purl} ${p.layer?.diffId ?? ''}`).sort(),
    layers: r.inventory.image.layers.map((l) => l.diffId),
    configDigest: r.inventory.image.configDigest,
  };
}

test('engine sockets: DOCKER_HOST, CONTAINER_HOST, rootless podman; tcp:// refused', () => {
  assert.equal(engineSocket('docker-daemon', {}), '/var/run/docker.sock');
  assert.equal(engineSocket('docker-daemon', { DOCKER_HOST: 'unix:///x/d.sock' }), '/x/d.sock');
  assert.equal(engineSocket('podman', { CONTAINER_HOST: 'unix:///x/p.sock' }), '/x/p.sock');
  assert.equal(engineSocket('podman', { XDG_RUNTIME_DIR: '/nonexistent-run' }), '/nonexistent-run/podman/podman.sock');
  assert.throws(() => engineSocket('docker-daemon', { DOCKER_HOST: 'tcp://10.0.0.1:2375' }), /only unix:\/\/ sockets/);
});

test('podman: and docker-daemon: through the Engine API socket = the archive scan; temp files removed', async (t) => {
  if (skipMsg) return t.skip(skipMsg);
  const archive = sharedOrSkip(t, ORDERS);
  if (!archive) return;
  const plain = join(work, 'orders.tar');
  await pipeline(createReadStream(archive), createGunzip(), createWriteStream(plain));
  execFileSync('podman', [...podmanArgs, 'load', '-q', '-i', plain], { stdio: 'ignore' });
  const privateTmp = mkdtempSync(join(work, 'tmp-'));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = privateTmp;
  try {
    const db = await sharedDb();
    const fromArchive = await cli(['scan', archive, '--db', db, '--format', 'json', '--quiet']);
    assert.equal(fromArchive.code, 0, fromArchive.stderr);
    for (const [input, env] of [
      ['podman:shop/orders-api:1.4.2', { CONTAINER_HOST: `unix://${sock}` }],
      ['docker-daemon:shop/orders-api:1.4.2', { DOCKER_HOST: `unix://${sock}` }],
    ] as const) {
      const r = await cli(['scan', input, '--db', db, '--format', 'json', '--quiet'], { env });
      assert.equal(r.code, 0, r.stderr);
      const rep = JSON.parse(r.stdout) as ScanReport;
      assert.deepEqual(essence(rep), essence(JSON.parse(fromArchive.stdout) as ScanReport), input);
      assert.equal(rep.inventory.image.ref.transport, input.split(':')[0]);
    }
    const gz = readdirSync(privateTmp).filter((n) => !n.startsWith('portcullis-test-db-'));
    assert.deepEqual(gz, [], 'temp dirs of the daemon source are removed');
    const none = await cli(['sbom', 'podman:shop/no-such-image:1', '--quiet'], { env: { CONTAINER_HOST: `unix://${sock}` } });
    assert.equal(none.code, 2);
    assert.match(none.stderr, /podman:shop\/no-such-image:1: the engine answered HTTP (404|500)/);
    assert.equal(none.stderr.trim().split('\n').length, 1);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
});

test('no engine at the socket: exit 2 with one line naming the socket', async () => {
  const r = await cli(['sbom', 'docker-daemon:alpine:3.19', '--quiet'], { env: { DOCKER_HOST: `unix://${join(work, 'nothing.sock')}` } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /docker-daemon:alpine:3\.19: cannot reach the engine at .*nothing\.sock: ENOENT \(is the Docker daemon running\?\)/);
  const bad = await cli(['sbom', 'podman:', '--quiet']);
  assert.equal(bad.code, 2);
});
