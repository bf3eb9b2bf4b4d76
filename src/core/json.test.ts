import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stableJson } from './json.js';

test('keys sorted at every level, undefined left out, compact or indented', () => {
  const v = { b: 1, a: { d: [3, { z: 1, y: undefined, x: 2 }], c: 'x' } };
  assert.equal(stableJson(v, 0), '{"a":{"c":"x","d":[3,{"x":2,"z":1}]},"b":1}');
  assert.equal(stableJson({ b: 1, a: 2 }), '{\n  "a": 2,\n  "b": 1\n}');
  assert.equal(stableJson({ b: 1, a: 2 }, 0), stableJson({ a: 2, b: 1 }, 0));
});
