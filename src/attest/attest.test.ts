// Signed decisions end to end: CI scans an image from Debian's docker-registry on loopback with
// `scan --sign-key`, attaches the DSSE envelope with `attest` (that registry has no referrers API: the
// cosign tag-scheme fallback `sha256-<hex>.att` is exercised for real), `verify` checks it, and the
// admission webhook admits from the signature alone with no database. A decision for another digest,
// past its validUntil, under another policy digest or by another key is refused. The referrers API
// path runs against recorded responses served in-process (the Debian registry cannot serve them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDb } from '../advisory/index.js';
import { fixedClock } from '../core/clock.js';
import { runCli } from '../cli/main.js';
import { captureIo } from '../cli/testio.js';
import { dockerArchive, makeTar } from '../source/testkit.js';
import { haveTools, listen, push, startRegistry, type RegistryHandle } from '../source/registry/testregistry.js';
import { RegistryClient } from '../source/registry/client.js';
import { sha256 } from '../source/registry/blobs.js';
import { Judge } from '../admission/judge.js';
import { DigestResolver } from '../admission/resolve.js';
import { startWebhook } from '../admission/webhook.js';
import { fixture, post, pushImage, record, selfSigned } from '../admission/testkit.js';
import { generateKeys, loadPrivateKey, loadPublicKey } from './keys.js';
import { DSSE_MEDIA_TYPE, decisionStatement, parseEnvelope, signStatement, verifyEnvelope, type Envelope } from './dsse.js';
import { attach, attTag, verifiedDecisions, RegistrySignedDecisions } from './registry.js';
import type { DecisionRecord } from '../policy/record.js';

const missing = haveTools('docker-registry', 'skopeo', 'openssl');
const skip = missing.length ? `SKIPPED: ${missing.join(', ')} not installed` : undefined;
const NOW = '2026-03-02T00:00:00.000Z';
const work = mkdtempSync(join(tmpdir(), 'portcullis-attest-'));
let reg: RegistryHandle;

async function cli(args: string[], env: NodeJS.ProcessEnv = {}, now = NOW): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, out, err } = captureIo(now, env);
  const code = await runCli(args, io);
  return { code, stdout: out(), stderr: err() };
}

before(async () => {
  if (!skip) reg = await startRegistry();
});
after(async () => {
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('DSSE: a signature verifies over the exact payload; a tampered payload or another key does not', () => {
  const a = generateKeys();
  const b = generateKeys('s3cret');
  const key = loadPrivateKey(a.privatePem, 'a.key');
  assert.throws(() => loadPrivateKey(b.privatePem, 'b.key'), /encrypted: set PORTCULLIS_KEY_PASSWORD/);
  loadPrivateKey(b.privatePem, 'b.key', 's3cret');
  const env = signStatement(decisionStatement('example.com/app', `sha256:${'1'.repeat(64)}`, { x: 1 }), key);
  const ok = verifyEnvelope(env, [loadPublicKey(b.publicPem, 'b.pub'), loadPublicKey(a.publicPem, 'a.pub')]);
  assert.ok('statement' in ok && ok.statement.subject[0]!.digest.sha256 === '1'.repeat(64));
  const tampered: Envelope = { ...env, payload: Buffer.from(Buffer.from(env.payload, 'base64').toString().replace('"x":1', '"x":2')).toString('base64') };
  assert.deepEqual(verifyEnvelope(tampered, [loadPublicKey(a.publicPem, 'a.pub')]), { error: 'no signature verifies with a trusted key' });
  assert.ok('error' in verifyEnvelope(env, [loadPublicKey(b.publicPem, 'b.pub')]));
  assert.throws(() => parseEnvelope(Buffer.from('{"payload":1}'), 'f.json'), /^PortcullisError: f.json: not a DSSE envelope|f\.json: not a DSSE envelope/);
  assert.throws(() => loadPublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', 'x.pub'), /x\.pub: not a PEM public key/);
});

test('CI signs, attaches (tag scheme), verifies; the webhook admits from the signature alone and refuses the rest', { skip }, async () => {
  // the image: Alpine with a fixed musl; a DB in which older musl has a critical CVE
  const layer = await makeTar([
    { name: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.1\n' },
    { name: 'lib/apk/db/installed', content: 'P:musl\nV:1.2.4-r3\nA:x86_64\no:musl\n' },
  ]);
  writeFileSync(join(work, 'app.tar'), await dockerArchive([layer], { repoTags: ['shop/api:1.0'] }));
  mkdirSync(join(work, 'osv'));
  writeFileSync(join(work, 'osv', 'musl.json'), JSON.stringify({ id: 'CVE-2026-0001', modified: '2026-03-01T00:00:00Z', severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }], affected: [{ package: { ecosystem: 'Alpine:v3.19', name: 'musl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2.4-r3' }] }] }] }));
  await buildDb([`osv:${join(work, 'osv')}`], join(work, 'db.sqlite'), { clock: fixedClock(NOW) });
  writeFileSync(join(work, 'policy.yaml'), 'apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: prod-cluster}\nspec:\n  decisionMaxAgeHours: 24\n  controls:\n    vulnerabilities: {failOn: critical}\n');
  await push(`docker-archive:${join(work, 'app.tar')}`, reg, 'shop/api:1.0');
  const image = `${reg.host}/shop/api:1.0`;

  const keys = await cli(['keys', 'generate', '--output-prefix', join(work, 'ci')]);
  assert.equal(keys.code, 0, keys.stderr);
  assert.match(keys.stderr, /NOT encrypted/);
  assert.equal((await cli(['keys', 'generate', '--output-prefix', join(work, 'ci')])).code, 2, 'never overwrites a key');

  const envFile = join(work, 'decision.dsse.json');
  const scan = await cli(['scan', image, '--db', join(work, 'db.sqlite'), '--policy', join(work, 'policy.yaml'), '--pipeline', 'prod-cluster', '--decision', envFile, '--sign-key', join(work, 'ci.key'), '--quiet', '--format', 'json', '--output', join(work, 'r.json')]);
  assert.equal(scan.code, 0, scan.stderr);
  const env = parseEnvelope(readFileSync(envFile), envFile);
  const statement = JSON.parse(Buffer.from(env.payload, 'base64').toString()) as { subject: { name: string; digest: { sha256: string } }[]; predicate: DecisionRecord };
  const digest = `sha256:${statement.subject[0]!.digest.sha256}`;
  const rec = statement.predicate;
  assert.equal(rec.image.digest, digest);
  assert.equal(rec.validUntil, '2026-03-03T00:00:00.000Z', 'spec.decisionMaxAgeHours: 24 bounds it');
  assert.equal(rec.validUntilBy, 'spec.decisionMaxAgeHours: 24');

  const at = await cli(['attest', image, '--decision', envFile]);
  assert.equal(at.code, 0, at.stderr);
  assert.match(at.stderr, new RegExp(`tag .*:${attTag(digest).replace('.', '\\.')}`));
  const v = await cli(['verify', image, '--key', join(work, 'ci.pub'), '--pipeline', 'prod-cluster']);
  assert.equal(v.code, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /VERIFIED \(1 signed decision\(s\) found via tag\)/);
  const other = generateKeys();
  writeFileSync(join(work, 'other.pub'), other.publicPem);
  const v2 = await cli(['verify', image, '--key', join(work, 'other.pub')]);
  assert.equal(v2.code, 1);
  assert.match(v2.stdout, /NOT VERIFIED/);
  const late = await cli(['verify', image, '--key', join(work, 'ci.pub')], {}, '2026-03-03T00:00:01Z');
  assert.equal(late.code, 1);
  assert.match(late.stdout, /expired: validUntil 2026-03-03T00:00:00.000Z/);
  // attest refuses an envelope about another image
  await pushImage(reg, 'shop/other:1', 'another image');
  const wrong = await cli(['attest', `${reg.host}/shop/other:1`, '--decision', envFile]);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /the statement is about another digest/);

  // the cluster: no database, the CI public key, the expected policy digest
  const ciKey = loadPrivateKey(readFileSync(join(work, 'ci.key'), 'utf8'), 'ci.key');
  const tls = selfSigned(work);
  const clock = fixedClock('2026-03-02T06:00:00Z');
  const start = async (pub: string, policyDigest: string) => {
    const signed = new RegistrySignedDecisions({ keys: [loadPublicKey(pub, 'k.pub')], registry: {}, clock, cacheMs: 0 });
    return startWebhook({ judge: new Judge({ pipeline: 'prod-cluster', clock, signed, policyDigests: [policyDigest] }), resolver: new DigestResolver({ registry: {}, clock }), clock, mode: 'enforce', tls });
  };
  const pub = readFileSync(join(work, 'ci.pub'), 'utf8');
  const good = await start(pub, rec.policies.digest);
  const wrongPolicy = await start(pub, `sha256:${'f'.repeat(64)}`);
  const wrongKey = await start(other.publicPem, rec.policies.digest);
  try {
    const body = fixture('deployment', { main: image });
    const ok = await post(good.port, tls.cert, '/validate', body);
    assert.equal(ok.body.response.allowed, true, JSON.stringify(ok.body));
    assert.match(ok.body.response.auditAnnotations.decision, /signed decision of 2026-03-02T00:00:00.000Z by key/);
    const p = await post(wrongPolicy.port, tls.cert, '/validate', body);
    assert.equal(p.body.response.allowed, false);
    assert.match(p.body.response.status.message, /made under policy digest sha256:[0-9a-f]{64}, not a trusted one/);
    assert.equal((await post(wrongKey.port, tls.cert, '/validate', body)).body.response.allowed, false);
    // a decision about image A attached (by someone) to image B: refused, B is not A
    const otherDigest = await pushImage(reg, 'shop/swapped:1', 'swapped');
    await attach(`${reg.host}/shop/swapped`, otherDigest, env, {});
    const swapped = await post(good.port, tls.cert, '/validate', fixture('pod', { main: `${reg.host}/shop/swapped:1` }));
    assert.equal(swapped.body.response.allowed, false);
    assert.match(swapped.body.response.status.message, /no valid decision/);
    // a validly signed decision past its validUntil
    const oldDigest = await pushImage(reg, 'shop/old:1', 'old');
    const expired = record({ name: `${reg.host}/shop/old`, digest: oldDigest, pipeline: 'prod-cluster', verdict: 'pass', evaluatedAt: '2026-03-01T00:00:00Z', validUntil: '2026-03-02T00:00:00Z', policyDigest: rec.policies.digest });
    await attach(`${reg.host}/shop/old`, oldDigest, signStatement(decisionStatement(`${reg.host}/shop/old`, oldDigest, expired), ciKey), {});
    const old = await post(good.port, tls.cert, '/validate', fixture('pod', { main: `${reg.host}/shop/old:1` }));
    assert.equal(old.body.response.allowed, false);
    assert.match(old.body.response.status.message, /expired: validUntil 2026-03-02T00:00:00Z/);
  } finally {
    for (const h of [good, wrongPolicy, wrongKey]) await h.close();
  }
});

test('referrers API (recorded responses, served in-process): envelopes are found through the index', async () => {
  const k = generateKeys();
  const digest = `sha256:${'2'.repeat(64)}`;
  const env = signStatement(decisionStatement('127.0.0.1/shop/app', digest, record({ name: '127.0.0.1/shop/app', digest, pipeline: 'p', verdict: 'pass', evaluatedAt: NOW })), loadPrivateKey(k.privatePem, 'k'));
  const blob = Buffer.from(JSON.stringify(env));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: DSSE_MEDIA_TYPE, config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(Buffer.from('{}')), size: 2 }, layers: [{ mediaType: DSSE_MEDIA_TYPE, digest: sha256(blob), size: blob.length }], subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 100 } }));
  // as distribution 3 answers GET /v2/<name>/referrers/<digest>?artifactType=... (OCI distribution-spec 1.1)
  const index = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length, artifactType: DSSE_MEDIA_TYPE }] });
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const u = new URL(req.url ?? '/', 'http://x');
    if (u.pathname === `/v2/shop/app/referrers/${digest}`) return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json', 'oci-filters-applied': 'artifactType' }).end(index);
    if (u.pathname === `/v2/shop/app/manifests/${sha256(manifest)}`) return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': sha256(manifest) }).end(manifest);
    if (u.pathname === `/v2/shop/app/blobs/${sha256(blob)}`) return void res.writeHead(200, { 'content-length': blob.length }).end(blob);
    res.writeHead(404).end();
  });
  const port = await listen(server);
  try {
    const r = await verifiedDecisions(new RegistryClient(`127.0.0.1:${port}`, { retries: 0 }), 'shop/app', digest, [loadPublicKey(k.publicPem, 'k.pub')]);
    assert.equal(r.via, 'referrers');
    assert.equal(r.found.length, 1);
    assert.equal((r.found[0]!.record as DecisionRecord).image.digest, digest);
    assert.ok(!seen.some((s) => s.includes('.att')), 'no tag-scheme lookup when the referrers API answers');
  } finally {
    await new Promise((r) => server.close(r));
  }
});

test('attach to a registry with the referrers API (recorded responses, served in-process): pushed by digest, no .att tag', async () => {
  const k = generateKeys();
  const image = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'3'.repeat(64)}`, size: 2 }, layers: [] }));
  const digest = sha256(image);
  const env = signStatement(decisionStatement('127.0.0.1/shop/app', digest, { any: 'record' }), loadPrivateKey(k.privatePem, 'k'));
  const seen: string[] = [];
  const blobs = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      seen.push(`${req.method} ${u.pathname}`);
      // as distribution 3 / zot answer (OCI distribution-spec 1.1): uploads, then a manifest with `subject`
      if (req.method === 'GET' && u.pathname === `/v2/shop/app/manifests/${digest}`) return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': digest }).end(image);
      if (req.method === 'HEAD' && u.pathname.startsWith('/v2/shop/app/blobs/')) return void res.writeHead(blobs.has(u.pathname.slice(19)) ? 200 : 404).end();
      if (req.method === 'POST' && u.pathname === '/v2/shop/app/blobs/uploads/') return void res.writeHead(202, { location: '/v2/shop/app/blobs/uploads/u1?_state=x' }).end();
      if (req.method === 'PUT' && u.pathname === '/v2/shop/app/blobs/uploads/u1') {
        const body = Buffer.concat(chunks);
        assert.equal(sha256(body), u.searchParams.get('digest'));
        blobs.set(u.searchParams.get('digest')!, body);
        return void res.writeHead(201, { 'docker-content-digest': sha256(body) }).end();
      }
      if (req.method === 'PUT' && u.pathname.startsWith('/v2/shop/app/manifests/sha256:')) {
        const m = JSON.parse(Buffer.concat(chunks).toString()) as { subject?: { digest: string }; artifactType?: string };
        assert.equal(m.subject?.digest, digest);
        assert.equal(m.artifactType, DSSE_MEDIA_TYPE);
        return void res.writeHead(201, { 'oci-subject': digest, 'docker-content-digest': u.pathname.slice(23) }).end();
      }
      res.writeHead(404).end();
    });
  });
  const port = await listen(server);
  try {
    const r = await attach(`127.0.0.1:${port}/shop/app`, digest, env, { retries: 0 });
    assert.equal(r.via, 'referrers');
    assert.ok(!seen.some((s) => s.includes('.att')), seen.join('\n'));
    assert.equal(blobs.get(sha256(Buffer.from(JSON.stringify(env))))?.toString(), JSON.stringify(env));
  } finally {
    await new Promise((r) => server.close(r));
  }
});
