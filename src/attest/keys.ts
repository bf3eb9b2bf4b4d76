// Signing keys for decisions: ECDSA P-256 (node:crypto). Private keys are PEM PKCS#8, encrypted with a
// password when one is given (PORTCULLIS_KEY_PASSWORD); public keys are PEM SPKI, the format of
// cosign's `cosign.pub`, so `cosign verify-attestation --key` reads ours and our verify reads cosign's.
// cosign's own encrypted private key format (scrypt + NaCl secretbox) is not read: node:crypto has no
// XSalsa20-Poly1305; `cosign import-key-pair --key key.pem` imports our private key into cosign.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { PortcullisError } from '../core/errors.js';

export interface PublicKey {
  key: KeyObject;
  /** sha256 over the SPKI DER, hex: names the key in envelopes and messages */
  keyId: string;
  source: string;
}

export function keyIdOf(pub: KeyObject): string {
  return createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex');
}

function checkCurve(k: KeyObject, source: string): void {
  if (k.asymmetricKeyType !== 'ec' || k.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new PortcullisError('BAD_INPUT', `${source}: expected an ECDSA P-256 key, got ${k.asymmetricKeyType ?? 'unknown'}${k.asymmetricKeyDetails?.namedCurve ? ` ${k.asymmetricKeyDetails.namedCurve}` : ''}`);
  }
}

export function generateKeys(password?: string): { privatePem: string; publicPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privatePem = password
    ? privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: password }).toString()
    : privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { privatePem, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), keyId: keyIdOf(publicKey) };
}

export function loadPrivateKey(pem: string, source: string, password?: string): KeyObject {
  if (pem.includes('ENCRYPTED SIGSTORE PRIVATE KEY') || pem.includes('ENCRYPTED COSIGN PRIVATE KEY')) {
    throw new PortcullisError('BAD_INPUT', `${source}: cosign's encrypted key format is not supported; use \`portcullis keys generate\` or a PEM PKCS#8 ECDSA P-256 key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)`);
  }
  let k: KeyObject;
  try {
    k = createPrivateKey(password ? { key: pem, format: 'pem', passphrase: password } : { key: pem, format: 'pem' });
  } catch (e) {
    const encrypted = pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    throw new PortcullisError('BAD_INPUT', `${source}: not a usable private key${encrypted ? ' (encrypted: set PORTCULLIS_KEY_PASSWORD, or it is wrong)' : ''}`, { cause: e });
  }
  checkCurve(k, source);
  return k;
}

export function loadPublicKey(pem: string, source: string): PublicKey {
  let k: KeyObject;
  try {
    k = createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `${source}: not a PEM public key`, { cause: e });
  }
  checkCurve(k, source);
  return { key: k, keyId: keyIdOf(k), source };
}

export function publicOf(priv: KeyObject): KeyObject {
  return createPublicKey(priv);
}
