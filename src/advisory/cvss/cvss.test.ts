import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cvssScore } from './index.js';
import { V4_LOOKUP } from './v4-lookup.js';
import { roundup31 } from './v3.js';

// Scores published by FIRST (spec examples), NVD and GitHub for these vectors.
const KNOWN: [string, number, string][] = [
  // v4.0
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3, 'critical'],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H', 10, 'critical'],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N', 6.9, 'medium'],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N', 8.7, 'high'], // GHSA-qwcr-r2fm-qrc7
  ['CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:H', 8.9, 'high'], // GHSA-2xpw-w6gg-jr37
  ['CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:N/VI:N/VA:N/SC:L/SI:L/SA:L', 2.3, 'low'], // GHSA-m6fv-jmcg-4jfg
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N/E:A/MAV:A', 8.7, 'high'], // calculator docs
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N', 0, 'negligible'],
  // v3.1 / v3.0
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8, 'critical'],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10, 'critical'], // log4shell
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H', 9, 'critical'], // CVE-2021-45046
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N', 6.1, 'medium'], // CVE-2023-32681
  ['CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N', 5.6, 'medium'], // CVE-2024-35195
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L', 5.3, 'medium'], // CVE-2020-28500
  ['CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H', 7.2, 'high'], // CVE-2021-23337
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:H/A:H', 7.4, 'high'], // CVE-2020-8203
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1, 'medium'], // CVE-2024-29041
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:L', 5, 'medium'], // CVE-2024-43799
  ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:H/A:L', 7.6, 'high'], // CVE-2022-23529
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:H', 8.6, 'high'],
  ['CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', 7.5, 'high'],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0, 'negligible'],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C', 9.8, 'critical'],
  // v2
  ['AV:N/AC:L/Au:N/C:P/I:P/A:P', 7.5, 'high'],
  ['AV:N/AC:L/Au:N/C:C/I:C/A:C', 10, 'high'],
  ['AV:N/AC:M/Au:N/C:N/I:P/A:N', 4.3, 'medium'],
  ['AV:L/AC:L/Au:N/C:P/I:N/A:N', 2.1, 'low'],
];

test('known vectors score as published', () => {
  for (const [vector, score, severity] of KNOWN) {
    const s = cvssScore(vector);
    assert.ok(s, vector);
    assert.equal(s.score, score, vector);
    assert.equal(s.severity, severity, vector);
  }
});

test('versions are reported', () => {
  assert.equal(cvssScore('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H')?.version, '3.0');
  assert.equal(cvssScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H')?.version, '3.1');
  assert.equal(cvssScore('AV:N/AC:L/Au:N/C:P/I:P/A:P')?.version, '2.0');
  assert.equal(cvssScore('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')?.version, '4.0');
});

test('malformed vectors give undefined, never a score', () => {
  for (const bad of [
    '',
    'garbage',
    'CVSS:3.1/',
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H', // missing A
    'CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', // bad value
    'CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', // duplicate
    'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1', // unknown metric
    'CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
    'CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', // missing AT
    'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N', // S only valid for MSI
    'AV:N/AC:L/Au:N/C:P/I:P',
    'CVSS:4.0/' + 'AV:N/'.repeat(200),
    'constructor:x',
  ]) {
    assert.equal(cvssScore(bad), undefined, bad);
  }
  assert.equal(cvssScore(undefined as unknown as string), undefined);
});

/** Builds, for every MacroVector in the lookup table, its first highest-severity vector. */
function maxVectorOf(key: string): string {
  const [eq1, eq2, eq3, eq4, eq5, eq6] = key.split('').map(Number);
  const m1 = ['AV:N/PR:N/UI:N', 'AV:A/PR:N/UI:N', 'AV:P/PR:N/UI:N'][eq1 as number];
  const m2 = ['AC:L/AT:N', 'AC:H/AT:N'][eq2 as number];
  const m36: Record<string, string> = {
    '00': 'VC:H/VI:H/VA:H/CR:H/IR:H/AR:H',
    '01': 'VC:H/VI:H/VA:L/CR:M/IR:M/AR:H',
    '10': 'VC:L/VI:H/VA:H/CR:H/IR:H/AR:H',
    '11': 'VC:L/VI:H/VA:L/CR:H/IR:M/AR:H',
    '21': 'VC:L/VI:L/VA:L/CR:H/IR:H/AR:H',
  };
  const m4 = ['SC:H/SI:H/SA:H/MSI:S/MSA:S', 'SC:H/SI:H/SA:H', 'SC:L/SI:L/SA:L'][eq4 as number];
  const m5 = ['E:A', 'E:P', 'E:U'][eq5 as number];
  const parts = new Map<string, string>();
  for (const kv of [m1, m2, m36[`${eq3}${eq6}`], m4, m5].join('/').split('/')) {
    const [k, v] = kv.split(':') as [string, string];
    parts.set(k, v);
  }
  const order = ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA', 'E', 'CR', 'IR', 'AR', 'MSI', 'MSA'];
  return 'CVSS:4.0/' + order.filter((k) => parts.has(k)).map((k) => `${k}:${parts.get(k)}`).join('/');
}

test('v4: the highest vector of every MacroVector scores exactly its lookup value', () => {
  assert.equal(Object.keys(V4_LOOKUP).length, 270);
  for (const [key, value] of Object.entries(V4_LOOKUP)) {
    const v = maxVectorOf(key);
    assert.equal(cvssScore(v)?.score, value, `${key} ${v}`);
  }
});

test('v4: lookup values fall when any one EQ level rises (table transcription check)', () => {
  for (const [key, value] of Object.entries(V4_LOOKUP)) {
    for (let i = 0; i < 6; i++) {
      const digits = key.split('').map(Number);
      digits[i] = (digits[i] as number) + 1;
      const lower = V4_LOOKUP[digits.join('')];
      if (lower !== undefined) assert.ok(lower <= value, `${digits.join('')}=${lower} > ${key}=${value}`);
    }
  }
});

test('v3.1 Roundup avoids float artefacts (spec Appendix A)', () => {
  assert.equal(roundup31(4.000000000000001), 4);
  assert.equal(roundup31(4.02), 4.1);
  assert.equal(roundup31(9.999), 10);
});
