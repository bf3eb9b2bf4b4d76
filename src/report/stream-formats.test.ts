// SARIF, JUnit and SPDX (like JSON and CycloneDX) are written in bounded chunks: a report with many
// findings or packages never becomes one string, and renders whole (no `Invalid string length`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { Reporter, RenderOptions, ScanReport } from '../core/report.js';
import type { Finding, Package } from '../core/types.js';
import { stableJson } from '../core/json.js';
import { sampleReport } from './testdata/sample.js';
import { renderToString } from './golden.js';
import { sanitizeDeep, sanitizeShared } from './sanitize.js';
import { sarifReporter, toSarif } from './sarif/index.js';
import { junitReporter, toJunit } from './junit/index.js';
import { spdxReporter, toSpdx } from './spdx/index.js';

/** The sample report with `n` vulnerability findings and `n` packages (names from the index). */
function manyReport(n: number, withDecision: boolean, evil = ''): ScanReport {
  const r = sampleReport(withDecision);
  const [vuln] = r.findings as [Extract<Finding, { kind: 'vulnerability' }>];
  const [pkg] = r.inventory.packages as [Package];
  r.findings = Array.from({ length: n }, (_, i) => ({
    ...vuln,
    id: `vulnerability:${i.toString(16).padStart(16, '0')}`,
    advisoryId: `CVE-2024-${10000 + (i % 5000)}`,
    title: `flaw ${i}${evil}`,
    package: { ...vuln.package, name: `lib${i}${evil}`, purl: `pkg:deb/debian/lib${i}@1.0` },
  }));
  r.inventory.packages = Array.from({ length: n }, (_, i) => ({ ...pkg, name: `lib${i}`, purl: `pkg:deb/debian/lib${i}@1.0?arch=amd64`, licenses: i % 3 ? ['GPL-2.0-only'] : ['Custom licence'] }));
  if (r.decision) {
    r.decision.violations = r.findings.slice(0, n / 2).map((f) => ({ policy: 'production', control: 'vulnerabilities', findingId: f.id, message: `${f.title} blocks`, enforcement: 'block' as const }));
    r.decision.suppressed = r.findings.slice(n / 2, n / 2 + 10).map((f) => ({ findingId: f.id, by: 'exception' as const, ruleId: 'EXC-1' }));
  }
  return r;
}

/** A sink that keeps only each write's size (and counts a marker across chunk boundaries). */
function recordingSink(marker: string): { sink: Writable; sizes: number[]; bytes: () => number; markers: () => number; tail: () => string } {
  const sizes: number[] = [];
  let bytes = 0;
  let markers = 0;
  let carry = '';
  let last = '';
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(c: Buffer, _e, cb) {
      sizes.push(c.length);
      bytes += c.length;
      const text = c.toString('utf8');
      const s = carry + text;
      for (let i = s.indexOf(marker); i >= 0; i = s.indexOf(marker, i + marker.length)) markers++;
      carry = s.slice(Math.max(0, s.length - marker.length + 1));
      last = (last + text).slice(-64);
      setImmediate(cb);
    },
  });
  return { sink, sizes, bytes: () => bytes, markers: () => markers, tail: () => last };
}

const SCAN: RenderOptions = { mode: 'scan', color: false };
const SBOM: RenderOptions = { mode: 'sbom', color: false };
const MAX_WRITE = 1024 * 1024;

test('SARIF, JUnit and SPDX stream the same bytes the whole-document writers gave', async () => {
  for (const withDecision of [true, false]) {
    for (const evil of ['', '\x1b[2J\r\nVerdict PASS\u0000']) {
      const r = manyReport(600, withDecision, evil);
      // the previous writers: one string of the whole sanitized document
      assert.equal(await renderToString(sarifReporter, r, SCAN), stableJson(toSarif(sanitizeDeep(r))) + '\n');
      assert.equal(await renderToString(junitReporter, r, SCAN), toJunit(sanitizeDeep(r)));
      assert.equal(await renderToString(spdxReporter, r, SBOM), stableJson(toSpdx(r)) + '\n');
    }
  }
});

test('sanitizeShared equals sanitizeDeep, copying only what changes', () => {
  const clean = sampleReport();
  assert.equal(sanitizeShared(clean), clean);
  const dirty = manyReport(4, true, '\x07');
  const shared = sanitizeShared(dirty);
  assert.deepEqual(shared, sanitizeDeep(dirty));
  assert.notEqual(shared.findings, dirty.findings);
  assert.equal(shared.inventory, dirty.inventory, 'clean parts are not copied');
  assert.ok(dirty.findings[0]!.title.includes('\x07'), 'the input is not changed');
});

test('a 1e5-finding, 1e5-package report renders in SARIF, JUnit and SPDX in bounded writes', async () => {
  const n = 100_000;
  const r = manyReport(n, true);
  const cases: [Reporter, RenderOptions, string, number, string][] = [
    [sarifReporter, SCAN, '"ruleId": ', n, '}\n'],
    [junitReporter, SCAN, '<testcase ', n / 2 + 10, '</testsuites>\n'],
    [spdxReporter, SBOM, '"relatedSpdxElement": ', n + 2, '}\n'],
  ];
  for (const [reporter, opts, marker, count, end] of cases) {
    const rec = recordingSink(marker);
    await reporter.render(r, rec.sink, opts);
    await new Promise<void>((resolve, reject) => rec.sink.end((e?: Error | null) => (e ? reject(e) : resolve())));
    assert.equal(rec.markers(), count, `${reporter.format}: ${marker} × ${count}`);
    assert.ok(rec.tail().endsWith(end), `${reporter.format} ends its document`);
    assert.ok(rec.sizes.length > 20, `${reporter.format}: ${rec.sizes.length} writes for ${rec.bytes()} bytes`);
    assert.ok(Math.max(...rec.sizes) <= MAX_WRITE, `${reporter.format}: largest write ${Math.max(...rec.sizes)} bytes`);
  }
});
