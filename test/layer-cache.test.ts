// The layer analysis cache end to end: a warm scan (layers replayed from the cache) gives a report
// byte-identical to a cold one and to --no-cache, on orders-api and on a crafted multi-layer archive
// that exercises every content check (secrets, malware, config), whiteouts and links; corrupt or
// truncated records are ignored and rewritten; an archive claiming a cached layer's diff_id while
// holding other bytes is refused as without a cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedOrSkip } from '../src/core/shared.js';
import { configFor, dockerArchive, makeTar, sha, type TarEntry } from '../src/source/testkit.js';
import { resealRecord } from '../src/walker/testkit.js';
import { cli } from './helpers/cli.js';
import { sharedDb } from './helpers/shared-db.js';

const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';
const AWS_KEY = ['AKIA', 'Z7QK4XJ2M5VBN3CD'].join('');

function cacheDir(): string {
  return mkdtempSync(join(tmpdir(), 'portcullis-layer-cache-'));
}

function records(dir: string): string[] {
  return readdirSync(join(dir, 'layers'))
    .filter((n) => n.endsWith('.rec'))
    .map((n) => join(dir, 'layers', n))
    .sort();
}

async function scan(image: string, cache: string, extra: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  return cli(['scan', image, '--db', await sharedDb(), '--format', 'json', '--debug', ...extra], { env: { PORTCULLIS_CACHE_DIR: cache } });
}

/** 'image' when the image's whole analysis came from the cache, else how many layers were replayed ('2 of 3') */
function replayed(stderr: string): string {
  if (/layer cache: the image's analysis replayed from the cache/.test(stderr)) return 'image';
  return /layer cache: (\d+ of \d+) layer\(s\) replayed/.exec(stderr)?.[1] ?? 'no cache line';
}

/** The text a sealed cache file holds (a layer record's header line and entries, a gzip'd document), else the file as it is. */
function sealedText(raw: Buffer): string {
  if (raw.subarray(0, 10).toString() === 'PCLLAYER2\n') {
    const nl = raw.indexOf(10, 10);
    return raw.toString('latin1', 10, nl + 1) + gunzipSync(raw.subarray(nl + 1, -32)).toString('utf8');
  }
  const magic = ['PCLARCHIVE1\n', 'PCLIMAGE1\n'].find((m) => raw.subarray(0, m.length).toString() === m);
  return magic ? gunzipSync(raw.subarray(magic.length, -32)).toString('utf8') : raw.toString('utf8');
}

/** Forget the images' analyses (as LRU eviction may): a rescan then replays each layer's record. */
function forgetImages(cache: string): void {
  rmSync(join(cache, 'layers', 'images'), { recursive: true, force: true });
}

const f = (name: string, content: string, more: Partial<TarEntry> = {}): TarEntry => ({ name, content, ...more });

async function craftedLayers(): Promise<Buffer[]> {
  const base = await makeTar([
    { name: 'etc/', type: 'directory' },
    f('usr/lib/os-release', 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'),
    { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
    f('etc/passwd', 'root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n'),
    f('etc/shadow', 'root:$6$salt$abcdefghijklmnop:19000:0:99999:7:::\napp::19000:0:99999:7:::\n'),
    f('usr/bin/su', 'not really su', { mode: 0o4755 }),
    // binary: the secrets check skips it (its outcome is cached apart from a text file's)
    f('usr/lib/libfake.so', '\u007fELF\u0002\u0001\u0001\u0000\u0000\u0000binary'),
    f('var/lib/dpkg/status', 'Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nArchitecture: amd64\n\n'),
  ]);
  const app = await makeTar([
    f('app/.env', `AWS_ACCESS_KEY_ID=${AWS_KEY}\n`),
    f('app/eicar.com', EICAR),
    f('app/node_modules/left-pad/package.json', '{"name":"left-pad","version":"1.3.0"}'),
    f('app/package-lock.json', '{"name":"app","lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/left-pad":{"version":"1.3.0"}}}'),
    f('tmp/world', 'w', { mode: 0o666 }),
  ]);
  const cleanup = await makeTar([f('app/.wh..env', ''), f('usr/bin/.wh.su', ''), f('tmp/notes.txt', `key ${AWS_KEY} again\n`)]);
  return [base, app, cleanup];
}

test('crafted multi-layer archive: cold, warm and --no-cache reports are byte-identical; the warm scan replays every layer', async (t) => {
  if (!sharedOrSkip(t, 'data')) return;
  const dir = mkdtempSync(join(tmpdir(), 'layer-cache-img-'));
  const image = join(dir, 'app.tar');
  writeFileSync(image, await dockerArchive(await craftedLayers(), { repoTags: ['shop/app:1'] }));
  const cache = cacheDir();
  const cold = await scan(image, cache);
  assert.ok(cold.code === 0 || cold.code === 1, cold.stderr);
  assert.equal(replayed(cold.stderr), '0 of 3', cold.stderr);
  assert.equal(records(cache).length, 3);
  const warm = await scan(image, cache);
  assert.equal(replayed(warm.stderr), 'image', warm.stderr);
  forgetImages(cache);
  const layered = await scan(image, cache);
  assert.equal(replayed(layered.stderr), '3 of 3', layered.stderr);
  const off = await scan(image, cache, ['--no-cache']);
  assert.equal(replayed(off.stderr), 'no cache line');
  assert.equal(warm.code, cold.code);
  assert.equal(warm.stdout, cold.stdout);
  assert.equal(layered.code, cold.code);
  assert.equal(layered.stdout, cold.stdout);
  assert.equal(off.stdout, cold.stdout);
  // the report has what the checks found: it would be a poor identity test otherwise
  const findings = (JSON.parse(cold.stdout) as { findings: { kind: string; path?: string; removedIn?: unknown }[] }).findings;
  for (const kind of ['secret', 'malware', 'config']) assert.ok(findings.some((x) => x.kind === kind), kind);
  assert.match(cold.stdout, /[1-9]\d* binary file\(s\)/, 'a binary file the secrets check skipped');
  assert.ok(findings.some((x) => x.kind === 'secret' && x.path === '/app/.env' && x.removedIn), 'a secret deleted by a later layer is still reported');
  // no secret value and no password hash is stored in the cache (layers' records, the image's analysis)
  const stored = [...records(cache), ...filesUnder(join(cache, 'layers', 'images'))];
  assert.equal(stored.length, 4);
  for (const r of stored) {
    const text = sealedText(readFileSync(r));
    assert.ok(!text.includes(AWS_KEY) && !text.includes('abcdefghijklmnop'), `${r} holds a secret`);
  }
});

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

test('gzip\'d whole archive: the warm scan equals the cold one without decompressing it; its config (ENV secrets) is not readable from the cache', async (t) => {
  if (!sharedOrSkip(t, 'data')) return;
  const dir = mkdtempSync(join(tmpdir(), 'layer-cache-img-'));
  const layers = await craftedLayers();
  const config = configFor(layers.map((l) => sha(l)), { config: { Env: ['PATH=/usr/bin', `AWS_ACCESS_KEY_ID=${AWS_KEY}`], User: 'app' } });
  const image = join(dir, 'app.tar.gz');
  writeFileSync(image, gzipSync(await dockerArchive(layers, { config })));
  const cache = cacheDir();
  const cold = await scan(image, cache);
  assert.ok(cold.code === 0 || cold.code === 1, cold.stderr);
  const warm = await scan(image, cache);
  assert.equal(replayed(warm.stderr), 'image', warm.stderr);
  assert.equal(warm.stdout, cold.stdout);
  forgetImages(cache);
  const layered = await scan(image, cache);
  assert.equal(replayed(layered.stderr), '3 of 3', layered.stderr);
  assert.equal(layered.stdout, cold.stdout);
  assert.ok((JSON.parse(cold.stdout) as { findings: { kind: string }[] }).findings.some((x) => x.kind === 'secret'), 'the ENV secret is found');
  const archives = readdirSync(join(cache, 'layers', 'archives'));
  assert.equal(archives.length, 1, 'facts stored for the archive');
  for (const f of filesUnder(cache)) {
    const text = sealedText(readFileSync(f));
    assert.ok(!text.includes(AWS_KEY) && !text.includes(config.toString('base64').slice(0, 40)), `${f} holds the secret or the config`);
  }
});

test('orders-api: a warm scan equals the cold one, byte for byte', async (t) => {
  const image = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!image) return;
  const cache = cacheDir();
  const cold = await scan(image, cache);
  assert.equal(cold.code, 0, cold.stderr);
  const warm = await scan(image, cache);
  assert.equal(replayed(warm.stderr), 'image', warm.stderr);
  assert.equal(warm.stdout, cold.stdout);
  forgetImages(cache);
  const layered = await scan(image, cache);
  assert.match(replayed(layered.stderr), /^(\d+) of \1$/, layered.stderr);
  assert.equal(layered.stdout, cold.stdout);
});

test('corrupt, truncated or foreign records are ignored, the layer scanned cold and the record rewritten', async (t) => {
  if (!sharedOrSkip(t, 'data')) return;
  const dir = mkdtempSync(join(tmpdir(), 'layer-cache-img-'));
  const image = join(dir, 'app.tar');
  writeFileSync(image, await dockerArchive(await craftedLayers()));
  const cache = cacheDir();
  const cold = await scan(image, cache);
  const [a, b, c] = records(cache);
  const good = readFileSync(a!);
  // a flipped byte in the middle, a truncated file, another key's (valid) record under this key's name
  const flipped = Buffer.from(good);
  flipped[Math.floor(flipped.length / 2)]! ^= 0xff;
  writeFileSync(a!, flipped);
  truncateSync(b!, Math.floor(statSync(b!).size / 3));
  writeFileSync(c!, good);
  forgetImages(cache);
  const warm = await scan(image, cache);
  assert.equal(replayed(warm.stderr), '0 of 3', warm.stderr);
  assert.equal(warm.stdout, cold.stdout);
  assert.deepEqual(readFileSync(a!), good, 'rewritten by the cold scan');
  assert.ok(statSync(b!).size > 0);
  forgetImages(cache);
  const again = await scan(image, cache);
  assert.equal(replayed(again.stderr), '3 of 3', again.stderr);
  assert.equal(again.stdout, cold.stdout);
  // the image's analysis, damaged: ignored (the layers' records replay instead) and rewritten
  const [img] = filesUnder(join(cache, 'layers', 'images'));
  const whole = readFileSync(img!);
  for (const damage of [(x: Buffer) => x.subarray(0, x.length - 7), (x: Buffer) => Buffer.concat([x.subarray(0, 40), Buffer.from([x[40]! ^ 1]), x.subarray(41)])]) {
    writeFileSync(img!, damage(whole));
    const r = await scan(image, cache);
    assert.equal(replayed(r.stderr), '3 of 3', r.stderr);
    assert.equal(r.stdout, cold.stdout);
    assert.deepEqual(readFileSync(img!), whole, 'rewritten');
  }
  // every record sealed again with an entry of the wrong shape (as anyone who can write the cache could):
  // each is found as it is replayed, the image walked again and that layer read; all three, one after the other
  const sealed = records(cache).map((r) => readFileSync(r));
  for (const r of records(cache)) resealRecord(r, (_h, lines) => (lines[0] = JSON.stringify({ ...JSON.parse(lines[0]!), t: 'fifo' })));
  forgetImages(cache);
  const refused = await scan(image, cache);
  assert.equal(replayed(refused.stderr), '0 of 3', refused.stderr);
  assert.equal(refused.stderr.match(/damaged .*walked again/g)?.length, 3, refused.stderr);
  assert.equal(refused.stdout, cold.stdout);
  assert.deepEqual(records(cache).map((r) => readFileSync(r)), sealed, 'rewritten');
});

test("an archive rewritten in place (same name, same config and diff_ids, other bytes) is refused, though the image's analysis is cached", async (t) => {
  if (!sharedOrSkip(t, 'data')) return;
  const dir = mkdtempSync(join(tmpdir(), 'layer-cache-img-'));
  const [base] = await craftedLayers();
  const config = configFor([sha(base!)]);
  const image = join(dir, 'app.tar');
  writeFileSync(image, await dockerArchive([base!], { config }));
  const cache = cacheDir();
  const cold = await scan(image, cache);
  assert.ok(cold.code === 0 || cold.code === 1, cold.stderr);
  assert.equal(filesUnder(join(cache, 'layers', 'images')).length, 1);
  assert.equal(replayed((await scan(image, cache)).stderr), 'image');
  // the same config (so the same key), a layer holding malware
  writeFileSync(image, await dockerArchive([await makeTar([f('usr/bin/helper', EICAR, { mode: 0o755 })])], { config }));
  const r = await scan(image, cache);
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /diff_id: digest mismatch/);
  assert.equal(r.stdout, '');
});

test('a forged archive claiming a cached layer diff_id while holding other bytes is refused, as without a cache', async (t) => {
  if (!sharedOrSkip(t, 'data')) return;
  const dir = mkdtempSync(join(tmpdir(), 'layer-cache-img-'));
  const [base] = await craftedLayers();
  const clean = join(dir, 'clean.tar');
  writeFileSync(clean, await dockerArchive([base!]));
  const cache = cacheDir();
  const cold = await scan(clean, cache);
  assert.ok(cold.code === 0 || cold.code === 1, cold.stderr);
  assert.equal(records(cache).length, 1);
  // the config names the clean layer's diff_id; the layer holds malware
  const evil = await makeTar([f('usr/bin/helper', EICAR, { mode: 0o755 })]);
  const forged = join(dir, 'forged.tar');
  writeFileSync(forged, await dockerArchive([evil], { config: configFor([sha(base!)]) }));
  for (const extra of [[], ['--no-cache']]) {
    const r = await scan(forged, cache, extra);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /diff_id: digest mismatch/);
    assert.doesNotMatch(r.stderr, /replayed/);
  }
});
