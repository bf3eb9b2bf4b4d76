// Hostile input and operations: oversized bodies, malformed JSON and YAML, SQL metacharacters in every
// filter, path traversal in ids — each rejected with the right status and nothing stored; health,
// readiness, metrics, security headers, no CORS, request ids, JSON logs, per-token rate limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { client, freshStore, movableClock, serverOn, tokenFor, T0 } from './testkit.js';
import { report } from '../policy/testdata/synthetic.js';

const POLICY = { apiVersion: 'portcullis/v1', kind: 'AssurancePolicy', metadata: { name: 'p' }, spec: { controls: {} } };
const SQLI = ["' OR '1'='1", '1; DROP TABLE scans; --', '"); DELETE FROM audit; --', '%27%20OR%201%3D1', '\\x00', 'a\u0000b'];

test('hostile requests are rejected with the right status, and nothing is stored', async (t) => {
  const store = (await freshStore('sqlite', 'hostile'))!;
  const srv = await serverOn(store, movableClock(T0), { bodyLimit: 64 * 1024 });
  t.after(() => srv.close());
  const api = client(srv, await tokenFor(store, 'admin'));
  await api('PUT', '/api/v1/pipelines/prod', {});
  assert.equal((await api('POST', '/api/v1/reports', { pipeline: 'prod', report: report() })).status, 201);
  const count = async () => ({
    objects: (await store.db.selectFrom('objects').selectAll().execute()).length,
    scans: (await store.db.selectFrom('scans').selectAll().execute()).length,
    audit: (await store.db.selectFrom('audit').selectAll().execute()).length,
  });
  const second = await tokenFor(store, 'admin', [], 'a2');
  const before = await count();

  // oversized body
  const big = await api('POST', '/api/v1/reports', { pipeline: 'prod', report: { ...report(), padding: 'x'.repeat(100 * 1024) } });
  assert.equal(big.status, 413);
  // malformed JSON, wrong content type, a JSON array or a string where an object is expected
  assert.equal((await api('PUT', '/api/v1/policies/p', '{"apiVersion": "portcullis/v1",')).status, 400);
  assert.equal((await api('PUT', '/api/v1/policies/p', '[1,2]')).status, 400);
  const raw = await srv.app.inject({ method: 'PUT', url: '/api/v1/policies/p', headers: { authorization: `Bearer ${second}`, 'content-type': 'application/xml' }, payload: '<policy/>' });
  assert.equal(raw.statusCode, 415);
  // malformed YAML pushed as a document: one line naming the file
  const yaml = await api('POST', '/api/v1/documents', { documents: [{ file: 'p.yaml', position: 0, raw: 'apiVersion: portcullis/v1\nkind: [AssurancePolicy\n' }] });
  assert.equal(yaml.status, 400);
  assert.match(yaml.json.error, /^p\.yaml#1: YAML syntax error/);
  const bomb = await api('POST', '/api/v1/documents', { documents: [{ file: 'p.yaml', position: 0, raw: 'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nkind: AssurancePolicy\n' }] });
  assert.equal(bomb.status, 400, 'alias bombs are refused');
  // an invalid report
  assert.equal((await api('POST', '/api/v1/reports', { pipeline: 'prod', report: { findings: 'nope' } })).status, 400);
  // SQL metacharacters in every filter: refused by the schema, or bound as values (and match nothing)
  for (const s of SQLI) {
    const q = encodeURIComponent(s);
    for (const f of ['pipeline', 'digest', 'verdict', 'cursor', 'limit']) assert.equal((await api('GET', `/api/v1/reports?${f}=${q}`)).status, 400, `${f}=${s}`);
    const repo = await api('GET', `/api/v1/reports?repository=${q}`);
    assert.ok(repo.status === 200 || repo.status === 400, `repository=${s}: ${repo.status}`);
    if (repo.status === 200) assert.deepEqual(repo.json.items, []);
    const audit = await api('GET', `/api/v1/audit?name=${q}`);
    assert.ok(audit.status === 200 || audit.status === 400);
    if (audit.status === 200) assert.deepEqual(audit.json.items, []);
    assert.equal((await api('GET', `/api/v1/audit?kind=${q}`)).status, 400);
  }
  // path traversal and odd ids
  for (const id of ['..', '..%2F..%2Fetc%2Fpasswd', '%2e%2e', '.hidden', 'a%00b', 'x'.repeat(200), '%C0%AE%C0%AE']) {
    for (const url of [`/api/v1/policies/${id}`, `/api/v1/exceptions/${id}`, `/api/v1/pipelines/${id}/bundle`, `/api/v1/reports/${id}`]) {
      const r = await api('GET', url);
      assert.ok([400, 404, 414].includes(r.status), `${url}: ${r.status}`);
    }
    assert.ok([400, 404, 414].includes((await api('PUT', `/api/v1/policies/${id}`, POLICY)).status));
  }
  // unknown query parameters and fields are refused, not ignored
  assert.equal((await api('GET', '/api/v1/reports?pipline=prod')).status, 400);
  assert.equal((await api('POST', '/api/v1/tokens', { name: 'x', role: 'root', expiresInDays: 1 })).status, 400);
  assert.equal((await api('POST', '/api/v1/tokens', { name: 'x', role: 'viewer', expiresInDays: 1, admin: true })).status, 400);
  assert.deepEqual(await count(), before);
});

test('operations: health, readiness, metrics, headers, no CORS, request ids, JSON logs, rate limits', async () => {
  const store = (await freshStore('sqlite', 'ops'))!;
  const lines: string[] = [];
  const log = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
  const srv = await serverOn(store, movableClock(T0), { log, rateLimit: 20 });
  const token = await tokenFor(store, 'viewer');
  const api = client(srv, token);
  assert.deepEqual((await api('GET', '/healthz', undefined, '')).json, { status: 'ok' });
  assert.equal((await api('GET', '/readyz', undefined, '')).json.status, 'ready');
  const r = await srv.app.inject({ method: 'GET', url: '/api/v1/status', headers: { authorization: `Bearer ${token}`, 'x-request-id': 'req-42', origin: 'https://evil.example' } });
  assert.equal(r.headers['x-request-id'], 'req-42');
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.match(String(r.headers['content-security-policy']), /default-src 'none'/);
  assert.equal(r.headers['access-control-allow-origin'], undefined, 'CORS is off');
  const pre = await srv.app.inject({ method: 'OPTIONS', url: '/api/v1/status', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
  assert.equal(pre.headers['access-control-allow-origin'], undefined);
  const metrics = await api('GET', '/metrics', undefined, '');
  assert.match(metrics.text, /portcullis_http_request_duration_seconds_bucket\{method="GET",route="\/api\/v1\/status",status="200",le="0.005"\} \d+/);
  assert.match(metrics.text, /# TYPE portcullis_decisions_total counter/);
  // the 20-per-minute budget of this token runs out; another token is unaffected
  let limited = 0;
  for (let i = 0; i < 25; i++) if ((await api('GET', '/api/v1/status')).status === 429) limited++;
  assert.ok(limited >= 3, `${limited} requests limited`);
  assert.equal((await api('GET', '/api/v1/status', undefined, await tokenFor(store, 'viewer', [], 'other'))).status, 200);
  await srv.close();
  const logged = lines.map((l) => JSON.parse(l) as { reqId?: string; msg?: string });
  assert.ok(logged.some((l) => l.reqId === 'req-42'), 'log lines are JSON with the request id');
  assert.ok(!lines.join('').includes(token), 'tokens never reach the log');
  // after close: the database is closed too
  await assert.rejects(store.db.selectFrom('objects').selectAll().execute());
});
