// Secrets on the real images (../shared/fixtures/images): orders-api's planted GitHub token and Stripe key
// in /srv/app/.env, the RSA key /srv/app/deploy_key.pem and the AWS key id in ENV (and in history) are
// found with layer and line, and no output format, --debug or the decision record prints any of them;
// debian-12-slim (the base) gives no secret findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedOrSkip } from '../src/core/shared.js';
import type { ScanReport } from '../src/core/report.js';
import type { SecretFinding } from '../src/core/types.js';
import { cli } from './helpers/cli.js';
import { sharedDb } from './helpers/shared-db.js';

const ORDERS = 'fixtures/images/orders-api-1.4.2.docker.tar.gz';
const SLIM = 'fixtures/images/debian-12-slim.oci.tar';

/** the planted values, read from the image itself so this file holds none of them */
function planted(image: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-planted-'));
  const r = spawnSync('tar', ['xzf', image, '-C', dir]);
  assert.equal(r.status, 0);
  const layer = readdirSync(dir).find((n) => n.startsWith('b31c1b88'))!;
  const x = spawnSync('tar', ['xOf', join(dir, layer), 'srv/app/.env']);
  const env = x.stdout.toString();
  const values = [...env.matchAll(/=(ghp_\w+|sk_live_\w+)/g)].map((m) => m[1]!);
  const key = spawnSync('tar', ['xOf', join(dir, layer), 'srv/app/deploy_key.pem']).stdout.toString().split('\n')[1]!;
  const config = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((n) => n.endsWith('.json') && n !== 'manifest.json')!), 'utf8'));
  const aws = (config.config.Env as string[]).find((e) => e.startsWith('AWS_ACCESS_KEY_ID='))!.split('=')[1]!;
  assert.equal(values.length, 2);
  return [...values, aws, key.slice(0, 40)];
}

test('orders-api: the four planted secrets with rule, path, line and layer; none printed by any output', async (t) => {
  const image = sharedOrSkip(t, ORDERS);
  if (!image) return;
  const secrets = planted(image);
  const out = mkdtempSync(join(tmpdir(), 'secrets-out-'));
  const formats = ['json', 'sarif', 'junit', 'cyclonedx', 'markdown'];
  const r = await cli([
    'scan', image, '--db', await sharedDb(), '--pipeline', 'release-1', '--policy', 'examples/policies', '--decision', join(out, 'decision.json'),
    '--format', 'table', ...formats.flatMap((f) => ['--output', `${f}=${join(out, `report.${f}`)}`]), '--debug',
  ]);
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ScanReport;
  const found = report.findings
    .filter((f): f is SecretFinding => f.kind === 'secret')
    .map((f) => [f.rule, f.path, f.line ?? null, f.layer?.index ?? null])
    .sort();
  assert.deepEqual(found, [
    ['aws-access-token', 'config:env/AWS_ACCESS_KEY_ID', null, 1],
    ['aws-access-token', 'config:history/2', null, 1],
    ['github-pat', '/srv/app/.env', 2, 2],
    ['private-key', '/srv/app/deploy_key.pem', 1, 2],
    ['stripe-access-token', '/srv/app/.env', 3, 2],
  ]);
  const secretViolations = (report.decision?.violations ?? []).filter((v) => v.control === 'secrets.failOn');
  assert.equal(secretViolations.length, 5);
  const sboms = await Promise.all(['json', 'cyclonedx', 'spdx-json', 'table'].map((f) => cli(['sbom', image, '--format', f, '--debug'])));
  const texts: [string, string][] = [
    ['table + --debug', r.stdout + r.stderr],
    ...formats.map((f): [string, string] => [f, readFileSync(join(out, `report.${f}`), 'utf8')]),
    ['decision record', readFileSync(join(out, 'decision.json'), 'utf8')],
    ...sboms.map((s, i): [string, string] => [`sbom ${i}`, s.stdout + s.stderr]),
  ];
  for (const [name, text] of texts) {
    assert.ok(text.length > 100, `${name} is empty`);
    for (const s of secrets) assert.ok(!text.includes(s), `${name} prints a planted secret (${s.slice(0, 4)}…)`);
  }
  assert.ok(readFileSync(join(out, 'report.json'), 'utf8').includes('AWS_ACCESS_KEY_ID=***REDACTED***'));
});

test('debian-12-slim: no secret findings', async (t) => {
  const image = sharedOrSkip(t, SLIM);
  if (!image) return;
  const r = await cli(['scan', image, '--db', await sharedDb(), '--format', 'json', '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as ScanReport;
  assert.deepEqual(report.findings.filter((f) => f.kind === 'secret' || (f.kind === 'coverage-gap' && f.subject.startsWith('/'))), []);
});
