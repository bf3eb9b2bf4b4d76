// The config check on the real orders-api image through the CLI: root user, port 22, no HEALTHCHECK,
// the .env file and the AWS key name in ENV; the Debian base's setuid binaries attributed to the base
// layer (origin base, from the catalog's layer match), not to the application.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedOrSkip } from '../src/core/shared.js';
import type { ScanReport } from '../src/core/report.js';
import type { ConfigFinding } from '../src/core/types.js';
import { cli } from './helpers/cli.js';
import { sharedDb } from './helpers/shared-db.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-config-check-'));

async function scanJson(image: string, extra: string[]): Promise<{ code: number; report: ScanReport; stderr: string }> {
  const out = join(dir, `r-${Math.random().toString(36).slice(2)}.json`);
  const r = await cli(['scan', image, '--db', await sharedDb(), '--quiet', '--base-catalog', 'examples/base-catalog.yaml', '--format', 'json', '--output', out, ...extra]);
  return { code: r.code, report: JSON.parse(readFileSync(out, 'utf8')) as ScanReport, stderr: r.stderr };
}

test('orders-api: the config check finds what was planted, and tells base from app', async (t) => {
  const image = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!image) return;
  const { report } = await scanJson(image, []);
  const cfg = report.findings.filter((f): f is ConfigFinding => f.kind === 'config');
  const checks = new Set(cfg.map((f) => f.check));
  for (const id of ['CIS-DI-0001', 'CIS-DI-0006', 'PCL-NET-0001', 'CIS-DI-0010', 'PCL-FS-0003']) assert.ok(checks.has(id), `${id} found`);
  assert.ok(!checks.has('PCL-NET-0003'), 'EXPOSE 8080 is not a privileged port');
  const setuid = cfg.filter((f) => f.check === 'CIS-DI-0008');
  assert.ok(setuid.some((f) => f.path === '/usr/bin/su'));
  for (const f of setuid) {
    assert.equal(f.layer?.index, 0, `${f.path} comes from the base layer`);
    assert.equal(f.origin, 'base', `${f.path} is attributed to the base`);
  }
  assert.equal(cfg.find((f) => f.check === 'PCL-FS-0003')!.path, '/srv/app/.env');
  assert.equal(cfg.find((f) => f.check === 'PCL-FS-0003')!.origin, 'app');
  assert.ok(!JSON.stringify(cfg).includes('AKIA'), 'the AWS key value is not in any config finding');
});

test('policy: config.failOn judges the findings, config.ignore drops a check, config.appOnly leaves the base\'s setuid binaries out', async (t) => {
  const image = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!image) return;
  const policy = (controls: string) => {
    const p = join(dir, `p-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(p, `apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: default}\nspec:\n  controls:\n    config: ${controls}\n    coverage: {onGap: ignore}\n`);
    return p;
  };
  const judged = (r: ScanReport) => {
    const byId = new Map(r.findings.map((f) => [f.id, f]));
    return [...new Set((r.decision?.violations ?? []).map((v) => (byId.get(v.findingId ?? '') as ConfigFinding | undefined)?.check))].sort();
  };
  const medium = await scanJson(image, ['--policy', policy('{failOn: medium}')]);
  assert.equal(medium.code, 1);
  assert.deepEqual(judged(medium.report), ['CIS-DI-0001', 'CIS-DI-0008', 'CIS-DI-0010', 'PCL-FS-0003', 'PCL-NET-0001']);
  const ignored = await scanJson(image, ['--policy', policy('{failOn: medium, appOnly: true, ignore: [CIS-DI-0001, PCL-NET-0001]}')]);
  assert.deepEqual(judged(ignored.report), ['CIS-DI-0010', 'PCL-FS-0003']);
  assert.ok(ignored.report.decision!.suppressed.some((s) => s.by === 'app-only' && s.ruleId === 'config.appOnly'));
});
