// Bad input through the whole CLI: every broken or hostile archive gives exit 2 and ONE line on stderr
// naming the file and the problem — no stack trace, no hang, nothing written outside a private temp dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync, readFileSync, openSync, readSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sharedOrSkip } from '../src/core/shared.js';
import { cli } from './helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-bad-input-'));
// The scans below get a private TMPDIR (os.tmpdir() reads it at each call; this file runs in its own
// process), so "nothing left behind" is checked without seeing other test files' temp dirs.
const scanTmp = mkdtempSync(join(dir, 'tmp-'));

function assertOneLineError(r: { code: number; stderr: string }, file: string, what: RegExp): void {
  assert.equal(r.code, 2, `exit code for ${file}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr for ${file}, got:\n${r.stderr}`);
  assert.match(lines[0]!, /^portcullis: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.match(lines[0]!, what, `${file}: ${lines[0]}`);
}

async function withPrivateTmp<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = scanTmp;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

test('crafted bad archives: truncated, random bytes, not a tar, empty, gzip of garbage', async (t) => {
  const orders = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  const cases: [string, Buffer, RegExp][] = [
    ['random.bin', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251)), /random\.bin/],
    ['empty.tar', Buffer.alloc(0), /empty\.tar/],
    ['zeros.tar', Buffer.alloc(10240), /zeros\.tar/],
    ['garbage.tar.gz', gzipSync(Buffer.from('this is not a tar archive at all\n'.repeat(100))), /garbage\.tar\.gz/],
  ];
  if (orders) {
    // the first 2 MB of a real gzip-compressed docker save: a truncated archive
    const buf = Buffer.alloc(2 * 1024 * 1024);
    const fd = openSync(orders, 'r');
    readSync(fd, buf, 0, buf.length, 0);
    closeSync(fd);
    cases.push(['truncated.tar.gz', buf, /truncated\.tar\.gz/]);
  }
  for (const [name, content, re] of cases) {
    const p = join(dir, name);
    writeFileSync(p, content);
    assertOneLineError(await withPrivateTmp(() => cli(['sbom', p, '--quiet'])), name, re);
    assertOneLineError(await withPrivateTmp(() => cli(['sbom', `docker-archive:${p}`, '--quiet'])), `docker-archive:${name}`, re);
  }
  assert.equal(tmpdir() === scanTmp, false);
  assert.deepEqual(readdirSync(scanTmp), [], 'no temp files or directories left behind');
});

test('third-party broken images give exit 2 with a one-line reason', async (t) => {
  const base = sharedOrSkip(t, 'fixtures/third-party/images');
  if (!base) return;
  const cases: [string, RegExp][] = [
    ['go-containerregistry/null_manifest.tar', /manifest/i],
    ['go-containerregistry/no_manifest.tar', /manifest/i],
    ['trivy/test_bad_index_json.oci', /index/i],
    ['trivy/test_invalid_oci_image.oci', /./],
    ['trivy/test_no_valid_manifests.oci', /manifest/i],
  ];
  for (const [rel, re] of cases) {
    assertOneLineError(await cli(['sbom', join(base, rel), '--quiet']), rel, re);
  }
});

test('hostile layers (symlink attacks, escapes, cycles) are read inside the image root', async (t) => {
  const hostile = sharedOrSkip(t, 'fixtures/third-party/hostile');
  if (!hostile) return;
  // a single-layer docker-archive around each hostile tar: the walk must finish, with no file read from the host
  const { dockerArchive } = await import('../src/source/testkit.js');
  for (const sub of ['layerscanning', 'unpack']) {
    for (const name of readdirSync(join(hostile, sub)).sort()) {
      const layer = readFileSync(join(hostile, sub, name));
      const archive = join(dir, `${sub}-${name}`);
      writeFileSync(archive, await dockerArchive([layer]));
      const r = await cli(['sbom', archive, '--format', 'json', '--quiet']);
      assert.ok(r.code === 0 || r.code === 2, `${name}: exit ${r.code}`);
      if (r.code === 2) assertOneLineError(r, name, new RegExp(name.replace('.', '\\.')));
      else assert.doesNotMatch(r.stdout, /root:x:0:0/, `${name}: host files never leak into the inventory`);
    }
  }
});

test('bad flags and missing inputs are exit 2 with one line', async () => {
  assertOneLineError(await cli(['sbom', join(dir, 'does-not-exist.tar'), '--quiet']), 'missing', /does-not-exist/);
  assertOneLineError(await cli(['sbom', '127.0.0.1:1/team/app:1.2', '--quiet', '--registry-retries', '0']), 'registry', /127\.0\.0\.1:1\/team\/app: .*ECONNREFUSED/);
  assertOneLineError(await cli(['sbom', '127.0.0.1:1/team/app:1.2', '--quiet', '--password-stdin']), 'password without user', /--password-stdin needs --username/);
  assertOneLineError(await cli(['sbom', '127.0.0.1:1/team/app:1.2', '--quiet', '--ca-cert', join(dir, 'nope.pem')]), 'bad ca', /--ca-cert .*nope\.pem: cannot read/);
  const r = await cli(['sbom', join(dir, 'x'), '--format', 'yaml']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown format "yaml"/);
  assertOneLineError(await cli(['scan', '--quiet', '--db', join(dir, 'no.db'), 'dir:/nonexistent']), 'missing db', /no\.db|DB|database/i);
});
