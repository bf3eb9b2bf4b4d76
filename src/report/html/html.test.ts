// The HTML report: a golden file of the sample report; escaping of hostile text; and, in headless
// Chromium (Debian's chromium driven by playwright-core), the verdict, the first action and an
// exception id are visible on the rendered page. The screenshot is docs/img/report.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleReport } from '../testdata/sample.js';
import { assertGolden } from '../golden.js';
import { REPO_ROOT } from '../../core/shared.js';
import type { ScanReport } from '../../core/report.js';
import { toHtml } from './index.js';

const CHROMIUM = '/usr/bin/chromium';

function withActionsAndSuppression(): ScanReport {
  const r = sampleReport();
  const v = r.findings.find((f) => f.kind === 'vulnerability')!;
  r.actions = [
    {
      package: v.kind === 'vulnerability' ? v.package : { name: 'x', version: '1', type: 'deb', purl: 'pkg:deb/x@1' },
      kind: 'upgrade',
      to: '7.88.1-10+deb12u4',
      text: 'upgrade curl 7.88.1-10+deb12u1 → 7.88.1-10+deb12u4',
      fixes: { ids: ['CVE-2023-38545'], bySeverity: { critical: 1 } },
      remaining: [],
      decides: true,
      kev: false,
      severity: 'critical',
    },
  ];
  r.decision!.suppressed.push({ findingId: v.id, by: 'exception', ruleId: 'EXC-2026-017', reason: 'mitigated by network policy', expires: '2026-12-31' });
  return r;
}

test('html report of the sample scan (golden)', () => {
  const html = toHtml(withActionsAndSuppression());
  assertGolden(html, fileURLToPath(new URL('./testdata/scan.golden.html', import.meta.url)));
  assert.ok(!/<script|https?:\/\/[^"]*\.(?:js|css)|@import/i.test(html), 'no scripts, no external resources');
});

test('hostile text is escaped and stripped of control characters', () => {
  const r = sampleReport();
  r.inventory.image.name = '<script>alert(1)</script>\u001b[2J"\'';
  const html = toHtml(r);
  assert.ok(!html.includes('<script>'));
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;[2J&quot;&#39;'));
});

test('renders in headless Chromium: verdict, first action and exception id are visible', async (t) => {
  if (!existsSync(CHROMIUM)) {
    const msg = `SKIPPED: ${CHROMIUM} not installed (apt-get install chromium; .ci/run installs it)`;
    console.log(msg);
    t.skip(msg);
    return;
  }
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-html-'));
  const file = join(dir, 'report.html');
  writeFileSync(file, toHtml(withActionsAndSuppression()));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const requests: string[] = [];
    page.on('request', (req) => requests.push(req.url()));
    await page.goto(`file://${file}`);
    assert.match(await page.locator('#verdict').innerText(), /^FAILED: 2 violations$/);
    assert.equal(await page.locator('ol.actions li').first().isVisible(), true);
    assert.match(await page.locator('ol.actions li').first().innerText(), /upgrade curl 7\.88\.1-10\+deb12u1 → 7\.88\.1-10\+deb12u4: fixes 1/);
    assert.equal(await page.getByText('EXC-2026-017').isVisible(), true);
    // base-image advice: the exact, digest-pinned FROM line to write
    assert.match(await page.locator('code.from').first().innerText(), /^FROM docker\.io\/library\/debian:12-slim@sha256:4{64}$/);
    assert.deepEqual(requests.filter((u) => !u.startsWith('file://')), [], 'no network fetches');
    if (process.env.PORTCULLIS_UPDATE_SCREENSHOT === '1') await page.screenshot({ path: join(REPO_ROOT, 'docs', 'img', 'report.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});
