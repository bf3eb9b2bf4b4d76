import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { tableReporter } from './index.js';
import { sampleReport } from '../testdata/sample.js';
import { assertGolden, renderToString } from '../golden.js';

const golden = (n: string) => fileURLToPath(new URL(`./testdata/${n}`, import.meta.url));

test('table scan output matches the golden file', async () => {
  const out = await renderToString(tableReporter, sampleReport(), { mode: 'scan', color: false });
  assertGolden(out, golden('scan.golden.txt'));
  assert.match(out, /Verdict {3}FAIL/);
  assert.match(out, /fix: upgrade curl to 7\.88\.1-10\+deb12u4/);
  assert.equal(out.includes('\x1b['), false);
});

test('table sbom output lists packages with layers', async () => {
  const out = await renderToString(tableReporter, sampleReport(false), { mode: 'sbom', color: false });
  assertGolden(out, golden('sbom.golden.txt'));
  assert.match(out, /Packages {2}1 deb · 1 npm/);
});

test('colour only when asked', async () => {
  const out = await renderToString(tableReporter, sampleReport(), { mode: 'scan', color: true });
  assert.ok(out.includes('\x1b[1;31mCRITICAL'));
});

test('330k findings in one package and 330k packages render (no array spread into a call)', async () => {
  const r = sampleReport();
  const v = r.findings.find((f) => f.kind === 'vulnerability')!;
  r.findings = Array.from({ length: 330_000 }, (_, i) => ({ ...v, id: `vulnerability:${i}`, advisoryId: `CVE-2024-${String(i).padStart(6, '0')}` }));
  const p = r.inventory.packages[0]!;
  r.inventory.packages = Array.from({ length: 330_000 }, (_, i) => ({ ...p, name: `p${i}` }));
  let lines = 0;
  let bytes = 0;
  const { Writable } = await import('node:stream');
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      bytes += c.length;
      for (const b of c) if (b === 10) lines++;
      cb();
    },
  });
  await tableReporter.render(r, sink, { mode: 'scan', color: false });
  assert.ok(lines > 330_000, `${lines} lines`);
  await tableReporter.render(r, sink, { mode: 'sbom', color: false });
  assert.ok(lines > 660_000 && bytes > 0);
});

test('the malware section shows signature hits and malicious packages with file, layer and what matched', async () => {
  const r = sampleReport();
  const layer = { index: 2, diffId: 'sha256:' + '2'.repeat(64) };
  r.findings.push(
    { id: 'malware:1', kind: 'malware', title: 't', severity: 'critical', signature: 'ClamAV-Test-File', path: '/srv/app/tools.zip', member: 'bin/x.exe', engine: 'clamav-builtin', layer, origin: 'app' },
    {
      id: 'malware:2', kind: 'malware', title: 't', severity: 'critical', signature: 'MAL-2024-0001', path: '/srv/app/node_modules/evil/package.json', engine: 'advisory-db', layer,
      package: { name: 'evil', version: '1.0.0', type: 'npm', purl: 'pkg:npm/evil@1.0.0', path: '/srv/app/node_modules/evil/package.json' },
    },
  );
  const out = await renderToString(tableReporter, r, { mode: 'scan', color: false });
  assert.match(out, /\nmalware \(2\)\n {2}CRITICAL +ClamAV-Test-File +\/srv\/app\/tools\.zip!bin\/x\.exe +layer #2, app +clamav-builtin\n {2}CRITICAL +MAL-2024-0001 +\/srv\/app\/node_modules\/evil\/package\.json +layer #2 +advisory-db: evil@1\.0\.0\n/);
});
