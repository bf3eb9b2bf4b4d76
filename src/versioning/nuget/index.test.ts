import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTILE, SEPARATORS_ONLY, checkCases, checkInvalid, checkVectors } from '../testkit.js';
import { nugetScheme } from './index.js';

test('nuget: osv-scalibr NuGet vectors (NuGet.Versioning VersionComparerTests cases) all pass', (t) => {
  const r = checkVectors(t, nugetScheme, 'nuget-versions.txt');
  if (r) assert.deepEqual(r.refused, []);
});

test('nuget: package-versioning rules and VsSemanticVersionComparerTests', () => {
  checkCases(nugetScheme, [
    ['1.0.0', '=', '1.0.0.0'],
    ['1.0.0-BETA', '=', '1.0.0-beta'],
    ['1.0.0-beta', '<', '1.0.0'],
    ['1.0.0-beta.2', '<', '1.0.0-beta.10'],
    ['1.0.0.1', '>', '1.0.0'],
    ['2.0.0-alpha', '>', '1.9.9.9'],
    ['1.0.0+build', '=', '1.0.0'],
    ['4.7.0-preview.1.21102.12', '<', '4.7.0'],
    ['3.1.0-beta-001', '>', '2.9.0.0'], // VsSemanticVersionComparerTests
  ]);
  checkInvalid(nugetScheme, ['1.0.0.0.0', '[1.0,2.0)', 'v1.0.0', '1.0.0-', '1.0.0-beta..1', ...HOSTILE, ...SEPARATORS_ONLY]);
});
