// `scan --format gitlab` on the real orders-api image under the example production policy: the report
// validates against GitLab's container scanning schema 15.0.7 (ajv), an excepted finding is left out and
// counted, the verdict and what could not be checked are in scan.messages, and the exit code stays the gate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedOrSkip } from '../src/core/shared.js';
import { gitlabValidator } from '../src/report/schemas.js';
import { cli } from './helpers/cli.js';
import { sharedDb } from './helpers/shared-db.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-gitlab-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));

type Doc = { scan: { status: string; messages: { level: string; value: string }[] }; vulnerabilities: { identifiers: { value: string }[]; location: { image: string; operating_system: string; dependency: { package: { name: string } } } }[] };

test('orders-api under the production policy: a valid GitLab container scanning report, exit 1', async (t) => {
  const image = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!image) return;
  const exc = join(dir, 'exceptions.yaml');
  writeFileSync(exc, [
    'apiVersion: portcullis/v1', 'kind: Exceptions', 'exceptions:',
    '  - id: EXC-1', '    finding: CVE-2023-45853', '    scope: {all: true}', '    package: pkg:deb/debian/zlib1g',
    '    expires: 2026-10-01', '    reason: not reachable', '    owner: security@example.com', '',
  ].join('\n'));
  const out = join(dir, 'gl-container-scanning-report.json');
  const r = await cli(['scan', image, '--db', await sharedDb(), '--pipeline', 'release-7', '--policy', 'examples/policies', '--exceptions', exc, '--format', 'GitLab', '--output', out, '--quiet']);
  assert.equal(r.code, 1, r.stderr);
  const doc = JSON.parse(readFileSync(out, 'utf8')) as Doc;
  const validate = gitlabValidator();
  assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
  assert.ok(doc.vulnerabilities.length > 20);
  const ids = doc.vulnerabilities.map((v) => `${v.identifiers[0]!.value} ${v.location.dependency.package.name}`);
  assert.ok(ids.includes('CVE-2021-23337 lodash'));
  assert.ok(!ids.some((i) => i.startsWith('CVE-2023-45853 zlib1g')), 'the excepted finding is left out');
  assert.ok(doc.scan.messages.some((m) => /^1 vulnerability accepted by an exception/.test(m.value)));
  assert.match(doc.scan.messages[0]!.value, /^Portcullis gate: FAIL docker\.io\/shop\/orders-api:1\.4\.2 @ sha256:/);
  assert.ok(doc.scan.messages.some((m) => m.level === 'warn' && m.value.startsWith('check malware partial')));
  assert.equal(doc.scan.status, 'success');
  assert.ok(doc.vulnerabilities.every((v) => v.location.operating_system === 'debian 12'));
  // the same scan twice gives the same bytes (injected clock, fingerprint ids)
  const again = join(dir, 'again.json');
  await cli(['scan', image, '--db', await sharedDb(), '--pipeline', 'release-7', '--policy', 'examples/policies', '--exceptions', exc, '--output', `gitlab=${again}`, '--quiet']);
  assert.equal(readFileSync(again, 'utf8'), readFileSync(out, 'utf8'));
});
