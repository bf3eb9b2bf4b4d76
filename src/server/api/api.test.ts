// The API suite, run against SQLite and PostgreSQL: objects with revisions, exceptions with expiry on
// an injected clock, the pipeline bundle, reports and decisions with filters and cursors, the audit log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decisionRecord } from '../../policy/record.js';
import { evaluate } from '../../policy/evaluate.js';
import { report, vuln, DIGEST, OTHER_DIGEST } from '../../policy/testdata/synthetic.js';
import { client, freshStore, movableClock, serverOn, tokenFor, T0, type Backend } from '../testkit.js';
import { gateFromBundle, parseBundle } from '../bundle.js';

const V1 = 'apiVersion: portcullis/v1';
const production = { apiVersion: 'portcullis/v1', kind: 'AssurancePolicy', metadata: { name: 'production' }, spec: { appliesTo: { pipelines: ['prod-*'] }, controls: { vulnerabilities: { failOn: 'high' } } } };
const dev = { apiVersion: 'portcullis/v1', kind: 'AssurancePolicy', metadata: { name: 'dev' }, spec: { appliesTo: { pipelines: ['dev-*'] }, controls: { vulnerabilities: { failOn: 'critical' } } } };
const CVE = 'CVE-2023-38545';
const REPO = 'registry.example.com/shop/orders-api';

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  test(`${backend}: the API end to end`, async (t) => {
    const store = await freshStore(backend, 'api_suite');
    if (!store) return t.skip('PostgreSQL not available');
    const clock = movableClock(T0);
    const srv = await serverOn(store, clock);
    t.after(() => srv.close());
    const sec = client(srv, await tokenFor(store, 'security', [], 'alice'));
    const admin = client(srv, await tokenFor(store, 'admin', [], 'root'));
    const ciProd = client(srv, await tokenFor(store, 'ci', ['prod-*'], 'ci-prod'));
    const viewer = client(srv, await tokenFor(store, 'viewer', [], 'vic'));

    await t.test('pipelines and policies, with revisions and history', async () => {
      assert.equal((await admin('PUT', '/api/v1/pipelines/prod-shop', { owner: 'shop-team' })).status, 201);
      assert.equal((await admin('PUT', '/api/v1/pipelines/dev-shop', {})).status, 201);
      assert.equal((await sec('PUT', '/api/v1/policies/production', production)).status, 201);
      assert.equal((await sec('PUT', '/api/v1/policies/dev', dev)).status, 201);
      const upd = await sec('PUT', '/api/v1/policies/dev', { ...dev, spec: { ...dev.spec, controls: { vulnerabilities: { failOn: 'high' } } } });
      assert.equal(upd.status, 200);
      assert.equal(upd.json.revision, 2);
      const old = await viewer('GET', '/api/v1/policies/dev?revision=1');
      assert.equal(old.json.document.spec.controls.vulnerabilities.failOn, 'critical');
      assert.equal((await viewer('GET', '/api/v1/policies/dev/history')).json.items.length, 2);
      // a name in the body that differs from the URL is refused
      assert.equal((await sec('PUT', '/api/v1/policies/other', dev)).status, 400);
      // invalid policy: the CLI's own validation message
      const bad = await sec('PUT', '/api/v1/policies/dev', { ...dev, spec: { controls: { vulnerabilities: { failOn: 'severe' } } } });
      assert.equal(bad.status, 400);
      assert.match(bad.json.error, /failOn: expected one of/);
    });

    await t.test('exceptions need owner, reason and expiry; scoped by image, repository, all', async () => {
      const base = { finding: CVE, owner: 'alice@example.com', reason: 'not reachable', expires: '2026-03-31' };
      for (const missing of ['owner', 'reason', 'expires']) {
        const body: Record<string, unknown> = { id: `no-${missing}`, scope: { all: true }, ...base };
        delete body[missing];
        const r = await sec('POST', '/api/v1/exceptions', body);
        assert.equal(r.status, 400, `without ${missing}`);
      }
      assert.equal((await sec('POST', '/api/v1/exceptions', { id: 'one-image', scope: { image: `${REPO}@${DIGEST}` }, ...base })).status, 201);
      assert.equal((await sec('POST', '/api/v1/exceptions', { id: 'one-image', scope: { all: true }, ...base })).status, 409);
      assert.equal((await sec('POST', '/api/v1/exceptions', { id: 'one-repo', scope: { repository: REPO }, pipelines: ['prod-*'], ...base })).status, 201);
      assert.equal((await sec('POST', '/api/v1/exceptions', { id: 'everywhere', scope: { all: true }, ...base, ttl: '30d', created: '2026-03-01', expires: undefined })).status, 201);
      const list = await viewer('GET', '/api/v1/exceptions');
      assert.deepEqual(list.json.items.map((e: { id: string; active: boolean }) => `${e.id}:${e.active}`).sort(), ['everywhere:true', 'one-image:true', 'one-repo:true']);
      // expiry passes on the injected clock, without a restart
      clock.set('2026-04-01T00:00:01Z');
      const later = await viewer('GET', '/api/v1/exceptions/one-repo');
      assert.equal(later.json.active, false);
      assert.equal(later.json.expiresAt, '2026-04-01T00:00:00.000Z');
      clock.set(T0);
      // allowlist
      const allow = await sec('POST', '/api/v1/allowlist', { image: `${REPO}@${OTHER_DIGEST}`, owner: 'alice@example.com', reason: 'legacy', expires: '2026-03-31' });
      assert.equal(allow.status, 201);
      const entries = await viewer('GET', '/api/v1/allowlist');
      assert.equal(entries.json.items.length, 1);
      assert.match(entries.json.items[0].id, /^allow-[0-9a-f]{16}$/);
    });

    await t.test('the bundle holds what applies to one pipeline, and evaluate() decides with it', async () => {
      const prod = parseBundle((await ciProd('GET', '/api/v1/pipelines/prod-shop/bundle')).json, 'bundle');
      assert.deepEqual(prod.documents.map((d) => `${d.kind}/${d.name}@${d.revision}`).sort(), [
        'AssurancePolicy/production@1',
        'Exceptions/allow-' + prod.documents.find((d) => d.name.startsWith('allow-'))!.name.slice(6) + '@1',
        'Exceptions/everywhere@1',
        'Exceptions/one-image@1',
        'Exceptions/one-repo@1',
      ].sort());
      const devB = parseBundle((await sec('GET', '/api/v1/pipelines/dev-shop/bundle')).json, 'bundle');
      assert.ok(devB.documents.some((d) => d.name === 'dev') && !devB.documents.some((d) => d.name === 'production' || d.name === 'one-repo'));
      assert.equal((await ciProd('GET', '/api/v1/pipelines/dev-shop/bundle')).status, 403, 'a ci token reads only its pipelines');
      assert.equal((await sec('GET', '/api/v1/pipelines/nope/bundle')).status, 404);
      const gate = gateFromBundle(prod);
      const d = evaluate(report({ findings: [vuln()] }), gate.policies.policies, gate.exceptions, { pipeline: 'prod-shop', image: { name: REPO, tag: '1.4.2', digest: DIGEST }, now: clock.now() });
      assert.equal(d.verdict, 'pass');
      assert.ok(d.suppressed.length > 0 && d.suppressed.every((s) => s.by === 'exception' && ['one-image', 'one-repo', 'everywhere'].includes(s.ruleId)));
      assert.ok(gate.provenance.policies.some((p) => p.name === 'production' && p.revision === 1));
    });

    await t.test('reports and decisions: upload for its own pipelines only, list with filters and cursors', async () => {
      const r = report({ findings: [vuln()] });
      const decision = evaluate(r, [production as never], { exceptions: [], allowlist: [] }, { pipeline: 'prod-shop', image: { name: REPO, tag: '1.4.2', digest: DIGEST }, now: clock.now() });
      const record = decisionRecord({ ...r, decision }, { policyDigest: 'sha256:' + '0'.repeat(64) });
      for (let i = 0; i < 5; i++) assert.equal((await ciProd('POST', '/api/v1/reports', { pipeline: 'prod-shop', report: r, decision: record })).status, 201);
      assert.equal((await ciProd('POST', '/api/v1/reports', { pipeline: 'dev-shop', report: r })).status, 403, 'a ci token uploads only for its pipelines');
      assert.equal((await ciProd('POST', '/api/v1/reports', { pipeline: 'prod-shop', report: r, decision: { ...record, verdict: 'pass' } })).status, 400, 'an edited record is refused');
      assert.equal((await ciProd('POST', '/api/v1/reports', { pipeline: 'prod-other', report: r, decision: record })).status, 400, 'a record made for another pipeline is refused');
      assert.equal((await sec('POST', '/api/v1/reports', { pipeline: 'prod-shop', report: r })).status, 403);
      const page1 = await viewer('GET', `/api/v1/decisions?pipeline=prod-shop&digest=${DIGEST}&limit=2`);
      assert.equal(page1.json.items.length, 2);
      assert.equal(page1.json.items[0].decision.verdict, 'fail');
      const page2 = await viewer('GET', `/api/v1/decisions?pipeline=prod-shop&limit=2&cursor=${page1.json.nextCursor}`);
      const page3 = await viewer('GET', `/api/v1/decisions?pipeline=prod-shop&limit=2&cursor=${page2.json.nextCursor}`);
      assert.equal(page3.json.items.length, 1);
      assert.equal(page3.json.nextCursor, null);
      const ids = [...page1.json.items, ...page2.json.items, ...page3.json.items].map((x: { id: number }) => x.id);
      assert.equal(new Set(ids).size, 5);
      assert.equal((await viewer('GET', `/api/v1/reports?repository=${encodeURIComponent(REPO)}&verdict=fail`)).json.items.length, 5);
      assert.equal((await viewer('GET', '/api/v1/reports?verdict=pass')).json.items.length, 0);
      const one = await viewer('GET', `/api/v1/reports/${ids[0]}`);
      assert.equal(one.json.report.inventory.image.manifestDigest, DIGEST);
      assert.equal((await viewer('GET', `/api/v1/decisions/${ids[0]}`)).json.recordDigest, record.recordDigest);
      assert.equal((await viewer('GET', '/api/v1/reports/999999')).status, 404);
    });

    await t.test('revoking keeps history; the audit log names every author; export as JSON lines', async () => {
      assert.equal((await sec('DELETE', '/api/v1/exceptions/one-image')).json.state, 'revoked');
      assert.equal((await viewer('GET', '/api/v1/exceptions/one-image')).status, 404);
      assert.equal((await viewer('GET', '/api/v1/policies/production')).status, 200);
      assert.equal((await sec('DELETE', '/api/v1/policies/production')).status, 200);
      assert.equal((await viewer('GET', '/api/v1/policies/production')).status, 404);
      assert.equal((await viewer('GET', '/api/v1/policies/production?revision=1')).status, 200, 'an older revision stays readable');
      const audit = (await sec('GET', '/api/v1/audit?limit=1000')).json.items as { actor: string; action: string; kind: string; name: string }[];
      const lines = audit.map((a) => `${a.action} ${a.kind}/${a.name} by ${a.actor.split(' ')[0]}`);
      for (const want of ['create Pipeline/prod-shop by root', 'create AssurancePolicy/production by alice', 'update AssurancePolicy/dev by alice', 'create Exceptions/one-repo by alice', 'revoke Exceptions/one-image by alice', 'revoke AssurancePolicy/production by alice']) {
        assert.ok(lines.includes(want), `audit has "${want}"`);
      }
      const jsonl = await sec('GET', '/api/v1/audit?format=jsonl');
      assert.equal(jsonl.text.trim().split('\n').length, audit.length);
      assert.equal((await viewer('GET', '/api/v1/audit')).status, 403);
      const status = await viewer('GET', '/api/v1/status');
      assert.equal(status.json.database, backend);
      assert.equal(status.json.scans, 5);
    });

    await t.test('push and pull a folder: all validated first, text kept, prune revokes', async () => {
      const files = [
        { file: 'policies/base.yaml', position: 0, raw: `# owned by the platform team\n${V1}\nkind: AssurancePolicy\nmetadata: {name: base}\nspec:\n  controls: {secrets: {failOn: any}}\n` },
        { file: 'policies/base.yaml', position: 1, raw: `${V1}\nkind: AssurancePolicy\nmetadata: {name: base-2}\nspec:\n  controls: {malware: {failOn: any}}\n` },
        { file: 'exceptions/team.yaml', position: 0, raw: `${V1}\nkind: Exceptions\nexceptions:\n  - {id: team-1, finding: CVE-1, scope: {all: true}, expires: 2026-03-20, owner: o, reason: r}\n` },
      ];
      const bad = await sec('POST', '/api/v1/documents', { documents: [...files, { file: 'policies/x.yaml', position: 0, raw: `${V1}\nkind: AssurancePolicy\nmetadata: {name: x}\nspec: {controls: {nope: {}}}\n` }] });
      assert.equal(bad.status, 400);
      assert.match(bad.json.error, /policies\/x\.yaml#1:4: spec\.controls\.nope: unknown control/);
      assert.equal((await viewer('GET', '/api/v1/policies/base')).status, 404, 'nothing stored from a push with an invalid document');
      const ok = await sec('POST', '/api/v1/documents', { documents: files });
      assert.equal(ok.status, 200);
      assert.equal(ok.json.created.length, 3);
      const again = await sec('POST', '/api/v1/documents', { documents: files });
      assert.equal(again.json.unchanged.length, 3);
      const pulled = (await viewer('GET', '/api/v1/documents')).json.documents as { file: string; raw: string }[];
      assert.equal(pulled.find((d) => d.file === 'policies/base.yaml' && d.raw.startsWith('# owned'))?.raw, files[0]!.raw);
      const pruned = await sec('POST', '/api/v1/documents', { documents: files, prune: true });
      assert.ok(pruned.json.revoked.includes('AssurancePolicy/dev@3'));
      const trav = await sec('POST', '/api/v1/documents', { documents: [{ ...files[0], file: '../../etc/cron.d/x.yaml' }] });
      assert.equal(trav.status, 400);
    });
  });
}
