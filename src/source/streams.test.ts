// peek(): the first bytes of a stream without consuming them, however the stream is chunked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { peek } from './streams.js';

async function all(s: Readable): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

test('peek returns the first n bytes and leaves every byte to the reader', async () => {
  const bytes = Buffer.from('\x1f\x8b\x08\x00rest of the stream');
  for (const cuts of [[bytes.length], [1, 1, 1], [2, 5], [3, 1, 2, 100], [4]]) {
    const parts: Buffer[] = [];
    let at = 0;
    for (const n of cuts) {
      if (at >= bytes.length) break;
      parts.push(bytes.subarray(at, at + n));
      at += n;
    }
    if (at < bytes.length) parts.push(bytes.subarray(at));
    const s = Readable.from(parts, { objectMode: false });
    assert.deepEqual(await peek(s, 4), bytes.subarray(0, 4), String(cuts));
    assert.deepEqual(await all(s), bytes, String(cuts));
  }
});

test('peek of a stream shorter than n gives what there is; of an empty one, nothing', async () => {
  const short = Readable.from([Buffer.from('ab')], { objectMode: false });
  assert.deepEqual(await peek(short, 4), Buffer.from('ab'));
  assert.deepEqual(await all(short), Buffer.from('ab'));
  const empty = Readable.from([], { objectMode: false });
  assert.equal((await peek(empty, 4)).length, 0);
  assert.equal((await all(empty)).length, 0);
});

test('peek rejects with the stream error', async () => {
  const s = new Readable({
    read() {
      this.destroy(new Error('disk on fire'));
    },
  });
  s.on('error', () => {}); // its consumer's listener
  await assert.rejects(peek(s, 4), /disk on fire/);
});
