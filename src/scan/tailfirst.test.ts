// A large file of a layer in a local file (source/plainregion.ts): its end is read before its middle
// (EntryExtra.readTail), and when every content check is done with it after its first bytes (malware: the
// built-in signature's head and no zip end record in the tail; secrets: a binary) the walker skips the
// middle. What the scan finds must be what it finds reading every byte, and what needs the middle (a zip
// behind something, a secret in a large text file) must still be found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { openImage } from '../source/index.js';
import { dockerArchive, makeTar, tempDir } from '../source/testkit.js';
import { eicarBytes, makeZip } from '../checks/malware/testkit.js';
import { closeChecks, prepareChecks } from '../checks/index.js';
import { TAIL_FIRST_MIN } from '../walker/tarwalk.js';
import { walkWithChecks } from './collect.js';

const MIB = 1024 * 1024;

/** deterministic bytes with no NUL (a text-looking head is not what makes a file binary here) and no zip signature */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = 0x41 + ((x >>> 16) % 26);
  }
  return b;
}

async function layer(): Promise<Buffer> {
  const key = ['AKIA', 'Z7QW', 'ERTY', 'UIOP', 'ASDF'].join('');
  const withNul = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), b]);
  // zip record signatures in its middle, but no end record in its last 64 KiB: nothing to scan there
  const decoy = noise(8 * MIB, 1);
  decoy.write('PK\u0003\u0004 not a zip, PK\u0001\u0002 neither', 2 * MIB, 'latin1');
  return makeTar([
    { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
    { name: 'opt/models/decoy.bin', content: withNul(decoy) },
    // the built-in signature at offset 0 of a large binary (a NUL after it): decided by its head, and no text to scan
    { name: 'opt/tools/eicar-big.com', content: Buffer.concat([eicarBytes(), Buffer.from([0]), noise(3 * MIB, 2)]) },
    // a zip behind 3 MiB of something else, EICAR inside: its end record is in the tail, so it is read whole
    // (under a name too long for ustar, after PAX records: the tail's offset is where the data starts, past them)
    { name: `opt/tools/${'vendor/'.repeat(20)}setup-sfx.bin`, content: Buffer.concat([withNul(noise(3 * MIB, 3)), makeZip([{ name: 'payload/eicar.com', data: eicarBytes() }])]), pax: { comment: 'x'.repeat(3000) } },
    // a large text file: the secrets check needs all of it (the key is near its end)
    { name: 'srv/app/big.log', content: Buffer.concat([noise(3 * MIB, 4), Buffer.from(`\naws_access_key_id = ${key}\n`)]) },
    { name: 'srv/app/settings.env', content: `aws_access_key_id = ${key}\n` },
  ]);
}

interface Walked {
  result: unknown;
  bytesRead: number;
  tails: number;
}

/** scan `archive` with the default checks; `direct`: the layer as one stream with no readAt (every byte read) */
async function scan(archive: string, dir: string, direct: Buffer | undefined): Promise<Walked> {
  const image = await openImage(archive);
  let bytesRead = 0;
  let tails = 0;
  if (direct) {
    image.openLayerUnchecked = undefined;
    image.openLayer = async () => ({ kind: 'tar', stream: (await import('node:stream')).Readable.from([direct]) });
  } else {
    const unchecked = image.openLayerUnchecked!.bind(image);
    image.openLayerUnchecked = async (d, s) => {
      const u = await unchecked(d, s);
      assert.ok(u, 'the layer is read apart from its hash');
      // count what is read of the file, by the stream and apart from it
      const fh = (u.stream as unknown as { fh: FileHandle }).fh;
      const read = fh.read.bind(fh);
      (fh as { read: unknown }).read = async (...a: Parameters<FileHandle['read']>) => {
        const r = await (read as (...x: unknown[]) => Promise<{ bytesRead: number }>)(...a);
        bytesRead += r.bytesRead;
        return r;
      };
      const readAt = u.stream.readAt!.bind(u.stream);
      u.stream.readAt = (at, n) => {
        tails++;
        return readAt(at, n);
      };
      return u;
    };
  }
  const env = { PORTCULLIS_CACHE_DIR: join(dir, 'cache') };
  const checks = await prepareChecks({ env });
  try {
    const { checkResults } = await walkWithChecks(image, { checks });
    return { result: checkResults.map((r) => ({ status: r.status, findings: r.findings })), bytesRead, tails };
  } finally {
    await closeChecks(checks);
    await image.close();
  }
}

test('a large file whose checks are done after its head is skipped; what needs the middle is read; the findings equal a read of every byte', async () => {
  const dir = tempDir();
  const tar = await layer();
  assert.ok(tar.length >= 8 * MIB, 'large enough to be read apart from its hash');
  const archive = join(dir, 'image.tar');
  writeFileSync(archive, await dockerArchive([tar]));
  const every = await scan(archive, dir, tar);
  const apart = await scan(archive, dir, undefined);
  assert.deepEqual(apart.result, every.result);

  // what the scan holds (so the comparison cannot pass on two empty results)
  const text = JSON.stringify(every.result);
  assert.match(text, /opt\/tools\/eicar-big\.com/);
  assert.match(text, /opt\/tools\/(vendor\/)+setup-sfx\.bin/);
  assert.match(text, /payload\/eicar\.com/);
  assert.match(text, /srv\/app\/big\.log/);
  assert.match(text, /srv\/app\/settings\.env/);
  assert.doesNotMatch(text, /decoy/);
  const malware = (every.result as { status: { check: string; stats?: { bytes?: number } } }[]).find((r) => r.status.check === 'malware');
  assert.ok((malware?.status.stats?.bytes ?? 0) > 17 * MIB, 'every file counted whole, skipped middles too');

  // four files of TAIL_FIRST_MIN or more had their tails read first; the decoy's and the EICAR file's middles were not read
  assert.ok(TAIL_FIRST_MIN <= 3 * MIB);
  assert.equal(apart.tails, 4);
  // of the decoy's 8 MiB and the EICAR file's 3 MiB, what the chunk holding each one's start and the read under
  // way brought (2 reads of 1 MiB) is read; the rest is not
  assert.ok(apart.bytesRead < tar.length - 6 * MIB, `read ${apart.bytesRead} of ${tar.length} bytes`);
  const secrets = (every.result as { status: { check: string; stats?: { binarySkipped?: number } } }[]).find((r) => r.status.check === 'secrets');
  assert.equal(secrets?.status.stats?.binarySkipped, 1, 'the EICAR file: binary, so the secrets check is done with it after its head');
});

test('a layer that ends inside a skipped middle fails the walk, never a pass', async () => {
  const dir = tempDir();
  // a 12 MiB binary whose checks are done after its head; the layer ends 3 MiB into what the walker skips
  const full = await makeTar([{ name: 'opt/models/weights.bin', content: Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0]), noise(12 * MIB, 5)]) }]);
  const cut = full.subarray(0, 9 * MIB);
  const archive = join(dir, 'image.tar');
  writeFileSync(archive, await dockerArchive([cut]));
  const image = await openImage(archive);
  const checks = await prepareChecks({ env: { PORTCULLIS_CACHE_DIR: join(dir, 'cache') } });
  let tails = 0;
  const unchecked = image.openLayerUnchecked!.bind(image);
  image.openLayerUnchecked = async (d, s) => {
    const u = await unchecked(d, s);
    const readAt = u!.stream.readAt!.bind(u!.stream);
    u!.stream.readAt = (at, n) => {
      tails++;
      return readAt(at, n);
    };
    return u;
  };
  try {
    await assert.rejects(walkWithChecks(image, { checks }), /ends .* before|truncated|Unexpected end/);
  } finally {
    await closeChecks(checks);
    await image.close();
  }
  assert.equal(tails, 1, 'its tail was asked for (and lies past the layer: the file is streamed, and ends short)');
});
