// SSO login through the real server against the small local issuer (testissuer.ts), following the
// redirects with fetch and a cookie jar like a browser: the session token works on the API with the
// role of the person's groups and is refused where that role may not go; the audit log names the
// person; logout revokes the session. Every failure — no mapped group, issuer down, forged or wrong ID
// token, replayed state or code, no or another browser's cookie, a login left too long — is refused
// with a clear 401/403/502 and leaves no session; nothing secret reaches the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { selfSigned } from '../../admission/testkit.js';
import { client, freePort, freshStore, movableClock, serverOn, tokenFor, T0, type Backend } from '../testkit.js';
import type { Store } from '../store/db.js';
import { listTokens } from '../store/tokens.js';
import { oidcConfigFrom } from './config.js';
import { startTestIssuer, type TestIssuer } from './testissuer.js';

const ROLES = ['platform-security=security', 'portcullis-admins=admin', 'engineering=viewer'];

interface Flow {
  status: number;
  location?: string;
  text: string;
  token?: string;
  cookie?: string;
  callback?: string;
}

/** A browser: login → issuer → callback, cookies kept; stops at the first answer that is not a redirect to the issuer or back. */
async function signIn(base: string, o: { accept?: string; dropCookie?: boolean; cookie?: string; beforeCallback?: () => void } = {}): Promise<Flow> {
  const accept = o.accept ?? 'application/json';
  const start = await fetch(`${base}/api/v1/auth/oidc/login`, { redirect: 'manual', headers: { accept } });
  if (start.status !== 302) return { status: start.status, text: await start.text() };
  const setCookie = start.headers.get('set-cookie') ?? '';
  const cookie = o.cookie ?? setCookie.split(';')[0]!;
  const atIssuer = await fetch(start.headers.get('location')!, { redirect: 'manual' });
  assert.equal(atIssuer.status, 302, await atIssuer.clone().text());
  const callback = atIssuer.headers.get('location')!;
  o.beforeCallback?.();
  const back = await fetch(callback, { redirect: 'manual', headers: { accept, ...(o.dropCookie ? {} : { cookie }) } });
  const location = back.headers.get('location') ?? undefined;
  const token = location ? /#session=(pcs_[A-Za-z0-9_-]+)$/.exec(location)?.[1] : undefined;
  return { status: back.status, ...(location ? { location } : {}), text: await back.text(), ...(token ? { token } : {}), cookie: setCookie, callback };
}

async function setup(backend: Backend, name: string, o: { clientSecret?: string; serverSecret?: string } = {}) {
  const store = await freshStore(backend, name);
  if (!store) return undefined;
  const clock = movableClock(T0);
  const issuer = await startTestIssuer({ ...(o.clientSecret !== undefined ? { clientSecret: o.clientSecret } : {}), now: () => Math.floor(clock.now().getTime() / 1000) });
  const port = await freePort();
  const secret = o.serverSecret ?? o.clientSecret;
  const oidc = oidcConfigFrom({ oidcIssuer: issuer.url, oidcClientId: issuer.clientId, oidcRedirectUrl: `http://127.0.0.1:${port}`, oidcRole: ROLES }, secret !== undefined ? { PORTCULLIS_OIDC_CLIENT_SECRET: secret } : {})!;
  const log = new PassThrough();
  let logged = '';
  log.on('data', (c: Buffer) => (logged += c.toString()));
  const srv = await serverOn(store, clock, { oidc, rateLimit: 0, log });
  await srv.app.listen({ host: '127.0.0.1', port });
  return { store, clock, issuer, srv, base: `http://127.0.0.1:${port}`, logged: () => logged, close: async () => (await srv.close(), await issuer.close()) };
}

async function sessions(store: Store): Promise<number> {
  return (await listTokens(store)).filter((t) => t.createdBy.startsWith('oidc:')).length;
}

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  test(`${backend}: SSO login gives a session with the mapped role; the audit log names the person; logout revokes it`, async (t) => {
    const s = await setup(backend, 'oidc_flow');
    if (!s) return t.skip('PostgreSQL is not available here');
    t.after(() => s.close());
    const { issuer, srv, base } = s;
    assert.deepEqual((await (await fetch(`${base}/api/v1/auth/config`)).json()) as unknown, { oidc: { enabled: true, loginUrl: '/api/v1/auth/oidc/login' } });
    const flow = await signIn(base);
    assert.equal(flow.status, 303, flow.text);
    assert.match(flow.location!, /^\/console\/#session=pcs_/);
    assert.match(flow.cookie!, /^portcullis_oidc=[A-Za-z0-9_-]{43}; Path=\/api\/v1\/auth\/oidc; Max-Age=600; HttpOnly; SameSite=Lax$/, 'short-lived, HttpOnly, Lax; not Secure without TLS');
    const q = issuer.lastAuthorize!;
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.match(q.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(q.get('scope'), 'openid email profile groups');
    assert.ok(q.get('nonce') && q.get('state') && q.get('nonce') !== q.get('state'));

    const alice = client(srv, flow.token);
    const me = await alice('GET', '/api/v1/whoami');
    assert.equal(me.status, 200);
    assert.equal(me.json.name, 'alice@example.com');
    assert.equal(me.json.role, 'security');
    assert.equal(me.json.login, 'oidc');
    assert.equal(me.json.expiresAt, new Date(Date.parse(T0) + 8 * 3_600_000).toISOString(), 'an 8-hour session');
    const policy = { apiVersion: 'portcullis/v1', kind: 'AssurancePolicy', metadata: { name: 'prod' }, spec: { controls: {} } };
    assert.equal((await alice('PUT', '/api/v1/policies/prod', policy)).status, 201);
    assert.equal((await alice('POST', '/api/v1/tokens', { name: 'x', role: 'admin', expiresInDays: 1 })).status, 403, 'security may not create tokens');
    const audit = (await alice('GET', '/api/v1/audit?limit=100')).json.items as { actor: string; action: string; kind: string }[];
    assert.ok(audit.some((a) => a.action === 'create' && a.kind === 'Token' && a.actor === 'alice@example.com (security, oidc)'), JSON.stringify(audit));
    assert.ok(audit.some((a) => a.kind === 'AssurancePolicy' && /^alice@example\.com \(security, oidc session [a-f0-9]{16}\)$/.test(a.actor)), JSON.stringify(audit));

    // the callback is single use: the same redirect again is refused
    const replay = await fetch(flow.callback!, { redirect: 'manual', headers: { cookie: flow.cookie!.split(';')[0]! } });
    assert.equal(replay.status, 401);
    assert.match(((await replay.json()) as { error: string }).error, /unknown or already used login/);

    // EC-signed ID tokens; the highest mapped role wins; groups are read again at each login
    issuer.signWith = 'ec';
    issuer.user = { sub: 'u-bob', email: 'bob@example.com', groups: ['engineering', 'portcullis-admins'] };
    const bob = await signIn(base);
    assert.equal(bob.status, 303, bob.text);
    assert.equal((await client(srv, bob.token)('GET', '/api/v1/whoami')).json.role, 'admin');
    issuer.user = { sub: 'u-bob', email: 'bob@example.com', groups: ['engineering'] };
    const demoted = await signIn(base);
    assert.equal((await client(srv, demoted.token)('GET', '/api/v1/whoami')).json.role, 'viewer');
    assert.equal((await client(srv, demoted.token)('PUT', '/api/v1/policies/prod', policy)).status, 403, 'a viewer may not edit');
    assert.equal((await client(srv, bob.token)('GET', '/api/v1/whoami')).json.role, 'admin', 'a session keeps the role of its login until it ends');

    // logout revokes the session, and only sessions
    const out = await alice('POST', '/api/v1/auth/logout');
    assert.equal(out.status, 200, out.text);
    assert.equal(out.json.revoked, true);
    const after = await alice('GET', '/api/v1/whoami');
    assert.equal(after.status, 401);
    assert.equal(after.json.error, 'token revoked');
    const apiToken = await tokenFor(s.store, 'viewer');
    assert.equal((await client(srv, apiToken)('POST', '/api/v1/auth/logout')).status, 400, 'an API token is not logged out');
    assert.equal((await client(srv, apiToken)('GET', '/api/v1/whoami')).json.login, 'token');
    const revoked = (await client(srv, bob.token)('GET', '/api/v1/audit?action=revoke')).json.items as { actor: string }[];
    assert.match(revoked[0]!.actor, /^alice@example\.com \(security, oidc session /);

    // nothing secret in the log: no session token, no code, no state
    const logged = s.logged();
    assert.ok(logged.includes('SSO login'), 'logins are logged');
    for (const secret of [flow.token!, bob.token!, new URL(flow.callback!).searchParams.get('code')!, new URL(flow.callback!).searchParams.get('state')!]) assert.ok(!logged.includes(secret), 'a secret reached the log');
  });
}

test('refused logins: no mapped group, forged or wrong ID tokens, replayed code, missing or foreign cookie, slow login, provider error', async (t) => {
  const s = (await setup('sqlite', 'oidc_refusals'))!;
  t.after(() => s.close());
  const { issuer, base, store, clock } = s;
  const refused = async (what: string, status: number, re: RegExp, o: Parameters<typeof signIn>[1] = {}) => {
    const r = await signIn(base, o);
    assert.equal(r.status, status, `${what}: ${r.text}`);
    assert.equal(r.token, undefined, `${what}: no session`);
    assert.match(r.text, re, what);
    assert.ok(!r.text.includes('\n') || /<html/.test(r.text), `${what}: one line`);
    return r;
  };

  issuer.user = { sub: 'u-eve', email: 'eve@example.com', groups: ['marketing'] };
  await refused('no mapped group', 403, /eve@example\.com is signed in at the identity provider but in no group this server maps to a role/);
  const page = await refused('no mapped group, in a browser', 403, /<p role="alert">eve@example\.com/, { accept: 'text/html,application/xhtml+xml' });
  assert.match(page.text, /href="\/console\/"/);
  issuer.user = { sub: 'u-eve', email: 'eve@example.com' };
  await refused('no groups claim at all', 403, /0 group\(s\) in the \\?"groups\\?" claim/);
  issuer.user = { sub: 'u-alice', email: 'alice@example.com', email_verified: true, groups: ['platform-security'] };

  const other = await startTestIssuer();
  await other.close();
  const forgeries: [string, NonNullable<TestIssuer['mint']>, RegExp][] = [
    ['signed by another key', (c, sign) => sign({ alg: 'RS256', kid: 'rsa-1' }, c, other.rsa), /bad signature/],
    ['alg none', (c) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(c)).toString('base64url')}.`, /alg none/],
    [
      'HS256 with the public key as secret',
      (c) => {
        const input = `${Buffer.from('{"alg":"HS256","kid":"rsa-1"}').toString('base64url')}.${Buffer.from(JSON.stringify(c)).toString('base64url')}`;
        return `${input}.${createHmac('sha256', issuer.rsa.publicJwk.n as string).update(input).digest('base64url')}`;
      },
      /HS256/,
    ],
    ['wrong audience', (c, sign) => sign({ alg: 'RS256', kid: 'rsa-1' }, { ...c, aud: 'another-app' }), /audience/],
    ['wrong issuer', (c, sign) => sign({ alg: 'RS256', kid: 'rsa-1' }, { ...c, iss: 'http://127.0.0.1:1' }), /issuer/],
    ['expired', (c, sign) => sign({ alg: 'RS256', kid: 'rsa-1' }, { ...c, exp: (c.iat as number) - 3600 }), /expired/],
    ['wrong nonce', (c, sign) => sign({ alg: 'RS256', kid: 'rsa-1' }, { ...c, nonce: 'replayed-from-another-login' }), /nonce/],
    ['not a JWT', () => 'garbage', /3 parts/],
  ];
  for (const [what, mint, re] of forgeries) {
    issuer.mint = mint;
    await refused(what, 401, new RegExp(`sign-in refused: ID token refused: .*${re.source}`));
  }
  delete issuer.mint;

  // the code is single use at the provider: a second login presenting an old code is refused
  const first = await signIn(base);
  assert.equal(first.status, 303);
  const oldCode = new URL(first.callback!).searchParams.get('code')!;
  const second = await fetch(`${base}/api/v1/auth/oidc/login`, { redirect: 'manual' });
  const cookie = second.headers.get('set-cookie')!.split(';')[0]!;
  const state = new URL(second.headers.get('location')!).searchParams.get('state')!;
  const reused = await fetch(`${base}/api/v1/auth/oidc/callback?code=${oldCode}&state=${state}`, { headers: { cookie } });
  assert.equal(reused.status, 401);
  assert.match(((await reused.json()) as { error: string }).error, /invalid_grant/);

  await refused('no cookie', 401, /not started in this browser/, { dropCookie: true });
  await refused("another browser's cookie", 401, /started in another browser/, { cookie: 'portcullis_oidc=' + 'A'.repeat(43) });
  await refused('a login left for 11 minutes', 401, /longer than 10 minutes/, { beforeCallback: () => clock.set(new Date(Date.parse(T0) + 11 * 60_000).toISOString()) });
  clock.set(T0);

  const denied = await fetch(`${base}/api/v1/auth/oidc/login`, { redirect: 'manual' });
  const deniedState = new URL(denied.headers.get('location')!).searchParams.get('state')!;
  const err = await fetch(`${base}/api/v1/auth/oidc/callback?error=access_denied&error_description=${encodeURIComponent('user cancelled')}&state=${deniedState}`, { headers: { cookie: denied.headers.get('set-cookie')!.split(';')[0]! } });
  assert.equal(err.status, 401);
  assert.match(((await err.json()) as { error: string }).error, /the identity provider refused the sign-in: access_denied \(user cancelled\)/);

  for (const bad of ['', '?state=', '?state=..%2F..&code=x', `?state=${'a'.repeat(5000)}&code=x`, '?state=abc&state=def&code=x', '?code=x']) {
    const r = await fetch(`${base}/api/v1/auth/oidc/callback${bad}`);
    assert.ok(r.status === 400 || r.status === 401, `${bad}: ${r.status}`);
  }
  assert.equal(await sessions(store), 1, 'only the one good login made a session');
});

test('the provider down, a confidential client with a wrong secret, JWKS refetched on a new key but not on every unknown kid', async (t) => {
  const down = (await setup('sqlite', 'oidc_down'))!;
  await down.issuer.close();
  const r = await signIn(down.base);
  assert.equal(r.status, 502);
  assert.match(r.text, /identity provider: discovery http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration: unreachable/);
  await down.srv.close();

  const wrong = (await setup('sqlite', 'oidc_secret', { clientSecret: 'right-secret', serverSecret: 'wrong-secret' }))!;
  t.after(() => wrong.close());
  const w = await signIn(wrong.base);
  assert.equal(w.status, 401);
  assert.match(w.text, /token endpoint .*HTTP 401: invalid_client/);
  assert.ok(!w.text.includes('secret') && !wrong.logged().includes('wrong-secret'), 'the secret is never shown');

  const ok = (await setup('sqlite', 'oidc_confidential', { clientSecret: 'right-secret' }))!;
  t.after(() => ok.close());
  assert.equal((await signIn(ok.base)).status, 303);
  const fetches = () => ok.issuer.hits['/jwks'] ?? 0;
  assert.equal(fetches(), 1);
  assert.equal((await signIn(ok.base)).status, 303);
  assert.equal(fetches(), 1, 'the JWKS is cached');
  // the issuer rotates its key: the unknown kid makes the server fetch the JWKS again
  const rotated = await startTestIssuer();
  await rotated.close();
  ok.issuer.rsa = { ...rotated.rsa, kid: 'rsa-2', publicJwk: { ...rotated.rsa.publicJwk, kid: 'rsa-2' } };
  ok.clock.set(new Date(Date.parse(T0) + 2 * 60_000).toISOString());
  assert.equal((await signIn(ok.base)).status, 303);
  assert.equal(fetches(), 2);
  // tokens naming kids nobody published do not make it fetch again within the minute
  ok.issuer.mint = (c, sign) => sign({ alg: 'RS256', kid: 'made-up' }, c);
  for (let i = 0; i < 3; i++) assert.equal((await signIn(ok.base)).status, 401);
  assert.equal(fetches(), 2, 'no refetch within a minute of the last');
  ok.clock.set(new Date(Date.parse(T0) + 4 * 60_000).toISOString());
  for (let i = 0; i < 3; i++) assert.equal((await signIn(ok.base)).status, 401);
  assert.equal(fetches(), 3, 'one refetch a minute at most');
});

test('without --oidc-issuer: the login routes say SSO is off and give nothing', async (t) => {
  const store = (await freshStore('sqlite', 'oidc_off'))!;
  const srv = await serverOn(store, movableClock(T0));
  t.after(() => srv.close());
  const api = client(srv);
  assert.deepEqual((await api('GET', '/api/v1/auth/config')).json, { oidc: { enabled: false } });
  assert.equal((await api('GET', '/api/v1/auth/oidc/login')).status, 404);
  assert.equal((await api('GET', '/api/v1/auth/oidc/callback?state=x&code=y')).status, 404);
  assert.equal(await sessions(store), 0);
});

test('over TLS the login cookie is Secure', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-oidc-tls-'));
  let tls: { cert: string; key: string };
  try {
    tls = selfSigned(dir);
  } catch {
    const msg = 'SKIPPED: openssl not available to make a test certificate';
    console.log(msg);
    return t.skip(msg);
  }
  const store = (await freshStore('sqlite', 'oidc_tls'))!;
  const issuer = await startTestIssuer();
  const oidc = oidcConfigFrom({ oidcIssuer: issuer.url, oidcClientId: issuer.clientId, oidcRedirectUrl: 'https://portcullis.example.com', oidcRole: ROLES }, {})!;
  const srv = await serverOn(store, movableClock(T0), { oidc, tls });
  t.after(async () => (await srv.close(), await issuer.close()));
  const r = await srv.app.inject({ method: 'GET', url: '/api/v1/auth/oidc/login' });
  assert.equal(r.statusCode, 302);
  assert.match(String(r.headers['set-cookie']), /; HttpOnly; SameSite=Lax; Secure$/);
  assert.equal(new URL(String(r.headers.location)).searchParams.get('redirect_uri'), 'https://portcullis.example.com/api/v1/auth/oidc/callback');
});
