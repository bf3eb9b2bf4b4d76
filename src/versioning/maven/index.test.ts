import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTILE, checkCases, checkInvalid, checkVectors } from '../testkit.js';
import { mavenScheme } from './index.js';

test('maven: osv-scalibr Maven vectors (hand-written and generated with ComparableVersion) all pass', (t) => {
  for (const f of ['maven-versions.txt', 'maven-versions-generated.txt']) {
    const r = checkVectors(t, mavenScheme, f);
    if (r) assert.deepEqual(r.refused, [], f);
  }
});

test('maven: cases from maven-artifact ComparableVersionTest (every pair of each order list, as upstream checks)', () => {
  const qualifier = ['1-alpha2snapshot', '1-alpha2', '1-alpha-123', '1-beta-2', '1-beta123', '1-m2', '1-m11', '1-rc', '1-cr2',
    '1-rc123', '1-SNAPSHOT', '1', '1-sp', '1-sp2', '1-sp123', '1-abc', '1-def', '1-pom-1', '1-1-snapshot', '1-1', '1-2', '1-123'];
  const number = ['2.0', '2-1', '2.0.a', '2.0.0.a', '2.0.2', '2.0.123', '2.1.0', '2.1-a', '2.1b', '2.1-c', '2.1-1', '2.1.0.1',
    '2.2', '2.123', '11.a2', '11.a11', '11.b2', '11.b11', '11.m2', '11.m11', '11', '11.a', '11b', '11c', '11m'];
  for (const list of [qualifier, number]) {
    for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) checkCases(mavenScheme, [[list[i]!, '<', list[j]!]]);
  }
  const equal = [['1', '1'], ['1', '1.0'], ['1', '1.0.0'], ['1.0', '1.0.0'], ['1', '1-0'], ['1', '1.0-0'], ['1.0', '1.0-0'],
    // upstream also has 1a = 1.a, 1.0a = 1.0.a, 1.0.0a = 1.0.0.a, 1x = 1.x, 1.0x = 1.0.x, 1.0.0x = 1.0.0.x: the
    // maven-artifact 3.9 ".X is -X" rule, which the generated vectors contradict (see README.md)
    ['1a', '1-a'], ['1a', '1.0-a'], ['1a', '1.0.0-a'], ['1x', '1-x'], ['1x', '1.0-x'], ['1x', '1.0.0-x'], ['1ga', '1'], ['1final', '1'], ['1cr', '1rc'],
    ['1a1', '1alpha1'], ['1b2', '1beta2'], ['1m3', '1milestone3'], ['1X', '1x'], ['1A', '1a'], ['1B', '1b'], ['1M', '1m'], ['1Ga', '1'],
    ['1GA', '1'], ['1Final', '1'], ['1FinaL', '1'], ['1FINAL', '1'], ['1Cr', '1Rc'], ['1cR', '1rC'], ['1m3', '1Milestone3'],
    ['1m3', '1MileStone3'], ['1m3', '1MILESTONE3'], ['1-abcdefghijklmnopqrstuvwxyz', '1-ABCDEFGHIJKLMNOPQRSTUVWXYZ']];
  checkCases(mavenScheme, equal.map(([a, b]) => [a!, '=', b!]));
  checkCases(mavenScheme, [
    ['1', '<', '2'], ['1.5', '<', '2'], ['1', '<', '2.5'], ['1.0', '<', '1.1'], ['1.1', '<', '1.2'], ['1.0.0', '<', '1.1'], ['1.0.1', '<', '1.1'],
    ['1.1', '<', '1.2.0'], ['1.0-alpha-1', '<', '1.0'], ['1.0-alpha-1', '<', '1.0-alpha-2'], ['1.0-alpha-1', '<', '1.0-beta-1'],
    ['1.0-beta-1', '<', '1.0-SNAPSHOT'], ['1.0-SNAPSHOT', '<', '1.0'], ['1.0-alpha-1-SNAPSHOT', '<', '1.0-alpha-1'], ['1.0', '<', '1.0-1'],
    ['1.0-1', '<', '1.0-2'], ['1.0.0', '<', '1.0-1'], ['2.0-1', '<', '2.0.1'], ['2.0.1-klm', '<', '2.0.1-lmn'], ['2.0.1', '<', '2.0.1-xyz'],
    ['2.0.1', '<', '2.0.1-123'], ['2.0.1-xyz', '<', '2.0.1-123'],
  ]);
});

test('maven: versions seen in real advisories', () => {
  checkCases(mavenScheme, [
    ['2.16.0', '<', '2.17.1'], // log4j-core
    ['2.9.10.8', '<', '2.12.6.1'], ['2.13.4.2', '>', '2.13.4'], // jackson-databind micro patches
    ['1.0.0.RELEASE', '=', '1.0.0'], ['5.3.18', '>', '5.3.18-RC1'], ['2.0.0-beta9', '<', '2.0.0-rc1'], ['2.0-rc1', '<', '2.0'],
  ]);
});

test('maven: only empty, oversized and whitespace/control strings are refused (Maven orders any other string)', () => {
  checkInvalid(mavenScheme, ['', ' ', '1.0 1', '1\t', '\u0000', '1'.repeat(10_000), '1.'.repeat(5_000), 'a'.repeat(10_000)]);
  for (const v of HOSTILE) assert.doesNotThrow(() => mavenScheme.compare(v, v));
});
