import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { gitlabReporter, gitlabTime, toGitlab, uuidOf } from './index.js';
import { sampleReport } from '../testdata/sample.js';
import { assertGolden, renderToString } from '../golden.js';
import { gitlabValidator } from '../schemas.js';
import type { ScanReport } from '../../core/report.js';
import type { VulnerabilityFinding } from '../../core/types.js';

const testdata = fileURLToPath(new URL('./testdata/', import.meta.url));
const validate = gitlabValidator();

type Doc = {
  version: string;
  scan: { status: string; start_time: string; messages: { level: string; value: string }[] };
  vulnerabilities: { id: string; name: string; severity: string; solution: string; identifiers: { type: string; value: string }[]; cvss_vectors?: { vector: string }[]; links: { url: string }[]; details: Record<string, { value: string }>; location: { image: string; operating_system: string; dependency: { package: { name: string }; version: string } } }[];
};

function valid(doc: unknown): void {
  assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
}

async function render(r: ScanReport): Promise<string> {
  return renderToString(gitlabReporter, r, { mode: 'scan', color: false });
}

test('gitlab: golden files, valid against the container scanning schema 15.0.7', async () => {
  for (const [name, report] of [['scan', sampleReport(true)], ['nodecision', sampleReport(false)]] as const) {
    const out = await render(report);
    valid(JSON.parse(out));
    assertGolden(out, `${testdata}${name}.golden.json`);
  }
});

test('gitlab: a finding suppressed by an exception is left out and counted; without a decision every vulnerability is listed', () => {
  const d = toGitlab(sampleReport(true)) as Doc;
  assert.deepEqual(d.vulnerabilities.map((v) => v.identifiers[0]!.value), ['CVE-2023-38545']);
  assert.ok(d.scan.messages.some((m) => m.level === 'info' && /^1 vulnerability accepted by an exception or a policy's ignore list is not listed/.test(m.value)));
  assert.match(d.scan.messages[0]!.value, /^Portcullis gate: FAIL .* \(pipeline release-1; policies: production\)$/);
  assert.equal(d.scan.messages[0]!.level, 'warn');
  // what could not be checked is said, never silent
  assert.ok(d.scan.messages.some((m) => m.level === 'warn' && m.value.startsWith('not checked (ecosystem-not-covered): Go')));
  assert.ok(d.scan.messages.some((m) => m.level === 'warn' && m.value.startsWith('check licenses partial')));
  const v = d.vulnerabilities[0]!;
  assert.equal(v.severity, 'Critical');
  assert.equal(v.details.gate!.value, 'fails the gate: production/vulnerabilities');
  assert.deepEqual(v.identifiers.map((i) => `${i.type}:${i.value}`), ['cve:CVE-2023-38545', 'dsa:DSA-5523-1']);
  assert.equal(v.location.operating_system, 'debian 12');
  assert.equal(v.location.image, 'shop/orders-api:1.4.2');

  const none = toGitlab(sampleReport(false)) as Doc;
  assert.deepEqual(none.vulnerabilities.map((x) => x.identifiers[0]!.value), ['CVE-2023-38545', 'CVE-2020-8203']);
  assert.equal(none.vulnerabilities[1]!.details.gate, undefined);
  // a grace-period suppression only keeps a finding from failing the gate: it stays, with the reason
  const r = sampleReport(true);
  r.decision!.suppressed = [{ findingId: 'vulnerability:bbbbbbbbbbbbbbbb', by: 'grace-period', ruleId: 'vulnerabilities.gracePeriodDays', reason: 'published 3 days ago' }];
  const grace = toGitlab(r) as Doc;
  assert.equal(grace.vulnerabilities.length, 2);
  assert.equal(grace.vulnerabilities[1]!.details.gate!.value, 'does not fail the gate: grace-period vulnerabilities.gracePeriodDays: published 3 days ago');
});

test('gitlab: deterministic (ids from fingerprints, times from the report, sorted whatever the input order)', async () => {
  const a = sampleReport(false);
  const b = sampleReport(false);
  b.findings = [...b.findings].reverse();
  assert.equal(await render(a), await render(b));
  assert.equal(uuidOf('vulnerability:aaaaaaaaaaaaaaaa'), uuidOf('vulnerability:aaaaaaaaaaaaaaaa'));
  assert.notEqual(uuidOf('vulnerability:aaaaaaaaaaaaaaaa'), uuidOf('vulnerability:bbbbbbbbbbbbbbbb'));
  assert.match(uuidOf('x'), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(gitlabTime('2026-11-29T12:00:00.123Z'), '2026-11-29T12:00:00');
  assert.equal(gitlabTime('2026-11-29T13:00:00+01:00'), '2026-11-29T12:00:00');
  assert.equal(gitlabTime('not a time'), '1970-01-01T00:00:00');
});

test('gitlab: hostile and odd input still gives a valid report (control characters, long text, bad URLs, CVSS 4, no OS, empty names)', async () => {
  const r = sampleReport(false);
  const f = r.findings[0] as VulnerabilityFinding;
  f.title = `evil\u001b[31m title\u0007 ${'x'.repeat(2000)}`;
  f.package = { ...f.package, name: 'curl\u001b]0;pwned\u0007' };
  f.urls = ['javascript:alert(1)', 'https://ok.example/a b', 'https://ok.example/advisory', ''];
  f.cvss = [
    { version: '4.0', vector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', score: 9.3, severity: 'critical' },
    { version: '3.1', vector: 'not a vector', score: 9.8, severity: 'critical', source: 'nvd' },
    { version: '2.0', vector: 'AV:N/AC:L/Au:N/C:P/I:P/A:P', score: 7.5, severity: 'high', source: '' },
  ];
  f.remediation = 'y'.repeat(10_000);
  f.aliases = ['DSA-5523-1', 'DSA-5523-1', 'CVE-2023-38545', '!!!'];
  r.inventory.os = undefined;
  r.inventory.image.name = '';
  r.createdAt = 'garbage';
  const out = await render(r);
  assert.doesNotMatch(out, /\\u001b|\\u0007/);
  const d = JSON.parse(out) as Doc;
  valid(d);
  const v = d.vulnerabilities.find((x) => x.identifiers[0]!.value === 'CVE-2023-38545')!;
  assert.equal(v.name.length, 255);
  assert.equal(v.solution.length, 7000);
  assert.deepEqual(v.links.map((l) => l.url), ['https://ok.example/advisory']);
  assert.deepEqual(v.cvss_vectors?.map((c) => c.vector), ['AV:N/AC:L/Au:N/C:P/I:P/A:P']);
  assert.deepEqual(v.identifiers.map((i) => i.value), ['CVE-2023-38545', '!!!', 'DSA-5523-1']);
  assert.equal(v.location.operating_system, 'Unknown');
  assert.equal(v.location.image, 'docker-archive:orders-api.tar');
  assert.equal(d.scan.start_time, '1970-01-01T00:00:00');
});

test('gitlab: a failed vulnerabilities check makes the scan status failure, with the reason', () => {
  const r = sampleReport(false);
  r.checks = [{ check: 'vulnerabilities', state: 'failed', detail: 'the advisory DB could not be read', reasons: [] }];
  const d = toGitlab(r) as Doc;
  valid(d);
  assert.equal(d.scan.status, 'failure');
  assert.ok(d.scan.messages.some((m) => m.value === 'check vulnerabilities failed: the advisory DB could not be read'));
});
