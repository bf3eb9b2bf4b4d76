import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCases, checkInvalid, checkVectors } from '../testkit.js';
import { parseEvr, rpmScheme, rpmvercmp } from './index.js';

test('rpm: osv-scalibr Red Hat vectors (include rpm tests/rpmvercmp.at) all pass', (t) => {
  const r = checkVectors(t, rpmScheme, 'redhat-versions.txt');
  if (r) assert.deepEqual(r.refused, []);
});

test('rpm: cases from rpm tests/rpmvercmp.at', () => {
  const cases: [string, string, number][] = [
    ['1.0', '1.0', 0], ['1.0', '2.0', -1], ['2.0.1a', '2.0.1', 1], ['5.5p1', '5.5p10', -1],
    ['10xyz', '10.1xyz', -1], ['xyz.4', '8', -1], ['6.0.rc1', '6.0', 1], ['10b2', '10a1', 1],
    ['1.0aa', '1.0a', 1], ['10.0001', '10.1', 0], ['4.999.9', '5.0', -1], ['2_0', '2.0', 0],
    ['a+', 'a_', 0], ['+', '_', 0], ['1.0~rc1', '1.0', -1], ['1.0~rc1~git123', '1.0~rc1', -1],
    ['1.0~rc1', '1.0arc1', -1], ['1.0^', '1.0', 1], ['1.0^git1', '1.01', -1], ['1.0^20160101', '1.0.1', -1],
    ['1.0^20160102', '1.0^20160101^git1', 1], ['1.0~rc1^git1', '1.0~rc1', 1], ['1.0^git1~pre', '1.0^git1', -1],
    ['1.1.α', '1.1.β', 0], ['1.1.α', '1.1.a', -1],
  ];
  for (const [a, b, r] of cases) {
    assert.equal(rpmvercmp(a, b), r, `rpmvercmp(${a}, ${b})`);
    assert.equal(rpmvercmp(b, a), -r === 0 ? 0 : -r, `rpmvercmp(${b}, ${a})`);
  }
});

test('rpm: EVR strings with epochs, as in AlmaLinux/RHEL advisories', () => {
  checkCases(rpmScheme, [
    ['1:3.0.7-24.el9', '>', '3.0.7-27.el9'], // epoch wins
    ['1:3.0.7-24.el9', '<', '1:3.0.7-27.el9'],
    ['0:3.0.7-24.el9', '=', '3.0.7-24.el9'], // missing epoch = 0
    ['1:3.0.7-24.el9_4.1', '>', '1:3.0.7-24.el9'],
    ['2.34-100.el9_4.2', '<', '2.34-100.el9_4.10'],
    ['7.76.1-29.el9_4', '<', '7.76.1-29.el9_4.1'],
    ['1.2.3-1.module+el8.9.0+1234+abcd', '<', '1.2.3-2.module+el8.9.0+1234+abcd'],
  ]);
  assert.deepEqual(parseEvr('1:3.0.7-24.el9'), { epoch: '1', version: '3.0.7', release: '24.el9' });
  assert.deepEqual(parseEvr('a:1'), { epoch: '0', version: 'a:1', release: undefined });
});

test('rpm: malformed EVRs are refused', () => {
  // rpmvercmp defines an order for separator-only strings ("+" = "_" in rpmvercmp.at), so those
  // stay valid here; only what cannot be an EVR at all is refused.
  checkInvalid(rpmScheme, [
    '', ' ', '1.0 1', '\t1', '1\n', '\u0000', '1:', '-1', '1-2-3', '1:2-3-4', '1'.repeat(10_000), '1.'.repeat(5_000),
  ]);
});
