// Reminders before exceptions expire, against a local HTTP receiver: sent once per entry and expiry to the
// notify URLs of the policies covering its pipelines, signed, recorded in the audit log; an entry no
// policy covers is only logged; an undelivered reminder is tried again the next round.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { createHmac } from 'node:crypto';
import { freePort, freshStore } from '../testkit.js';
import { validateDocument } from '../store/documents.js';
import { listAudit, putObject } from '../store/objects.js';
import { expiringEntries, sendReminders } from './remind.js';

const now = new Date('2026-03-01T00:00:00Z');
const actor = { name: 'alice' };

async function receiver(): Promise<{ url: string; got: { body: string; sig?: string }[]; status: { code: number }; close(): void }> {
  const got: { body: string; sig?: string }[] = [];
  const status = { code: 200 };
  const srv = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push({ body, sig: req.headers['x-portcullis-signature'] as string | undefined });
      res.statusCode = status.code;
      res.end();
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}/hook`, got, status, close: () => srv.close() };
}

test('an exception expiring within 7 days: its teams are told once, signed, and the audit log says so', async (t) => {
  const store = (await freshStore('sqlite', 'remind'))!;
  t.after(() => store.close());
  const rx = await receiver();
  t.after(() => rx.close());
  const policy = `apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: prod}\nspec:\n  appliesTo: {pipelines: ["prod-*"]}\n  notify: ["${rx.url}"]\n  controls:\n    vulnerabilities: {failOn: high}\n`;
  const exceptions = [
    'apiVersion: portcullis/v1',
    'kind: Exceptions',
    'metadata: {name: shop}',
    'exceptions:',
    '  - {id: SOON, finding: CVE-2024-1, scope: {all: true}, pipelines: ["prod-shop"], expires: 2026-03-03, reason: r, owner: team-a}',
    '  - {id: LATER, finding: CVE-2024-2, scope: {all: true}, expires: 2026-03-20, reason: r, owner: team-a}',
    '  - {id: DEV, finding: CVE-2024-3, scope: {all: true}, pipelines: ["dev-*"], expires: 2026-03-04, reason: r, owner: team-b}',
    '  - {id: ENDED, finding: CVE-2024-4, scope: {all: true}, expires: 2026-02-27, reason: r, owner: team-a}',
    '',
  ].join('\n');
  await putObject(store, validateDocument(policy, 'prod.yaml'), { file: 'prod.yaml', position: 0 }, actor, now);
  await putObject(store, validateDocument(exceptions, 'shop.yaml'), { file: 'shop.yaml', position: 0 }, actor, now);

  assert.deepEqual((await expiringEntries(store, now)).map((e) => [e.id, e.daysLeft]), [['SOON', 3], ['DEV', 4]]);
  const logs: string[] = [];
  rx.status.code = 500;
  assert.equal(await sendReminders(store, now, { secret: 's3', log: (l) => logs.push(l) }), 0, 'undelivered: not recorded');
  assert.ok(logs.some((l) => /HTTP 500/.test(l)));
  assert.ok(logs.some((l) => /DEV .*no policy names a notify URL/.test(l)), logs.join('\n'));
  rx.status.code = 200;
  assert.equal(await sendReminders(store, now, { secret: 's3' }), 1);
  assert.equal(await sendReminders(store, new Date('2026-03-02T00:00:00Z'), { secret: 's3' }), 0, 'once per entry and expiry');
  const last = rx.got.at(-1)!;
  // the 500: one try and two retries (notify's deliver); then one delivery, and none the day after
  assert.equal(rx.got.length, 4);
  const payload = JSON.parse(last.body) as Record<string, unknown>;
  assert.equal(payload.version, 'portcullis.reminder/v1');
  assert.equal(payload.kind, 'exception-expiring');
  assert.equal(payload.id, 'SOON');
  assert.equal(payload.owner, 'team-a');
  assert.equal(payload.expires, '2026-03-03');
  assert.equal(payload.endsAt, '2026-03-04T00:00:00.000Z');
  assert.equal(last.sig, `sha256=${createHmac('sha256', 's3').update(last.body).digest('hex')}`);
  const audit = await listAudit(store, { limit: 10, action: 'remind' });
  assert.deepEqual(audit.map((a) => [a.actor, a.name]), [['portcullis:reminders', 'exception:shop:SOON@2026-03-04T00:00:00.000Z']]);
});
