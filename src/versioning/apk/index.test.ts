import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sharedOrSkip } from '../../core/shared.js';
import { HOSTILE, SEPARATORS_ONLY, checkCases, checkInvalid, checkVectors } from '../testkit.js';
import { expected, readVectors } from '../vectors.js';
import { apkScheme, compareApkLoose, parseApk } from './index.js';

test('apk: every valid-version line of the Alpine vectors passes; the others are refused', (t) => {
  const refused: string[] = [];
  for (const f of ['alpine-versions.txt', 'alpine-versions-generated.txt']) {
    const r = checkVectors(t, apkScheme, f);
    if (!r) return;
    for (const v of r.refused) refused.push(`${f}:${v.line}`);
    if (f === 'alpine-versions-generated.txt') assert.deepEqual(r.refused, [], 'generated from real Alpine versions: none refused');
  }
  // 33 lines of the hand-written file use strings apk-tools' validator rejects ("1-r", "0..8", "a",
  // "1.0bc", "1.2_blah", ...): the file's sections mark them invalid / "technically invalid"
  assert.equal(refused.length, 33);
});

test('apk: the loose ordering reproduces every line, including apk-tools\' answers for invalid strings', (t) => {
  for (const f of ['alpine-versions.txt', 'alpine-versions-generated.txt']) {
    const path = sharedOrSkip(t, `fixtures/third-party/versions/${f}`);
    if (!path) return;
    const bad: string[] = [];
    for (const v of readVectors(path)) {
      const e = expected(v.op);
      if (compareApkLoose(v.a, v.b) !== e || compareApkLoose(v.b, v.a) !== (-e === 0 ? 0 : -e)) bad.push(`${v.line}: ${v.a} ${v.op} ${v.b}`);
    }
    assert.deepEqual(bad, [], f);
  }
});

test('apk: cases from apk-tools test/version.data (the whole table is also part of alpine-versions.txt)', () => {
  checkCases(apkScheme, [
    ['2.34', '>', '0.1.0_alpha'],
    ['0.1.0_alpha', '=', '0.1.0_alpha'],
    ['0.1.0_alpha2', '>', '0.1.0_alpha'],
    ['1.1', '>', '1.1_alpha1'],
    ['1.2.1', '>', '1.2'],
    ['2.3.0b-r1', '<', '2.3.0b-r2'],
    ['0.12.3', '>', '0.12'],
    ['1.2.12.1', '<', '1.2.13'],
    ['3.1_p16', '<', '3.1_p17'],
    ['1.06-r6', '<', '006'],
    ['20050718-r1', '<', '20050718-r2'],
    ['4.2.52_p2-r1', '<', '4.2.52_p4-r2'],
    ['2.9.11_pre20051101-r2', '<', '2.9.11_pre20051101-r3'],
    ['0.1.0_alpha_pre2', '<', '0.1.0_alpha'],
    ['1.0.0_pre20191002222144-r0', '<', '1.0.0_pre20210530193627-r0'],
    ['1.3_pre1-r1', '<', '1.3.2'],
    ['1.0_p10-r0', '>', '1.0_p9-r0'],
    ['6.0_pre1', '<', '6.0'], ['6.1_pre1', '<', '6.1'], ['6.0_p1', '>', '6.0'], ['6.1_p1', '>', '6.1'], // newest version.data lines
    ['1.2.3~abc123-r0', '=', '1.2.3~def456-r0'], // the commit hash carries no order
    ['1.2', '<', '1.2-r0'], // apk-tools: the version with a revision token is newer
    ['1.01', '<', '1.1'], // leading zero: compared as a fraction
  ]);
  assert.deepEqual(parseApk('6.6.2p1-r3')?.letterNumber, '1');
});

test('apk: malformed versions are refused by the scheme', () => {
  checkInvalid(apkScheme, ['1-r', '1.0bc', '1.2_blah', '.1', 'a', '1..2', '1.2-r1-r2', '1.2~', '1.2~XYZ', '1-r0-1', ...HOSTILE, ...SEPARATORS_ONLY]);
  for (const v of HOSTILE) assert.doesNotThrow(() => compareApkLoose(v, v));
});
