import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTILE, SEPARATORS_ONLY, checkCases, checkInvalid, checkVectors } from '../testkit.js';
import { debScheme, parseDeb } from './index.js';

test('deb: osv-scalibr Debian vectors (hand-written and generated with dpkg) all pass', (t) => {
  for (const f of ['debian-versions.txt', 'debian-versions-generated.txt']) {
    const r = checkVectors(t, debScheme, f);
    if (r) assert.deepEqual(r.refused, [], `${f}: no line refused`);
  }
});

test('deb: cases from dpkg lib/dpkg/t/t-version.c and Debian policy', () => {
  checkCases(debScheme, [
    ['0:1.0-1', '=', '1.0-1'],
    ['1.0-1', '<', '2.0-2'],
    ['2.2~rc-4', '<', '2.2-1'],
    ['1.0000-1', '=', '1.0-1'],
    ['1:0.1', '>', '2.0'],
    ['1.0~beta', '<', '1.0'],
    ['1.0~~', '<', '1.0~'],
    ['1.0~~a', '<', '1.0~'],
    ['1.0~', '<', '1.0'],
    ['1.0', '<', '1.0+'],
    ['1.0', '<', '1.0a'],
    ['1.0a', '<', '1.0.1'], // letters sort before non-letters
    ['1.0-1', '<', '1.0-1.1'],
    ['1.0-1~bpo1', '<', '1.0-1'],
    ['2:1.0', '>', '1:9.9'],
    ['1.2.3-1+deb12u1', '>', '1.2.3-1'],
    ['1.1-20080727-1', '>', '1.1-20080316-1'],
    ['0:0:0-0', '=', '0:0:0-0'], // ':' allowed in upstream when an epoch is present
    ['1.0', '=', '1.0-0'],
  ]);
  assert.deepEqual(parseDeb('1:2.30-1ubuntu2'), { epoch: '1', upstream: '2.30', revision: '1ubuntu2' });
  assert.deepEqual(parseDeb('2.30-1-2'), { epoch: '0', upstream: '2.30-1', revision: '2' });
});

test('deb: malformed versions are refused (what dpkg rejects or warns about)', () => {
  checkInvalid(debScheme, [
    '0:', ':1.0', 'a:1.0', '-1:1.0', '1.0-', '-1', 'a1.0', '1.0 2', '1.0_1', '1:1.0-1:1',
    '1234567890:1.0', // epoch beyond dpkg's INT_MAX check
    '1.0-a/b', '1.0-~!',
    ...HOSTILE, ...SEPARATORS_ONLY,
  ]);
});
