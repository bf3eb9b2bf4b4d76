// The console bundle: built by esbuild under the first-load budget (200 KB of JavaScript gzipped),
// with no reference to any other host; served at /console/ with a strict Content-Security-Policy, only
// the files of the bundle; without a bundle, /console/ says how to build it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConsole, JS_BUDGET_GZIP } from './build.js';
import { CONSOLE_CSP } from './serve.js';
import { client, freshStore, serverOn, T0 } from '../testkit.js';
import { fixedClock } from '../../core/clock.js';

test('the bundle is small, self-contained, and served with a strict CSP', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-console-'));
  const b = await buildConsole(join(dir, 'assets'));
  assert.ok(b.jsGzipBytes < JS_BUDGET_GZIP, `app.js is ${b.jsGzipBytes} bytes gzipped`);
  assert.deepEqual(readdirSync(b.dir).sort(), ['app.css', 'app.js', 'index.html']);
  for (const f of ['app.js', 'app.css', 'index.html']) {
    const text = readFileSync(join(b.dir, f), 'utf8');
    assert.doesNotMatch(text, /(?:src|href)=["']?https?:|@import|url\(["']?https?:/i, `${f} loads nothing from another host`);
  }

  const store = (await freshStore('sqlite', 'console'))!;
  const srv = await serverOn(store, fixedClock(T0), { consoleDir: b.dir });
  t.after(() => srv.close());
  const api = client(srv);
  const root = await api('GET', '/');
  assert.equal(root.status, 302);
  assert.equal(root.headers.location, '/console/');
  const index = await api('GET', '/console/');
  assert.equal(index.status, 200);
  assert.match(String(index.headers['content-type']), /^text\/html/);
  assert.equal(index.headers['content-security-policy'], CONSOLE_CSP);
  assert.match(CONSOLE_CSP, /script-src 'self'(;|$)/);
  assert.doesNotMatch(CONSOLE_CSP, /unsafe-inline|unsafe-eval|https?:/);
  assert.equal(index.headers['x-frame-options'], 'DENY');
  assert.doesNotMatch(index.text, /<script>|<script [^>]*>[^<]/, 'no inline script');
  const js = await api('GET', '/console/app.js');
  assert.equal(js.status, 200);
  assert.match(String(js.headers['content-type']), /^text\/javascript/);
  assert.equal(js.text.length, b.jsBytes);
  for (const p of ['/console/..%2F..%2Fpackage.json', '/console/missing.js', '/console/.env']) assert.equal((await api('GET', p)).status, 404, p);
  // the API keeps its own policy: nothing but JSON
  assert.equal((await api('GET', '/api/v1/whoami')).headers['content-security-policy'], "default-src 'none'; frame-ancestors 'none'");
});

test('without a bundle /console/ says how to build it', async (t) => {
  const store = (await freshStore('sqlite', 'console-missing'))!;
  const srv = await serverOn(store, fixedClock(T0), { consoleDir: join(mkdtempSync(join(tmpdir(), 'portcullis-console-')), 'none') });
  t.after(() => srv.close());
  const r = await client(srv)('GET', '/console/');
  assert.equal(r.status, 503);
  assert.match(r.text, /npm run build/);
});
