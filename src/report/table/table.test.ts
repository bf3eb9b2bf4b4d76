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

test('the table fits the width: titles wrap at word boundaries (never mid-word), --wide keeps them whole', async () => {
  const r = sampleReport();
  const v = r.findings.find((f) => f.kind === 'vulnerability' && f.package.name === 'lodash')!;
  const title = 'Prototype Pollution in lodash via the zipObjectDeep function allows attackers to modify Object.prototype with supercalifragilisticexpialidociouslylongidentifiername and more words after it to fill three lines';
  v.title = title;
  const narrow = await renderToString(tableReporter, r, { mode: 'scan', color: false, width: 80 });
  const lines = narrow.split('\n');
  const at = lines.findIndex((l) => l.includes('HIGH        CVE-2020-8203'));
  const cont = lines.slice(at + 1).filter((l, i, all) => all.slice(0, i + 1).every((x) => /^ {40,}\S/.test(x)));
  assert.equal(cont.length, 1, 'two lines at most');
  const tokens = new Set([...title.split(' '), ...'[exception EXC-42 (owner shop-team@example.com) until 2026-12-31] …'.split(' ')]);
  for (const w of [...lines[at]!.split('fixed in 4.17.19')[1]!.trim().split(' '), ...cont[0]!.trim().split(' ')]) assert.ok(tokens.has(w), `"${w}" is a whole word`);
  assert.ok(narrow.split('\n').filter((l) => l.includes('Prototype')).every((l) => l.length <= 80), 'the title line fits');
  assert.ok(narrow.includes('…'), 'a title longer than two lines ends with … at a word boundary');
  const wide = await renderToString(tableReporter, r, { mode: 'scan', color: false, width: 80, wide: true });
  assert.ok(wide.split('\n').some((l) => l.includes(title)), '--wide: the full title on one line');
  // base advice wraps too; its FROM line stands whole on a line of its own, to be copied
  const from = r.lineage!.advice![0]!.from!;
  const advice = lines.slice(lines.findIndex((l) => l.startsWith('Advice ')), lines.indexOf(`          ${from}`) + 1);
  assert.ok(advice.length >= 3, advice.join('\n'));
  assert.ok(advice.slice(0, -1).every((l) => l.length <= 80));
  assert.equal(advice.at(-1), `          ${from}`);
});

test('violations first by what decides the verdict: deny/KEV, then severity, then CVSS, then id; package groups follow', async () => {
  const r = sampleReport();
  const d = r.decision!;
  const lodash = r.findings.find((f) => f.kind === 'vulnerability' && f.package.name === 'lodash')!;
  d.suppressed = [];
  d.violations = [
    { policy: 'production', control: 'user', message: 'the image runs as root (no USER)', enforcement: 'block' },
    { policy: 'production', control: 'vulnerabilities.failOn', findingId: lodash.id, message: 'lodash high', enforcement: 'block' },
    { policy: 'production', control: 'vulnerabilities.knownExploited', findingId: 'vulnerability:aaaaaaaaaaaaaaaa', message: 'curl KEV', enforcement: 'block' },
  ];
  const out = await renderToString(tableReporter, r, { mode: 'scan', color: false });
  const order = ['curl KEV', 'lodash high', 'runs as root'].map((m) => out.indexOf(m));
  assert.deepEqual([...order].sort((a, b) => a - b), order, out);
  assert.ok(out.indexOf('curl 7.88.1') < out.indexOf('lodash 4.17.15  ('), 'the package with the deciding violation comes first');
});
