// What the console reads beyond the core API: /whoami, /dashboard (newest decision per image and
// pipeline, blocking controls, widespread vulnerabilities with KEV/EPSS, exceptions expiring within a
// week, DB age; pipeline scope respected), the audit log newest first with action/actor filters, and
// a dry-run push that validates with the CLI's schema and stores nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decisionRecord } from '../../policy/record.js';
import { evaluate } from '../../policy/evaluate.js';
import { report, vuln, DIGEST, OTHER_DIGEST, ZLIB } from '../../policy/testdata/synthetic.js';
import { client, freshStore, movableClock, serverOn, tokenFor, T0 } from '../testkit.js';
import type { ScanReport } from '../../core/report.js';

const production = { apiVersion: 'portcullis/v1', kind: 'AssurancePolicy', metadata: { name: 'production' }, spec: { appliesTo: { pipelines: ['prod-*'] }, controls: { vulnerabilities: { failOn: 'high' } } } };
const REPO = 'registry.example.com/shop/orders-api';
const OTHER = 'registry.example.com/shop/cart';

function upload(r: ScanReport, pipeline: string, name: string, digest: string, now: Date) {
  const decision = evaluate(r, [production as never], { exceptions: [], allowlist: [] }, { pipeline, image: { name, tag: '1', digest }, now });
  return { pipeline, report: r, decision: decisionRecord({ ...r, decision }, { policyDigest: 'sha256:' + '0'.repeat(64) }) };
}

test('whoami, dashboard, audit filters and dry-run push', async (t) => {
  const store = (await freshStore('sqlite', 'overview'))!;
  const clock = movableClock(T0);
  const srv = await serverOn(store, clock, { rateLimit: 0 });
  t.after(() => srv.close());
  const sec = client(srv, await tokenFor(store, 'security', [], 'alice'));
  const ci = client(srv, await tokenFor(store, 'ci', ['prod-*', 'dev-*'], 'ci-shop'));
  const viewer = client(srv, await tokenFor(store, 'viewer', [], 'vic'));
  const devViewer = client(srv, await tokenFor(store, 'viewer', ['dev-*'], 'dev-vic'));

  const me = await viewer('GET', '/api/v1/whoami');
  assert.equal(me.status, 200);
  assert.deepEqual({ ...me.json, id: undefined, expiresAt: undefined }, { id: undefined, name: 'vic', role: 'viewer', pipelines: [], expiresAt: undefined, login: 'token', now: '2026-03-01T10:00:00.000Z' });
  assert.equal((await ci('GET', '/api/v1/dashboard')).status, 403, 'ci tokens upload; they do not read the dashboard');

  const empty = await viewer('GET', '/api/v1/dashboard');
  assert.deepEqual([empty.json.images, empty.json.pipelines, empty.json.controls, empty.json.vulnerabilities, empty.json.expiring, empty.json.db], [[], [], [], [], [], null]);

  assert.equal((await sec('PUT', '/api/v1/policies/production', production)).status, 201);
  const now = clock.now();
  const kevVuln = vuln({ kev: { dateAdded: '2023-10-20' }, epss: { score: 0.42, percentile: 0.97 } });
  const zlibVuln = vuln({ advisoryId: 'CVE-2023-45853', severity: 'critical', package: ZLIB, installedVersion: ZLIB.version });
  // orders-api: an old failing scan, then the newest (fails on both); cart: one vulnerability; dev: no decision
  assert.equal((await ci('POST', '/api/v1/reports', upload(report({ findings: [kevVuln] }), 'prod-shop', REPO, OTHER_DIGEST, now))).status, 201);
  assert.equal((await ci('POST', '/api/v1/reports', upload(report({ findings: [kevVuln, zlibVuln] }), 'prod-shop', REPO, DIGEST, now))).status, 201);
  assert.equal((await ci('POST', '/api/v1/reports', upload(report({ findings: [kevVuln] }), 'prod-cart', OTHER, DIGEST, now))).status, 201);
  assert.equal((await ci('POST', '/api/v1/reports', { pipeline: 'dev-shop', report: report({ findings: [] }) })).status, 201);
  const base = { owner: 'alice@example.com', reason: 'not reachable', scope: { all: true } };
  assert.equal((await sec('POST', '/api/v1/exceptions', { id: 'soon', finding: 'CVE-2023-38545', expires: '2026-03-05', ...base })).status, 201);
  assert.equal((await sec('POST', '/api/v1/exceptions', { id: 'later', finding: 'CVE-2023-45853', expires: '2026-04-30', ...base })).status, 201);

  const d = (await viewer('GET', '/api/v1/dashboard')).json;
  assert.deepEqual(
    d.images.map((i: { pipeline: string; repository: string; verdict: string | null; violations: number }) => `${i.pipeline} ${i.repository} ${i.verdict} ${i.violations}`),
    ['dev-shop registry.example.com/shop/orders-api null 0', `prod-cart ${OTHER} fail 1`, `prod-shop ${REPO} fail 2`],
    'the newest scan of each image in each pipeline, newest first',
  );
  assert.deepEqual(d.pipelines, [
    { pipeline: 'dev-shop', pass: 0, fail: 0, error: 0, none: 1 },
    { pipeline: 'prod-cart', pass: 0, fail: 1, error: 0, none: 0 },
    { pipeline: 'prod-shop', pass: 0, fail: 1, error: 0, none: 0 },
  ]);
  assert.deepEqual(d.controls, [{ control: 'vulnerabilities.failOn', images: 2, policies: ['production'] }]);
  assert.deepEqual(
    d.vulnerabilities.map((v: { id: string; images: number; kev: boolean; epss?: number; severity: string; packages: string[] }) => [v.id, v.images, v.kev, v.epss, v.severity, v.packages]),
    [
      ['CVE-2023-38545', 2, true, 0.42, 'high', ['curl@7.88.1-10+deb12u4']],
      ['CVE-2023-45853', 1, false, undefined, 'critical', ['zlib1g@1:1.2.13.dfsg-1']],
    ],
  );
  assert.deepEqual(d.expiring, [{ type: 'exception', id: 'soon', subject: 'CVE-2023-38545', owner: 'alice@example.com', expiresAt: '2026-03-06T00:00:00.000Z', daysLeft: 5 }]);
  assert.deepEqual(d.db, { builtAt: '2026-11-29T06:00:00Z', sources: [{ name: 'debian', updatedAt: '2026-11-29T05:00:00Z' }], ageHours: 0 }, 'a DB newer than the clock has age 0');

  // a token scoped to pipelines sees only those
  const dev = (await devViewer('GET', '/api/v1/dashboard')).json;
  assert.deepEqual(dev.images.map((i: { pipeline: string }) => i.pipeline), ['dev-shop']);
  assert.deepEqual([dev.controls, dev.vulnerabilities], [[], []]);

  // the audit log newest first, by action and by actor (a case-insensitive substring; wildcards are literal)
  await sec('DELETE', '/api/v1/exceptions/soon');
  const desc = (await sec('GET', '/api/v1/audit?order=desc&limit=2')).json;
  assert.deepEqual(desc.items.map((a: { action: string; name: string }) => `${a.action} ${a.name}`), ['revoke soon', 'create later']);
  const older = (await sec('GET', `/api/v1/audit?order=desc&limit=2&cursor=${desc.nextCursor}`)).json;
  assert.deepEqual(older.items.map((a: { action: string; name: string }) => `${a.action} ${a.name}`), ['create soon', 'create production']);
  assert.deepEqual((await sec('GET', '/api/v1/audit?action=revoke&kind=Exceptions')).json.items.map((a: { name: string }) => a.name), ['soon']);
  const byAlice = (await sec('GET', '/api/v1/audit?actor=ALICE')).json.items as { actor: string }[];
  assert.equal(byAlice.length, 4);
  assert.ok(byAlice.every((a) => a.actor.startsWith('alice (security')));
  assert.equal((await sec('GET', '/api/v1/audit?actor=%25')).json.items.length, 0, '% is matched literally');
  assert.equal((await sec('GET', '/api/v1/audit?actor=test-setup')).json.items.length, 4, 'the four tokens');
  assert.equal((await sec('GET', '/api/v1/audit?action=delete')).status, 400);

  // dry run: validated like a push (the CLI's schema), nothing stored, nothing audited
  const before = (await sec('GET', '/api/v1/audit')).json.items.length;
  const raw = 'apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: production}\nspec:\n  controls:\n    vulnerabilities: {failOn: critical}\n';
  const dry = await sec('POST', '/api/v1/documents', { dryRun: true, documents: [{ file: 'policies/production.yaml', position: 0, raw }] });
  assert.equal(dry.status, 200);
  assert.deepEqual(dry.json.valid, ['AssurancePolicy/production']);
  assert.equal((await sec('GET', '/api/v1/policies/production')).json.revision, 1);
  const bad = await sec('POST', '/api/v1/documents', { dryRun: true, documents: [{ file: 'policies/production.yaml', position: 0, raw: raw.replace('critical', 'severe') }] });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /failOn: expected one of/);
  assert.equal((await sec('GET', '/api/v1/audit')).json.items.length, before);
  assert.equal((await viewer('POST', '/api/v1/documents', { dryRun: true, documents: [] })).status, 403);
});
