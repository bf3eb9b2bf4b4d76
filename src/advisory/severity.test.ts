import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OsvRecord } from '../core/types.js';
import { ownCvss, providerOf, sortCvss, vendorSeverityOf } from './severity.js';

const rec = (id: string, over: Partial<OsvRecord> = {}): OsvRecord => ({ id, modified: '2024-01-01T00:00:00Z', ...over });

test('providers from id prefixes', () => {
  assert.equal(providerOf('GHSA-xxxx-xxxx-xxxx'), 'ghsa');
  assert.equal(providerOf('PYSEC-2023-74'), 'pypa');
  assert.equal(providerOf('ALSA-2024:1234'), 'almalinux');
  assert.equal(providerOf('DEBIAN-CVE-2024-1'), 'debian');
  assert.equal(providerOf('MAL-2024-1'), 'ossf-malicious');
  assert.equal(providerOf('USN-1234-1'), 'usn');
  assert.equal(providerOf('weird'), 'unknown');
});

test('vendor severity: GHSA database_specific, AlmaLinux security advisories only', () => {
  assert.deepEqual(vendorSeverityOf(rec('GHSA-a', { database_specific: { severity: 'MODERATE' } })), { source: 'ghsa', severity: 'medium', label: 'MODERATE' });
  assert.deepEqual(vendorSeverityOf(rec('ALSA-2024:1', { summary: 'Important: openssl security update' })), {
    source: 'almalinux',
    severity: 'high',
    label: 'Important',
  });
  assert.equal(vendorSeverityOf(rec('ALBA-2022:8256', { summary: 'Important: qatzip bug fix and enhancement update' })), undefined);
  assert.equal(vendorSeverityOf(rec('GHSA-b', { database_specific: { severity: 'SEVERE' } })), undefined);
  assert.equal(vendorSeverityOf(rec('GO-2024-1')), undefined);
});

test('own CVSS: record and affected vectors, invalid ones dropped, duplicates once', () => {
  const v3 = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
  const v4 = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';
  const r = rec('RUSTSEC-2024-1', {
    severity: [
      { type: 'CVSS_V3', score: v3 },
      { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N' },
      { type: 'Ubuntu', score: 'high' },
    ],
    affected: [{ severity: [{ type: 'CVSS_V4', score: v4 }, { type: 'CVSS_V3', score: v3 }] }],
  });
  assert.deepEqual(
    ownCvss(r).map((c) => [c.version, c.score, c.source]),
    [
      ['3.1', 9.8, 'rustsec'],
      ['4.0', 9.3, 'rustsec'],
    ],
  );
});

test('best first: own before borrowed, newer version, higher score', () => {
  const mk = (version: '2.0' | '3.1' | '4.0', score: number, own: boolean, source: string) => ({ version, vector: `${version}-${score}`, score, severity: 'high' as const, source, own });
  const sorted = sortCvss([mk('3.1', 9.8, false, 'ghsa'), mk('2.0', 10, true, 'nvd'), mk('4.0', 8.7, false, 'ghsa'), mk('3.1', 7.5, true, 'nvd')]);
  assert.deepEqual(
    sorted.map((c) => c.vector),
    ['3.1-7.5', '2.0-10', '4.0-8.7', '3.1-9.8'],
  );
  assert.ok(!('own' in (sorted[0] as object)));
});
