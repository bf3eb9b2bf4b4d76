// Signing keys for decisions: ECDSA P-256 (node:crypto). Private keys are read as PEM PKCS#8 (plain,
// or encrypted: openssl's format, or cosign's `ENCRYPTED SIGSTORE/COSIGN PRIVATE KEY`, cosignkey.ts);
// `keys generate` with a password writes cosign's format, so `cosign sign --key` reads our keys too.
// The password: $PORTCULLIS_KEY_PASSWORD, else cosign's $COSIGN_PASSWORD. Public keys are PEM SPKI, the
// format of cosign's `cosign.pub`, so `cosign verify-attestation --key` reads ours and our verify reads cosign's.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { PortcullisError } from '../core/errors.js';
import { decryptCosignKey, encryptCosignKey, isCosignKey } from './cosignkey.js';

/** The private key's password from the environment: ours, else cosign's (an empty one counts: cosign allows it). */
export function keyPassword(env: Record<string, string | undefined>): string | undefined {
  return env.PORTCULLIS_KEY_PASSWORD ?? env.COSIGN_PASSWORD;
}

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
  const privatePem = password ? encryptCosignKey(privateKey, password) : privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { privatePem, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), keyId: keyIdOf(publicKey) };
}

export function loadPrivateKey(pem: string, source: string, password?: string): KeyObject {
  if (isCosignKey(pem)) {
    // cosign writes keys with an empty password too (COSIGN_PASSWORD=""): tried when none is set
    const k = decryptCosignKey(pem, source, password ?? '', password !== undefined);
    checkCurve(k, source);
    return k;
  }
  let k: KeyObject;
  try {
    k = createPrivateKey(password ? { key: pem, format: 'pem', passphrase: password } : { key: pem, format: 'pem' });
  } catch (e) {
    const encrypted = pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----');
    throw new PortcullisError('BAD_INPUT', `${source}: not a usable private key${encrypted ? ' (encrypted: set PORTCULLIS_KEY_PASSWORD or COSIGN_PASSWORD, or it is wrong)' : ''}`, { cause: e });
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
