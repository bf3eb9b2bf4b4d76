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

test('deb: cases from dpkg lib/dpkg/t/t-version.c', () => {
  checkCases(debScheme, [
    // test_version_compare
    ['1:0-0', '>', '0:0-0'], ['0:1-1', '<', '0:2-1'], ['0:1-1', '<', '0:1-2'], ['0:0-0', '=', '0:0-0'], ['0:0-00', '=', '0:00-0'],
    ['1:2-3', '=', '1:2-3'], ['0:0-0', '<', '1:0-0'], ['0:0a-0', '<', '0:0b-0'] /* upstream: "a" < "b", which must start with a digit here */, ['0:0-a', '<', '0:0-b'],
    // test_version_parse: equal spellings
    ['0', '=', '0:0'], ['0', '=', '0:0-'], ['0:0-0', '=', '0-0'], ['0:0.0-0.0', '=', '0.0-0.0'], ['1:0', '=', '1:0-'], ['5:1', '=', '5:1'],
    ['0:0-0-0', '=', '0-0-0'], ['0:0-0-0-0', '=', '0-0-0-0'], ['0:0:0-0', '=', '0:0:0-0'], ['0:0:0:0-0', '=', '0:0:0:0-0'],
    ['0:0:0-0-0', '=', '0:0:0-0-0'], ['0:0-0:0-0', '=', '0:0-0:0-0'], ['0:09azAZ.-+~:-0', '=', '0:09azAZ.-+~:-0'],
    ['0:0-azAZ09.+~', '=', '0-azAZ09.+~'], ['  \t0:0-1', '=', '0-1'], ['0:0-1\t  ', '=', '0-1'], ['\t  0:0-1  \t', '=', '0-1'],
  ]);
  assert.deepEqual(parseDeb('0:0-0-0-0'), { epoch: '0', upstream: '0-0-0', revision: '0' });
  assert.deepEqual(parseDeb('0:0:0:0-0'), { epoch: '0', upstream: '0:0:0', revision: '0' });
  // test_version_parse: errors and warnings
  const bad = ['', '  ', '0:', '0:0 0-1', '-1:0-1', '999999999999999999999999:0-1', 'a:0-0', 'A:0-0', '-0', '0:-0', '0:abc3-0', '0:0-0:0'];
  for (const c of "!#@$%&/|\\<>()[]{};,_=*^'") bad.push(`0:0${c}-0`);
  for (const c of "!#@$%&/|\\<>()[]{}:;,_=*^'") bad.push(`0:0-0${c}`);
  checkInvalid(debScheme, bad);
});

test('deb: Debian policy and real package versions', () => {
  checkCases(debScheme, [
    ['1.0-1', '<', '2.0-2'], ['2.2~rc-4', '<', '2.2-1'], ['1.0000-1', '=', '1.0-1'], ['1:0.1', '>', '2.0'], ['1.0~beta', '<', '1.0'],
    ['1.0~~', '<', '1.0~'], ['1.0~~a', '<', '1.0~'], ['1.0~', '<', '1.0'], ['1.0', '<', '1.0+'], ['1.0', '<', '1.0a'],
    ['1.0a', '<', '1.0.1'], // letters sort before non-letters
    ['1.0-1', '<', '1.0-1.1'], ['1.0-1~bpo1', '<', '1.0-1'], ['2:1.0', '>', '1:9.9'], ['1.2.3-1+deb12u1', '>', '1.2.3-1'],
    ['1.1-20080727-1', '>', '1.1-20080316-1'], ['1.0', '=', '1.0-0'], ['1:1.2.13.dfsg-1', '>', '1:1.2.11.dfsg-2+deb11u2'],
    ['2.36-9+deb12u4', '<', '2.36-9+deb12u7'], ['3.0.11-1~deb12u2', '<', '3.0.11-1'], ['7.88.1-10+deb12u5', '<', '7.88.1-10+deb12u8'],
  ]);
  assert.deepEqual(parseDeb('1:2.30-1ubuntu2'), { epoch: '1', upstream: '2.30', revision: '1ubuntu2' });
});

test('deb: malformed versions are refused (what dpkg rejects or warns about)', () => {
  checkInvalid(debScheme, [
    ':1.0', 'a1.0', '1.0 2', '1.0_1', '1:1.0-1:1', '1234567890:1.0', '1.0-a/b', '1.0-~!', ...HOSTILE, ...SEPARATORS_ONLY,
  ]);
});
