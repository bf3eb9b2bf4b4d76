// Owners routing end to end through `portcullis scan` on the real orders-api image: a portcullis.yaml in
// the working directory sets `notify:` (the default recipients) and `owners:` (an owners file), the policy
// has `spec.notify` (the whole message) and `spec.owners` (the platform team owns the OS packages). Local
// receivers on 127.0.0.1 check who got which share, verify the HMAC, and receivers that hang or answer
// 500 leave the scan's exit code (the verdict's) alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedOrSkip } from '../src/core/shared.js';
import type { ScanReport } from '../src/core/report.js';
import type { Finding } from '../src/core/types.js';
import type { JsonPayload } from '../src/notify/index.js';
import { cli } from './helpers/cli.js';
import { receiver } from './helpers/receiver.js';
import { sharedDb } from './helpers/shared-db.js';

const SECRET = 'owners-webhook-secret';
const cwd = process.cwd();


function policy(url: string): string {
  return `apiVersion: portcullis/v1
kind: AssurancePolicy
metadata: {name: gate}
spec:
  notify: ["${url}/security"]
  owners:
    - {team: platform, notify: ["${url}/platform"], paths: ["/var/lib/dpkg/", "/usr/**"]}
  controls:
    vulnerabilities: {failOn: high}
    secrets: {failOn: any}
    coverage: {onGap: ignore}
`;
}

const OWNERS = (url: string) => `# who owns what in orders-api
@app      ${url}/app
@secops   \${SECOPS_HOOK}
@ghost    $NOT_SET_ANYWHERE

/srv/app/                         @app
/srv/app/.env                     @secops   # last match wins: the .env file is secops', not the app team's
/srv/app/node_modules/qs/**       @app @ghost
`;

function setup(t: { after(fn: () => void): void }, url: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-owners-'));
  t.after(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });
  writeFileSync(join(dir, 'policy.yaml'), policy(url));
  writeFileSync(join(dir, 'OWNERS'), OWNERS(url));
  writeFileSync(join(dir, 'portcullis.yaml'), `notify: "${url}/default"\nowners: OWNERS\nnotify-timeout: 300\n`);
  process.chdir(dir);
  return dir;
}

function pathOf(f: Finding | undefined): string | undefined {
  if (!f) return undefined;
  if (f.kind === 'vulnerability' || f.kind === 'license') return f.package.path;
  if (f.kind === 'secret' || f.kind === 'malware' || f.kind === 'config') return f.path ?? f.package?.path;
  return undefined;
}

test('portcullis.yaml notify: + owners: on orders-api: each owner gets its share, signed; the policy URL gets everything', async (t) => {
  const image = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!image) return;
  const db = await sharedDb();
  const rx = await receiver(t, 'ok');
  const dir = setup(t, rx.url);
  const r = await cli(['scan', image, '--db', db, '--policy', join(dir, 'policy.yaml'), '--skip-check', 'malware', '--quiet', '--format', 'json', '--output', join(dir, 'r.json')], {
    env: { PORTCULLIS_NOTIFY_SECRET: SECRET, SECOPS_HOOK: `${rx.url}/secops` },
  });
  assert.equal(r.code, 1, r.stderr);
  // the unset variable is named (never a URL); the run goes on
  assert.match(r.stderr, /owners OWNERS:4: @ghost: \$NOT_SET_ANYWHERE is not set: no notification to it/);
  assert.ok(!r.stderr.includes(rx.url), 'no receiver URL on stderr');

  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as ScanReport;
  const d = report.decision!;
  const byId = new Map([...report.findings, ...(d.derivedFindings ?? [])].map((f) => [f.id, f]));
  // expected shares, from the rules above, computed from the report
  const expect: Record<string, string[]> = { app: [], secops: [], platform: [], default: [] };
  for (const v of d.violations) {
    const p = pathOf(v.findingId ? byId.get(v.findingId) : undefined) ?? '';
    const who = p === '/srv/app/.env' ? 'secops' : p.startsWith('/srv/app/') ? 'app' : p.startsWith('/var/lib/dpkg/') || p.startsWith('/usr/') ? 'platform' : 'default';
    expect[who]!.push(`${v.control} ${v.message}`);
  }
  for (const k of Object.keys(expect)) assert.ok(expect[k]!.length > 0, `orders-api has violations for ${k}`);

  const got = new Map<string, JsonPayload>();
  for (const g of rx.got) {
    assert.ok(!got.has(g.path), `one message per URL (${g.path})`);
    assert.equal(g.headers['x-portcullis-signature'], `sha256=${createHmac('sha256', SECRET).update(g.body).digest('hex')}`);
    got.set(g.path, JSON.parse(g.body) as JsonPayload);
  }
  // deterministic order: the policy's URL, the owners in the order of the decision's violations, the defaults
  const firstSeen = (who: string) => d.violations.findIndex((v) => expect[who]!.includes(`${v.control} ${v.message}`));
  const owners = ['app', 'secops', 'platform'].sort((a, b) => firstSeen(a) - firstSeen(b)).map((w) => `/${w}`);
  assert.deepEqual([...got.keys()], ['/security', ...owners, '/default']);
  assert.deepEqual([...got.keys()].sort(), ['/app', '/default', '/platform', '/secops', '/security']);
  const whole = got.get('/security')!;
  assert.equal(whole.routed, undefined);
  assert.equal(whole.violations.length, Math.min(50, d.violations.length));
  for (const [who, lines] of Object.entries(expect)) {
    const p = got.get(`/${who}`)!;
    assert.equal(p.verdict, 'fail');
    assert.deepEqual(p.violations.map((v) => `${v.control} ${v.message}`), lines.slice(0, 50), who);
    assert.deepEqual(p.routed?.of, { violations: d.violations.length, warnings: d.warnings.length });
  }
  assert.deepEqual(got.get('/app')!.routed!.owners, ['@app']);
  assert.deepEqual(got.get('/platform')!.routed!.owners, ['@platform']);
  assert.deepEqual(got.get('/default')!.routed!.owners, []);
  // the app team's actions are its packages' upgrades; the secops share has none
  assert.ok(got.get('/app')!.actions.some((a) => /^upgrade qs /.test(a)));
  assert.deepEqual(got.get('/secops')!.actions, []);
  assert.ok(!got.get('/platform')!.actions.some((a) => /^upgrade (qs|lodash|minimist) /.test(a)));
});

test('receivers that hang or answer 500 leave the exit code alone (--exit-code too)', async (t) => {
  const image = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!image) return;
  const db = await sharedDb();
  const hung = await receiver(t, 'hang');
  const broken = await receiver(t, 'error');
  const dir = setup(t, hung.url);
  const r = await cli(['scan', image, '--db', db, '--policy', join(dir, 'policy.yaml'), '--skip-check', 'malware', '--quiet', '--format', 'json', '--output', join(dir, 'r.json'), '--exit-code', '3'], {
    env: { PORTCULLIS_NOTIFY_SECRET: SECRET, SECOPS_HOOK: `${broken.url}/secops` },
  });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /failed: no answer within 300 ms \(the verdict is unchanged\)/);
  assert.match(r.stderr, /failed: HTTP 500 \(the verdict is unchanged\)/);
  assert.equal(broken.got.length, 3, 'a 500 is retried twice');
  assert.deepEqual([...new Set(hung.got.map((g) => g.path))].sort(), ['/app', '/default', '/platform', '/security']);
});

test('a malformed owners file fails the run before the scan, naming file:line, never a URL', async (t) => {
  const dir = setup(t, 'http://127.0.0.1:9');
  writeFileSync(join(dir, 'OWNERS'), '@app https://hooks.slack.com/services/T/B/SECRETTOKEN\n/srv/app/ @app hooks.slack.com/services/T/B/OTHERSECRET\n');
  const r = await cli(['scan', 'nothing.tar', '--policy', join(dir, 'policy.yaml'), '--quiet'], {});
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /OWNERS:2: owner 2: expected @team, an http\(s\) URL or \$VARIABLE/);
  assert.ok(!/SECRET/.test(r.stderr), r.stderr);
});
