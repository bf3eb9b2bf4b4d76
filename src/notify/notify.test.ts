// Notifications against a local HTTP receiver on 127.0.0.1 (free port chosen at run time): the JSON
// payload with a valid HMAC, the Slack shape for Slack-style URLs, retries on 500, a hanging receiver
// bounded by the timeout; failures are returned (for stderr), never thrown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sampleReport } from '../report/testdata/sample.js';
import { notify, notificationPayload, signature, PAYLOAD_VERSION } from './index.js';

interface Got {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function receiver(handle: (req: IncomingMessage, res: ServerResponse, got: Got[]) => void): Promise<{ base: string; got: Got[]; close(): Promise<void> }> {
  const got: Got[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      handle(req, res, got);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    got,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const noSleep = async () => {};

test('JSON payload, signed: the receiver verifies the HMAC over the exact body', async () => {
  const rx = await receiver((_q, res) => res.writeHead(204).end());
  try {
    const failures = await notify(sampleReport(), [{ url: `${rx.base}/hooks/security`, secret: 's3cret' }], { reportUrl: 'https://ci.example/job/1/report.html' });
    assert.deepEqual(failures, []);
    const [g] = rx.got;
    assert.equal(g!.headers['x-portcullis-signature'], signature('s3cret', g!.body));
    const p = JSON.parse(g!.body) as ReturnType<typeof notificationPayload>;
    assert.equal(p!.version, PAYLOAD_VERSION);
    assert.equal(p!.verdict, 'fail');
    assert.equal(p!.reportUrl, 'https://ci.example/job/1/report.html');
    assert.ok(p!.violations.length > 0 && p!.image.digest?.startsWith('sha256:'));
  } finally {
    await rx.close();
  }
});

test('Slack-style URLs get text and blocks, no signature header', async () => {
  const rx = await receiver((_q, res) => res.writeHead(200).end('ok'));
  try {
    assert.deepEqual(await notify(sampleReport(), [{ url: `${rx.base}/services/T000/B000/XXXX`, secret: 's' }]), []);
    const body = JSON.parse(rx.got[0]!.body) as { text: string; blocks: unknown[] };
    assert.match(body.text, /^:x: Failed: shop\/orders-api:1\.4\.2/);
    assert.ok(body.blocks.length >= 2);
    assert.equal(rx.got[0]!.headers['x-portcullis-signature'], undefined);
  } finally {
    await rx.close();
  }
});

test('500 is retried, then reported; a hanging receiver is cut by the timeout; nothing throws', async () => {
  const rx = await receiver((req, res) => {
    if (req.url?.startsWith('/hang')) return; // never answers
    res.writeHead(500).end();
  });
  try {
    const failures = await notify(sampleReport(), [{ url: `${rx.base}/err` }, { url: `${rx.base}/hang?token=secret` }], { retries: 2, timeoutMs: 300, sleep: noSleep });
    assert.equal(rx.got.filter((g) => g.path === '/err').length, 3, 'first try and two retries');
    assert.equal(failures.length, 2);
    assert.match(failures[0]!, /HTTP 500/);
    assert.match(failures[1]!, /no answer within 300 ms/);
    assert.ok(!failures.join('').includes('token=secret'), 'the URL\'s query (often a secret) is not printed');
  } finally {
    await rx.close();
  }
});

test('a pass without warnings sends nothing', async () => {
  const r = sampleReport();
  r.decision = { ...r.decision!, verdict: 'pass', violations: [], warnings: [] };
  assert.equal(notificationPayload(r), undefined);
  assert.deepEqual(await notify(r, [{ url: 'http://127.0.0.1:9/never' }]), []);
});

test('an SLA warning is notified with its deadline', async () => {
  const { evaluate } = await import('../policy/evaluate.js');
  const { CTX, policy, report, set, vuln } = await import('../policy/testdata/synthetic.js');
  const r = report({ findings: [vuln({ severity: 'critical', published: '2026-11-25T00:00:00Z' })] });
  const decision = evaluate(r, [policy('sla', { vulnerabilities: { failOn: 'high', fixWithinDays: { critical: 7 } } })], set(), CTX);
  const p = notificationPayload({ ...r, decision })!;
  assert.equal(p.verdict, 'warn');
  assert.deepEqual(p.deadlines, [{ subject: decision.warnings[0]!.subject, deadline: '2026-12-02T00:00:00.000Z', policy: 'sla' }]);
});
