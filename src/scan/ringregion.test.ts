// A layer read into the hash worker's lent ring (source/ringregion.ts), or gunzipped by the worker into
// one (source/ringinflate.ts), or read into two buffers by turns (source/plainregion.ts), hands out chunks whose memory is reused as soon as the next is read. Every reader downstream must copy what it keeps: the walker's entry
// reader, the analyzers' content, and the content checks' sinks (secrets, malware, account files). Here the
// ring is 4 KiB and reads are 1000 bytes, so memory is reused every few chunks and inside most files;
// any reader that kept a view would see other bytes. The same image walked from one Buffer must give the
// same inventory and check results, and those must hold what the layer holds.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import type { ResolvedImage } from '../core/types.js';
import { isPortcullisError } from '../core/errors.js';
import { openImage } from '../source/index.js';
import { configFor, dockerArchive, makeTar, sha, tempDir } from '../source/testkit.js';
import { LayerCache } from '../walker/index.js';
import { HashWorker } from '../source/hashworker.js';
import { RingRegion } from '../source/ringregion.js';
import { RingInflate } from '../source/ringinflate.js';
import { PlainRegion } from '../source/plainregion.js';
import { identityOf } from '../source/fileidentity.js';
import { open } from 'node:fs/promises';
import { eicarBytes } from '../checks/malware/load.js';
import { prepareMalware } from '../checks/malware/index.js';
import { closeChecks, prepareChecks } from '../checks/index.js';
import { walkWithChecks } from './collect.js';

const worker = new HashWorker(64 * 1024);
after(() => worker.close());

/** text of `n` bytes made of numbered lines */
function filler(n: number, tag: string): string {
  let s = '';
  for (let i = 0; s.length < n; i++) s += `${tag} line ${i} of some ordinary text\n`;
  return s.slice(0, n);
}

function dpkgStatus(count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(`Package: pkg${i}\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: ${100 + i}\nMaintainer: Someone <a@example.org>\nArchitecture: amd64\nSource: src${i}\nVersion: 1.${i}-2\nDescription: package number ${i}\n ${filler(300, `desc${i}`).replace(/\n/g, '\n ')}\n`);
  }
  return out.join('\n');
}

async function layerTar(): Promise<Buffer> {
  // a key the default gitleaks rules find (built from pieces, so no file of this project holds one)
  const key = ['AKIA', 'Z7QW', 'ERTY', 'UIOP', 'ASDF'].join('');
  const passwd = `root:x:0:0:root:/root:/bin/bash\n${filler(9000, 'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin #')}\ntoor:x:0:0::/root:/bin/sh\n`;
  return makeTar([
    { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' },
    { name: 'etc/passwd', content: passwd },
    { name: 'var/lib/dpkg/status', content: dpkgStatus(12) },
    { name: 'app/noise.bin', content: Buffer.alloc(9000, 7) },
    { name: 'app/settings.env', content: `${filler(2700, 'setting')}\naws_access_key_id = ${key}\n${filler(3000, 'more')}` },
    { name: 'app/eicar.txt', content: Buffer.concat([eicarBytes(), Buffer.from(filler(9000, 'tail'))]) },
    // matched in the malware check's worker (a signature file, below): a small file's chunks are held until its end
    { name: 'app/fish.txt', content: `${filler(6000, 'sea')}fish and a RED herring${filler(3000, 'shore')}` },
    { name: 'app/node_modules/left-pad/package.json', content: JSON.stringify({ name: 'left-pad', version: '1.3.0', description: filler(1500, 'x') }) },
  ]);
}

test('a layer read through a small lent ring scans as the same layer read from one buffer', async () => {
  const dir = tempDir();
  const layer = await layerTar();
  const layerFile = join(dir, 'layer.tar');
  writeFileSync(layerFile, layer);
  const archive = join(dir, 'image.tar');
  writeFileSync(archive, await dockerArchive([layer]));
  const diffId = sha(layer);

  const scan = async (stream: () => ResolvedImage['openLayer'], unchecked?: ResolvedImage['openLayerUnchecked']): Promise<unknown> => {
    const image = await openImage(archive);
    image.openLayer = stream();
    image.openLayerUnchecked = unchecked;
    const sigs = join(dir, 'sigs');
    mkdirSync(sigs, { recursive: true });
    writeFileSync(join(sigs, 'x.ndb'), `Fish.Red:0:*:${Buffer.from('fish').toString('hex')}*${Buffer.from('RED').toString('hex')}\n`);
    const env = { PORTCULLIS_CACHE_DIR: join(dir, 'cache') };
    const checks = [...(await prepareChecks({ env, skip: ['malware'] })), prepareMalware({ signatures: [sigs], offload: true }, env)];
    try {
      const { inventory, checkResults } = await walkWithChecks(image, { checks });
      return { packages: inventory.packages, checks: checkResults.map((r) => ({ name: r.status.check, status: r.status, findings: r.findings })) };
    } finally {
      await closeChecks(checks);
      await image.close();
    }
  };
  const whole = await scan(() => async () => ({ kind: 'tar', stream: Readable.from([layer]) }));
  let regions = 0;
  const ringed = await scan(() => async () => {
    regions++;
    return { kind: 'tar', stream: new RingRegion(worker, layerFile, 0, layer.length, { expected: [{ digest: diffId, what: 'layer' }], what: 'layer', ringBytes: 4096, readBytes: 1000 }) };
  });
  assert.ok(regions >= 1, 'the walk read the layer through the ring');
  assert.deepEqual(ringed, whole);
  // the same layer gzip'd, gunzipped by the worker into a small ring
  const gz = gzipSync(layer);
  const gzFile = join(dir, 'layer.tar.gz');
  writeFileSync(gzFile, gz);
  const inflated = await scan(() => async () => {
    regions++;
    return { kind: 'tar', stream: new RingInflate(worker, { path: gzFile, offset: 0, length: gz.length }, { blob: { digest: sha(gz), what: 'blob' }, diff: { digest: diffId, what: 'layer' }, what: 'layer', ringBytes: 4096, maxChunk: 1000 }) };
  });
  assert.ok(regions >= 2, 'the walk read the gzip layer through the ring');
  assert.deepEqual(inflated, whole);
  // read apart from its hash (PlainRegion: two buffers of 1000 bytes, each reused every other chunk)
  const apart = await scan(
    () => async () => assert.fail('read unchecked'),
    async () => {
      regions++;
      const fh = await open(layerFile, 'r');
      return { stream: new PlainRegion(fh, 0, layer.length, identityOf(await fh.stat({ bigint: true })), 'layer', undefined, 1000), checked: Promise.resolve() };
    },
  );
  assert.ok(regions >= 3, 'the walk read the layer through two buffers');
  assert.deepEqual(apart, whole);

  // and what both found is what the layer holds (so the comparison cannot pass on two empty results)
  const r = whole as { packages: { name: string }[]; checks: { name: string; findings: { id?: string; title?: string; detail?: string; path?: string }[] }[] };
  const names = r.packages.map((p) => p.name);
  for (const n of ['pkg0', 'pkg11', 'left-pad']) assert.ok(names.includes(n), `package ${n} found`);
  const findings = (name: string): string => JSON.stringify(r.checks.find((c) => c.name === name)?.findings ?? []);
  assert.match(findings('secrets'), /app\/settings\.env/);
  assert.match(findings('malware'), /app\/eicar\.txt/);
  assert.match(findings('malware'), /app\/fish\.txt/);
  assert.match(findings('config'), /toor/);
});

test('hostile layers through the rings fail the walk, and the worker stops: a gzip bomb, a truncated tar, an entry longer than its layer', async () => {
  const dir = tempDir();
  const archive = join(dir, 'image.tar');
  const open = async (layer: Buffer, stream: () => ResolvedImage['openLayer']): Promise<unknown> => {
    writeFileSync(archive, await dockerArchive([layer]));
    const image = await openImage(archive);
    image.openLayer = stream();
    try {
      return await walkWithChecks(image, { limits: { maxTotalBytes: 4 * 1024 * 1024 } });
    } finally {
      await image.close();
    }
  };
  // 64 MiB of zeros in a 64 KiB gzip: the walk stops at its byte limit, the worker's job is cancelled
  const bomb = await makeTar([{ name: 'zeros', content: Buffer.alloc(64 * 1024 * 1024) }]);
  const bombGz = gzipSync(bomb);
  const bombFile = join(dir, 'bomb.tar.gz');
  writeFileSync(bombFile, bombGz);
  const made = worker.ringsMade;
  await assert.rejects(
    open(bomb, () => async () => ({ kind: 'tar', stream: new RingInflate(worker, { path: bombFile, offset: 0, length: bombGz.length }, { diff: { digest: sha(bomb), what: 'layer' }, what: 'layer', ringBytes: 64 * 1024 }) })),
    (e: Error) => isPortcullisError(e) && e.code === 'LIMIT_EXCEEDED',
  );
  // a tar cut inside an entry, gzip'd whole: the walk fails (never a shorter layer that passes)
  const whole = await makeTar([{ name: 'a.txt', content: 'x'.repeat(5000) }]);
  const cut = whole.subarray(0, 2048);
  const cutGz = gzipSync(cut);
  const cutFile = join(dir, 'cut.tar.gz');
  writeFileSync(cutFile, cutGz);
  await assert.rejects(
    open(cut, () => async () => ({ kind: 'tar', stream: new RingInflate(worker, { path: cutFile, offset: 0, length: cutGz.length }, { diff: { digest: sha(cut), what: 'layer' }, what: 'layer', ringBytes: 4096, maxChunk: 1000 }) })),
    /Unexpected end of data/,
  );
  // the same cut tar read plain through a lent ring
  const cutPlain = join(dir, 'cut.tar');
  writeFileSync(cutPlain, cut);
  await assert.rejects(
    open(cut, () => async () => ({ kind: 'tar', stream: new RingRegion(worker, cutPlain, 0, cut.length, { expected: [{ digest: sha(cut), what: 'layer' }], what: 'layer', ringBytes: 4096, readBytes: 1000 }) })),
    /Unexpected end of data/,
  );
  // every ring went back: the next stream takes one of them
  for (let i = 0; i < 20 && worker.inUse() > 0; i++) await new Promise((res) => setTimeout(res, 10));
  assert.equal(worker.inUse(), 0);
  assert.ok(worker.ringsMade <= made + 3, `${worker.ringsMade - made} ring(s) made`);
});

test('a large plain layer hashed apart from its walk: bytes that are not the layer fail the walk, and nothing of it is cached', async () => {
  const dir = tempDir();
  // the config names the clean layer's diff_id; the archive holds other bytes of the same size (9 MiB: hashed apart)
  const layerOf = (seed: string): Promise<Buffer> => makeTar([{ name: 'opt/blob.bin', content: Buffer.alloc(9 * 1024 * 1024, seed) }, { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' }, { name: 'etc/seed', content: seed }]);
  const clean = await layerOf('c');
  const evil = await layerOf('e');
  assert.equal(clean.length, evil.length);
  const forged = join(dir, 'forged.tar');
  writeFileSync(forged, await dockerArchive([evil], { config: configFor([sha(clean)]) }));
  const cacheDir = join(dir, 'cache');
  const image = await openImage(forged);
  let opened = 0;
  const unchecked = image.openLayerUnchecked!.bind(image);
  image.openLayerUnchecked = async (d, s) => {
    const u = await unchecked(d, s);
    if (u) opened++;
    return u;
  };
  try {
    await assert.rejects(walkWithChecks(image, { cache: { store: new LayerCache(cacheDir), salt: ['forged'] } }), (e: Error) => isPortcullisError(e) && e.code === 'DIGEST_MISMATCH' && /layer 1 .*digest mismatch/.test(e.message));
  } finally {
    await image.close();
  }
  assert.equal(opened, 1, 'the layer was walked unchecked');
  const records = existsSync(cacheDir) ? readdirSync(cacheDir, { recursive: true }).map(String).filter((n) => n.endsWith('.rec')) : [];
  assert.deepEqual(records, [], 'no record of the forged layer');
  // the archive that holds the clean layer: the same walk passes and records it
  const good = join(dir, 'good.tar');
  writeFileSync(good, await dockerArchive([clean]));
  const img2 = await openImage(good);
  try {
    const r = await walkWithChecks(img2, { cache: { store: new LayerCache(cacheDir), salt: ['forged'] } });
    assert.equal(r.inventory.os?.family, 'debian', 'the walk read the layer');
  } finally {
    await img2.close();
  }
  assert.equal(readdirSync(cacheDir, { recursive: true }).map(String).filter((n) => n.endsWith('.rec')).length, 1);
});
