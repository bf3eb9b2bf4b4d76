import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTILE, SEPARATORS_ONLY, checkCases, checkInvalid, checkVectors } from '../testkit.js';
import { gemScheme } from './index.js';

test('gem: osv-scalibr RubyGems vectors (hand-written and generated with Gem::Version) all pass', (t) => {
  for (const f of ['rubygems-versions.txt', 'rubygems-versions-generated.txt']) {
    const r = checkVectors(t, gemScheme, f);
    if (r) assert.deepEqual(r.refused, [], f);
  }
});

test('gem: cases from rubygems test/rubygems/test_gem_version.rb', () => {
  checkCases(gemScheme, [
    ['1.0', '=', '1.0.0'], ['1.0', '>', '1.0.a'], ['1.8.2', '>', '0.0.0'], ['1.8.2', '>', '1.8.2.a'], ['1.8.2.b', '>', '1.8.2.a'],
    ['1.8.2.a', '<', '1.8.2'], ['1.8.2.a10', '>', '1.8.2.a9'], ['0.beta.1', '=', '0.0.beta.1'], ['5.a', '<', '5.0.0.rc2'],
    ['1.0.0-rc1', '=', '1.0.0.pre.rc1'], ['1.0.0-rc1', '<', '1.0.0'], ['9.8.7', '>', '9.8.7.pre'],
    ['1.2.3.4', '>', '1.2.3'], ['3.10', '>', '3.9'],
  ]);
});

test('gem: malformed versions are refused', () => {
  checkInvalid(gemScheme, ['junk', '1.0\n2.0', '1..2', '2.3422222.222.222222222.22222.ads0as.dasd0.ddd2222.2.qd3e.', '1.', '.1', '1.0-', '1.0-a..b',
    '1.0+build', '~> 1.0', ...HOSTILE, ...SEPARATORS_ONLY]);
  assert.equal(gemScheme.compare(' 1.0 ', '1.0'), 0, 'surrounding whitespace is stripped, as Gem::Version does');
});
