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

test('maven: cases from maven-artifact ComparableVersionTest', () => {
  // testVersionsQualifier / testVersionsNumber order chains (without "2.0.a": maven-artifact 3.9 reads
  // ".a" as "-a", the generated vectors and the POM reference do not; see README.md)
  const chains = [
    ['1-alpha2snapshot', '1-alpha2', '1-alpha-123', '1-beta-2', '1-beta123', '1-m2', '1-m11', '1-rc', '1-cr2', '1-rc123', '1-SNAPSHOT', '1', '1-sp', '1-sp2', '1-sp123', '1-abc', '1-def', '1-pom-1', '1-1-snapshot', '1-1', '1-2', '1-123'],
    ['2.0', '2-1', '2.0.2', '2.0.123', '2.1.0', '2.1-a', '2.1b', '2.1-c', '2.1-1', '2.1.0.1', '2.2', '2.123', '11.a2', '11.a11', '11.b2', '11.b11', '11.m2', '11.m11', '11', '11.a', '11b', '11c', '11m'],
  ];
  for (const chain of chains) {
    for (let i = 0; i + 1 < chain.length; i++) checkCases(mavenScheme, [[chain[i]!, '<', chain[i + 1]!]]);
  }
  checkCases(mavenScheme, [
    ['1', '=', '1.0.0'], ['1-ga', '=', '1'], ['1-final', '=', '1'], ['1-cr', '=', '1-rc'], ['1a1', '=', '1-alpha-1'],
    ['1.0-SNAPSHOT', '<', '1.0'], ['1.0-alpha-1-SNAPSHOT', '<', '1.0-alpha-1'], ['2.16.0', '<', '2.17.1'], // log4j
    ['2.9.10.8', '<', '2.12.6.1'], ['2.13.4.2', '>', '2.13.4'], // jackson-databind micro patches
    ['1.0.0.RELEASE', '=', '1.0.0'], ['5.3.18', '>', '5.3.18-RC1'],
  ]);
});

test('maven: only empty, oversized and whitespace/control strings are refused (Maven orders any other string)', () => {
  checkInvalid(mavenScheme, ['', ' ', '1.0 1', '1\t', '\u0000', '1'.repeat(10_000), '1.'.repeat(5_000), 'a'.repeat(10_000)]);
  for (const v of HOSTILE) assert.doesNotThrow(() => mavenScheme.compare(v, v));
});
