// `portcullis server --oidc-*`: wrong or missing settings stop the server before it opens the database
// or listens, with one line naming the flag (exit 2), and the secret never appears in the output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../cli/main.js';
import { captureIo } from '../../cli/testio.js';
import { T0 } from '../testkit.js';

test('server: bad --oidc-* settings are one-line errors before anything starts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-oidc-cli-'));
  const db = join(dir, 'portcullis.db');
  const base = ['server', '--database', db, '--listen', '127.0.0.1:0'];
  const ok = ['--oidc-issuer', 'https://sso.example.com', '--oidc-client-id', 'portcullis', '--oidc-redirect-url', 'https://portcullis.example.com', '--oidc-role', 'sec=security'];
  const cases: [string[], RegExp][] = [
    [['--oidc-client-id', 'portcullis'], /--oidc-client-id: needs --oidc-issuer/],
    [['--oidc-issuer', 'https://sso.example.com', '--oidc-client-id', 'portcullis', '--oidc-redirect-url', 'https://portcullis.example.com'], /--oidc-role: at least one GROUP=ROLE is required/],
    [[...ok, '--oidc-role', 'pipelines=ci'], /--oidc-role: pipelines=ci: the ci role is for pipelines/],
    [[...ok, '--oidc-role', 'nonsense'], /--oidc-role: expected GROUP=ROLE/],
    [[...ok.slice(0, 4), '--oidc-redirect-url', 'http://portcullis.example.com', '--oidc-role', 'sec=security'], /--oidc-redirect-url: must be https/],
    [['--oidc-issuer', 'ftp://sso', ...ok.slice(2)], /--oidc-issuer: must be https/],
    [[...ok, '--oidc-session-hours', '0'], /--oidc-session-hours: expected 1 to 24/],
  ];
  for (const [args, re] of cases) {
    const { io, out, err } = captureIo(T0, { PORTCULLIS_OIDC_CLIENT_SECRET: 'very-secret-value' });
    const code = await runCli([...base, ...args], io);
    const stderr = err();
    assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
    assert.match(stderr, re);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.ok(!stderr.includes('very-secret-value') && !out().includes('very-secret-value'));
  }
  assert.equal(existsSync(db), false, 'the database was not opened');
});
