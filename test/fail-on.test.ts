// `scan IMAGE --fail-on SEV`: a quick gate without a policy file (an inline policy: vulnerabilities.failOn
// plus the default fail-closed rules), named as such in the verdict and the decision record; `--exit-code N`
// for the failing code; refused together with --policy; a repository's portcullis.yaml may not set it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanReport } from '../src/core/report.js';
import type { DecisionRecord } from '../src/policy/record.js';
import { buildDb } from '../src/advisory/index.js';
import { fixedClock } from '../src/core/clock.js';
import { sharedOrSkip } from '../src/core/shared.js';
import { dockerArchive, makeTar } from '../src/source/testkit.js';
import { cli } from './helpers/cli.js';
import { sharedDb } from './helpers/shared-db.js';

const NOW = '2026-03-02T00:00:00.000Z';
const dir = mkdtempSync(join(tmpdir(), 'portcullis-fail-on-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

/** An Alpine image with musl at `version`, and a DB in which musl < 1.2.4-r3 has a critical CVE. */
async function fixture(version: string): Promise<{ image: string; db: string }> {
  const sub = mkdtempSync(join(dir, 'case-'));
  const layer = await makeTar([
    { name: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.1\n' },
    { name: 'lib/apk/db/installed', content: `P:musl\nV:${version}\nA:x86_64\no:musl\n` },
  ]);
  writeFileSync(join(sub, 'app.tar'), await dockerArchive([layer], { repoTags: ['shop/api:1.0'] }));
  mkdirSync(join(sub, 'osv'));
  writeFileSync(
    join(sub, 'osv', 'musl.json'),
    JSON.stringify({ id: 'CVE-2026-0001', modified: '2026-03-01T00:00:00Z', severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }], affected: [{ package: { ecosystem: 'Alpine:v3.19', name: 'musl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2.4-r3' }] }] }] }),
  );
  await buildDb([`osv:${join(sub, 'osv')}`], join(sub, 'db.sqlite'), { clock: fixedClock(NOW) });
  return { image: join(sub, 'app.tar'), db: join(sub, 'db.sqlite') };
}

test('--fail-on critical fails on a critical vulnerability, names the inline policy, and passes once it is fixed', async () => {
  const bad = await fixture('1.2.4-r2');
  const rec = join(dir, 'decision.json');
  const r = await cli(['scan', bad.image, '--db', bad.db, '--fail-on', 'CRITICAL', '--format', 'json', '--output', join(dir, 'r.json'), '--decision', rec], { now: NOW });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^portcullis: FAILED shop\/api:1\.0 \(pipeline default; policy inline:--fail-on=critical \(local use; not a security team's policy\)\): 1 violation,/m);
  const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as ScanReport;
  assert.deepEqual(report.decision?.policies, ['inline:--fail-on=critical']);
  assert.deepEqual(report.decision?.violations.map((v) => `${v.policy} ${v.control}`), ['inline:--fail-on=critical vulnerabilities.failOn']);
  const record = JSON.parse(readFileSync(rec, 'utf8')) as DecisionRecord;
  assert.deepEqual(record.policies.names, ['inline:--fail-on=critical']);
  assert.equal(record.policies.note, "local use; not a security team's policy");
  assert.match(record.policies.digest, /^sha256:[0-9a-f]{64}$/);
  assert.equal(record.policies.files, undefined);

  // the table says it too
  const table = await cli(['scan', bad.image, '--db', bad.db, '--fail-on', 'critical', '--quiet', '--no-color'], { now: NOW });
  assert.equal(table.code, 1);
  assert.match(table.stdout, /policies: inline:--fail-on=critical \(local use; not a security team's policy\)/);
  assert.match(table.stdout, /\[inline:--fail-on=critical\/vulnerabilities\.failOn\] CVE-2026-0001/);

  const good = await fixture('1.2.4-r3');
  const ok = await cli(['scan', good.image, '--db', good.db, '--fail-on', 'critical', '--format', 'json', '--output', join(dir, 'ok.json')], { now: NOW });
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /PASSED .*inline:--fail-on=critical/);
});

test('--fail-on keeps the fail-closed rules: a stale DB fails, whatever the severities', async () => {
  const good = await fixture('1.2.4-r3');
  // four days after the DB was built: older than the inline policy's 72 hours
  const r = await cli(['scan', good.image, '--db', good.db, '--fail-on', 'critical', '--quiet', '--no-color'], { now: '2026-03-06T00:00:00.000Z' });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /\[inline:--fail-on=critical\/database\.maxAgeHours\]/);
  // --max-db-age moves the limit of the inline policy too
  const later = await cli(['scan', good.image, '--db', good.db, '--fail-on', 'critical', '--max-db-age', '240', '--quiet'], { now: '2026-03-06T00:00:00.000Z' });
  assert.equal(later.code, 0, later.stdout);
});

test('--exit-code sets the failing code; a pass stays 0 and an error stays 2', async () => {
  const bad = await fixture('1.2.4-r2');
  const good = await fixture('1.2.4-r3');
  assert.equal((await cli(['scan', bad.image, '--db', bad.db, '--fail-on', 'high', '--exit-code', '7', '--quiet'], { now: NOW })).code, 7);
  assert.equal((await cli(['scan', good.image, '--db', good.db, '--fail-on', 'high', '--exit-code', '7', '--quiet'], { now: NOW })).code, 0);
  const missing = await cli(['scan', join(dir, 'nope.tar'), '--db', bad.db, '--fail-on', 'high', '--exit-code', '7', '--quiet'], { now: NOW });
  assert.equal(missing.code, 2);
  // with a policy file too
  const pol = join(dir, 'p.yaml');
  writeFileSync(pol, 'apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: default}\nspec:\n  controls:\n    vulnerabilities: {failOn: high}\n');
  assert.equal((await cli(['scan', bad.image, '--db', bad.db, '--policy', pol, '--exit-code', '3', '--quiet'], { now: NOW })).code, 3);
  for (const code of ['0', '2', 'x', '300']) {
    const r = await cli(['scan', bad.image, '--db', bad.db, '--fail-on', 'high', '--exit-code', code], { now: NOW });
    assert.equal(r.code, 2, code);
    assert.match(r.stderr, /^portcullis: --exit-code: expected a number from 1 to 125 other than 2/, code);
  }
});

test('--fail-on is refused with --policy, refused from a repository portcullis.yaml, and a bad value is one line', async () => {
  const bad = await fixture('1.2.4-r2');
  const pol = join(dir, 'q.yaml');
  writeFileSync(pol, 'apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: default}\nspec: {controls: {}}\n');
  const both = await cli(['scan', bad.image, '--db', bad.db, '--fail-on', 'high', '--policy', pol], { now: NOW });
  assert.equal(both.code, 2);
  assert.match(both.stderr, /^portcullis: --fail-on and --policy exclude each other/);
  const wrong = await cli(['scan', bad.image, '--db', bad.db, '--fail-on', 'severe'], { now: NOW });
  assert.equal(wrong.code, 2);
  assert.equal(wrong.stderr, 'portcullis: --fail-on: expected one of negligible, low, medium, high, critical, got "severe"\n');

  const repo = mkdtempSync(join(dir, 'repo-'));
  const cwd = process.cwd();
  writeFileSync(join(repo, 'portcullis.yaml'), 'fail-on: negligible\n');
  process.chdir(repo);
  try {
    const r = await cli(['scan', bad.image, '--db', bad.db], { now: NOW });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /portcullis\.yaml:1: fail-on: refused: a portcullis\.yaml found in the working directory belongs to the repository being gated/);
  } finally {
    process.chdir(cwd);
  }
});

test('orders-api: --fail-on high fails on its high vulnerabilities with the fail-closed rules', async (t) => {
  const image = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!image) return;
  const out = join(dir, 'orders.json');
  const r = await cli(['scan', image, '--db', await sharedDb(), '--fail-on', 'high', '--quiet', '--format', 'json', '--output', out]);
  assert.equal(r.code, 1);
  const report = JSON.parse(readFileSync(out, 'utf8')) as ScanReport;
  const controls = new Set(report.decision?.violations.map((v) => v.control));
  assert.ok(controls.has('vulnerabilities.failOn'));
  // the Debian tracker sample carries no data time: its freshness cannot be judged, so the gate fails closed
  assert.ok(controls.has('database.maxAgeHours'));
  // only the vulnerabilities control: secrets, root user and config are not this policy's business
  assert.ok([...controls].every((c) => c.startsWith('vulnerabilities.') || c === 'database.maxAgeHours' || c.startsWith('coverage')), [...controls].join(', '));
});
