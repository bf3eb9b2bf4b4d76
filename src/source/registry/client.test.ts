// The registry source against an in-process fake registry (fakeregistry.ts) that injects the failures
// a real registry or network produces. The real docker-registry is exercised in distribution.test.ts.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { openImage } from '../index.js';
import { PortcullisError } from '../../core/errors.js';
import type { ResolvedImage } from '../../core/types.js';
import { makeTar, ociImage, sha } from '../testkit.js';
import { RegistryClient, isLoopback } from './client.js';
import { startFake, type FakeRegistry } from './fakeregistry.js';
import { listen } from './testregistry.js';
import { MEDIA } from './blobs.js';

const OCI = MEDIA.ociManifest;
let files: Record<string, Buffer>;
let manifestDigest: string;
let layerBlob: string;

before(async () => {
  const tar = await makeTar([
    { name: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.1\n' },
    { name: 'big.bin', content: Buffer.alloc(256 * 1024, 7) },
  ]);
  const b = await ociImage([{ tar, compress: 'none' }]);
  files = b.files;
  manifestDigest = b.manifestDigest;
  layerBlob = sha(tar);
});

const fakes: FakeRegistry[] = [];
after(async () => {
  for (const f of fakes) await f.close();
});

async function fake(): Promise<FakeRegistry> {
  const f = await startFake(files, { '1': { digest: manifestDigest, mediaType: OCI } });
  fakes.push(f);
  return f;
}

const fast = { retries: 2, backoffMs: 1, idleTimeoutMs: 300, maxRetryAfterMs: 50 };

async function drain(img: ResolvedImage): Promise<number> {
  let n = 0;
  for (const l of img.layers) {
    const c = await img.openLayer(l.diffId);
    if (c.kind !== 'tar') throw new Error('expected tar');
    for await (const x of c.stream as AsyncIterable<Buffer>) n += x.length;
  }
  await img.close();
  return n;
}

function oneLine(e: unknown, code: string, re: RegExp): boolean {
  assert.ok(e instanceof PortcullisError, String(e));
  assert.equal(e.code, code, e.message);
  assert.match(e.message, re);
  assert.doesNotMatch(e.message, /\n/);
  return true;
}

test('pulls an image over plain HTTP on loopback (HTTPS tried first), every digest checked', async () => {
  const f = await fake();
  const log: string[] = [];
  const img = await openImage(`${f.host}/app/x:1`, { registry: { ...fast, log: (m) => log.push(m) } });
  assert.equal(img.manifestDigest, manifestDigest);
  assert.equal(img.ref.transport, 'registry');
  assert.deepEqual(img.repoTags, [`${f.host}/app/x:1`]);
  assert.equal(img.layers[0]!.digest, layerBlob);
  assert.ok((await drain(img)) > 256 * 1024);
  assert.ok(log.some((m) => /using plain HTTP/.test(m)), log.join('\n'));
});

test('429 then success: retried (Retry-After honoured, capped)', async () => {
  const f = await fake();
  f.hooks.push((req, res, n) => {
    if (n <= 2 && req.url!.includes('/manifests/')) {
      res.writeHead(429, { 'Retry-After': '30' }).end('{"errors":[{"code":"TOOMANYREQUESTS"}]}');
      return true;
    }
  });
  const log: string[] = [];
  const img = await openImage(`${f.host}/app/x:1`, { registry: { ...fast, log: (m) => log.push(m) } });
  await drain(img);
  assert.ok(log.some((m) => /HTTP 429.*retrying in 50 ms/.test(m)), log.join('\n'));
});

test('5xx forever: NETWORK after the retries, one line', async () => {
  const f = await fake();
  f.hooks.push((req, res) => {
    if (req.url!.includes('/manifests/')) return !!res.writeHead(503).end();
  });
  await assert.rejects(openImage(`${f.host}/app/x:1`, { registry: fast }), (e) => oneLine(e, 'NETWORK', /HTTP 503 \(after 3 attempts\)/));
  assert.equal(f.seen.filter((s) => s.path.includes('/manifests/')).length, 3);
});

test('a registry that hangs: idle timeout, retries, then NETWORK', async () => {
  const f = await fake();
  f.hooks.push((req) => req.url!.includes('/manifests/')); // never answers
  await assert.rejects(openImage(`${f.host}/app/x:1`, { registry: fast }), (e) => oneLine(e, 'NETWORK', /no response for 300 ms/));
});

test('a blob cut short is resumed with a Range request', async () => {
  const f = await fake();
  let cut = 0;
  f.hooks.push((req, res) => {
    if (req.url!.includes(`/blobs/${layerBlob}`) && !req.headers.range && cut++ === 0) {
      const blob = f.blobs.get(layerBlob)!;
      res.writeHead(200, { 'Content-Length': blob.length });
      res.write(blob.subarray(0, 100_000), () => res.destroy());
      return true;
    }
  });
  const img = await openImage(`${f.host}/app/x:1`, { registry: fast });
  await drain(img);
  const ranged = f.seen.filter((s) => s.headers.range);
  assert.equal(ranged.length, 1);
  assert.match(String(ranged[0]!.headers.range), /^bytes=\d+-$/);
});

test('a blob always cut short fails the layer, one line', async () => {
  const f = await fake();
  f.hooks.push((req, res) => {
    if (req.url!.includes(`/blobs/${layerBlob}`)) {
      res.writeHead(200, { 'Content-Length': 999_999 });
      res.write(Buffer.alloc(10), () => res.destroy());
      return true;
    }
  });
  const img = await openImage(`${f.host}/app/x:1`, { registry: fast });
  await assert.rejects(drain(img), (e) => oneLine(e, 'NETWORK', /blob sha256:[0-9a-f]{64}/));
});

test('a tampered layer blob is refused (DIGEST_MISMATCH)', async () => {
  const f = await fake();
  const good = f.blobs.get(layerBlob)!;
  const bad = Buffer.from(good);
  bad[bad.length - 2000] = bad[bad.length - 2000]! ^ 1;
  f.blobs.set(layerBlob, bad);
  const img = await openImage(`${f.host}/app/x:1`, { registry: fast });
  await assert.rejects(drain(img), (e) => oneLine(e, 'DIGEST_MISMATCH', /digest mismatch/));
});

test('manifest digest mismatch: lying Docker-Content-Digest, or other bytes under a digest', async () => {
  const f = await fake();
  f.lieDigest = `sha256:${'a'.repeat(64)}`;
  await assert.rejects(openImage(`${f.host}/app/x:1`, { registry: fast }), (e) => oneLine(e, 'DIGEST_MISMATCH', /the registry says sha256:a{64}/));
  f.lieDigest = undefined;
  const other = `sha256:${'b'.repeat(64)}`;
  f.manifests.set(other, f.manifests.get('1')!);
  await assert.rejects(openImage(`${f.host}/app/x@${other}`, { registry: fast }), (e) => oneLine(e, 'DIGEST_MISMATCH', /expected sha256:b{64}, got sha256:/));
  // the right digest works and is recorded
  const img = await openImage(`${f.host}/app/x@${manifestDigest}`, { registry: fast });
  assert.equal(img.manifestDigest, manifestDigest);
  await img.close();
});

test('schema 1 manifests are refused with a clear message; unknown tags are NOT_FOUND', async () => {
  const f = await fake();
  f.manifests.set('old', { body: Buffer.from('{"schemaVersion":1,"name":"app/x","tag":"old","fsLayers":[]}'), mediaType: MEDIA.schema1Signed });
  await assert.rejects(openImage(`${f.host}/app/x:old`, { registry: fast }), (e) => oneLine(e, 'BAD_INPUT', /schema 1 manifests are not supported/));
  await assert.rejects(openImage(`${f.host}/app/x:nope`, { registry: fast }), (e) => oneLine(e, 'NOT_FOUND', /app\/x: nope not found \(MANIFEST_UNKNOWN: manifest unknown\)/));
});

test('basic auth: right password works, wrong one is a one-line error that never shows it', async () => {
  const f = await fake();
  const good = `Basic ${Buffer.from('ci:s3cret').toString('base64')}`;
  f.hooks.push((req, res) => {
    if (req.headers.authorization !== good) return !!res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end();
  });
  const img = await openImage(`${f.host}/app/x:1`, { registry: { ...fast, username: 'ci', password: 's3cret' } });
  await drain(img);
  await assert.rejects(openImage(`${f.host}/app/x:1`, { registry: { ...fast, username: 'ci', password: 'wr0ng-pw' } }), (e) => {
    oneLine(e, 'BAD_INPUT', /authentication failed \(credentials were refused\)/);
    assert.doesNotMatch((e as Error).message, /wr0ng-pw|ci:/);
    return true;
  });
  await assert.rejects(openImage(`${f.host}/app/x:1`, { registry: { ...fast, env: {} } }), (e) => oneLine(e, 'BAD_INPUT', /needs a username and password/));
  // environment credentials apply to the image's registry
  const viaEnv = await openImage(`${f.host}/app/x:1`, { registry: { ...fast, env: { PORTCULLIS_REGISTRY_USERNAME: 'ci', PORTCULLIS_REGISTRY_PASSWORD: 's3cret' } } });
  await drain(viaEnv);
});

test('bearer token auth: realm/service/scope honoured, token reused', async () => {
  const f = await fake();
  let tokenCalls = 0;
  let scope = '';
  const tokens = http.createServer((req, res) => {
    tokenCalls++;
    const u = new URL(req.url!, 'http://x');
    scope = `${u.searchParams.get('service')} ${u.searchParams.get('scope')}`;
    if (req.headers.authorization !== `Basic ${Buffer.from('ci:pw').toString('base64')}`) return void res.writeHead(401).end();
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"token":"tok-123"}');
  });
  const tp = await listen(tokens);
  f.hooks.push((req, res) => {
    if (req.headers.authorization !== 'Bearer tok-123') {
      return !!res.writeHead(401, { 'WWW-Authenticate': `Bearer realm="http://127.0.0.1:${tp}/token",service="fake-reg",scope="repository:app/x:pull"` }).end();
    }
  });
  try {
    const img = await openImage(`${f.host}/app/x:1`, { registry: { ...fast, username: 'ci', password: 'pw' } });
    await drain(img);
    assert.equal(scope, 'fake-reg repository:app/x:pull');
    assert.equal(tokenCalls, 1);
    await assert.rejects(openImage(`${f.host}/app/x:1`, { registry: { ...fast, username: 'ci', password: 'bad' } }), (e) => oneLine(e, 'BAD_INPUT', /authentication failed at the token service/));
  } finally {
    await new Promise((r) => tokens.close(r));
  }
});

test('blob redirects to another host are followed without the Authorization header', async () => {
  const f = await fake();
  const good = `Basic ${Buffer.from('ci:s3cret').toString('base64')}`;
  const seenAuth: (string | undefined)[] = [];
  const storage = http.createServer((req, res) => {
    seenAuth.push(req.headers.authorization);
    const blob = f.blobs.get(new URL(req.url!, 'http://x').pathname.slice(1));
    if (!blob) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Length': blob.length }).end(blob);
  });
  const sp = await listen(storage);
  f.hooks.push((req, res) => {
    if (req.headers.authorization !== good) return !!res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end();
    const m = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(req.url!);
    if (m) return !!res.writeHead(307, { Location: `http://localhost:${sp}/${m[1]}` }).end();
  });
  try {
    const img = await openImage(`${f.host}/app/x:1`, { registry: { ...fast, username: 'ci', password: 's3cret' } });
    await drain(img);
    assert.ok(seenAuth.length >= 2, 'config and layer came from the storage host');
    assert.deepEqual(seenAuth.filter(Boolean), []);
  } finally {
    await new Promise((r) => storage.close(r));
  }
});

test('multi-platform index: default linux/amd64, --platform picks, an absent platform is an error', async () => {
  const tar = await makeTar([{ name: 'etc/os-release', content: 'ID=alpine\n' }]);
  const amd = await ociImage([{ tar, compress: 'gzip' }]);
  const arm = await ociImage([{ tar, compress: 'gzip' }], { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociIndex,
      manifests: [
        { mediaType: OCI, digest: arm.manifestDigest, size: arm.files[`blobs/sha256/${arm.manifestDigest.slice(7)}`]!.length, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { mediaType: OCI, digest: amd.manifestDigest, size: amd.files[`blobs/sha256/${amd.manifestDigest.slice(7)}`]!.length, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: OCI, digest: amd.manifestDigest, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
      ],
    }),
  );
  const all = { ...amd.files, ...arm.files, [`blobs/sha256/${sha(index).slice(7)}`]: index };
  const f = await startFake(all, { multi: { digest: sha(index), mediaType: MEDIA.ociIndex } });
  fakes.push(f);
  for (const [k, v] of [[amd.manifestDigest, amd], [arm.manifestDigest, arm]] as const) f.manifests.set(k, { body: v.files[`blobs/sha256/${k.slice(7)}`]!, mediaType: OCI });
  const def = await openImage(`${f.host}/app/multi:multi`, { registry: fast });
  assert.equal(def.manifestDigest, amd.manifestDigest);
  assert.equal(def.annotations['io.portcullis.index.digest'], sha(index));
  await def.close();
  const a = await openImage(`${f.host}/app/multi:multi`, { registry: fast, platform: { os: 'linux', architecture: 'arm64' } });
  assert.equal(a.manifestDigest, arm.manifestDigest);
  assert.deepEqual(a.platform, { os: 'linux', architecture: 'arm64', variant: 'v8' });
  await drain(a);
  await assert.rejects(openImage(`${f.host}/app/multi:multi`, { registry: fast, platform: { os: 'linux', architecture: 's390x' } }), (e) =>
    oneLine(e, 'NOT_FOUND', /no image for platform linux\/s390x \(available: linux\/arm64\/v8, linux\/amd64\)/),
  );
  // a single-platform image that is not the requested platform is an error too
  const f1 = await fake();
  await assert.rejects(openImage(`${f1.host}/app/x:1`, { registry: fast, platform: { os: 'linux', architecture: 'arm64' } }), (e) => oneLine(e, 'NOT_FOUND', /is linux\/amd64, not the requested linux\/arm64/));
});

test('mirrors are tried in order, then the registry', async () => {
  const origin = await fake();
  const broken = await fake();
  broken.hooks.push((_req, res) => !!res.writeHead(404).end());
  const good = await fake();
  const img = await openImage(`${origin.host}/app/x:1`, { registry: { ...fast, mirrors: [broken.host, good.host] } });
  await drain(img);
  assert.ok(broken.seen.length > 0);
  assert.ok(good.seen.some((s) => s.path.includes('/blobs/')));
  assert.equal(origin.seen.length, 0);
  const img2 = await openImage(`${origin.host}/app/x:1`, { registry: { ...fast, mirrors: [broken.host] } });
  await drain(img2);
  assert.ok(origin.seen.length > 0);
});

test('plain HTTP only for loopback or --insecure-registry hosts', () => {
  assert.ok(isLoopback('127.0.0.1:5000') && isLoopback('localhost') && isLoopback('[::1]:5000'));
  assert.ok(!isLoopback('registry.example.com') && !isLoopback('10.0.0.1:5000'));
  const c = new RegistryClient('registry.example.com', { insecure: ['build-cache.local:5000'] });
  assert.ok(!c.plainAllowed('registry.example.com'));
  assert.ok(c.plainAllowed('build-cache.local:5000'));
  assert.throws(() => new RegistryClient('registry.example.com', { mirrors: ['http://mirror.example.com'] }), /plain HTTP only for loopback/);
});

test('unreachable registry: NETWORK, one line', async () => {
  const f = await fake();
  const host = f.host;
  await f.close();
  fakes.splice(fakes.indexOf(f), 1);
  await assert.rejects(openImage(`${host}/app/x:1`, { registry: { ...fast, retries: 1 } }), (e) => oneLine(e, 'NETWORK', /ECONNREFUSED.*after 2 attempts/));
});
