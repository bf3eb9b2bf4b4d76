import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as pep440Lib from '@renovatebot/pep440';
import { sharedOrSkip } from '../../core/shared.js';
import { HOSTILE, SEPARATORS_ONLY, checkCases, checkInvalid, checkVectors } from '../testkit.js';
import { expected, readVectors } from '../vectors.js';
import { comparePep440Loose, parsePep440, pep440Scheme } from './index.js';

// Lines in the PyPI vectors that are not PEP 440 versions: the hand-written file marks them as
// "legacy versions ... consider them invalid"; the generated file was made with a packaging release
// that still had LegacyVersion. The scheme refuses them; comparePep440Loose reproduces their order.
test('pep440: every PEP 440 line of the PyPI vectors passes; only legacy (non-PEP 440) strings are refused', (t) => {
  for (const f of ['pypi-versions.txt', 'pypi-versions-generated.txt']) {
    const r = checkVectors(t, pep440Scheme, f);
    if (!r) return;
    for (const v of r.refused) {
      assert.ok(!pep440Scheme.isValid(v.a) || !pep440Scheme.isValid(v.b), `${f}:${v.line}`);
      assert.equal(pep440Lib.valid(pep440Scheme.isValid(v.a) ? v.b : v.a), null, `${f}:${v.line} is not PEP 440 for pypa rules either`);
    }
  }
});

test('pep440: the loose ordering (packaging < 22 LegacyVersion) reproduces every line', (t) => {
  for (const f of ['pypi-versions.txt', 'pypi-versions-generated.txt']) {
    const path = sharedOrSkip(t, `fixtures/third-party/versions/${f}`);
    if (!path) return;
    const bad: string[] = [];
    for (const v of readVectors(path)) {
      const e = expected(v.op);
      if (comparePep440Loose(v.a, v.b) !== e || comparePep440Loose(v.b, v.a) !== (-e === 0 ? 0 : -e)) bad.push(`${v.line}`);
    }
    assert.deepEqual(bad, [], f);
  }
});

// pypa/packaging tests/test_version.py: VERSIONS "must be in the correct sorting order"
const VERSIONS = [
  '1.0.dev0', '1.0.dev456', '1.0.dev456+local', '1.0a0', '1.0a0.post0.dev0', '1.0a0.post0', '1.0a1.dev1', '1.0a1.dev1+local', '1.0a1',
  '1.0a1+local', '1.0b0', '1.0b1.dev456', '1.0b2', '1.0b2.post345.dev456', '1.0b2.post345', '1.0b2-346', '1.0rc0', '1.0rc1.dev1', '1.0c1',
  '1.0rc2', '1.0', '1.0.post0.dev0', '1.0.post0', '1.0.post456.dev34', '1.0.post456', '1.0.post456+local', '1.0.1.dev1', '1.0.1a1', '1.0.1',
  '1.0.1+local', '1.0.1.post1', '1.1.dev1', '1.2+a', '1.2+abc', '1.2+abcdef', '1.2+def', '1.2+0', '1.2+1', '1.2+1.abc', '1.2+1.1', '1.2+1.1.0',
  '1.2+2', '1.2+123', '1.2+123456', '1.2.r32+123456', '1.2.rev33+123456',
];

test('pep440: pypa/packaging VERSIONS order (every pair, with and without epoch 1)', () => {
  const all = [...VERSIONS, ...VERSIONS.map((v) => `1!${v}`)];
  for (let i = 0; i < all.length; i++) {
    checkCases(pep440Scheme, [[all[i]!, '=', all[i]!]]);
    for (let j = i + 1; j < all.length; j++) checkCases(pep440Scheme, [[all[i]!, '<', all[j]!]]);
  }
});

test('pep440: pypa/packaging normalisation table (each spelling equals its normal form)', () => {
  const table: [string, string][] = [
    ['1.0dev', '1.0.dev0'], ['1.0.dev', '1.0.dev0'], ['1.0dev1', '1.0.dev1'], ['1.0-dev', '1.0.dev0'], ['1.0-dev1', '1.0.dev1'],
    ['1.0DEV', '1.0.dev0'], ['1.0.DEV', '1.0.dev0'], ['1.0DEV1', '1.0.dev1'], ['1.0.DEV1', '1.0.dev1'], ['1.0-DEV', '1.0.dev0'], ['1.0-DEV1', '1.0.dev1'],
    ['1.0a', '1.0a0'], ['1.0.a', '1.0a0'], ['1.0.a1', '1.0a1'], ['1.0-a', '1.0a0'], ['1.0-a1', '1.0a1'], ['1.0alpha', '1.0a0'], ['1.0.alpha', '1.0a0'],
    ['1.0.alpha1', '1.0a1'], ['1.0-alpha', '1.0a0'], ['1.0-alpha1', '1.0a1'], ['1.0A', '1.0a0'], ['1.0.A', '1.0a0'], ['1.0.A1', '1.0a1'],
    ['1.0-A', '1.0a0'], ['1.0-A1', '1.0a1'], ['1.0ALPHA', '1.0a0'], ['1.0.ALPHA', '1.0a0'], ['1.0.ALPHA1', '1.0a1'], ['1.0-ALPHA', '1.0a0'],
    ['1.0-ALPHA1', '1.0a1'], ['1.0b', '1.0b0'], ['1.0.b', '1.0b0'], ['1.0.b1', '1.0b1'], ['1.0-b', '1.0b0'], ['1.0-b1', '1.0b1'],
    ['1.0beta', '1.0b0'], ['1.0.beta', '1.0b0'], ['1.0.beta1', '1.0b1'], ['1.0-beta', '1.0b0'], ['1.0-beta1', '1.0b1'], ['1.0B', '1.0b0'],
    ['1.0.B', '1.0b0'], ['1.0.B1', '1.0b1'], ['1.0-B', '1.0b0'], ['1.0-B1', '1.0b1'], ['1.0BETA', '1.0b0'], ['1.0.BETA', '1.0b0'],
    ['1.0.BETA1', '1.0b1'], ['1.0-BETA', '1.0b0'], ['1.0-BETA1', '1.0b1'], ['1.0c', '1.0rc0'], ['1.0.c', '1.0rc0'], ['1.0.c1', '1.0rc1'],
    ['1.0-c', '1.0rc0'], ['1.0-c1', '1.0rc1'], ['1.0rc', '1.0rc0'], ['1.0.rc', '1.0rc0'], ['1.0.rc1', '1.0rc1'], ['1.0-rc', '1.0rc0'],
    ['1.0-rc1', '1.0rc1'], ['1.0C', '1.0rc0'], ['1.0.C', '1.0rc0'], ['1.0.C1', '1.0rc1'], ['1.0-C', '1.0rc0'], ['1.0-C1', '1.0rc1'],
    ['1.0RC', '1.0rc0'], ['1.0.RC', '1.0rc0'], ['1.0.RC1', '1.0rc1'], ['1.0-RC', '1.0rc0'], ['1.0-RC1', '1.0rc1'], ['1.0post', '1.0.post0'],
    ['1.0.post', '1.0.post0'], ['1.0post1', '1.0.post1'], ['1.0-post', '1.0.post0'], ['1.0-post1', '1.0.post1'], ['1.0POST', '1.0.post0'],
    ['1.0.POST', '1.0.post0'], ['1.0POST1', '1.0.post1'], ['1.0r', '1.0.post0'], ['1.0rev', '1.0.post0'], ['1.0.POST1', '1.0.post1'],
    ['1.0.r1', '1.0.post1'], ['1.0.rev1', '1.0.post1'], ['1.0-POST', '1.0.post0'], ['1.0-POST1', '1.0.post1'], ['1.0-5', '1.0.post5'],
    ['1.0-r5', '1.0.post5'], ['1.0-rev5', '1.0.post5'], ['1.0+AbC', '1.0+abc'], ['1.01', '1.1'], ['1.0a05', '1.0a5'], ['1.0b07', '1.0b7'],
    ['1.0c056', '1.0rc56'], ['1.0rc09', '1.0rc9'], ['1.0.post000', '1.0.post0'], ['1.1.dev09000', '1.1.dev9000'], ['00!1.2', '1.2'],
    ['0100!0.0', '100!0.0'], ['v1.0', '1.0'], ['   v1.0\t\n', '1.0'], ['\u202f1.0\t\u2029\n ', '1.0'],
  ];
  checkCases(pep440Scheme, table.map(([a, b]) => [a, '=', b]));
});

test('pep440: further ordering cases from the PEP 440 summary', () => {
  checkCases(pep440Scheme, [
    ['1.0.dev456', '<', '1.0a1'], ['1.0a2.dev456', '<', '1.0a12.dev456'], ['1.0c1', '<', '1.0rc2'], ['1.0rc2', '<', '1.0c3'],
    ['1!1.0', '>', '2.0'], ['1.1.dev1', '<', '1!0.1'], ['1.0', '=', '1.0.0.0'], ['0!1.0', '=', '1.0'],
  ]);
});

test('pep440: agrees with @renovatebot/pep440 on valid versions', () => {
  const vs = ['1.0.dev456', '1.0a1', '1.0a2.dev456', '1.0b1.dev456', '1.0b2.post345', '1.0c1', '1.0', '1.0.post456', '1.1.dev1',
    '1.2+abc', '1.2+1234.abc', '1!1.0', '2.0', '2.0.1', '10.0'];
  for (const a of vs) for (const b of vs) assert.equal(pep440Scheme.compare(a, b), Math.sign(pep440Lib.compare(a, b)) || 0, `${a} vs ${b}`);
});

test('pep440: non-PEP 440 strings are refused', () => {
  // pypa/packaging test_invalid_versions
  checkInvalid(pep440Scheme, ['french toast', '1.0+a+', '1.0++', '1.0+_foobar', '1.0+foo&asd', '1.0+1+1', '1. 0', '1 .0', '1. 0a1', '1 .0a1',
    '1.0 a1', '1.0a 1', '٠١٢.٣٤٥.٦٧٨٩', '.', '..', '1..0', '1.0.', '.1.0', '1..2.3', '1.0+\u0130', '1.0+\u212a']);
  checkInvalid(pep440Scheme, ['1.0-bulbasaur', 'trunk', '1.0+', '1.0+a..b', '1.0a1a1', '1.0.post1.post2', '1!2!3', '1.0.', '1.0-', 'v', '1.0 1',
    '2013-01-21T20:33:09+0100', '>=1.0', '==1.0', ...HOSTILE, ...SEPARATORS_ONLY]);
  assert.deepEqual(parsePep440('1!2.0.0rc1.post2.dev3+Ubuntu.1'), {
    epoch: '1', release: ['2'], pre: { kind: 2, n: '1' }, post: '2', dev: '3', local: ['ubuntu', '1'],
  });
});
