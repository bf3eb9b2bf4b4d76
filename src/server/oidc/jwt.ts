// ID token verification (OpenID Connect Core 3.1.3.7), with node:crypto only: the JWS signature by a
// key of the issuer's JWKS (RS256/384/512, PS256/384/512, ES256/384/512; never `none`, never HS*:
// a public key is not a shared secret), then iss, aud (and azp when there are several audiences),
// exp, nbf and iat with a small clock skew, and the nonce of this login. Every refusal is one line
// that names the problem and never echoes the token.
import { createPublicKey, verify, constants, type KeyObject } from 'node:crypto';
import { PortcullisError } from '../../core/errors.js';

export interface Jwk {
  kty?: string;
  kid?: string;
  use?: string;
  alg?: string;
  crv?: string;
  [k: string]: unknown;
}

export interface IdTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nbf?: number;
  nonce?: string;
  azp?: string;
  email?: string;
  email_verified?: boolean;
  [k: string]: unknown;
}

export interface Expected {
  issuer: string;
  clientId: string;
  nonce: string;
  now: Date;
  /** seconds of clock difference tolerated (default 60) */
  skewSeconds?: number;
}

interface AlgSpec {
  hash: string;
  kty: 'RSA' | 'EC';
  pss?: boolean;
  crv?: string;
  /** ES*: bytes of r and of s in the JOSE (IEEE P1363) signature */
  size?: number;
}

export const ALGORITHMS: Record<string, AlgSpec> = {
  RS256: { hash: 'sha256', kty: 'RSA' },
  RS384: { hash: 'sha384', kty: 'RSA' },
  RS512: { hash: 'sha512', kty: 'RSA' },
  PS256: { hash: 'sha256', kty: 'RSA', pss: true },
  PS384: { hash: 'sha384', kty: 'RSA', pss: true },
  PS512: { hash: 'sha512', kty: 'RSA', pss: true },
  ES256: { hash: 'sha256', kty: 'EC', crv: 'P-256', size: 32 },
  ES384: { hash: 'sha384', kty: 'EC', crv: 'P-384', size: 48 },
  ES512: { hash: 'sha512', kty: 'EC', crv: 'P-521', size: 66 },
};

const MAX_TOKEN_BYTES = 64 * 1024;
const B64URL = /^[A-Za-z0-9_-]*$/;

function refuse(why: string, cause?: unknown): PortcullisError {
  return new PortcullisError('BAD_INPUT', `ID token refused: ${why}`, cause === undefined ? {} : { cause });
}

function decodeJson(part: string, what: string): Record<string, unknown> {
  if (!B64URL.test(part)) throw refuse(`${what} is not base64url`);
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch (e) {
    throw refuse(`${what} is not JSON`, e);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw refuse(`${what} is not a JSON object`);
  return v as Record<string, unknown>;
}

/** The header and claims of a compact JWS, unverified (for choosing the key; never trust them before verifyIdToken). */
export function decodeJws(token: string): { header: Record<string, unknown>; claims: Record<string, unknown>; signed: Buffer; signature: Buffer } {
  if (typeof token !== 'string' || token.length === 0) throw refuse('missing');
  if (token.length > MAX_TOKEN_BYTES) throw refuse(`larger than ${MAX_TOKEN_BYTES} bytes`);
  const parts = token.split('.');
  if (parts.length !== 3) throw refuse(`expected a signed JWT (3 parts), got ${parts.length} part(s)`);
  const [h, p, s] = parts as [string, string, string];
  if (!B64URL.test(s)) throw refuse('signature is not base64url');
  return { header: decodeJson(h, 'header'), claims: decodeJson(p, 'payload'), signed: Buffer.from(`${h}.${p}`, 'ascii'), signature: Buffer.from(s, 'base64url') };
}

/** The key of `keys` this header names: by kid, else the only signing key of the algorithm's type. */
export function selectKey(keys: readonly Jwk[], header: Record<string, unknown>): Jwk | undefined {
  const alg = header.alg as string;
  const spec = ALGORITHMS[alg]!;
  const fits = (k: Jwk) => k.kty === spec.kty && (k.use === undefined || k.use === 'sig') && (k.alg === undefined || k.alg === alg) && (spec.crv === undefined || k.crv === spec.crv);
  if (typeof header.kid === 'string') return keys.find((k) => k.kid === header.kid && fits(k));
  const candidates = keys.filter(fits);
  return candidates.length === 1 ? candidates[0] : undefined;
}

/** The algorithm of the header, when it is one this server accepts (else a refusal naming it). */
export function headerAlgorithm(header: Record<string, unknown>): string {
  const alg = header.alg;
  if (typeof alg !== 'string') throw refuse('header has no alg');
  if (alg.toLowerCase() === 'none') throw refuse('alg none (unsigned) is never accepted');
  if (/^HS/i.test(alg)) throw refuse(`alg ${alg} (a shared secret) is not accepted: the issuer must sign with its published keys`);
  if (!ALGORITHMS[alg]) throw refuse(`alg ${JSON.stringify(alg).slice(0, 40)} is not supported (${Object.keys(ALGORITHMS).join(', ')})`);
  if (header.crit !== undefined) throw refuse('header has crit extensions this server does not understand');
  return alg;
}

function publicKey(jwk: Jwk): KeyObject {
  try {
    const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    if (key.type !== 'public') throw new Error('not a public key');
    return key;
  } catch (e) {
    throw refuse(`the issuer's key ${jwk.kid ?? '(no kid)'} is unusable: ${(e as Error).message}`, e);
  }
}

/** Check the signature of a decoded JWS against one JWK. */
export function signatureValid(alg: string, jwk: Jwk, signed: Buffer, signature: Buffer): boolean {
  const spec = ALGORITHMS[alg]!;
  const key = publicKey(jwk);
  if (spec.kty === 'EC') {
    if (signature.length !== 2 * spec.size!) return false;
    return verify(spec.hash, signed, { key, dsaEncoding: 'ieee-p1363' }, signature);
  }
  if (spec.pss) return verify(spec.hash, signed, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
  return verify(spec.hash, signed, key, signature);
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The claims checks, after the signature: iss, aud/azp, sub, exp/nbf/iat, nonce. */
export function checkClaims(c: Record<string, unknown>, want: Expected): IdTokenClaims {
  const skew = want.skewSeconds ?? 60;
  const now = want.now.getTime() / 1000;
  if (c.iss !== want.issuer) throw refuse(`issuer ${JSON.stringify(String(c.iss)).slice(0, 200)} is not ${want.issuer}`);
  const aud = c.aud;
  const auds = typeof aud === 'string' ? [aud] : Array.isArray(aud) && aud.every((a) => typeof a === 'string') ? (aud as string[]) : undefined;
  if (!auds || auds.length === 0) throw refuse('no audience (aud)');
  if (!auds.includes(want.clientId)) throw refuse(`audience does not include this client (${want.clientId})`);
  if ((auds.length > 1 || c.azp !== undefined) && c.azp !== want.clientId) throw refuse(`authorized party (azp) is not this client (${want.clientId})`);
  if (typeof c.sub !== 'string' || c.sub.length === 0 || c.sub.length > 255) throw refuse('no subject (sub)');
  if (!isNum(c.exp)) throw refuse('no expiry (exp)');
  if (!isNum(c.iat)) throw refuse('no issued-at time (iat)');
  if (c.exp + skew <= now) throw refuse(`expired at ${new Date(c.exp * 1000).toISOString()}`);
  if (c.nbf !== undefined && (!isNum(c.nbf) || c.nbf - skew > now)) throw refuse('not valid yet (nbf)');
  if (c.iat - skew > now) throw refuse('issued in the future (iat)');
  if (typeof c.nonce !== 'string' || c.nonce !== want.nonce) throw refuse('nonce does not match this login (replayed or injected token)');
  return c as IdTokenClaims;
}

/** Verify an ID token against the issuer's keys and this login's expectations; returns its claims. */
export function verifyIdToken(token: string, keys: readonly Jwk[], want: Expected): IdTokenClaims {
  const { header, claims, signed, signature } = decodeJws(token);
  const alg = headerAlgorithm(header);
  const jwk = selectKey(keys, header);
  if (!jwk) throw refuse(`no key of the issuer matches (kid ${JSON.stringify(String(header.kid ?? '')).slice(0, 80)}, alg ${alg})`);
  if (!signatureValid(alg, jwk, signed, signature)) throw refuse('bad signature');
  return checkClaims(claims, want);
}
