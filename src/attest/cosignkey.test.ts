// cosign's encrypted private keys: real keys written by cosign (testdata/, from cosign's own tests,
// password "hello") are decrypted and sign DSSE envelopes that verify with their public key; our
// `keys generate` writes the same format; hostile files get one clear line, never a crash or a
// gigabyte allocation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PortcullisError } from '../core/errors.js';
import { decisionStatement, signStatement, verifyEnvelope } from './dsse.js';
import { generateKeys, keyIdOf, keyPassword, loadPrivateKey, loadPublicKey, publicOf } from './keys.js';
import { encryptCosignKey } from './cosignkey.js';

const TESTDATA = join(import.meta.dirname, 'testdata');
const read = (f: string) => readFileSync(join(TESTDATA, f), 'utf8');
const SIGSTORE = read('cosign-sigstore.key');

/** The envelope of cosign's key, edited, as a PEM again. */
interface Envelope { kdf: Record<string, unknown>; cipher: Record<string, unknown>; ciphertext?: unknown }

function edited(edit: (j: Envelope) => void, label = 'ENCRYPTED SIGSTORE PRIVATE KEY'): string {
  const body = SIGSTORE.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
  const j = JSON.parse(Buffer.from(body, 'base64').toString('utf8')) as Envelope;
  edit(j);
  return `-----BEGIN ${label}-----\n${Buffer.from(JSON.stringify(j)).toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END ${label}-----\n`;
}

/** One line, a PortcullisError naming the file, matching `want`, without the password in it (null: no password set). */
function refused(pem: string, want: RegExp, password: string | null = 'hello'): void {
  assert.throws(() => loadPrivateKey(pem, 'ci.key', password ?? undefined), (e: unknown) => {
    assert.ok(e instanceof PortcullisError, String(e));
    assert.match(e.message, /^ci\.key: /);
    assert.match(e.message, want);
    assert.equal(e.message.split('\n').length, 1);
    if (password) assert.ok(!e.message.includes(password), 'the password is not in the error');
    return true;
  });
}

test('a key cosign wrote (ENCRYPTED SIGSTORE PRIVATE KEY) decrypts with its password and signs what its public key verifies', () => {
  const key = loadPrivateKey(SIGSTORE, 'cosign.key', 'hello');
  assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const pub = loadPublicKey(publicOf(key).export({ type: 'spki', format: 'pem' }).toString(), 'cosign.pub');
  const env = signStatement(decisionStatement('registry.example.com/shop/api', `sha256:${'4'.repeat(64)}`, { verdict: 'pass' }), key);
  const ok = verifyEnvelope(env, [pub]);
  assert.ok('statement' in ok, JSON.stringify(ok));
  const other = loadPublicKey(generateKeys().publicPem, 'other.pub');
  assert.ok('error' in verifyEnvelope(env, [other]), 'another key does not verify it');
  // the older label holds another key in the same envelope
  const legacy = loadPrivateKey(read('cosign-legacy-label.key'), 'legacy.key', 'hello');
  assert.notEqual(keyIdOf(publicOf(legacy)), pub.keyId);
});

test('wrong, missing or empty password: one line, no stack, no password', () => {
  refused(SIGSTORE, /cannot decrypt the cosign private key: wrong password \(\$PORTCULLIS_KEY_PASSWORD or \$COSIGN_PASSWORD\), or the file is damaged$/, 'hellO');
  refused(SIGSTORE, /the cosign private key is encrypted: set PORTCULLIS_KEY_PASSWORD \(or COSIGN_PASSWORD\) to its password$/, null);
  // cosign allows an empty password (COSIGN_PASSWORD=""): such a key loads with none set
  const k = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const empty = loadPrivateKey(encryptCosignKey(k, ''), 'empty.key');
  assert.equal(keyIdOf(publicOf(empty)), keyIdOf(publicOf(k)));
});

test('keys generate with a password writes cosign\'s format, read back with the password only', () => {
  const g = generateKeys('s3cret pass');
  assert.match(g.privatePem, /^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n([A-Za-z0-9+/=]{64}\n)+[A-Za-z0-9+/=]{1,64}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n$/);
  const body = JSON.parse(Buffer.from(g.privatePem.split('\n').filter((l) => l && !l.startsWith('-----')).join(''), 'base64').toString()) as { kdf: { name: string; params: unknown; salt: string }; cipher: { name: string; nonce: string } };
  assert.deepEqual([body.kdf.name, body.kdf.params, Buffer.from(body.kdf.salt, 'base64').length, body.cipher.name, Buffer.from(body.cipher.nonce, 'base64').length], ['scrypt', { N: 65536, r: 8, p: 1 }, 32, 'nacl/secretbox', 24]);
  const k = loadPrivateKey(g.privatePem, 'ci.key', 's3cret pass');
  assert.equal(keyIdOf(publicOf(k)), g.keyId);
  refused(g.privatePem, /wrong password/, 's3cret');
  assert.ok(!generateKeys().privatePem.includes('ENCRYPTED'), 'without a password: plain PKCS#8');
});

test('the password comes from PORTCULLIS_KEY_PASSWORD, else COSIGN_PASSWORD; an empty one counts', () => {
  assert.equal(keyPassword({ PORTCULLIS_KEY_PASSWORD: 'a', COSIGN_PASSWORD: 'b' }), 'a');
  assert.equal(keyPassword({ COSIGN_PASSWORD: 'b' }), 'b');
  assert.equal(keyPassword({ COSIGN_PASSWORD: '' }), '');
  assert.equal(keyPassword({}), undefined);
});

test('hostile key files: a clear line each, nothing allocated for absurd scrypt parameters', () => {
  refused(read('cosign-sec1-inside.key'), /not a usable cosign private key: the decrypted key is not a PKCS#8 private key$/);
  refused(SIGSTORE.replace(/-----END[^\n]*\n?$/, ''), /the PEM block is incomplete/);
  const lines = SIGSTORE.split('\n');
  refused([...lines.slice(0, 4), lines.at(-2), ''].join('\n'), /the PEM body is not (base64|a JSON envelope)/);
  refused('-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nW10=\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n', /expected \{kdf, cipher, ciphertext\}/);
  refused('-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n%%%%\n-----END ENCRYPTED COSIGN PRIVATE KEY-----\n', /the PEM body is not base64/);
  refused(`-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${'QUFB'.repeat(5000)}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`, /larger than 16384 bytes/);
  refused(edited((j) => (j.kdf.name = 'argon2id')), /unsupported kdf "argon2id" \(cosign uses scrypt\)/);
  refused(edited((j) => (j.cipher.name = 'aes-256-gcm')), /unsupported cipher "aes-256-gcm"/);
  refused(edited((j) => (j.kdf.params = { N: 2 ** 30, r: 8, p: 1 })), /unsupported scrypt parameters N=1073741824 r=8 p=1/);
  refused(edited((j) => (j.kdf.params = { N: 65536, r: 64, p: 16 })), /unsupported scrypt parameters/);
  refused(edited((j) => (j.kdf.params = 'fast')), /unsupported scrypt parameters N=undefined/);
  refused(edited((j) => (j.kdf.salt = 42)), /kdf\.salt: expected base64/);
  refused(edited((j) => (j.kdf.salt = 'AAAA')), /kdf\.salt: shorter than 16 bytes/);
  refused(edited((j) => (j.cipher.nonce = Buffer.alloc(12).toString('base64'))), /cipher\.nonce: expected 24 bytes, got 12/);
  refused(edited((j) => (j.ciphertext = 'AAAA')), /ciphertext: too short/);
  refused(edited((j) => (j.ciphertext = undefined)), /ciphertext: expected base64/);
  // a flipped ciphertext byte: the authenticator refuses it like a wrong password
  refused(edited((j) => {
    const c = Buffer.from(String(j.ciphertext), 'base64');
    c[c.length - 1]! ^= 1;
    j.ciphertext = c.toString('base64');
  }), /wrong password .* or the file is damaged/);
  // a cosign envelope holding an Ed25519 key: decrypted, then refused as not P-256
  const ed = generateKeyPairSync('ed25519').privateKey;
  refused(encryptCosignKey(ed, 'hello'), /expected an ECDSA P-256 key, got ed25519/);
});
