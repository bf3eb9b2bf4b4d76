import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch, globMatchWork } from './glob.js';

test('globs are anchored', () => {
  assert.equal(globMatch('registry.example.com/shop/orders-api', 'registry.example.com/shop/evil-orders-api'), false);
  assert.equal(globMatch('orders-api', 'evil-orders-api'), false);
  assert.equal(globMatch('release-*', 'release-1'), true);
  assert.equal(globMatch('release-*', 'prerelease-1'), false);
  assert.equal(globMatch('registry.example.com/shop/**', 'registry.example.com/shop/a/b:1'), true);
  assert.equal(globMatch('registry.example.com/shop/*', 'registry.example.com/shop/a/b'), false);
  assert.equal(globMatch('a.b', 'axb'), false);
  assert.equal(globMatch('(x)+[y]', '(x)+[y]'), true);
});

test('glob semantics: *, **, ? and literals', () => {
  assert.equal(globMatch('*', ''), true);
  assert.equal(globMatch('?', ''), false);
  assert.equal(globMatch('a?c', 'abc'), true);
  assert.equal(globMatch('a?c', 'a/c'), false);
  assert.equal(globMatch('a*c', 'ac'), true);
  assert.equal(globMatch('a*c', 'a/c'), false);
  assert.equal(globMatch('a**c', 'a/b/c'), true);
  assert.equal(globMatch('a/**', 'a/'), true);
  assert.equal(globMatch('a/**', 'a'), false);
  assert.equal(globMatch('**/x', 'p/q/x'), true);
  assert.equal(globMatch('***', 'a/b'), true, 'three stars are a globstar');
  assert.equal(globMatch('*/*', 'a/b'), true);
  assert.equal(globMatch('*/*', 'a/b/c'), false);
  assert.equal(globMatch('*.*', 'a.b.c'), true);
  assert.equal(globMatch('ä*ö', 'äxyö'), true, 'characters, not UTF-16 halves');
  assert.equal(globMatch('x', 'x\n'), false, 'anchored at the very end');
  assert.equal(globMatch('.*', 'ab'), false, 'regex syntax is literal');
  assert.equal(globMatch('a\\*', 'a\\b'), true, 'backslash is a literal character');
});

test('a pathological pattern against a long value finishes in linear time (no backtracking)', () => {
  // seven stars against a 100-character name that almost matches: a backtracking regex takes minutes
  const value = 'a'.repeat(100);
  assert.equal(globMatch('*a*a*a*a*a*a*a*b', value), false);
  assert.equal(globMatch('**a**a**a**a**a**a**a**b', value), false);
  assert.equal(globMatch('*a'.repeat(200) + 'b', 'a'.repeat(10_000)), false);
  assert.equal(globMatch('*a'.repeat(50), 'a'.repeat(10_000)), true);
  // the work is bounded by pattern × value steps (counted, not timed)
  const pattern = '*a*a*a*a*a*a*a*b';
  assert.ok(globMatchWork(pattern, value) <= (pattern.length + 1) * value.length);
  const long = 'x-'.repeat(5_000);
  assert.ok(globMatchWork('*-*-*-*-*-*-*-*-y', long) <= 18 * long.length);
});
