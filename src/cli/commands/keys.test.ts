// `portcullis keys generate` with cosign's password variable writes cosign's encrypted key format, which
// the signing commands read back with the same variable; a wrong password is one line, exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../main.js';
import { captureIo } from '../testio.js';
import { keyIdOf, loadPrivateKey, loadPublicKey, publicOf } from '../../attest/keys.js';

test('keys generate with COSIGN_PASSWORD: cosign\'s format, mode 0600, read back with the password only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pc-keys-'));
  const prefix = join(dir, 'ci');
  const gen = captureIo('2026-03-01T00:00:00Z', { COSIGN_PASSWORD: 'correct horse' });
  assert.equal(await runCli(['keys', 'generate', '--output-prefix', prefix], gen.io), 0, gen.err());
  assert.match(gen.err(), /wrote .*ci\.key \(encrypted\)/);
  const pem = readFileSync(`${prefix}.key`, 'utf8');
  assert.match(pem, /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n/);
  assert.equal(statSync(`${prefix}.key`).mode & 0o777, 0o600);
  const pub = loadPublicKey(readFileSync(`${prefix}.pub`, 'utf8'), 'ci.pub');
  assert.equal(keyIdOf(publicOf(loadPrivateKey(pem, 'ci.key', 'correct horse'))), pub.keyId);
  // scan --sign-key takes the password from the same variables, before scanning: a wrong one is one line, exit 2
  const wrong = captureIo('2026-03-01T00:00:00Z', { COSIGN_PASSWORD: 'not the password' });
  const code = await runCli(['scan', 'registry.invalid/shop/api:1', '--fail-on', 'critical', '--decision', join(dir, 'decision.json'), '--sign-key', `${prefix}.key`], wrong.io);
  assert.equal(code, 2, wrong.err());
  assert.match(wrong.err(), /ci\.key: cannot decrypt the cosign private key: wrong password \(\$PORTCULLIS_KEY_PASSWORD or \$COSIGN_PASSWORD\)/);
  assert.equal(wrong.err().trim().split('\n').length, 1, wrong.err());
  assert.ok(!wrong.err().includes('not the password') && !wrong.err().includes('correct horse'), 'no password in the error');
});
