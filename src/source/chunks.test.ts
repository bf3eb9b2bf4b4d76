// chunksOf: a Readable's chunks as pushed, never joined; errors, early ends and premature closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { chunksOf } from './chunks.js';
import { chain } from './streams.js';

test('queued chunks come out one by one, the same buffers, in order', async () => {
  const s = new PassThrough();
  const sent = [Buffer.from('aaaa'), Buffer.from('bb'), Buffer.from('cccccc')];
  for (const c of sent) s.write(c);
  s.end();
  await tick(); // all three queued before the first is asked for: Node's own iterator would join them
  const got: Buffer[] = [];
  for await (const c of chunksOf(s)) got.push(c);
  assert.deepEqual(got.map(String), ['aaaa', 'bb', 'cccccc']);
  assert.ok(got.every((c, i) => c.buffer === sent[i]!.buffer && c.byteOffset === sent[i]!.byteOffset), 'no copies');
});

test('a stream fed while it is read (back-pressure kept: paused while a chunk waits)', async () => {
  const s = new PassThrough({ highWaterMark: 4 });
  let written = 0;
  const writer = (async () => {
    for (let i = 0; i < 50; i++) {
      if (!s.write(Buffer.from(`chunk${i};`))) await new Promise((r) => s.once('drain', r));
      written++;
    }
    s.end();
  })();
  let text = '';
  for await (const c of chunksOf(s)) {
    text += c.toString();
    assert.ok(written - text.split(';').length < 10, 'the writer does not run far ahead');
  }
  await writer;
  assert.equal(text, Array.from({ length: 50 }, (_, i) => `chunk${i};`).join(''));
});

test('an error rejects next(), also one emitted before the iteration began', async () => {
  const s = new PassThrough();
  s.on('error', () => {});
  s.write('x');
  s.destroy(new Error('broken'));
  await tick();
  await assert.rejects(
    (async () => {
      for await (const _ of chunksOf(s));
    })(),
    /broken/,
  );
  const late = new PassThrough();
  late.on('error', () => {});
  const it = chunksOf(late);
  late.write('first');
  assert.equal(String((await it.next()).value), 'first');
  setTimeout(() => late.destroy(new Error('later')), 5);
  await assert.rejects(it.next(), /later/);
});

test('a stream closed before its end fails; an ended one yields nothing more', async () => {
  const s = new PassThrough();
  const it = chunksOf(s);
  setTimeout(() => s.destroy(), 5);
  await assert.rejects(it.next(), /closed before its end/);
  const done = Readable.from([Buffer.from('z')]);
  const all: string[] = [];
  for await (const c of chunksOf(done)) all.push(String(c));
  assert.deepEqual(all, ['z']);
  assert.equal((await chunksOf(done).next()).done, true);
});

test('leaving the loop early destroys the stream (and with chain(), every stream in it)', async () => {
  const src = new PassThrough();
  const out = chain([src], 'L');
  src.write('one');
  src.write('two');
  for await (const _ of out) break;
  await tick();
  assert.ok(out.destroyed && src.destroyed);
});

test('chain() is iterated chunk by chunk and still reports its errors as one line naming the layer', async () => {
  const src = new PassThrough();
  const out = chain([src], 'layer 2');
  const sent = [Buffer.alloc(1000, 1), Buffer.alloc(1000, 2)];
  for (const c of sent) src.write(c);
  await tick();
  const it = out[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  assert.equal(((await it.next()).value as Buffer).length, 1000);
  src.destroy(new Error('disk gone'));
  await assert.rejects(
    (async () => {
      for (let r = await it.next(); !r.done; r = await it.next());
    })(),
    (e: Error) => /^layer 2: /.test(e.message) && !e.message.includes('\n'),
  );
});
