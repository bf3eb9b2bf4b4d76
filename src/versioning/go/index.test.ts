import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTILE, SEPARATORS_ONLY, checkCases, checkInvalid, checkVectors } from '../testkit.js';
import { goScheme, parseGo } from './index.js';

test('go: osv-scalibr SemVer vectors (used for Go) all pass', (t) => {
  const r = checkVectors(t, goScheme, 'semver-versions.txt');
  if (r) assert.deepEqual(r.refused, []);
});

test('go: module versions, pseudo-versions and +incompatible (golang.org/x/mod/semver rules)', () => {
  checkCases(goScheme, [
    ['v1.2.3', '=', '1.2.3'],
    ['v0.0.0-20191109021931-daa7c04131f5', '<', 'v0.0.0-20200101000000-000000000000'],
    ['v0.0.0-20191109021931-daa7c04131f5', '<', 'v0.0.1'],
    ['v1.2.4-0.20191109021931-daa7c04131f5', '>', 'v1.2.3'], // pseudo-version after v1.2.3
    ['v1.2.4-0.20191109021931-daa7c04131f5', '<', 'v1.2.4'],
    ['v2.0.0+incompatible', '=', 'v2.0.0'],
    ['10.5.2+incompatible', '>', '10.5.0+incompatible'],
    ['v1.0.0-rc1', '<', 'v1.0.0'],
  ]);
});

test('go: toolchain versions of the standard library (go1.21.3, 1.22rc1) map onto the vulndb SemVer', () => {
  checkCases(goScheme, [
    ['go1.21.3', '=', '1.21.3'],
    ['go1.21', '=', '1.21.0'],
    ['go1.22rc1', '=', '1.22.0-rc.1'],
    ['1.22rc1', '=', '1.22.0-rc.1'],
    ['go1.22rc1', '<', 'go1.22rc2'],
    ['go1.22rc2', '<', 'go1.22.0'],
    ['go1.9beta2', '<', 'go1.9rc1'],
    ['1.18.0-0', '<', 'go1.18beta1'], // OSV stdlib "introduced: 1.18.0-0" precedes every 1.18 prerelease
    ['go1.19.8', '<', '1.19.9'],
    ['go1.20.14', '<', 'go1.21.0'],
    ['go1', '=', '1.0.0'],
    ['go1', '<', 'go1.0.1'],
  ]);
  assert.deepEqual(parseGo('go1.22rc1'), { release: ['1', '22'], prerelease: ['rc', '1'], build: [] });
});

test('go: non-versions are refused', () => {
  checkInvalid(goScheme, ['devel go1.23-abcdef', 'go1.22.0 X:boringcrypto', '(devel)', 'go', 'gox', 'go1.2.3.4rc1', 'go1.22rc', 'go1.22rc1x',
    'latest', 'master', ...HOSTILE, ...SEPARATORS_ONLY]);
});
