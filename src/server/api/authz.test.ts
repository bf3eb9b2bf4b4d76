// Every route of the table × every role: the roles a route does not list get 403, the ones it lists get
// through authentication and the role check; no token, an expired, a revoked or a malformed token get 401.
// And a ci token of one pipeline cannot upload for (or read the bundle of) another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROUTES } from './routes.js';
import { client, freshStore, movableClock, serverOn, tokenFor, T0 } from '../testkit.js';
import { createToken, revokeToken, ROLES } from '../store/tokens.js';
import { report } from '../../policy/testdata/synthetic.js';
import { PUBLIC_ROUTES } from '../oidc/routes.js';

function urlOf(url: string): string {
  return url.replace(':name', 'prod-a').replace(':id', url.startsWith('/api/v1/tokens') ? '0123456789abcdef' : url.includes('reports') || url.includes('decisions') ? '1' : 'x1');
}

test('every route denies the roles it does not list, and lets the others through', async (t) => {
  const store = (await freshStore('sqlite', 'authz'))!;
  const clock = movableClock(T0);
  const srv = await serverOn(store, clock, { rateLimit: 0 });
  t.after(() => srv.close());
  const tokens = Object.fromEntries(await Promise.all(ROLES.map(async (r) => [r, await tokenFor(store, r, r === 'ci' ? ['prod-*'] : [])] as const)));
  const api = client(srv);
  assert.ok(ROUTES.length >= 30, `the table has ${ROUTES.length} routes`);
  const seen = new Set<string>();
  for (const r of ROUTES) {
    const key = `${r.method} ${r.url}`;
    assert.ok(!seen.has(key), `${key} is declared twice`);
    seen.add(key);
    assert.ok(r.roles.length > 0, `${key} allows nobody`);
    assert.ok(r.roles.includes('admin'), `${key}: admin may do everything`);
    const body = r.body ? {} : undefined;
    for (const role of ROLES) {
      const res = await api(r.method, urlOf(r.url), body, tokens[role]);
      if (r.roles.includes(role)) assert.ok((res.status !== 401 && res.status !== 403) || /scoped to pipeline/.test(res.json?.error ?? ''), `${key} as ${role}: got ${res.status} ${res.text}`);
      else assert.equal(res.status, 403, `${key} as ${role} must be denied, got ${res.status} ${res.text}`);
    }
    // no token at all
    assert.equal((await api(r.method, urlOf(r.url), body)).status, 401, `${key} without a token`);
  }
});

test('expired, revoked, replayed-after-revoke and forged tokens get 401; nothing is stored', async (t) => {
  const store = (await freshStore('sqlite', 'authz2'))!;
  const clock = movableClock(T0);
  const srv = await serverOn(store, clock);
  t.after(() => srv.close());
  const api = client(srv);
  const { token, info } = await createToken(store, { name: 'short', role: 'security', pipelines: [], expiresAt: new Date('2026-03-02T00:00:00Z') }, { name: 'setup' }, clock.now());
  const policy = { apiVersion: 'portcullis/v1', kind: 'AssurancePolicy', metadata: { name: 'p' }, spec: { controls: {} } };
  assert.equal((await api('GET', '/api/v1/policies', undefined, token)).status, 200);
  clock.set('2026-03-02T00:00:00Z');
  const expired = await api('PUT', '/api/v1/policies/p', policy, token);
  assert.equal(expired.status, 401);
  assert.equal(expired.json.error, 'token expired');
  clock.set(T0);
  await revokeToken(store, info.id, { name: 'setup' }, clock.now());
  assert.equal((await api('PUT', '/api/v1/policies/p', policy, token)).json.error, 'token revoked');
  for (const forged of [token.slice(0, -2) + 'xx', 'pcs_0000000000000000_' + 'a'.repeat(43), "' OR '1'='1", 'a'.repeat(5000)]) {
    assert.equal((await api('PUT', '/api/v1/policies/p', policy, forged)).status, 401);
  }
  const rows = await store.db.selectFrom('objects').selectAll().execute();
  assert.equal(rows.length, 0);
});

test('a ci token of one pipeline cannot upload for another, nor read its bundle or its scans', async (t) => {
  const store = (await freshStore('sqlite', 'authz3'))!;
  const clock = movableClock(T0);
  const srv = await serverOn(store, clock);
  t.after(() => srv.close());
  const admin = client(srv, await tokenFor(store, 'admin'));
  for (const p of ['shop-prod', 'pay-prod']) await admin('PUT', `/api/v1/pipelines/${p}`, {});
  await admin('PUT', '/api/v1/policies/p', { apiVersion: 'portcullis/v1', kind: 'AssurancePolicy', metadata: { name: 'p' }, spec: { controls: {} } });
  const shop = client(srv, await tokenFor(store, 'ci', ['shop-prod'], 'ci-shop'));
  const pay = client(srv, await tokenFor(store, 'ci', ['pay-prod'], 'ci-pay'));
  assert.equal((await shop('POST', '/api/v1/reports', { pipeline: 'shop-prod', report: report() })).status, 201);
  assert.equal((await shop('POST', '/api/v1/reports', { pipeline: 'pay-prod', report: report() })).status, 403);
  assert.equal((await shop('GET', '/api/v1/pipelines/pay-prod/bundle')).status, 403);
  assert.equal((await shop('GET', '/api/v1/pipelines/shop-prod/bundle')).status, 200);
  assert.equal((await pay('GET', '/api/v1/reports')).json.items.length, 0, 'pay sees none of shop\'s scans');
  assert.equal((await pay('GET', '/api/v1/reports/1')).status, 404);
  assert.equal((await shop('GET', '/api/v1/reports')).json.items.length, 1);
  assert.deepEqual((await pay('GET', '/api/v1/pipelines')).json.items.map((p: { name: string }) => p.name), ['pay-prod']);
});

test('the public login routes are listed, need no token and give no data without a session', async (t) => {
  const store = (await freshStore('sqlite', 'authz4'))!;
  const srv = await serverOn(store, movableClock(T0));
  t.after(() => srv.close());
  const api = client(srv);
  assert.deepEqual(PUBLIC_ROUTES.map((r) => `${r.method} ${r.url}`), ['GET /api/v1/auth/config', 'GET /api/v1/auth/oidc/login', 'GET /api/v1/auth/oidc/callback']);
  for (const r of PUBLIC_ROUTES) assert.ok(!ROUTES.some((x) => x.url === r.url), `${r.url} is public, not in the authenticated table`);
  assert.deepEqual((await api('GET', '/api/v1/auth/config')).json, { oidc: { enabled: false } }, 'whether SSO is on, nothing else');
  for (const url of ['/api/v1/auth/oidc/login', '/api/v1/auth/oidc/callback?state=x&code=y']) {
    const r = await api('GET', url);
    assert.equal(r.status, 404, url);
    assert.deepEqual(Object.keys(r.json).sort(), ['error', 'requestId']);
  }
  // logout is in the table like every other route: no token, no logout
  assert.equal((await api('POST', '/api/v1/auth/logout')).status, 401);
});
