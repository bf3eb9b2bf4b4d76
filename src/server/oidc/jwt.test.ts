// ID token verification and the OIDC settings, without a server: good RS256, ES256 and PS256 tokens
// pass; every forgery and every wrong claim is refused with one line naming why; hostile input
// (truncated, not base64url, not JSON, huge) is refused, never a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { constants, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { PortcullisError } from '../../core/errors.js';
import { verifyIdToken, type Expected, type Jwk } from './jwt.js';
import { callbackUrl, groupsOf, oidcConfigFrom, parseRoleMapping, roleFor } from './config.js';
import { signJwt, type SigningKey } from './testissuer.js';

const ISS = 'https://idp.example.com/realms/acme';
const NOW = new Date('2026-03-01T10:00:00Z');
const T = NOW.getTime() / 1000;
const want: Expected = { issuer: ISS, clientId: 'portcullis', nonce: 'n-123', now: NOW };

function keyOf(alg: 'RS256' | 'ES256', kid: string): SigningKey {
  const { privateKey, publicKey } = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg, privateKey, publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

const rsa = keyOf('RS256', 'rsa-1');
const ec = keyOf('ES256', 'ec-1');
const keys = [rsa.publicJwk, ec.publicJwk] as Jwk[];
const claims = (over: Record<string, unknown> = {}) => ({ iss: ISS, aud: 'portcullis', sub: 'u-1', iat: T - 10, exp: T + 300, nonce: 'n-123', email: 'alice@example.com', ...over });
const good = (over: Record<string, unknown> = {}, k = rsa) => signJwt({ alg: k.alg, kid: k.kid, typ: 'JWT' }, claims(over), k);

function refused(token: string, re: RegExp, ks: readonly Jwk[] = keys, w: Expected = want): void {
  assert.throws(
    () => verifyIdToken(token, ks, w),
    (e: unknown) => {
      assert.ok(e instanceof PortcullisError, String(e));
      assert.match(e.message, /^ID token refused: /);
      assert.match(e.message, re);
      assert.ok(!e.message.includes('\n'), 'one line');
      if (token.length >= 20) assert.ok(!e.message.includes(token.slice(-20)), 'the token is not echoed');
      return true;
    },
  );
}

test('good ID tokens: RS256, ES256, PS256, and without kid when one key fits', () => {
  assert.equal(verifyIdToken(good(), keys, want).sub, 'u-1');
  assert.equal(verifyIdToken(good({}, ec), keys, want).email, 'alice@example.com');
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'PS256', kid: 'rsa-ps' })}.${b64(claims())}`;
  const sig = sign('sha256', Buffer.from(input), { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
  const psJwk = { ...rsa.publicJwk, kid: 'rsa-ps', alg: 'PS256' } as Jwk;
  assert.equal(verifyIdToken(`${input}.${sig.toString('base64url')}`, [psJwk], want).sub, 'u-1');
  // no kid: the only EC key is chosen for ES256
  assert.equal(verifyIdToken(signJwt({ alg: 'ES256' }, claims(), ec), keys, want).sub, 'u-1');
  // several audiences with azp = this client
  assert.equal(verifyIdToken(good({ aud: ['portcullis', 'other'], azp: 'portcullis' }), keys, want).sub, 'u-1');
  // within the skew
  assert.equal(verifyIdToken(good({ exp: T - 30 }), keys, want).sub, 'u-1');
});

test('forgeries are refused: another key, alg none, HS256 keyed with the public key, kid of the wrong type', () => {
  const mallory = keyOf('RS256', 'rsa-1'); // same kid, another key
  refused(signJwt({ alg: 'RS256', kid: 'rsa-1' }, claims(), mallory), /bad signature/);
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  refused(`${b64({ alg: 'none' })}.${b64(claims())}.`, /alg none/);
  refused(`${b64({ alg: 'NONE', kid: 'rsa-1' })}.${b64(claims())}.`, /alg none/);
  // the classic confusion: HMAC with the RSA public key (PEM, or its JWK JSON) as the secret
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });
  for (const secret of [pem, JSON.stringify(rsa.publicJwk)]) {
    const input = `${b64({ alg: 'HS256', kid: 'rsa-1' })}.${b64(claims())}`;
    refused(`${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`, /HS256.*not accepted/);
  }
  // a header naming ES256 with the RSA key's kid: no key fits
  refused(signJwt({ alg: 'ES256', kid: 'rsa-1' }, claims(), ec), /no key of the issuer matches/);
  refused(good({}, rsa), /no key of the issuer matches/, [ec.publicJwk as Jwk]);
  refused(signJwt({ alg: 'RS256', kid: 'unknown' }, claims(), rsa), /no key of the issuer matches/);
  refused(signJwt({ alg: 'RS256', kid: 'rsa-1', crit: ['b64'] }, claims(), rsa), /crit/);
  refused(signJwt({ alg: 'EdDSA', kid: 'rsa-1' }, claims(), rsa), /not supported/);
  // a signature of the right key over other claims
  const [h, , s] = good().split('.');
  refused(`${h}.${b64(claims({ sub: 'admin' }))}.${s}`, /bad signature/);
  // an ES256 signature in DER instead of JOSE form, or truncated
  const input = `${b64({ alg: 'ES256', kid: 'ec-1' })}.${b64(claims())}`;
  refused(`${input}.${sign('sha256', Buffer.from(input), ec.privateKey).toString('base64url')}`, /bad signature/);
  refused(good({}, ec).slice(0, -10), /bad signature/);
});

test('wrong claims are refused: iss, aud, azp, exp, nbf, iat, nonce, sub', () => {
  refused(good({ iss: 'https://evil.example.com' }), /issuer .* is not/);
  refused(good({ iss: `${ISS}/` }), /issuer/);
  refused(good({ aud: 'someone-else' }), /audience does not include/);
  refused(good({ aud: [] }), /no audience/);
  refused(good({ aud: 42 }), /no audience/);
  refused(good({ aud: ['portcullis', 'other'] }), /azp/);
  refused(good({ aud: ['portcullis', 'other'], azp: 'other' }), /azp/);
  refused(good({ azp: 'other' }), /azp/);
  refused(good({ exp: T - 120 }), /expired/);
  refused(good({ exp: 'tomorrow' }), /no expiry/);
  refused(good({ nbf: T + 600 }), /not valid yet/);
  refused(good({ iat: T + 600 }), /issued in the future/);
  refused(good({ iat: undefined }), /issued-at/);
  refused(good({ nonce: 'n-other' }), /nonce/);
  refused(good({ nonce: undefined }), /nonce/);
  refused(good({ sub: '' }), /subject/);
  refused(good({ sub: 7 }), /subject/);
});

test('hostile ID tokens: truncated, not base64url, not JSON, not an object, huge', () => {
  const t = good();
  refused('', /missing/);
  refused(t.split('.').slice(0, 2).join('.'), /3 parts/);
  refused(`${t}.extra`, /3 parts/);
  refused('a$b.c.d', /header is not base64url/);
  refused(`${Buffer.from('{not json').toString('base64url')}.e30.`, /header is not JSON/);
  refused(`${Buffer.from('[1]').toString('base64url')}.e30.`, /header is not a JSON object/);
  refused(`${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('null').toString('base64url')}.`, /payload is not a JSON object/);
  refused(`${t.split('.')[0]}.${t.split('.')[1]}.!!`, /signature is not base64url/);
  refused('x'.repeat(70_000), /larger than/);
  refused(`${Buffer.from('{}').toString('base64url')}.e30.`, /no alg/);
  // a JWKS entry that is not a usable key
  refused(good(), /unusable/, [{ kty: 'RSA', kid: 'rsa-1', e: 'AQAB' }]);
});

test('settings: role mappings, highest role wins, groups claim paths, callback URL, required flags', () => {
  assert.deepEqual(parseRoleMapping('platform-security=security'), { group: 'platform-security', role: 'security' });
  assert.deepEqual(parseRoleMapping('/acme/admins=admin'), { group: '/acme/admins', role: 'admin' });
  assert.deepEqual(parseRoleMapping('cn=ops,dc=acme=viewer'), { group: 'cn=ops,dc=acme', role: 'viewer' });
  assert.throws(() => parseRoleMapping('team=ci'), /ci role is for pipelines/);
  assert.throws(() => parseRoleMapping('team=root'), /expected one of admin, security, viewer/);
  assert.throws(() => parseRoleMapping('security'), /expected GROUP=ROLE/);
  assert.throws(() => parseRoleMapping('=admin'), /expected GROUP=ROLE/);
  const roles = [parseRoleMapping('devs=viewer'), parseRoleMapping('sec=security'), parseRoleMapping('ops=admin')];
  assert.deepEqual(roleFor(['devs', 'sec'], roles), { role: 'security', groups: ['sec'] });
  assert.deepEqual(roleFor(['ops', 'devs'], roles), { role: 'admin', groups: ['ops'] });
  assert.equal(roleFor(['marketing'], roles), undefined);
  assert.equal(roleFor([], roles), undefined);
  assert.deepEqual(groupsOf({ groups: ['a', 3, 'b'] }, 'groups'), ['a', 'b']);
  assert.deepEqual(groupsOf({ groups: 'a' }, 'groups'), ['a']);
  assert.deepEqual(groupsOf({ realm_access: { roles: ['sec'] } }, 'realm_access.roles'), ['sec']);
  assert.deepEqual(groupsOf({ 'https://acme/groups': ['x'] }, 'https://acme/groups'), ['x']);
  assert.deepEqual(groupsOf({ groups: { a: 1 } }, 'groups'), []);
  assert.deepEqual(groupsOf({}, 'a.b.c'), []);
  assert.equal(callbackUrl('https://portcullis.example.com'), 'https://portcullis.example.com/api/v1/auth/oidc/callback');
  assert.equal(callbackUrl('https://portcullis.example.com/api/v1/auth/oidc/callback'), 'https://portcullis.example.com/api/v1/auth/oidc/callback');
  assert.equal(callbackUrl('http://127.0.0.1:8080/'), 'http://127.0.0.1:8080/api/v1/auth/oidc/callback');
  assert.throws(() => callbackUrl('http://portcullis.example.com'), /https/);
  assert.throws(() => callbackUrl('https://portcullis.example.com/other'), /callback/);
  assert.throws(() => callbackUrl('not a url'), /not a URL/);
  const base = { oidcIssuer: 'https://idp.example.com/', oidcClientId: 'portcullis', oidcRedirectUrl: 'https://portcullis.example.com', oidcRole: ['sec=security'] };
  const c = oidcConfigFrom(base, { PORTCULLIS_OIDC_CLIENT_SECRET: 's3cret' })!;
  assert.equal(c.issuer, 'https://idp.example.com');
  assert.equal(c.clientSecret, 's3cret');
  assert.deepEqual(c.scopes, ['openid', 'email', 'profile', 'groups']);
  assert.equal(c.groupsClaim, 'groups');
  assert.equal(c.sessionHours, 8);
  assert.equal(oidcConfigFrom(base, {})!.clientSecret, undefined, 'a public client');
  assert.equal(oidcConfigFrom({}, {}), undefined);
  assert.throws(() => oidcConfigFrom({ oidcClientId: 'x' }, {}), /--oidc-client-id: needs --oidc-issuer/);
  assert.throws(() => oidcConfigFrom({ ...base, oidcClientId: undefined }, {}), /--oidc-client-id: required/);
  assert.throws(() => oidcConfigFrom({ ...base, oidcRedirectUrl: undefined }, {}), /--oidc-redirect-url: required/);
  assert.throws(() => oidcConfigFrom({ ...base, oidcRole: [] }, {}), /at least one GROUP=ROLE/);
  assert.throws(() => oidcConfigFrom({ ...base, oidcIssuer: 'http://idp.example.com' }, {}), /--oidc-issuer: must be https/);
  assert.throws(() => oidcConfigFrom({ ...base, oidcScopes: 'email profile' }, {}), /must include openid/);
  assert.throws(() => oidcConfigFrom({ ...base, oidcSessionHours: '48' }, {}), /1 to 24/);
  assert.throws(() => oidcConfigFrom({ ...base, oidcGroupsClaim: 'a b' }, {}), /claim name/);
});
