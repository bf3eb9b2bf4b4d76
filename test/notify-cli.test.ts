// `scan --notify URL` and a policy's `notify:` through the CLI, against local HTTP receivers: the JSON
// payload signed with PORTCULLIS_NOTIFY_SECRET, Slack's text/blocks for a Slack-style URL, the owning
// team's URL told only when its policy failed, and receivers that hang or answer 500 change neither the
// verdict nor the exit code (--exit-code included): they are reported on stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDb } from '../src/advisory/index.js';
import { fixedClock } from '../src/core/clock.js';
import { dockerArchive, makeTar } from '../src/source/testkit.js';
import { cli } from './helpers/cli.js';
import { receiver } from './helpers/receiver.js';

const NOW = '2026-03-02T00:00:00.000Z';
const SECRET = 'team-webhook-secret';
const dir = mkdtempSync(join(tmpdir(), 'portcullis-notify-cli-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** An Alpine image with a musl that a critical CVE affects (fixed in 1.2.4-r3), and its DB. */
let made: Promise<{ image: string; db: string }> | undefined;
function fixture(): Promise<{ image: string; db: string }> {
  return (made ??= makeFixture());
}

async function makeFixture(): Promise<{ image: string; db: string }> {
  const layer = await makeTar([
    { name: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.1\n' },
    { name: 'lib/apk/db/installed', content: 'P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\n' },
  ]);
  writeFileSync(join(dir, 'app.tar'), await dockerArchive([layer], { repoTags: ['shop/api:1.0'] }));
  mkdirSync(join(dir, 'osv'));
  writeFileSync(
    join(dir, 'osv', 'musl.json'),
    JSON.stringify({ id: 'CVE-2026-0001', modified: '2026-03-01T00:00:00Z', severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }], affected: [{ package: { ecosystem: 'Alpine:v3.19', name: 'musl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2.4-r3' }] }] }] }),
  );
  await buildDb([`osv:${join(dir, 'osv')}`], join(dir, 'db.sqlite'), { clock: fixedClock(NOW) });
  return { image: join(dir, 'app.tar'), db: join(dir, 'db.sqlite') };
}


function policy(name: string, failOn: string, notify: string): string {
  return `---
apiVersion: portcullis/v1
kind: AssurancePolicy
metadata: {name: ${name}}
spec:
  notify: ["${notify}"]
  controls:
    vulnerabilities: {failOn: ${failOn}}
    coverage: {onGap: ignore}
`;
}

test('--notify: signed JSON and Slack payloads arrive; hanging and failing receivers leave the verdict and --exit-code alone', async (t) => {
  const { image, db } = await fixture();
  const json = await receiver(t, 'ok');
  const slack = await receiver(t, 'ok');
  const broken = await receiver(t, 'error');
  const hung = await receiver(t, 'hang');
  const args = ['scan', image, '--db', db, '--fail-on', 'critical', '--format', 'json', '--output', join(dir, 'r.json'), '--notify-timeout', '300', '--report-url', 'https://ci.example/job/1/report.html'];
  for (const u of [`${json.url}/hook`, `${slack.url}/services/T000/B000/XXXX`, `${broken.url}/hook`, `${hung.url}/hook`]) args.push('--notify', u);
  const r = await cli([...args, '--exit-code', '3'], { now: NOW, env: { PORTCULLIS_NOTIFY_SECRET: SECRET } });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^portcullis: FAILED shop\/api:1\.0/m);
  assert.match(r.stderr, /notification to http:\/\/127\.0\.0\.1:\d+\/… failed: HTTP 500 \(the verdict is unchanged\)/);
  assert.match(r.stderr, /notification to http:\/\/127\.0\.0\.1:\d+\/… failed: no answer within 300 ms \(the verdict is unchanged\)/);
  assert.equal(broken.got.length, 3, 'a 500 is retried twice');

  // the JSON payload: versioned, signed over the exact body, the violation with its fix and the report link
  assert.equal(json.got.length, 1);
  const sent = json.got[0]!;
  assert.equal(sent.headers['x-portcullis-signature'], `sha256=${createHmac('sha256', SECRET).update(sent.body).digest('hex')}`);
  const payload = JSON.parse(sent.body) as { version: string; verdict: string; image: { name: string; digest?: string }; violations: { control: string; fix?: string }[]; actions: string[]; reportUrl?: string };
  assert.equal(payload.version, 'portcullis.notification/v1');
  assert.equal(payload.verdict, 'fail');
  assert.equal(payload.image.name, 'shop/api:1.0');
  assert.match(payload.image.digest ?? '', /^sha256:[0-9a-f]{64}$/);
  assert.deepEqual(payload.violations.map((v) => v.control), ['vulnerabilities.failOn']);
  assert.match(payload.violations[0]!.fix ?? '', /1\.2\.4-r3/);
  assert.match(payload.actions[0] ?? '', /^upgrade musl 1\.2\.4-r2 → 1\.2\.4-r3: fixes 1/);
  assert.equal(payload.reportUrl, 'https://ci.example/job/1/report.html');

  // Slack: text and blocks, no signature
  assert.equal(slack.got.length, 1);
  const s = JSON.parse(slack.got[0]!.body) as { text: string; blocks: unknown[] };
  assert.match(s.text, /Failed: shop\/api:1\.0/);
  assert.ok(s.blocks.length >= 2);
  assert.equal(slack.got[0]!.headers['x-portcullis-signature'], undefined);

  // without --exit-code the failing code is 1, whatever the receivers did
  const plain = await cli(['scan', image, '--db', db, '--fail-on', 'critical', '--quiet', '--format', 'json', '--output', join(dir, 'r2.json'), '--notify-timeout', '300', '--notify', `${hung.url}/hook`], { now: NOW });
  assert.equal(plain.code, 1, plain.stderr);
});

test("a policy's notify: only the owning team of a policy that failed is told; a pass tells nobody", async (t) => {
  const { image, db } = await fixture();
  const strict = await receiver(t, 'ok');
  const lax = await receiver(t, 'ok');
  const policies = join(dir, 'policies.yaml');
  writeFileSync(policies, policy('strict', 'critical', `${strict.url}/team-a`) + policy('lax', 'none', `${lax.url}/team-b`));
  const r = await cli(['scan', image, '--db', db, '--policy', policies, '--quiet', '--format', 'json', '--output', join(dir, 'p.json')], { now: NOW });
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(strict.got.map((g) => g.path), ['/team-a']);
  assert.equal(lax.got.length, 0, 'lax passed: its team is not told');
  // only lax in force: a pass without warnings, nobody is told
  writeFileSync(policies, policy('lax', 'none', `${lax.url}/team-b`));
  const pass = await cli(['scan', image, '--db', db, '--policy', policies, '--quiet', '--format', 'json', '--output', join(dir, 'p2.json')], { now: NOW });
  assert.equal(pass.code, 0, pass.stderr);
  assert.equal(lax.got.length, 0);
});
