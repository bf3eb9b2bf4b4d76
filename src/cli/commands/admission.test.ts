// `portcullis admission` refuses incomplete or unsafe configurations with one line (exit 2) before it
// listens; the webhook itself is tested in src/admission/webhook.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../main.js';
import { captureIo } from '../testio.js';
import { generateKeys } from '../../attest/keys.js';

const dir = mkdtempSync(join(tmpdir(), 'pc-admission-cli-'));
writeFileSync(join(dir, 'tls.crt'), 'x');
writeFileSync(join(dir, 'tls.key'), 'x');
writeFileSync(join(dir, 'ci.pub'), generateKeys().publicPem);
const TLS = ['--tls-cert', join(dir, 'tls.crt'), '--tls-key', join(dir, 'tls.key')];

async function cli(args: string[]): Promise<{ code: number; err: string }> {
  const { io, err } = captureIo('2026-03-01T00:00:00Z', { PORTCULLIS_DATA_DIR: dir });
  const code = await runCli(args, io);
  return { code, err: err() };
}

test('admission: what is missing or unsafe is a one-line exit 2', async () => {
  const cases: [string[], RegExp][] = [
    [['admission', ...TLS], /needs --pipeline NAME/],
    [['admission', '--pipeline', 'prod'], /needs --tls-cert and --tls-key/],
    [['admission', '--pipeline', 'prod', ...TLS, '--missing-decision', 'scan'], /--missing-decision scan needs --policy PATH/],
    [['admission', '--pipeline', 'prod', ...TLS, '--missing-decision', 'scan', '--scan-deadline', '9000'], /--scan-deadline 9000 must be below --timeout 8000/],
    [['admission', '--pipeline', 'prod', ...TLS, '--missing-decision', 'allow'], /--missing-decision: expected one of deny, warn, scan/],
    [['admission', '--pipeline', 'prod', ...TLS, '--mode', 'permissive'], /--mode: expected one of enforce, warn, audit/],
    [['admission', '--pipeline', 'prod', ...TLS, '--namespace-mode', 'prod-*'], /--namespace-mode: expected GLOB=MODE/],
    [['admission', '--pipeline', 'prod', ...TLS, '--trusted-key', join(dir, 'ci.pub')], /--trusted-key needs --policy-digest/],
    [['admission', '--pipeline', 'prod', ...TLS, '--trusted-key', join(dir, 'ci.pub'), '--policy-digest', 'sha256:abc'], /--policy-digest: expected sha256:<64 hex>/],
    [['admission', '--pipeline', 'prod', ...TLS, '--database', 'none'], /--database none needs --trusted-key/],
    [['admission', '--pipeline', 'prod', ...TLS, '--rejudge-deadline', '8000'], /--rejudge-deadline 8000 must be below --timeout 8000/],
    [['admission', '--pipeline', 'prod', ...TLS, '--rejudge-deadline', 'soon'], /--rejudge-deadline: expected a number >= 1, got soon/],
    [['admission', '--pipeline', 'prod', ...TLS, '--trusted-key', join(dir, 'tls.crt'), '--policy-digest', `sha256:${'a'.repeat(64)}`], /tls\.crt: not a PEM public key/],
  ];
  for (const [args, want] of cases) {
    const r = await cli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, want, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
});
