import assert from 'node:assert/strict';
import { test } from 'node:test';
import semverLib from 'semver';
import { HOSTILE, SEPARATORS_ONLY, checkCases, checkInvalid, checkVectors } from '../testkit.js';
import { parseSemver, semverScheme } from './index.js';

test('semver: osv-scalibr SemVer vectors all pass', (t) => {
  const r = checkVectors(t, semverScheme, 'semver-versions.txt');
  if (r) assert.deepEqual(r.refused, []);
});

test('semver: cases from semver.org §11 and node-semver test/fixtures/comparisons', () => {
  checkCases(semverScheme, [
    ['1.0.0-alpha', '<', '1.0.0-alpha.1'],
    ['1.0.0-alpha.1', '<', '1.0.0-alpha.beta'],
    ['1.0.0-beta.11', '<', '1.0.0-rc.1'],
    ['0.0.0', '<', '0.0.1'],
    ['1.2.3-4', '<', '1.2.3'],
    ['1.2.3-a.10', '>', '1.2.3-a.5'],
    ['1.2.3-a.b', '>', '1.2.3-a'],
    ['1.2.3-asdf', '<', '1.2.3-asdf.1'],
    ['1.2.3+build.1', '=', '1.2.3+build.2'],
    ['v1.2.3', '=', '1.2.3'],
    ['1.2', '=', '1.2.0'],
    ['18446744073709551616.0.0', '>', '18446744073709551615.0.0'], // beyond 64 bits
  ]);
});

test('semver: agrees with node-semver on valid npm versions', () => {
  const versions = ['0.0.0', '0.0.1-0', '0.0.1', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta.2', '1.0.0-beta.11',
    '1.0.0-rc.1', '1.0.0', '1.0.1', '1.10.0', '1.2.0', '2.0.0-0', '2.0.0-x.7.z.92', '2.0.0', '10.0.0', '1.2.3-5-foo', '1.2.3-5'];
  for (const a of versions) for (const b of versions) {
    assert.equal(semverScheme.compare(a, b), semverLib.compare(a, b), `${a} vs ${b}`);
  }
});

test('semver: ranges, tags and malformed versions are refused', () => {
  checkInvalid(semverScheme, ['^1.2.3', '~1.2', '>=1.0.0', 'latest', '1.2.3-', '1.2.3+', '1.2.3-a..b', '1.2.3-$',
    '1.x', '1.2.3 - 2.0.0', 'git+https://github.com/a/b.git', 'V1.2.3', '.1.2', '1..2', ...HOSTILE, ...SEPARATORS_ONLY]);
  assert.deepEqual(parseSemver('1.2.3-rc.1+b.5'), { release: ['1', '2', '3'], prerelease: ['rc', '1'], build: ['b', '5'] });
});
