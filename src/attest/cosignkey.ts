// cosign's encrypted private key files (`cosign generate-key-pair`): PEM of type `ENCRYPTED SIGSTORE
// PRIVATE KEY` (or the older `ENCRYPTED COSIGN PRIVATE KEY`) whose body is the JSON envelope of
// go-securesystemslib's `encrypted` package:
//   {"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":B64},
//    "cipher":{"name":"nacl/secretbox","nonce":B64},"ciphertext":B64}
// key = scrypt(password, salt, N, r, p, 32 bytes); plaintext = secretbox.open(ciphertext, nonce, key),
// a PKCS#8 DER private key. Only the scrypt parameter sets that library accepts are read (so a hostile
// file cannot make us allocate gigabytes); scrypt is node:crypto's, XSalsa20-Poly1305 is tweetnacl's.
// Sources: sigstore/cosign pkg/cosign/keys.go; secure-systems-lab/go-securesystemslib encrypted/encrypted.go.
import { randomBytes, scryptSync, createPrivateKey, type KeyObject } from 'node:crypto';
import nacl from 'tweetnacl';
import { PortcullisError } from '../core/errors.js';

export const SIGSTORE_KEY_PEM = 'ENCRYPTED SIGSTORE PRIVATE KEY';
export const COSIGN_KEY_PEM = 'ENCRYPTED COSIGN PRIVATE KEY';

/** go-securesystemslib's legacy, standard (cosign's default) and OWASP scrypt parameters: nothing else is read */
const PARAMS = [
  { N: 32768, r: 8, p: 1 },
  { N: 65536, r: 8, p: 1 },
  { N: 131072, r: 8, p: 1 },
] as const;
const STANDARD = PARAMS[1];
const KEY_BYTES = 32;
const NONCE_BYTES = 24;
const SALT_BYTES = 32;
/** an encrypted private key is a few hundred bytes; refuse anything far bigger before decoding */
const MAX_BODY = 16 * 1024;

const bad = (source: string, problem: string, cause?: unknown) => new PortcullisError('BAD_INPUT', `${source}: not a usable cosign private key: ${problem}`, cause === undefined ? undefined : { cause });

/** Is this PEM text cosign's encrypted key format? */
export function isCosignKey(pem: string): boolean {
  return pem.includes(`-----BEGIN ${SIGSTORE_KEY_PEM}-----`) || pem.includes(`-----BEGIN ${COSIGN_KEY_PEM}-----`);
}

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function b64(v: unknown, field: string, source: string): Buffer {
  if (typeof v !== 'string' || v.length % 4 !== 0 || !B64.test(v)) throw bad(source, `${field}: expected base64`);
  return Buffer.from(v, 'base64');
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The JSON envelope inside the PEM, checked field by field. */
function envelope(pem: string, source: string): { params: (typeof PARAMS)[number]; salt: Buffer; nonce: Buffer; ciphertext: Buffer } {
  const m = /-----BEGIN (ENCRYPTED (?:SIGSTORE|COSIGN) PRIVATE KEY)-----\r?\n([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m) throw bad(source, 'the PEM block is incomplete (no matching END line)');
  const body = m[2]!.replace(/\s+/g, '');
  if (body.length > MAX_BODY) throw bad(source, `the PEM body is larger than ${MAX_BODY} bytes`);
  if (!B64.test(body) || body.length % 4 !== 0) throw bad(source, 'the PEM body is not base64');
  let j: unknown;
  try {
    j = JSON.parse(Buffer.from(body, 'base64').toString('utf8'));
  } catch (e) {
    throw bad(source, 'the PEM body is not a JSON envelope', e);
  }
  if (!isObj(j) || !isObj(j.kdf) || !isObj(j.cipher)) throw bad(source, 'expected {kdf, cipher, ciphertext}');
  if (j.kdf.name !== 'scrypt') throw bad(source, `unsupported kdf ${JSON.stringify(String(j.kdf.name)).slice(0, 40)} (cosign uses scrypt)`);
  if (j.cipher.name !== 'nacl/secretbox') throw bad(source, `unsupported cipher ${JSON.stringify(String(j.cipher.name)).slice(0, 40)} (cosign uses nacl/secretbox)`);
  const p = isObj(j.kdf.params) ? j.kdf.params : {};
  const params = PARAMS.find((x) => x.N === p.N && x.r === p.r && x.p === p.p);
  if (!params) throw bad(source, `unsupported scrypt parameters N=${String(p.N).slice(0, 20)} r=${String(p.r).slice(0, 20)} p=${String(p.p).slice(0, 20)} (accepted: N 32768, 65536 or 131072 with r 8, p 1)`);
  const salt = b64(j.kdf.salt, 'kdf.salt', source);
  if (salt.length < 16) throw bad(source, 'kdf.salt: shorter than 16 bytes');
  const nonce = b64(j.cipher.nonce, 'cipher.nonce', source);
  if (nonce.length !== NONCE_BYTES) throw bad(source, `cipher.nonce: expected ${NONCE_BYTES} bytes, got ${nonce.length}`);
  const ciphertext = b64(j.ciphertext, 'ciphertext', source);
  if (ciphertext.length <= nacl.secretbox.overheadLength) throw bad(source, 'ciphertext: too short');
  return { params, salt, nonce, ciphertext };
}

function derive(password: string, salt: Buffer, params: (typeof PARAMS)[number]): Uint8Array {
  // scrypt needs 128·N·r bytes (128 MiB for N = 131072): above node's 32 MiB default maxmem
  return scryptSync(Buffer.from(password, 'utf8'), salt, KEY_BYTES, { ...params, maxmem: 256 * 1024 * 1024 });
}

/** Decrypt a cosign key file; the private key inside, not yet checked for its algorithm. */
export function decryptCosignKey(pem: string, source: string, password: string, passwordSet: boolean): KeyObject {
  const e = envelope(pem, source);
  const plain = nacl.secretbox.open(e.ciphertext, e.nonce, derive(password, e.salt, e.params));
  if (!plain) {
    throw new PortcullisError('BAD_INPUT', passwordSet
      ? `${source}: cannot decrypt the cosign private key: wrong password ($PORTCULLIS_KEY_PASSWORD or $COSIGN_PASSWORD), or the file is damaged`
      : `${source}: the cosign private key is encrypted: set PORTCULLIS_KEY_PASSWORD (or COSIGN_PASSWORD) to its password`);
  }
  try {
    return createPrivateKey({ key: Buffer.from(plain), format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw bad(source, 'the decrypted key is not a PKCS#8 private key', err);
  }
}

/** `key` as cosign writes it (ENCRYPTED SIGSTORE PRIVATE KEY, scrypt N 65536), for `cosign sign --key`. */
export function encryptCosignKey(key: KeyObject, password: string): string {
  const salt = randomBytes(SALT_BYTES);
  const nonce = randomBytes(NONCE_BYTES);
  const der = key.export({ type: 'pkcs8', format: 'der' });
  const ciphertext = nacl.secretbox(der, nonce, derive(password, salt, STANDARD));
  const json = JSON.stringify({
    kdf: { name: 'scrypt', params: { N: STANDARD.N, r: STANDARD.r, p: STANDARD.p }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  });
  const lines = Buffer.from(json).toString('base64').match(/.{1,64}/g)!;
  return `-----BEGIN ${SIGSTORE_KEY_PEM}-----\n${lines.join('\n')}\n-----END ${SIGSTORE_KEY_PEM}-----\n`;
}
