// Hosts without Kubernetes: an image that passed is signed (`attest --sign-key`) in the sigstore format
// containers/image verifies; under a policy.json with `sigstoreSigned` and our public key, Debian's
// podman (and skopeo, same library) pull it from docker-registry on loopback and refuse an unsigned or
// failed image. podman runs with its own --root/--runroot in a temp dir and HOME pointing at a temp
// dir holding registries.d (use-sigstore-attachments), so nothing of the machine's config is touched.
// Debian bookworm's skopeo 1.9.3 and podman 4.3.1 are built with sigstore verification disabled (a
// Debian-local patch): with them the test shows that they refuse, and checks the signature's format and
// validity itself; with an upstream build it shows the pass case too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runCli } from '../cli/main.js';
import { captureIo } from '../cli/testio.js';
import { haveTools, startRegistry, type RegistryHandle } from '../source/registry/testregistry.js';
import { pushImage, record } from '../admission/testkit.js';
import { generateKeys, loadPrivateKey } from './keys.js';
import { decisionStatement, signStatement } from './dsse.js';
import { SIMPLESIGNING_MEDIA_TYPE, sigTag } from './registry.js';

const run = promisify(execFile);
const missing = haveTools('docker-registry', 'skopeo', 'podman');
const skip = missing.length ? `SKIPPED: ${missing.join(', ')} not installed` : undefined;
const work = mkdtempSync(join(tmpdir(), 'portcullis-podman-'));
let reg: RegistryHandle;

before(async () => {
  if (!skip) reg = await startRegistry();
});
after(async () => {
  await reg?.stop();
  await run('podman', ['--root', join(work, 'root'), '--runroot', join(work, 'run'), '--storage-driver', 'vfs', 'system', 'reset', '--force']).catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; stderr: string }> {
  const { io, err } = captureIo('2026-03-02T00:00:00Z');
  const code = await runCli(args, io);
  return { code, stderr: err() };
}

test('podman and skopeo under policy.json sigstoreSigned: a passed image pulls; unsigned or failed ones are refused', { skip }, async (t) => {
  const keys = generateKeys();
  writeFileSync(join(work, 'ci.key'), keys.privatePem, { mode: 0o600 });
  writeFileSync(join(work, 'ci.pub'), keys.publicPem);
  const key = loadPrivateKey(keys.privatePem, 'ci.key');
  const digests: Record<string, string> = {};
  const signedDecision = async (repo: string, verdict: 'pass' | 'fail'): Promise<string> => {
    const digest = await pushImage(reg, `${repo}:1`, `${repo} ${verdict}`);
    digests[repo] = digest;
    const name = `${reg.host}/${repo}`;
    const env = signStatement(decisionStatement(name, digest, record({ name, digest, pipeline: 'hosts', verdict, evaluatedAt: '2026-03-02T00:00:00Z' })), key);
    const file = join(work, `${repo.replace('/', '-')}.dsse.json`);
    writeFileSync(file, JSON.stringify(env));
    return file;
  };
  const passed = await signedDecision('shop/passed', 'pass');
  const failed = await signedDecision('shop/failed', 'fail');
  await pushImage(reg, 'shop/unsigned:1', 'never scanned');
  const passedDigest = digests['shop/passed']!;
  const failedDigest = digests['shop/failed']!;
  const a = await cli(['attest', `${reg.host}/shop/passed:1`, '--decision', passed, '--sign-key', join(work, 'ci.key')]);
  assert.equal(a.code, 0, a.stderr);
  assert.match(a.stderr, /sigstore signature at .*:sha256-[0-9a-f]{64}\.sig/);
  const f = await cli(['attest', `${reg.host}/shop/failed:1`, '--decision', failed, '--sign-key', join(work, 'ci.key')]);
  assert.equal(f.code, 2);
  assert.match(f.stderr, /the decision is fail: only images that passed are signed/);
  const other = generateKeys();
  writeFileSync(join(work, 'other.key'), other.privatePem, { mode: 0o600 });
  const o = await cli(['attest', `${reg.host}/shop/passed:1`, '--decision', passed, '--sign-key', join(work, 'other.key')]);
  assert.equal(o.code, 2, 'signed only with the key that signed the decision');

  // the policy from docs/admission.md#podman-and-cri-o-policyjson
  writeFileSync(join(work, 'policy.json'), JSON.stringify({
    default: [{ type: 'reject' }],
    transports: { docker: { [reg.host]: [{ type: 'sigstoreSigned', keyPath: join(work, 'ci.pub'), signedIdentity: { type: 'matchRepository' } }] } },
  }));
  const home = join(work, 'home');
  mkdirSync(join(home, '.config', 'containers', 'registries.d'), { recursive: true });
  writeFileSync(join(home, '.config', 'containers', 'registries.d', 'portcullis.yaml'), `docker:\n  ${reg.host}:\n    use-sigstore-attachments: true\n`);
  const env = { ...process.env, HOME: home };
  mkdirSync(join(work, 'out'));
  const skopeo = (repo: string) => run('skopeo', ['copy', '--quiet', '--src-tls-verify=false', '--policy', join(work, 'policy.json'), '--registries.d', join(home, '.config', 'containers', 'registries.d'), `docker://${reg.host}/${repo}:1`, `dir:${join(work, 'out', repo.replace('/', '-'))}`], { env });
  const podman = (repo: string) => run('podman', ['--root', join(work, 'root'), '--runroot', join(work, 'run'), '--storage-driver', 'vfs', 'pull', '--quiet', '--tls-verify=false', '--signature-policy', join(work, 'policy.json'), `${reg.host}/${repo}:1`], { env });
  const probe = await skopeo('shop/passed').then(() => undefined, (e: Error) => e.message);
  if (probe !== undefined && /sigstore disabled/.test(probe)) {
    // Debian bookworm builds skopeo 1.9.3 and podman 4.3.1 with a local patch that disables sigstore
    // verification ("Debian-local change: sigstore disabled"): they refuse every image under this policy,
    // signed or not. Upstream builds (containers/image >= 5.19, where sigstoreSigned appeared) verify it.
    t.diagnostic('this skopeo/podman is built without sigstore verification (Debian-local change): the pass case cannot be shown here; the signature format is checked below instead');
    await assert.rejects(podman('shop/passed'), /sigstore disabled/);
    await assert.rejects(skopeo('shop/unsigned'), /sigstore disabled|signature/);
    // what containers/image would check: the .sig manifest, the simple-signing payload, the signature
    const m = JSON.parse((await run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/shop/passed:${sigTag(passedDigest)}`])).stdout) as { layers: { mediaType: string; digest: string; annotations: Record<string, string> }[] };
    assert.equal(m.layers.length, 1);
    assert.equal(m.layers[0]!.mediaType, SIMPLESIGNING_MEDIA_TYPE);
    const payload = readFileSync(join(reg.dir, 'data/docker/registry/v2/blobs/sha256', m.layers[0]!.digest.slice(7, 9), m.layers[0]!.digest.slice(7), 'data'));
    const p = JSON.parse(payload.toString()) as { critical: { identity: { 'docker-reference': string }; image: { 'docker-manifest-digest': string }; type: string } };
    assert.deepEqual(p.critical, { identity: { 'docker-reference': `${reg.host}/shop/passed:1` }, image: { 'docker-manifest-digest': passedDigest }, type: 'cosign container image signature' });
    assert.ok(verify('sha256', payload, createPublicKey(keys.publicPem), Buffer.from(m.layers[0]!.annotations['dev.cosignproject.cosign/signature']!, 'base64')));
    await assert.rejects(run('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/shop/failed:${sigTag(failedDigest)}`]), /manifest unknown|not found/i, 'a failed image is never signed');
    return;
  }
  assert.equal(probe, undefined, probe);
  await assert.rejects(skopeo('shop/unsigned'), /signature|sigstore|rejected|not signed/i);
  await assert.rejects(skopeo('shop/failed'), /signature|sigstore|rejected|not signed/i);

  await podman('shop/passed');
  await assert.rejects(podman('shop/unsigned'), /signature|sigstore|rejected|not signed/i);
  await assert.rejects(podman('shop/failed'), /signature|sigstore|rejected|not signed/i);
});
