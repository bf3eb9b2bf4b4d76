// Registry pulls end to end against Debian's docker-registry (distribution 2.8) on 127.0.0.1, started
// by the test with its own config in a private temp dir: htpasswd basic auth behind a redirecting
// blob store, token auth with a token endpoint served here, TLS with a CA made here. The fixture
// images are pushed with skopeo (a multi-platform index too). A registry scan must give the same
// findings and verdict as the archive scan. CI (.ci/run) installs docker-registry, skopeo and htpasswd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { sharedOrSkip } from '../src/core/shared.js';
import type { ScanReport } from '../src/core/report.js';
import { runCli } from '../src/cli/main.js';
import { captureIo } from '../src/cli/testio.js';
import { haveTools, push, startRegistry, type RegistryHandle } from '../src/source/registry/testregistry.js';
import { transferStats } from '../src/source/registry/client.js';
import { sharedDb, SCAN_NOW } from './helpers/shared-db.js';

const execFileAsync = promisify(execFile);
const ORDERS = 'fixtures/images/orders-api-1.4.2.docker.tar.gz';
const SLIM = 'fixtures/images/debian-12-slim.oci.tar';
const USER = { username: 'ci-bot', password: 'Reg1stry-Pa55' };
const missing = haveTools('docker-registry', 'skopeo', 'htpasswd', 'openssl');
const skipMsg = missing.length > 0 ? `SKIPPED: ${missing.join(', ')} not installed (apt-get install docker-registry skopeo apache2-utils; .ci/run does)` : undefined;
if (skipMsg) console.log(skipMsg);

const work = mkdtempSync(join(tmpdir(), 'portcullis-registry-scan-'));
const regs: RegistryHandle[] = [];
let basic: RegistryHandle | undefined;

async function cli(args: string[], stdin?: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, out, err } = captureIo(SCAN_NOW, env);
  if (stdin !== undefined) io.stdin = Readable.from([Buffer.from(stdin)]);
  const code = await runCli(args, io);
  return { code, stdout: out(), stderr: err() };
}

async function scanJson(image: string, extra: string[] = [], stdin?: string): Promise<ScanReport> {
  const r = await cli(['scan', image, '--db', await sharedDb(), '--format', 'json', '--quiet', '--pipeline', 'dev-42', '--policy', 'examples/policies', ...extra], stdin);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return JSON.parse(r.stdout) as ScanReport;
}

/** What must not depend on where the image came from. */
function essence(r: ScanReport): unknown {
  return {
    findings: r.findings.map((f) => f.id).sort(),
    packages: r.inventory.packages.map((p) => `${p.purl} ${p.layer?.diffId ?? ''}`).sort(),
    verdict: r.decision?.verdict,
    violations: (r.decision?.violations ?? []).map((v) => `${v.policy} ${v.control} ${v.findingId ?? ''}`).sort(),
    layers: r.inventory.image.layers.map((l) => l.diffId),
  };
}

before(async () => {
  if (skipMsg) return;
  basic = await startRegistry({ basic: USER, redirect: true });
  regs.push(basic);
});

after(async () => {
  for (const r of regs) await r.stop();
  rmSync(work, { recursive: true, force: true });
});

test('orders-api from the registry (basic auth, blobs redirected to storage) = the archive scan', async (t) => {
  if (skipMsg) return t.skip(skipMsg);
  const archive = sharedOrSkip(t, ORDERS);
  if (!archive) return;
  await push(`docker-archive:${archive}`, basic!, 'shop/orders-api:1.4.2', USER);
  const ref = `${basic!.host}/shop/orders-api:1.4.2`;
  const decision = join(work, 'decision.json');
  const fromReg = await scanJson(ref, ['--username', USER.username, '--password-stdin', '--decision', decision], `${USER.password}\n`);
  const fromArchive = await scanJson(archive);
  assert.deepEqual(essence(fromReg), essence(fromArchive));
  assert.ok(fromReg.findings.some((f) => f.kind === 'vulnerability'), 'vulnerabilities found');
  // the decision record pins the manifest digest we hashed, the one the registry serves
  // async: the redirect target (blob storage) is served by this process
  const served = (await execFileAsync('skopeo', ['inspect', '--tls-verify=false', '--creds', `${USER.username}:${USER.password}`, '--format', '{{.Digest}}', `docker://${ref}`], { env: { ...process.env, REGISTRY_AUTH_FILE: join(work, 'none.json') } })).stdout.trim();
  assert.equal(fromReg.inventory.image.manifestDigest, served);
  const rec = JSON.parse(readFileSync(decision, 'utf8')) as { image: { digest: string; name: string; tag: string } };
  assert.equal(rec.image.digest, served);
  assert.equal(rec.image.name, `${basic!.host}/shop/orders-api`);
  // blobs came from the storage host, never with credentials
  assert.ok(basic!.redirectHits >= 4, `redirect hits ${basic!.redirectHits}`);
  assert.deepEqual(basic!.redirectAuth, []);
  // by digest too
  const byDigest = await scanJson(`${basic!.host}/shop/orders-api@${served}`, [], undefined).catch(() => undefined);
  assert.equal(byDigest, undefined, 'no credentials: must fail');
  const env = { PORTCULLIS_REGISTRY_USERNAME: USER.username, PORTCULLIS_REGISTRY_PASSWORD: USER.password };
  const r = await cli(['sbom', `${basic!.host}/shop/orders-api@${served}`, '--format', 'json', '--quiet'], undefined, env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as ScanReport).inventory.image.manifestDigest, served);
});

test('wrong password, unknown repository, no credentials: exit 2 with one line, secrets never shown, nothing left in temp', async (t) => {
  if (skipMsg) return t.skip(skipMsg);
  const privateTmp = mkdtempSync(join(work, 'tmp-'));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = privateTmp;
  try {
    const cases: [string[], string | undefined, RegExp][] = [
      [['scan', `${basic!.host}/shop/orders-api:1.4.2`, '--username', USER.username, '--password-stdin'], 'not-the-password', /authentication failed \(credentials were refused\)/],
      [['scan', `${basic!.host}/shop/nope:1`, '--username', USER.username, '--password-stdin'], USER.password, /shop\/nope: 1 not found|NAME_UNKNOWN|MANIFEST_UNKNOWN/],
      [['scan', `${basic!.host}/shop/orders-api:1.4.2`], undefined, /needs a username and password/],
    ];
    for (const [args, stdin, re] of cases) {
      const r = await cli([...args, '--db', await sharedDb(), '--quiet'], stdin, {});
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, re);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.doesNotMatch(r.stderr, /not-the-password|Reg1stry-Pa55/);
    }
    assert.deepEqual(readdirSync(privateTmp), []);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
});

test('token auth: a token endpoint (realm/service/scope) grants the pull; anonymous is refused', async (t) => {
  if (skipMsg) return t.skip(skipMsg);
  const slim = sharedOrSkip(t, SLIM);
  if (!slim) return;
  const reg = await startRegistry({ token: USER });
  regs.push(reg);
  await push(`oci-archive:${slim}`, reg, 'base/debian:12-slim', USER);
  const fromReg = await scanJson(`${reg.host}/base/debian:12-slim`, ['--username', USER.username, '--password-stdin'], USER.password);
  assert.deepEqual(essence(fromReg), essence(await scanJson(slim)));
  assert.ok(reg.tokenRequests >= 1);
  const anon = await cli(['sbom', `${reg.host}/base/debian:12-slim`, '--quiet'], undefined, {});
  assert.equal(anon.code, 2);
  assert.match(anon.stderr, /authentication failed at the token service|authentication failed/);
});

test('TLS: trusted with --ca-cert, refused without it (one line)', async (t) => {
  if (skipMsg) return t.skip(skipMsg);
  const slim = sharedOrSkip(t, SLIM);
  if (!slim) return;
  const reg = await startRegistry({ tls: true });
  regs.push(reg);
  await push(`oci-archive:${slim}`, reg, 'base/debian:12-slim');
  // 127.0.0.1 is loopback, so a TLS failure would fall back to plain HTTP, which this registry
  // refuses: the CA is what makes it work
  const ok = await cli(['sbom', `${reg.host}/base/debian:12-slim`, '--ca-cert', reg.caFile!, '--format', 'json', '--quiet']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal((JSON.parse(ok.stdout) as ScanReport).inventory.packages.filter((p) => p.type === 'deb').length, 88);
  const bad = await cli(['sbom', `${reg.host}/base/debian:12-slim`, '--quiet', '--registry-retries', '0']);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  const notPem = join(work, 'not.pem');
  writeFileSync(notPem, 'hello');
  const badCa = await cli(['sbom', `${reg.host}/base/debian:12-slim`, '--ca-cert', notPem, '--quiet']);
  assert.equal(badCa.code, 2);
  assert.match(badCa.stderr, /not a PEM certificate file/);
});

/** An OCI layout holding debian-12-slim for linux/amd64 and a relabelled copy for linux/arm64/v8. */
function multiPlatformLayout(slim: string): string {
  const dir = join(work, 'multi');
  mkdirSync(dir);
  execFileSync('tar', ['-xf', slim, '-C', dir]);
  const blob = (d: string): string => join(dir, 'blobs', 'sha256', d.slice(7));
  const put = (b: Buffer): string => {
    const hex = createHash('sha256').update(b).digest('hex');
    writeFileSync(join(dir, 'blobs', 'sha256', hex), b);
    return `sha256:${hex}`;
  };
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string; size: number }[] };
  const amdDigest = index.manifests[0]!.digest;
  const amd = JSON.parse(readFileSync(blob(amdDigest), 'utf8')) as { config: { digest: string; size: number } };
  const cfg = JSON.parse(readFileSync(blob(amd.config.digest), 'utf8')) as Record<string, unknown>;
  const armCfg = Buffer.from(JSON.stringify({ ...cfg, architecture: 'arm64', variant: 'v8' }));
  const armManifest = Buffer.from(JSON.stringify({ ...amd, config: { ...amd.config, digest: put(armCfg), size: armCfg.length } }));
  const armDigest = put(armManifest);
  const newIndex = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: armDigest, size: armManifest.length, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: amdDigest, size: index.manifests[0]!.size, platform: { os: 'linux', architecture: 'amd64' } },
    ],
  };
  const idx = Buffer.from(JSON.stringify(newIndex));
  const idxDigest = put(idx);
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: newIndex.mediaType, digest: idxDigest, size: idx.length, annotations: { 'org.opencontainers.image.ref.name': 'multi' } }] }));
  return dir;
}

test('multi-platform index pushed with skopeo --all: --platform picks, absent platform is exit 2', async (t) => {
  if (skipMsg) return t.skip(skipMsg);
  const slim = sharedOrSkip(t, SLIM);
  if (!slim) return;
  const dir = multiPlatformLayout(slim);
  await push(`oci:${dir}:multi`, basic!, 'base/debian:multi', USER, ['--all']);
  const env = { PORTCULLIS_REGISTRY_USERNAME: USER.username, PORTCULLIS_REGISTRY_PASSWORD: USER.password };
  const fromArchive = essence(await scanJson(slim));
  for (const platform of ['linux/amd64', 'linux/arm64']) {
    const r = await cli(['scan', `${basic!.host}/base/debian:multi`, '--platform', platform, '--db', await sharedDb(), '--format', 'json', '--quiet'], undefined, env);
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(r.stdout) as ScanReport;
    assert.equal(rep.inventory.image.platform.architecture, platform.split('/')[1]);
    const e = essence(rep) as { findings: string[]; layers: string[] };
    assert.deepEqual(e.layers, (fromArchive as { layers: string[] }).layers);
    assert.ok(e.findings.length > 0);
  }
  const absent = await cli(['sbom', `${basic!.host}/base/debian:multi`, '--platform', 'linux/s390x', '--quiet'], undefined, env);
  assert.equal(absent.code, 2);
  assert.match(absent.stderr, /no image for platform linux\/s390x \(available: linux\/arm64\/v8, linux\/amd64\)/);
});

test('layer cache: a second image on a scanned base downloads only its own layers; a warm rescan downloads none and reports the same', async (t) => {
  if (skipMsg) return t.skip(skipMsg);
  const slim = sharedOrSkip(t, SLIM);
  const archive = sharedOrSkip(t, ORDERS);
  if (!slim || !archive) return;
  const reg = await startRegistry({});
  regs.push(reg);
  await push(`oci-archive:${slim}`, reg, 'base/debian:12-slim');
  await push(`docker-archive:${archive}`, reg, 'shop/orders-api:1.4.2');
  const env = { PORTCULLIS_CACHE_DIR: mkdtempSync(join(work, 'cache-')) };
  const sbom = async (ref: string): Promise<{ bytes: number; report: ScanReport; stdout: string; stderr: string }> => {
    const before = transferStats.bytes;
    const r = await cli(['sbom', `${reg.host}/${ref}`, '--format', 'json', '--debug'], undefined, env);
    assert.equal(r.code, 0, r.stderr);
    return { bytes: transferStats.bytes - before, report: JSON.parse(r.stdout) as ScanReport, stdout: r.stdout, stderr: r.stderr };
  };
  const base = await sbom('base/debian:12-slim');
  const app = await sbom('shop/orders-api:1.4.2');
  const baseBlobs = new Set(base.report.inventory.image.layers.map((l) => l.digest));
  const own = app.report.inventory.image.layers.filter((l) => !baseBlobs.has(l.digest));
  assert.ok(own.length > 0 && own.length < app.report.inventory.image.layers.length, 'orders-api shares its base with debian-12-slim');
  const ownBytes = own.reduce((n, l) => n + (l.size ?? 0), 0);
  // manifests and the config are a few KiB: everything else downloaded is the image's own layers
  assert.ok(app.bytes >= ownBytes && app.bytes < ownBytes + 256 * 1024, `downloaded ${app.bytes}, own layers ${ownBytes}`);
  assert.match(app.stderr, new RegExp(`layer cache: ${app.report.inventory.image.layers.length - own.length} of \\d+ layer\\(s\\) replayed from the cache, ${app.report.inventory.image.layers.length - own.length} not downloaded`));
  const warm = await sbom('shop/orders-api:1.4.2');
  assert.ok(warm.bytes < 256 * 1024, `warm rescan downloaded ${warm.bytes} bytes`);
  assert.equal(warm.stdout, app.stdout);
  const layers = app.report.inventory.image.layers.length;
  assert.match(warm.stderr, new RegExp(`layer cache: the image's analysis replayed from the cache \\(0 layer\\(s\\) hashed, ${layers} not downloaded\\)`));
  // without the blob → diff_id maps, the image's analysis counts only once every blob was downloaded and hashed again
  rmSync(join(env.PORTCULLIS_CACHE_DIR, 'layers', 'blobs'), { recursive: true });
  const unpinned = await sbom('shop/orders-api:1.4.2');
  assert.match(unpinned.stderr, new RegExp(`layer cache: the image's analysis replayed from the cache \\(${layers} layer\\(s\\) hashed, 0 not downloaded\\)`));
  const allBytes = app.report.inventory.image.layers.reduce((n, l) => n + (l.size ?? 0), 0);
  assert.ok(unpinned.bytes >= allBytes, `downloaded ${unpinned.bytes} of ${allBytes}`);
  assert.equal(unpinned.stdout, app.stdout);
  // the same image from its archive, through the same cache: the same inventory
  const fromArchive = await cli(['sbom', archive, '--format', 'json', '--quiet'], undefined, env);
  assert.deepEqual(
    (JSON.parse(fromArchive.stdout) as ScanReport).inventory.packages.map((p) => p.purl),
    app.report.inventory.packages.map((p) => p.purl),
  );
});
