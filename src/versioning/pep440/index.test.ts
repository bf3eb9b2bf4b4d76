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

test('pep440: cases from pypa/packaging tests/test_version.py (normalisation and ordering)', () => {
  checkCases(pep440Scheme, [
    // normalisation: equal spellings
    ['1.0a1', '=', '1.0.a1'], ['1.0a1', '=', '1.0-alpha-1'], ['1.0a1', '=', '1.0_ALPHA_1'], ['1.0b2', '=', '1.0beta2'],
    ['1.0rc1', '=', '1.0c1'], ['1.0rc1', '=', '1.0pre1'], ['1.0rc1', '=', '1.0preview1'], ['1.0.post1', '=', '1.0-1'],
    ['1.0.post1', '=', '1.0post1'], ['1.0.post1', '=', '1.0-r1'], ['1.0.post1', '=', '1.0.rev1'], ['1.0.post0', '=', '1.0.post'],
    ['1.0.dev0', '=', '1.0dev'], ['1.0.dev1', '=', '1.0-dev1'], ['v1.0', '=', '1.0'], ['1.0', '=', '1.0.0.0'],
    ['1.0+ubuntu-1', '=', '1.0+ubuntu.1'], ['0!1.0', '=', '1.0'], ['1.01', '=', '1.1'], ['  1.0  ', '=', '1.0'],
    ['1.0A1', '=', '1.0a1'],
    // ordering
    ['1.0.dev456', '<', '1.0a1'], ['1.0a1', '<', '1.0a2.dev456'], ['1.0a2.dev456', '<', '1.0a12.dev456'],
    ['1.0a12', '<', '1.0b1.dev456'], ['1.0b2', '<', '1.0b2.post345.dev456'], ['1.0b2.post345.dev456', '<', '1.0b2.post345'],
    ['1.0b2.post345', '<', '1.0b2-346'], ['1.0c1.dev456', '<', '1.0c1'], ['1.0c1', '<', '1.0rc2'], ['1.0rc2', '<', '1.0c3'],
    ['1.0c3', '<', '1.0'], ['1.0', '<', '1.0.post456.dev34'], ['1.0.post456.dev34', '<', '1.0.post456'], ['1.0.post456', '<', '1.1.dev1'],
    ['1.2', '<', '1.2+abc'], ['1.2+abc', '<', '1.2+abc123'], ['1.2+abc123', '<', '1.2+abc123def'], ['1.2+abc123def', '<', '1.2+1234.abc'],
    ['1.2+1234.abc', '<', '1.2+123456'], ['1.2.r32+123456', '<', '1.2.rev33+123456'], ['1!1.0', '>', '2.0'], ['1.1.dev1', '<', '1!0.1'],
  ]);
});

test('pep440: agrees with @renovatebot/pep440 on valid versions', () => {
  const vs = ['1.0.dev456', '1.0a1', '1.0a2.dev456', '1.0b1.dev456', '1.0b2.post345', '1.0c1', '1.0', '1.0.post456', '1.1.dev1',
    '1.2+abc', '1.2+1234.abc', '1!1.0', '2.0', '2.0.1', '10.0'];
  for (const a of vs) for (const b of vs) assert.equal(pep440Scheme.compare(a, b), Math.sign(pep440Lib.compare(a, b)) || 0, `${a} vs ${b}`);
});

test('pep440: non-PEP 440 strings are refused', () => {
  checkInvalid(pep440Scheme, ['1.0-bulbasaur', 'trunk', '1.0+', '1.0+a..b', '1.0a1a1', '1.0.post1.post2', '1!2!3', '1.0.', '1.0-', 'v', '1.0 1',
    '2013-01-21T20:33:09+0100', '>=1.0', '==1.0', ...HOSTILE, ...SEPARATORS_ONLY]);
  assert.deepEqual(parsePep440('1!2.0.0rc1.post2.dev3+Ubuntu.1'), {
    epoch: '1', release: ['2'], pre: { kind: 2, n: '1' }, post: '2', dev: '3', local: ['ubuntu', '1'],
  });
});
