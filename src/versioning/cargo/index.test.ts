import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTILE, SEPARATORS_ONLY, checkCases, checkInvalid, checkVectors } from '../testkit.js';
import { cargoScheme } from './index.js';

test('cargo: osv-scalibr SemVer vectors (used for crates.io) all pass', (t) => {
  const r = checkVectors(t, cargoScheme, 'semver-versions.txt');
  if (r) assert.deepEqual(r.refused, []);
});

test('cargo: RustSec-style versions', () => {
  checkCases(cargoScheme, [
    ['0.4.20', '<', '0.4.21'],
    ['1.0.0-alpha.1', '<', '1.0.0'],
    ['0.10.0', '>', '0.9.99'],
    ['1.0.0+wasi-snapshot-preview1', '=', '1.0.0'],
  ]);
  checkInvalid(cargoScheme, ['^0.4', '*', '=1.0.0', ...HOSTILE, ...SEPARATORS_ONLY]);
});
