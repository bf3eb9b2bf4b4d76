import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepFinding, parseSeverityList } from './filters.js';
import type { Finding } from '../core/types.js';

const vuln = (severity: Finding['severity'], fixState: 'fixed' | 'not-fixed', origin?: 'base' | 'app'): Finding => ({
  id: 'v', kind: 'vulnerability', title: 't', severity, origin, advisoryId: 'CVE-1', aliases: [],
  package: { name: 'p', version: '1', type: 'npm', purl: 'pkg:npm/p@1' }, installedVersion: '1',
  fixState, cvss: [], dataSource: 'x', urls: [],
});

test('severity list parsing rejects unknown words', () => {
  assert.deepEqual([...parseSeverityList('high, CRITICAL')!], ['high', 'critical']);
  assert.throws(() => parseSeverityList('hihg'), /unknown severity "hihg"/);
  assert.equal(parseSeverityList(undefined), undefined);
});

test('filters hide by severity, fix state and origin; gaps stay', () => {
  const sev = parseSeverityList('critical')!;
  assert.equal(keepFinding(vuln('high', 'fixed'), { severities: sev }), false);
  assert.equal(keepFinding(vuln('critical', 'fixed'), { severities: sev }), true);
  assert.equal(keepFinding(vuln('critical', 'not-fixed'), { ignoreUnfixed: true }), false);
  assert.equal(keepFinding(vuln('low', 'fixed', 'base'), { only: 'app' }), false);
  assert.equal(keepFinding(vuln('low', 'fixed', 'app'), { only: 'app' }), true);
  const gap: Finding = { id: 'g', kind: 'coverage-gap', title: 'g', severity: 'unknown', reason: 'db-stale', subject: 's', detail: 'd' };
  assert.equal(keepFinding(gap, { severities: sev }), true);
});
