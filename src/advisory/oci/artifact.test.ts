// The DB as an OCI artifact, through the CLI, against Debian's docker-registry on 127.0.0.1:
// db push, then db update --source oci:// on a clean cache gives an identical DB; a second update is
// up to date without downloading; a tampered blob is refused and the old DB stays; mirrors in order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fixedClock } from '../../core/clock.js';
import { runCli } from '../../cli/main.js';
import { captureIo } from '../../cli/testio.js';
import { buildDb } from '../build.js';
import { openDb } from '../store/reader.js';
import { osvRecord, tempDir } from '../testutil.js';
import { haveTools, startRegistry, type RegistryHandle } from '../../source/registry/testregistry.js';
import { startFake } from '../../source/registry/fakeregistry.js';
import { transferStats } from '../../source/registry/client.js';
import { DB_ARTIFACT_TYPE, DB_LAYER_TYPE, parseArtifactRef } from './artifact.js';

const missing = haveTools('docker-registry', 'zstd', 'htpasswd');
const skipMsg = missing.length > 0 ? `SKIPPED: ${missing.join(', ')} not installed (apt-get install docker-registry zstd apache2-utils; .ci/run does)` : undefined;
if (skipMsg) console.log(skipMsg);
const USER = { username: 'publisher', password: 'db-Pa55word' };
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let reg: RegistryHandle | undefined;
before(async () => {
  if (!skipMsg) reg = await startRegistry({ basic: USER });
});
after(async () => {
  await reg?.stop();
});

async function smallDb(dir: string, name: string, ids: string[]): Promise<string> {
  const src = join(dir, `${name}-src`);
  mkdirSync(src, { recursive: true });
  for (const id of ids) writeFileSync(join(src, `${id}.json`), JSON.stringify(osvRecord(id, { details: 'x'.repeat(2000) + id })));
  const out = join(dir, `${name}.db`);
  await buildDb([src], out, { clock: fixedClock('2025-03-01T00:00:00Z') });
  return out;
}

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, out, err } = captureIo('2025-03-02T00:00:00Z', { PORTCULLIS_REGISTRY_USERNAME: USER.username, PORTCULLIS_REGISTRY_PASSWORD: USER.password, ...env });
  const code = await runCli(args, io);
  return { code, stdout: out(), stderr: err() };
}

function ids(path: string): string[] {
  const db = openDb(path);
  try {
    return db.byPackage('npm', 'left-pad').map((a) => a.record.id);
  } finally {
    db.close();
  }
}

test('parseArtifactRef', () => {
  assert.deepEqual(parseArtifactRef('oci://127.0.0.1:5000/portcullis/db:1'), { host: '127.0.0.1:5000', repo: 'portcullis/db', reference: '1', display: '127.0.0.1:5000/portcullis/db:1' });
  assert.equal(parseArtifactRef('oci://ghcr.io/acme/db').reference, 'latest');
  assert.throws(() => parseArtifactRef('oci://Not A Ref'), /not a valid image reference/);
});

test('db push, then db update --source oci:// on a clean cache: identical DB; again: up to date', async (t) => {
  if (skipMsg) return t.skip(skipMsg);
  const d = tempDir(t);
  const dbFile = await smallDb(d, 'v1', ['GHSA-1111-1111-1111', 'GHSA-2222-2222-2222']);
  const ref = `oci://${reg!.host}/portcullis/db:1`;
  const p = await cli(['db', 'push', ref, '--db', dbFile, '--format', 'json']);
  assert.equal(p.code, 0, p.stderr);
  const pushed = JSON.parse(p.stdout) as { manifestDigest: string; dbDigest: string };
  assert.equal(pushed.dbDigest, `sha256:${sha(readFileSync(dbFile))}`);
  // the manifest is an artifact with our types and the DB's times as annotations
  const m = JSON.parse(readFileSync(join(reg!.dir, 'data/docker/registry/v2/blobs/sha256', pushed.manifestDigest.slice(7, 9), pushed.manifestDigest.slice(7), 'data'), 'utf8')) as {
    artifactType: string;
    layers: { mediaType: string }[];
    annotations: Record<string, string>;
  };
  assert.equal(m.artifactType, DB_ARTIFACT_TYPE);
  assert.equal(m.layers[0]!.mediaType, DB_LAYER_TYPE);
  assert.equal(m.annotations['org.opencontainers.image.created'], '2025-03-01T00:00:00.000Z');
  assert.ok(Object.keys(m.annotations).some((k) => /^io\.portcullis\.db\.source\..+\.updated$/.test(k)), JSON.stringify(m.annotations));

  const cache = join(d, 'clean-cache');
  const target = join(cache, 'db', 'portcullis.db');
  const u = await cli(['db', 'update', '--source', ref, '--db', target, '--quiet']);
  assert.equal(u.code, 0, u.stderr);
  assert.match(u.stdout, /pulled from the registry/);
  assert.equal(sha(readFileSync(target)), sha(readFileSync(dbFile)));
  const before = transferStats.bytes;
  const again = await cli(['db', 'update', '--source', ref, '--db', target, '--quiet']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /already up to date/);
  assert.ok(transferStats.bytes - before < 4096, 'only the manifest was fetched');
  assert.deepEqual(readdirSync(join(cache, 'db')), ['portcullis.db']);
  // not a DB artifact
  const img = await cli(['db', 'update', '--source', `oci://${reg!.host}/portcullis/nothing:1`, '--db', target, '--quiet']);
  assert.equal(img.code, 2);
  assert.match(img.stderr, /not found.*the DB was not replaced/);
  // wrong password: one line, no secret
  const bad = await cli(['db', 'push', ref, '--db', dbFile], { PORTCULLIS_REGISTRY_PASSWORD: 'nope-nope' });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /credentials were refused/);
  assert.doesNotMatch(bad.stderr, /nope-nope/);
});

test('scan with no DB fetches one from --db-source / PORTCULLIS_DB_SOURCE with a progress line; --offline is exit 2 naming the command', async (t) => {
  if (skipMsg) return t.skip(skipMsg);
  const d = tempDir(t);
  const dbFile = await smallDb(d, 'v1', ['GHSA-1111-1111-1111']);
  const ref = `oci://${reg!.host}/portcullis/db:scan`;
  assert.equal((await cli(['db', 'push', ref, '--db', dbFile, '--quiet'])).code, 0);
  const sbom = join(import.meta.dirname, '..', '..', 'source', 'sbom', 'testdata', 'trivy-style.cdx.json');
  const target = join(d, 'fresh', 'portcullis.db');
  const off = await cli(['scan', '--sbom', sbom, '--db', target, '--offline', '--format', 'json']);
  assert.equal(off.code, 2);
  assert.match(off.stderr, /no advisory DB at .* and --offline: run `portcullis db update --source https:\/\/osv-vulnerabilities/);
  const r = await cli(['scan', '--sbom', sbom, '--db', target, '--format', 'json'], { PORTCULLIS_DB_SOURCE: ref });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`no advisory DB at .*; fetching one from ${ref.replace(/[.]/g, '\\.')}`));
  assert.equal(sha(readFileSync(target)), sha(readFileSync(dbFile)));
  const st = await cli(['scan', '--sbom', sbom, '--db', target, '--offline', '--format', 'json', '--quiet']);
  assert.equal(st.code, 0, st.stderr);
});

test('a tampered DB blob is refused and the old DB stays; a mirror list is tried in order', async (t) => {
  if (skipMsg) return t.skip(skipMsg);
  const d = tempDir(t);
  const v1 = await smallDb(d, 'v1', ['GHSA-1111-1111-1111']);
  const v2 = await smallDb(d, 'v2', ['GHSA-1111-1111-1111', 'GHSA-3333-3333-3333']);
  const ref = `oci://${reg!.host}/portcullis/db:2`;
  assert.equal((await cli(['db', 'push', ref, '--db', v2, '--quiet'])).code, 0);
  const target = join(d, 'cache', 'portcullis.db');
  mkdirSync(join(d, 'cache'));
  writeFileSync(target, readFileSync(v1));
  // tamper with the stored layer blob: flip a byte in the registry's storage
  const blobsDir = join(reg!.dir, 'data/docker/registry/v2/blobs/sha256');
  const pushed = JSON.parse((await cli(['db', 'push', ref, '--db', v2, '--format', 'json'])).stdout) as { layerDigest: string };
  const file = join(blobsDir, pushed.layerDigest.slice(7, 9), pushed.layerDigest.slice(7), 'data');
  const good = readFileSync(file);
  const bad = Buffer.from(good);
  bad[Math.floor(bad.length / 2)] = bad[Math.floor(bad.length / 2)]! ^ 0xff;
  writeFileSync(file, bad);
  try {
    const r = await cli(['db', 'update', '--source', ref, '--db', target, '--registry-retries', '0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /DB layer: digest mismatch.*the DB was not replaced/);
    assert.equal(r.stderr.trim().split('\n').filter((l) => l.startsWith('portcullis:')).length, 1);
    assert.deepEqual(ids(target), ['GHSA-1111-1111-1111']);
    assert.deepEqual(readdirSync(join(d, 'cache')), ['portcullis.db']);
    // a dead mirror first, then a broken registry, then the good one (restored below)
  } finally {
    writeFileSync(file, good);
  }
  const dead = await startFake({}, {});
  const deadHost = dead.host;
  await dead.close();
  const r = await cli(['db', 'update', '--source', `oci://${deadHost}/portcullis/db:2`, '--source', ref, '--db', target, '--registry-retries', '0']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`${deadHost.replace(/\./g, '\\.')}.*trying oci://`));
  assert.deepEqual(ids(target).sort(), ['GHSA-1111-1111-1111', 'GHSA-3333-3333-3333']);
  rmSync(join(d, 'cache'), { recursive: true, force: true });
  assert.equal(existsSync(target), false);
});
