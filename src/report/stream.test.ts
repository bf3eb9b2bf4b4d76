import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { stableJson } from '../core/json.js';
import { jsonPieces, LazyArray, writeStableJson } from './stream.js';
import { sanitize } from './sanitize.js';

const big = (n: number) => Array.from({ length: n }, (_, i) => ({ b: i, a: [i, undefined, 'x'], u: undefined, d: new Date(Date.UTC(2026, 0, 1 + (i % 28))), n: { z: null, y: [] } }));

test('streamed JSON is byte-identical to stableJson, for small and large values and any indent', () => {
  const values: unknown[] = [
    null, 1, 'a"b\u0000', [], {}, { a: undefined }, [undefined, 1],
    { list: big(300), small: { k: [1, 2] }, empty: [], e: {} },
    big(1000),
    { deep: { deeper: { list: big(400) } } },
    [[big(300)], []],
  ];
  for (const v of values) {
    for (const indent of [2, 0, 4]) assert.equal([...jsonPieces(v, indent)].join(''), stableJson(v, indent));
  }
});

test('a LazyArray is written like the array it stands for, and JSON.stringify sees an array', () => {
  let made = 0;
  const lazy = new LazyArray(500, (i) => {
    made++;
    return { i, name: `p${i}` };
  });
  const doc = { components: lazy, x: 1 };
  const plain = { components: Array.from({ length: 500 }, (_, i) => ({ i, name: `p${i}` })), x: 1 };
  assert.equal([...jsonPieces(doc)].join(''), stableJson(plain));
  assert.equal(made, 500);
  assert.equal(JSON.stringify(doc), JSON.stringify(plain));
  assert.equal(stableJson(doc), stableJson(plain));
});

test('writeStableJson writes bounded chunks, never one whole-document string', async () => {
  const chunks: number[] = [];
  let text = '';
  const sink = new Writable({
    highWaterMark: 1024,
    write(c: Buffer, _e, cb) {
      chunks.push(c.length);
      text += c.toString();
      setImmediate(cb);
    },
  });
  const value = { packages: big(20_000) };
  await writeStableJson(sink, value);
  assert.equal(text, stableJson(value) + '\n');
  assert.ok(chunks.length > 10, `${chunks.length} chunks`);
  assert.ok(Math.max(...chunks) < 600 * 1024, 'each chunk stays near the 256 KiB buffer');
});

test('sanitize strips C0, DEL and C1 controls; whitespace controls become a space', () => {
  assert.equal(sanitize('Debian\x1b[2J\x1b]0;owned\x07 12'), 'Debian[2J]0;owned 12');
  assert.equal(sanitize('a\r\nVerdict   PASS'), 'a  Verdict   PASS');
  assert.equal(sanitize('nul\u0000 del\u007f csi\u009b1m next\u0085line'), 'nul del csi1m nextline');
  assert.equal(sanitize('tab\there'), 'tab here');
  assert.equal(sanitize('plain ünïcode ✓'), 'plain ünïcode ✓');
  assert.equal(sanitize(undefined), undefined);
});
