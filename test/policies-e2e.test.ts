// End to end: the example dev and production policies (examples/policies) on the real orders-api image
// with a DB built from ../shared/data, through the CLI: verdicts, the exact violations, a scoped
// exception, the allowlist by digest, and the decision record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedOrSkip } from '../src/core/shared.js';
import type { ScanReport } from '../src/core/report.js';
import { cli } from './helpers/cli.js';
import { sharedDb, SCAN_NOW } from './helpers/shared-db.js';

const IMAGE = 'fixtures/images/orders-api-1.4.2.docker.tar.gz';
const NOW = SCAN_NOW;
const dir = mkdtempSync(join(tmpdir(), 'portcullis-policy-e2e-'));

async function run(image: string, pipeline: string, extra: string[] = []): Promise<{ code: number; report: ScanReport; stderr: string }> {
  const out = join(dir, `report-${pipeline}-${Math.random().toString(36).slice(2)}.json`);
  const r = await cli(['scan', image, '--db', await sharedDb(), '--pipeline', pipeline, '--policy', 'examples/policies', '--quiet', '--format', 'table', '--output', `json=${out}`, ...extra], { now: NOW });
  return { code: r.code, report: JSON.parse(readFileSync(out, 'utf8')) as ScanReport, stderr: r.stderr };
}

function violations(r: ScanReport): string[] {
  const findings = new Map([...r.findings, ...(r.decision?.derivedFindings ?? [])].map((f) => [f.id, f]));
  return (r.decision?.violations ?? [])
    .map((v) => {
      const f = v.findingId ? findings.get(v.findingId) : undefined;
      const what = f?.kind === 'vulnerability' ? `${f.advisoryId} ${f.package.name}` : '';
      return `${v.policy} ${v.control} ${what}`.trim();
    })
    .sort();
}

test('dev fails only on what it could not check: a malware scan without signatures, and stale advisory sources', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const { code, report } = await run(image, 'dev-42');
  assert.equal(code, 1);
  assert.equal(report.decision?.verdict, 'fail');
  assert.deepEqual(report.decision?.policies, ['dev', 'dev-preview-of-production']);
  // the shared advisory data is months old for the sources this image needs (npm GHSA, malicious packages,
  // the Debian tracker without a data time), judged per source; and no malware signature database is given
  assert.deepEqual(violations(report), ['dev database.maxAgeHours', 'dev database.maxAgeHours', 'dev database.maxAgeHours', 'dev malware']);
  const byControl = Object.fromEntries(report.decision!.violations.map((v) => [v.control, v.message]));
  assert.match(byControl.malware!, /^not evaluated: the malware check ran partially/);
  assert.ok((report.decision?.warnings.length ?? 0) > 5);
  assert.ok(report.decision?.warnings.some((w) => w.control === 'user.forbidRoot'));
  // every check is listed with how completely it ran
  assert.deepEqual(report.checks?.map((c) => `${c.check} ${c.state}`), ['vulnerabilities complete', 'secrets complete', 'malware partial', 'config complete', 'licenses partial']);
});

test('orders-api with secrets: {failOn: any} exits 1 naming "not evaluated" for secrets, whatever coverage.onGap says', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const pol = join(dir, 'secrets-only.yaml');
  writeFileSync(pol, 'apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: secrets-only}\nspec:\n  controls:\n    secrets: {failOn: any}\n    coverage: {onGap: ignore}\n');
  // the secrets check is left out (--skip-check): the control over it cannot pass
  const r = await cli(['scan', image, '--db', await sharedDb(), '--policy', pol, '--skip-check', 'secrets', '--quiet', '--no-color'], { now: NOW });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /\[secrets-only\/secrets\] not evaluated: the secrets check did not run/);
  assert.match(r.stdout, /^Verdict {3}FAIL /m);
});

const PRODUCTION_VIOLATIONS = [
  'production baseImage.unknown',
  // the .env file shipped (config check); the root user (CIS-DI-0001) is judged once by user.forbidRoot and the
  // AWS key id in ENV (CIS-DI-0010) once by the secrets control (policy/overlap.ts)
  'production config.failOn',
  // advisory sources this image needs are stale (judged per source)
  ...Array.from({ length: 3 }, () => 'production database.maxAgeHours'),
  'production labels.required',
  // no license data for deb and golang packages; no malware signature database: not evaluated
  'production licenses',
  'production malware',
  // the planted secrets: GitHub token and Stripe key in /srv/app/.env, the RSA key, the AWS key id in Env and history
  ...Array.from({ length: 5 }, () => 'production secrets.failOn'),
  'production user.forbidRoot',
  'production vulnerabilities.failOn CVE-2020-8203 lodash',
  'production vulnerabilities.failOn CVE-2021-23337 lodash',
  'production vulnerabilities.failOn CVE-2021-44906 minimist',
  'production vulnerabilities.failOn CVE-2022-23529 jsonwebtoken',
  'production vulnerabilities.failOn CVE-2022-24999 qs',
  'production vulnerabilities.failOn CVE-2024-45296 path-to-regexp',
  'production vulnerabilities.failOn CVE-2024-45590 body-parser',
  'production vulnerabilities.failOn CVE-2024-52798 path-to-regexp',
  'production vulnerabilities.failOn CVE-2025-15284 qs',
  'production vulnerabilities.failOn CVE-2026-4800 lodash',
  'production vulnerabilities.failOn CVE-2026-4867 path-to-regexp',
].sort();

test('production fails with the exact list of violations; a scoped exception flips one', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const { code, report } = await run(image, 'release-7');
  assert.equal(code, 1);
  assert.equal(report.decision?.verdict, 'fail');
  assert.deepEqual(violations(report), PRODUCTION_VIOLATIONS);
  // unfixed Debian findings (zlib, shadow, krb5, openssl no-dsa) are suppressed by ignoreUnfixed, and stay in the report
  assert.ok(report.decision!.suppressed.some((s) => s.by === 'ignore-unfixed'));

  const exc = join(dir, 'exceptions.yaml');
  writeFileSync(
    exc,
    [
      'apiVersion: portcullis/v1',
      'kind: Exceptions',
      'exceptions:',
      '  - id: EXC-7',
      '    finding: CVE-2021-44906',
      '    scope: {repository: docker.io/shop/orders-api}',
      '    package: pkg:npm/minimist',
      '    created: 2026-08-01',
      '    expires: 2026-10-15',
      '    reason: "argv parsing of trusted input only"',
      '    owner: security@example.com',
      '  - id: EXC-8',
      '    finding: CVE-2022-24999',
      '    scope: {repository: docker.io/shop/evil-orders-api}',
      '    created: 2026-08-01',
      '    expires: 2026-10-15',
      '    reason: "another repository: must not apply (anchored)"',
      '    owner: security@example.com',
      '  - id: EXC-9',
      '    finding: CVE-1999-0001',
      '    scope: {repository: docker.io/shop/*}',
      '    created: 2026-08-01',
      '    expires: 2026-10-15',
      '    reason: "matches nothing in this image"',
      '    owner: security@example.com',
    ].join('\n'),
  );
  const withExc = await run(image, 'release-7', ['--exceptions', exc]);
  assert.equal(withExc.code, 1);
  assert.deepEqual(violations(withExc.report), PRODUCTION_VIOLATIONS.filter((v) => !v.includes('minimist')));
  const sup = withExc.report.decision!.suppressed.find((s) => s.ruleId === 'EXC-7');
  assert.equal(sup?.by, 'exception');
  assert.ok(withExc.report.decision!.notices.some((n) => n.includes('EXC-9')), 'the exception that matched nothing is listed');
  assert.ok(!withExc.report.decision!.suppressed.some((s) => s.ruleId === 'EXC-8'), 'evil-orders-api scope does not apply');
});

test('allowlisting the image by digest passes it; a tag allowlist with another digest does not', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const first = await run(image, 'release-7');
  const id = first.report.inventory.image.configDigest!;
  const allow = (ref: string) => {
    const f = join(dir, `allow-${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(f, `apiVersion: portcullis/v1\nkind: Exceptions\nallowlist:\n  - image: ${ref}\n    expires: 2026-10-31\n    reason: frozen\n    owner: cto@example.com\n`);
    return f;
  };
  const ok = await run(image, 'release-7', ['--exceptions', allow(`docker.io/shop/orders-api@${id}`), '--decision', join(dir, 'decision.json')]);
  assert.equal(ok.code, 0);
  assert.equal(ok.report.decision?.verdict, 'pass');
  assert.ok(ok.report.decision?.allowlisted);
  const record = JSON.parse(readFileSync(join(dir, 'decision.json'), 'utf8')) as { verdict: string; image: { configDigest: string }; policies: { digest: string } };
  assert.equal(record.verdict, 'pass');
  assert.equal(record.image.configDigest, id);
  assert.match(record.policies.digest, /^sha256:[0-9a-f]{64}$/);

  const other = `sha256:${'0'.repeat(64)}`;
  const no = await run(image, 'release-7', ['--exceptions', allow(`docker.io/shop/orders-api:1.4.2@${other}`)]);
  assert.equal(no.code, 1);
  assert.equal(no.report.decision?.allowlisted, undefined);
});

test('no policy for the pipeline is exit 2; invalid policy files name file and field', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const r = await cli(['scan', image, '--db', await sharedDb(), '--pipeline', 'nightly', '--policy', 'examples/policies', '--quiet'], { now: NOW });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^portcullis: .*nightly/m);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: x}\nspec:\n  controls:\n    vulnerabilities: {failOn: hihg}\n');
  const v = await cli(['scan', image, '--db', await sharedDb(), '--pipeline', 'x', '--policy', bad, '--quiet'], { now: NOW });
  assert.equal(v.code, 2);
  assert.match(v.stderr, /bad\.yaml:6: spec\.controls\.vulnerabilities\.failOn/);
  // policies are validated before the image is read: a typo fails fast, even with a missing image
  const fast = await cli(['scan', join(dir, 'no-such-image.tar'), '--db', await sharedDb(), '--pipeline', 'x', '--policy', bad, '--quiet'], { now: NOW });
  assert.equal(fast.code, 2);
  assert.match(fast.stderr, /bad\.yaml:6/);
});

test('an exception that never expires (9999-12-31) is refused by scan: exit 2 naming the limit', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const exc = join(dir, 'forever.yaml');
  writeFileSync(exc, 'apiVersion: portcullis/v1\nkind: Exceptions\nexceptions:\n  - {id: FOREVER, finding: CVE-2021-44906, scope: {repository: docker.io/shop/orders-api}, expires: 9999-12-31, reason: r, owner: o}\n');
  const r = await cli(['scan', image, '--db', await sharedDb(), '--pipeline', 'release-7', '--policy', 'examples/policies', '--exceptions', exc, '--quiet'], { now: NOW });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /forever\.yaml:4: exception FOREVER: lives \d+ days .*longer than spec\.exceptions\.maxDays: 90 of policy production/);
});
