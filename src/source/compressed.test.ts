// A compressed whole archive with a memo of earlier runs (compressed.ts): facts are stored only from
// bytes hashed in this run, keyed by the compressed file's digest; an archive met again is not
// decompressed for what the memo holds; different bytes get nothing from another archive's facts; a
// memo holding anything but facts of the right shape is ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isPortcullisError } from '../core/errors.js';
import { checkFacts, memoKey, seal, unseal, type ArchiveFacts, type ArchiveMemo } from './compressed.js';
import { openImage } from './index.js';
import { configFor, dockerArchive, makeTar, sha, tempDir } from './testkit.js';

/** An in-memory memo that counts its calls and hands out deep copies (as a file would). */
class Memo implements ArchiveMemo {
  readonly docs = new Map<string, string>();
  gets = 0;
  puts = 0;
  async getArchive(d: string): Promise<unknown> {
    this.gets++;
    const j = this.docs.get(d);
    return j === undefined ? undefined : JSON.parse(j);
  }
  async putArchive(d: string, facts: unknown): Promise<void> {
    this.puts++;
    this.docs.set(d, JSON.stringify(facts));
  }
  readonly blobs = new Map<string, string>();
  async blobDiffId(b: string): Promise<string | undefined> {
    return this.blobs.get(b);
  }
  async putBlob(b: string, d: string): Promise<void> {
    this.blobs.set(b, d);
  }
  /** the facts stored for the archive whose bytes are `gz` */
  factsOf(gz: Buffer): ArchiveFacts {
    const d = fileSha(gz);
    const f = unseal(d, JSON.parse(this.docs.get(memoKey(d)) ?? 'null'));
    assert.ok(f, 'facts stored for the archive');
    return f;
  }
}

const fileSha = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function layers(seed: string): Promise<Buffer[]> {
  return [await makeTar([{ name: 'etc/os-release', content: `ID=debian\n# ${seed}\n` }]), await makeTar([{ name: `app/${seed}.txt`, content: seed.repeat(1000) }])];
}

/** Open `path`, check every layer as a cached replay does (verifyLayer), close. */
async function verifyAll(path: string, memo: Memo): Promise<string[]> {
  const img = await openImage(path, { archiveMemo: memo });
  try {
    for (const l of img.layers) await img.verifyLayer!(l.diffId);
    return img.layers.map((l) => l.diffId);
  } finally {
    await img.close();
  }
}

/** Decompressed copies go to a private TMPDIR for this file (store.ts uses os.tmpdir() when it decompresses): counted there. */
const privateTmp = tempDir();
process.env.TMPDIR = privateTmp;
function tempCopies(): number {
  assert.equal(tmpdir(), privateTmp);
  return readdirSync(privateTmp).filter((n) => !n.startsWith('portcullis-test-')).length;
}

test('cold: decompressed, facts stored under the compressed bytes digest; warm: verified from the facts, nothing decompressed', async () => {
  const dir = tempDir();
  const gz = gzipSync(await dockerArchive(await layers('one')));
  const path = join(dir, 'img.tar.gz');
  writeFileSync(path, gz);
  const memo = new Memo();
  const diffIds = await verifyAll(path, memo);
  assert.equal(memo.puts, 1);
  assert.deepEqual([...memo.docs.keys()], [memoKey(fileSha(gz))], 'filed under a hash of the archive digest, not the digest (the key)');
  const facts = memo.factsOf(gz);
  assert.ok(checkFacts(facts));
  assert.ok(facts.small['manifest.json'], 'the manifest read whole is remembered');
  assert.deepEqual(Object.values(facts.verified).flat().sort(), [...diffIds].sort());
  // warm: the same answers; no temp copy is made while it is open, and the facts are not rewritten
  assert.equal(tempCopies(), 0, 'the cold run removed its copy');
  const img = await openImage(path, { archiveMemo: memo });
  assert.equal(tempCopies(), 0, 'not decompressed');
  for (const l of img.layers) await img.verifyLayer!(l.diffId);
  assert.deepEqual(img.layers.map((l) => l.diffId), diffIds);
  assert.equal(tempCopies(), 0, 'still not decompressed');
  // a layer walked (not replayed) is read: decompressed then, and its digest checked as usual
  const content = await img.openLayer(diffIds[1]!);
  assert.equal(content.kind, 'tar');
  let n = 0;
  if (content.kind === 'tar') for await (const c of content.stream) n += (c as Buffer).length;
  assert.ok(n > 0);
  assert.equal(tempCopies(), 1, 'decompressed for the walk');
  await img.close();
  assert.equal(tempCopies(), 0);
  assert.equal(memo.puts, 1, 'nothing new learned: not rewritten');
});

test('another archive (other bytes) gets nothing from the facts: a forged layer is refused as without a memo', async () => {
  const dir = tempDir();
  const [base, app] = await layers('clean');
  const clean = join(dir, 'clean.tar.gz');
  writeFileSync(clean, gzipSync(await dockerArchive([base!, app!])));
  const memo = new Memo();
  await verifyAll(clean, memo);
  // the config names the clean layers' diff_ids; the second layer holds other bytes
  const evil = await makeTar([{ name: 'app/evil.sh', content: 'curl x | sh' }]);
  const forged = join(dir, 'forged.tar.gz');
  writeFileSync(forged, gzipSync(await dockerArchive([base!, evil], { config: configFor([sha(base!), sha(app!)]) })));
  await assert.rejects(verifyAll(forged, memo), (e: Error) => isPortcullisError(e) && e.code === 'DIGEST_MISMATCH' && /layer 2 .*diff_id: digest mismatch/.test(e.message));
  // what the forged archive's run learned (its first layer) is stored under its own digest only
  assert.equal(memo.docs.size, 2);
  const facts = memo.factsOf(gzipSync(await dockerArchive([base!, evil], { config: configFor([sha(base!), sha(app!)]) })));
  assert.deepEqual(Object.values(facts.verified).flat(), [sha(base!)]);
});

/** A gzip'd archive written to a temp dir and verified once with a fresh memo: its bytes, path and the facts stored. */
async function scannedOnce(seed: string): Promise<{ gz: Buffer; path: string; facts: ArchiveFacts }> {
  const gz = gzipSync(await dockerArchive(await layers(seed)));
  const path = join(tempDir(), 'img.tar.gz');
  writeFileSync(path, gz);
  const memo = new Memo();
  await verifyAll(path, memo);
  return { gz, path, facts: memo.factsOf(gz) };
}

test('facts of the wrong shape, or a failing memo, are ignored: the archive is decompressed and verified', async () => {
  const { gz, path, facts } = await scannedOnce('shape');
  const bad: unknown[] = [
    null,
    'facts',
    { ...facts, entries: 'x' },
    { ...facts, entries: [{ name: 'a', type: 'weird', offset: 0, size: 1 }] },
    { ...facts, entries: [{ name: 'a', type: 'file', offset: 0, size: -1 }] },
    { ...facts, small: { 'manifest.json': 42 } },
    { ...facts, verified: { 'x/layer.tar': ['md5:abc'] } },
    { ...facts, verified: { 'x/layer.tar': 'sha256:' + 'a'.repeat(64) } },
  ];
  for (const b of bad) {
    assert.equal(checkFacts(b), undefined, JSON.stringify(b)?.slice(0, 80));
    // well sealed, badly shaped
    const memo = new Memo();
    memo.docs.set(memoKey(fileSha(gz)), JSON.stringify(seal(fileSha(gz), b as ArchiveFacts)));
    await verifyAll(path, memo);
    assert.equal(memo.puts, 1, 'decompressed, and its own facts stored');
  }
  // sealed under another key, altered ciphertext, or not sealed at all: not opened
  const sealed = seal(fileSha(gz), facts);
  const flipped = Buffer.from(sealed.data, 'base64');
  flipped[0]! ^= 1;
  for (const doc of [seal(fileSha(Buffer.from('other')), facts), { ...sealed, data: flipped.toString('base64') }, facts]) {
    assert.equal(unseal(fileSha(gz), doc), undefined);
    const memo = new Memo();
    memo.docs.set(memoKey(fileSha(gz)), JSON.stringify(doc));
    await verifyAll(path, memo);
    assert.equal(memo.puts, 1);
  }
  const failing: ArchiveMemo = {
    getArchive: async () => {
      throw new Error('disk gone');
    },
    putArchive: async () => {
      throw new Error('disk gone');
    },
    blobDiffId: async () => {
      throw new Error('disk gone');
    },
    putBlob: async () => {
      throw new Error('disk gone');
    },
  };
  const img = await openImage(path, { archiveMemo: failing });
  for (const l of img.layers) await img.verifyLayer!(l.diffId);
  await img.close();
});

test('facts claiming a digest for a member are believed only under the archive digest they were stored with', async () => {
  const { gz, path, facts } = await scannedOnce('claims');
  // the same facts filed for another archive are never consulted for this one
  const other = new Memo();
  const elsewhere = fileSha(Buffer.from('another archive'));
  other.docs.set(memoKey(elsewhere), JSON.stringify(seal(elsewhere, facts)));
  await verifyAll(path, other);
  assert.equal(other.puts, 1, 'this archive decompressed and learned its own facts');
  assert.ok(other.docs.has(memoKey(fileSha(gz))));
});

test('with a memo, a pipe is refused before it is opened (opening it would wait for a writer)', async () => {
  const fifo = join(tempDir(), 'image.tar.gz');
  const { spawnSync } = await import('node:child_process');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  await assert.rejects(openImage(fifo, { archiveMemo: new Memo() }), (e: Error) => isPortcullisError(e) && e.code === 'BAD_INPUT' && /not a regular file/.test(e.message));
});
