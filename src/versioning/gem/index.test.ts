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
    // test_spaceship
    ['1.0', '=', '1.0.0'], ['1.0', '>', '1.0.a'], ['1.8.2', '>', '0.0.0'], ['1.8.2', '>', '1.8.2.a'], ['1.8.2.b', '>', '1.8.2.a'],
    ['1.8.2.a', '<', '1.8.2'], ['1.8.2.a10', '>', '1.8.2.a9'],
    // test_equals2 and test_initialize
    ['1.2', '=', '1.2'], ['1.2', '<', '1.3'], ['1.2.b1', '=', '1.2.b.1'],
    ['1.0', '=', '1.0 '], ['1.0', '=', ' 1.0 '], ['1.0', '=', '1.0\n'], ['1.0', '=', '\n1.0\n'],
    // test_release: a prerelease sorts below its release
    ['1.1.rc10', '<', '1.1'], ['1.9.3.alpha.5', '<', '1.9.3'],
    // test_semver (the cases without "+build", which today's Gem::Version pattern rejects)
    ['1.0.0-alpha', '<', '1.0.0-alpha.1'], ['1.0.0-alpha.1', '<', '1.0.0-beta.2'], ['1.0.0-beta.2', '<', '1.0.0-beta.11'],
    ['1.0.0-beta.11', '<', '1.0.0-rc.1'], ['1.0.0-rc.1', '<', '1.0.0'],
    // "-" is ".pre."
    ['1.0.0-rc1', '=', '1.0.0.pre.rc1'], ['9.8.7', '>', '9.8.7.pre'], ['1.2.3.4', '>', '1.2.3'], ['3.10', '>', '3.9'],
  ]);
});

test('gem: malformed versions are refused', () => {
  // test_initialize_bad: "junk", "1.0\n2.0"; RubyGems reads "" as "0", refused here (not a version string)
  checkInvalid(gemScheme, ['junk', '1.0\n2.0', '1.0.0+0.3.7', '1..2', '2.3422222.222.222222222.22222.ads0as.dasd0.ddd2222.2.qd3e.', '1.', '.1', '1.0-', '1.0-a..b',
    '1.0+build', '~> 1.0', ...HOSTILE, ...SEPARATORS_ONLY]);
  assert.equal(gemScheme.compare(' 1.0 ', '1.0'), 0, 'surrounding whitespace is stripped, as Gem::Version does');
});
