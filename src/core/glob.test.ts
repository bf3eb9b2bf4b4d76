import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch } from './glob.js';

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
