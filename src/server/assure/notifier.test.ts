// The server's re-evaluation notifier routes by the policies' spec.owners: spec.notify gets the whole
// message, an owner its share; without policies it sends the whole message to the URLs it is given.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Policy } from '../../policy/schema.js';
import type { JsonPayload } from '../../notify/index.js';
import { sampleReport } from '../../report/testdata/sample.js';
import { webhookNotifier } from './jobs.js';

test('webhookNotifier: spec.notify whole, spec.owners their share; failures logged, never thrown', async (t) => {
  const got: { path: string; body: JsonPayload }[] = [];
  const server = createServer((req, res) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString()));
    req.on('end', () => {
      got.push({ path: req.url ?? '', body: JSON.parse(b) as JsonPayload });
      res.writeHead(req.url === '/broken' ? 500 : 204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const r = sampleReport();
  const d = r.decision!;
  const name = d.violations[0]!.policy;
  const first = r.findings.find((f) => f.id === d.violations[0]!.findingId);
  assert.ok(first && first.kind === 'vulnerability', 'the sample\'s first violation is a vulnerability');
  const path = '/srv/app/node_modules/owned/package.json';
  first.package = { ...first.package, path };
  const policy = {
    apiVersion: 'portcullis/v1',
    kind: 'AssurancePolicy',
    metadata: { name },
    spec: { notify: [`${base}/security`], owners: [{ team: 'app', notify: [`${base}/app`], paths: ['/srv/app/'] }, { notify: [`${base}/broken`], paths: ['/nowhere/**'] }], controls: {} },
  } as Policy;
  const logs: string[] = [];
  await webhookNotifier(undefined, { retries: 0 }, (l) => logs.push(l))(r, [`${base}/security`], [policy]);
  assert.deepEqual(got.map((g) => g.path), ['/security', '/app']);
  assert.equal(got[0]!.body.routed, undefined);
  const mine = d.violations.filter((v) => r.findings.find((f) => f.id === v.findingId && f.kind === 'vulnerability' && f.package.path === path));
  assert.deepEqual(got[1]!.body.violations.map((v) => v.message), mine.map((v) => v.message));
  assert.deepEqual(got[1]!.body.routed?.owners, ['@app']);
  assert.equal(logs.length, 0, logs.join('\n'));
  // without policies: the URLs given get the whole message (the old contract)
  got.length = 0;
  await webhookNotifier(undefined, { retries: 0 }, (l) => logs.push(l))(r, [`${base}/broken`]);
  assert.deepEqual(got.map((g) => g.path), ['/broken']);
  assert.match(logs[0] ?? '', /HTTP 500/);
});
