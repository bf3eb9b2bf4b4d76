import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTILE, SEPARATORS_ONLY, checkCases, checkInvalid, checkVectors } from '../testkit.js';
import { composerScheme } from './index.js';

test('composer: osv-scalibr Packagist vectors (PHP version_compare, composer/semver) all pass', (t) => {
  for (const f of ['packagist-versions.txt', 'packagist-versions-generated.txt']) {
    const r = checkVectors(t, composerScheme, f);
    if (r) assert.deepEqual(r.refused, [], f);
  }
});

test('composer: cases from php-src version_compare.phpt and composer/semver ComparatorTest', () => {
  checkCases(composerScheme, [
    ['1.0-dev', '<', '1.0a1'], ['1.0a1', '<', '1.0b1'], ['1.0b1', '<', '1.0RC1'], ['1.0RC1', '=', '1.0rc1'], ['1.0rc1', '<', '1.0'],
    ['1.0', '<', '1.0pl1'], ['1.0', '<', '1.0.1'], ['1.0.0', '>', '1.0'], ['v2.3.4', '=', '2.3.4'], ['5.4.0-beta1', '<', '5.4.0'],
    ['dev-main', '<', '0.0.1'], ['1.25.0-beta2.1', '=', '1.25.0-b.2.1'], ['6.4.11', '<', '6.4.12'], ['1.0-patch1', '>', '1.0'],
  ]);
});

test('composer: constraints and malformed versions are refused', () => {
  checkInvalid(composerScheme, ['^1.0', '~1.2', '>=1.0', '1.0.*', '1.0 || 2.0', 'foo', 'v', '1..0', '1.0-', 'dev-', '1.0@dev', ...HOSTILE, ...SEPARATORS_ONLY]);
});
