// VEX documents on the server, against SQLite and PostgreSQL: uploaded as the vendor's JSON (kept byte
// for byte), validated with the readers `scan --vex` uses (refused with the reader's one-line reason,
// nothing stored), revisions and scoping to pipelines, served in the bundle and read by gateFromBundle
// into the same evaluate(); folder push/pull of *.vex.json files; revoke and the audit log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluate } from '../../policy/evaluate.js';
import { report, vuln, DIGEST } from '../../policy/testdata/synthetic.js';
import { client, freshStore, movableClock, serverOn, tokenFor, T0, type Backend } from '../testkit.js';
import { gateFromBundle, parseBundle } from '../bundle.js';
import { readFolder, writeFolder } from '../client.js';
import { MAX_DOCUMENT_BYTES } from '../store/documents.js';

const REPO = 'registry.example.com/shop/orders-api';
const trusting = { apiVersion: 'portcullis/v1', kind: 'AssurancePolicy', metadata: { name: 'production' }, spec: { appliesTo: { pipelines: ['prod-*'] }, vex: { trust: ['Shop Security*'] }, controls: { vulnerabilities: { failOn: 'high' } } } };
const untrusting = { apiVersion: 'portcullis/v1', kind: 'AssurancePolicy', metadata: { name: 'dev' }, spec: { appliesTo: { pipelines: ['dev-*'] }, controls: { vulnerabilities: { failOn: 'high' } } } };

/** An OpenVEX 0.2 document as the spec's examples write one; pretty-printed with 4 spaces and no final newline, so a re-rendering would show. */
export function openvex(id: string, statements: unknown[], author = 'Shop Security <security@shop.example>'): string {
  return JSON.stringify({ '@context': 'https://openvex.dev/ns/v0.2.0', '@id': id, author, timestamp: '2026-02-20T00:00:00Z', version: 1, statements }, null, 4);
}

const curlNotAffected = { vulnerability: { name: 'CVE-2023-38545' }, products: [{ '@id': 'pkg:deb/debian/curl' }], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' };

/** A CSAF VEX document its reader refuses: a status names a product the tree does not hold. */
const badCsaf = JSON.stringify({
  document: { category: 'csaf_vex', csaf_version: '2.0', publisher: { category: 'vendor', name: 'Shop PSIRT', namespace: 'https://psirt.shop.example' }, title: 't', tracking: { id: 'SHOP-VEX-9', current_release_date: '2026-02-01T00:00:00Z', initial_release_date: '2026-02-01T00:00:00Z', revision_history: [], status: 'final', version: '1' } },
  product_tree: { full_product_names: [{ name: 'curl', product_id: 'CURL', product_identification_helper: { purl: 'pkg:deb/debian/curl' } }] },
  vulnerabilities: [{ cve: 'CVE-2023-38545', product_status: { known_not_affected: ['NOPE'] }, flags: [{ label: 'component_not_present', product_ids: ['NOPE'] }] }],
});

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  test(`${backend}: VEX documents — upload, validate, scope, serve, push/pull, revoke`, async (t) => {
    const store = await freshStore(backend, 'vex_suite');
    if (!store) return t.skip('PostgreSQL not available');
    const clock = movableClock(T0);
    const srv = await serverOn(store, clock);
    t.after(() => srv.close());
    const sec = client(srv, await tokenFor(store, 'security', [], 'alice'));
    const admin = client(srv, await tokenFor(store, 'admin', [], 'root'));
    const ci = client(srv, await tokenFor(store, 'ci', ['prod-*'], 'ci-prod'));
    for (const p of ['prod-shop', 'dev-shop']) assert.equal((await admin('PUT', `/api/v1/pipelines/${p}`, {})).status, 201);
    assert.equal((await sec('PUT', '/api/v1/policies/production', trusting)).status, 201);
    assert.equal((await sec('PUT', '/api/v1/policies/dev', untrusting)).status, 201);
    const text = openvex('https://vex.shop.example/curl-1', [curlNotAffected]);

    await t.test('upload: the text is kept byte for byte; revisions; an unchanged upload is no revision; scoping kept on update', async () => {
      const up = await sec('PUT', '/api/v1/vex/vendor-x', { raw: text });
      assert.equal(up.status, 201, up.text);
      assert.equal(up.json.revision, 1);
      assert.deepEqual(up.json.vex, { format: 'openvex', id: 'https://vex.shop.example/curl-1', author: 'Shop Security <security@shop.example>', statements: 1, sha256: up.json.vex.sha256 });
      assert.equal(up.json.pipelines, null);
      const got = await ci('GET', '/api/v1/vex/vendor-x');
      assert.equal(got.status, 200);
      assert.equal(got.json.raw, text, "the vendor's text as uploaded");
      const list = await ci('GET', '/api/v1/vex');
      assert.deepEqual(list.json.items.map((i: { name: string; kind: string; revision: number; vex: { statements: number }; raw?: string }) => [i.kind, i.name, i.revision, i.vex.statements, i.raw]), [['VexDocument', 'vendor-x', 1, 1, undefined]]);
      assert.equal((await sec('PUT', '/api/v1/vex/vendor-x', { raw: text })).json.changed, false);
      const scoped = await sec('PUT', '/api/v1/vex/vendor-x', { raw: text, pipelines: ['prod-*'] });
      assert.deepEqual([scoped.status, scoped.json.revision, scoped.json.pipelines], [200, 2, ['prod-*']]);
      // the vendor's next version, uploaded without pipelines: the scoping stays (never widened by accident)
      const v2 = openvex('https://vex.shop.example/curl-1', [{ ...curlNotAffected, status_notes: 'reviewed again' }]);
      const next = await sec('PUT', '/api/v1/vex/vendor-x', { raw: v2 });
      assert.deepEqual([next.json.revision, next.json.pipelines], [3, ['prod-*']]);
      assert.equal((await sec('GET', '/api/v1/vex/vendor-x?revision=1')).json.raw, text, 'an older revision keeps its text');
      assert.equal((await sec('GET', '/api/v1/vex/vendor-x/history')).json.items.length, 3);
    });

    await t.test('a document no reader accepts is refused with 400 and the reason in one line; nothing stored', async () => {
      const cases: [string, unknown, RegExp][] = [
        ['bad-csaf', { raw: badCsaf }, /^VexDocument bad-csaf: vulnerabilities\[0\]\.product_status\.known_not_affected\[0\]: NOPE is not in the product tree$/],
        ['not-json', { raw: '{"@context": ' }, /^VexDocument not-json: not JSON: /],
        ['a-policy', { raw: 'apiVersion: portcullis/v1\nkind: AssurancePolicy\n' }, /^VexDocument a-policy: not JSON/],
        ['not-vex', { raw: '{"bomFormat": 1, "hello": "world"}' }, /^VexDocument not-vex: not a VEX document/],
        ['bom', { raw: '\ufeff' + text }, /^VexDocument bom: not JSON/],
        ['bad-scope', { raw: openvex('https://vex.shop.example/other', []), pipelines: ['../etc'] }, /^VexDocument bad-scope: pipelines: expected pipeline names or globs/],
        ['too-big', { raw: 'x'.repeat(MAX_DOCUMENT_BYTES + 1) }, /^invalid request: .*raw must NOT have more than/],
        ['no-raw', { document: {} }, /^invalid request/],
      ];
      for (const [name, body, re] of cases) {
        const r = await sec('PUT', `/api/v1/vex/${name}`, body);
        assert.equal(r.status, 400, `${name}: ${r.text}`);
        assert.match(r.json.error, re, name);
        assert.ok(!r.json.error.includes('\n'), name);
        assert.equal((await sec('GET', `/api/v1/vex/${name}`)).status, 404, `${name}: nothing stored`);
      }
      const rows = await store.db.selectFrom('objects').select('name').where('kind', '=', 'VexDocument').execute();
      assert.deepEqual([...new Set(rows.map((r) => r.name))], ['vendor-x']);
      const audit = await store.db.selectFrom('audit').select('name').where('kind', '=', 'VexDocument').execute();
      assert.ok(audit.every((a) => a.name === 'vendor-x'), 'no audit entry for a refused upload');
      // the same VEX document under a second name would be read twice by every pipeline
      const dup = await sec('PUT', '/api/v1/vex/copy', { raw: text });
      assert.equal(dup.status, 409);
      assert.match(dup.json.error, /VEX document https:\/\/vex\.shop\.example\/curl-1 is already stored as VexDocument vendor-x/);
    });

    await t.test('the bundle serves what applies; gateFromBundle reads it into the same evaluate(); trust is the policy\'s', async () => {
      const prod = parseBundle((await ci('GET', '/api/v1/pipelines/prod-shop/bundle')).json, 'bundle');
      assert.deepEqual(prod.documents.filter((d) => d.kind === 'VexDocument').map((d) => `${d.name}@${d.revision}`), ['vendor-x@3']);
      const dev = parseBundle((await sec('GET', '/api/v1/pipelines/dev-shop/bundle')).json, 'bundle');
      assert.ok(!dev.documents.some((d) => d.kind === 'VexDocument'), 'scoped to prod-*');
      const gate = gateFromBundle(prod);
      assert.deepEqual(gate.vex!.files, ['server:VexDocument/vendor-x@3']);
      assert.deepEqual(gate.provenance.vex, [{ name: 'vendor-x', revision: 3, digest: prod.documents.find((d) => d.kind === 'VexDocument')!.digest }]);
      const img = { name: REPO, tag: '1.4.2', digest: DIGEST };
      const exceptions = { ...gate.exceptions, vex: gate.vex!.documents };
      const d = evaluate(report({ findings: [vuln()] }), gate.policies.policies, exceptions, { pipeline: 'prod-shop', image: img, now: clock.now() });
      assert.equal(d.verdict, 'pass');
      assert.deepEqual(d.suppressed.map((s) => [s.by, s.ruleId, s.reason]), [['vex', 'https://vex.shop.example/curl-1', 'not affected per VEX https://vex.shop.example/curl-1: vulnerable_code_not_in_execute_path (Shop Security <security@shop.example>)']]);
      // a policy that does not trust the author: the statement is ignored, with a notice naming the served revision
      const other = evaluate(report({ findings: [vuln()] }), [{ ...gate.policies.policies[0]!, spec: { ...gate.policies.policies[0]!.spec, vex: { trust: ['Someone Else'] } } }], exceptions, { pipeline: 'prod-shop', image: img, now: clock.now() });
      assert.equal(other.verdict, 'fail');
      assert.ok(other.notices.some((n) => /^VEX https:\/\/vex\.shop\.example\/curl-1 by Shop Security .*\(server:VexDocument\/vendor-x@3\) is not trusted by policy production/.test(n)), other.notices.join('\n'));
      // a local --vex file that repeats a served document is refused, as --vex refuses one given twice
      assert.throws(() => gateFromBundle(prod, undefined, [{ source: 'local.json', bytes: text }]), /local\.json: VEX document https:\/\/vex\.shop\.example\/curl-1 is also read from server:VexDocument\/vendor-x@3/);
    });

    await t.test('push and pull: *.vex.json files are VEX documents, their bytes kept; scoping stays as stored; other JSON refused', async () => {
      const acme = openvex('https://acme.example/vex/7', [curlNotAffected], 'ACME PSIRT') + '\n\n';
      const files = [{ file: 'vex/acme.openvex.json', position: 0, raw: acme }];
      const pushed = await sec('POST', '/api/v1/documents', { documents: files });
      assert.equal(pushed.status, 200, pushed.text);
      assert.deepEqual(pushed.json.created, ['VexDocument/vex-acme.openvex@1']);
      const pulled = (await sec('GET', '/api/v1/documents')).json.documents as { kind: string; file: string; raw: string }[];
      assert.equal(pulled.find((d) => d.file === 'vex/acme.openvex.json')?.raw, acme);
      assert.equal(pulled.find((d) => d.kind === 'VexDocument' && d.file === 'vex/vendor-x.vex.json')?.raw !== undefined, true, 'an uploaded document is pulled as vex/NAME.vex.json');
      assert.equal((await sec('PUT', '/api/v1/vex/vex-acme.openvex', { raw: acme, pipelines: ['dev-*'] })).json.revision, 2);
      assert.deepEqual((await sec('POST', '/api/v1/documents', { documents: files })).json.unchanged, ['VexDocument/vex-acme.openvex@2'], 'the pushed file keeps the scoping set through the API');
      for (const [file, raw, re] of [
        ['package.json', '{"name": "x"}', /a JSON file is pushed only as a VEX document/],
        ['vex/bad.csaf.json', badCsaf, /^vex\/bad\.csaf\.json: vulnerabilities\[0\]/],
        ['vex/dup.vex.json', text, /already stored as VexDocument vendor-x/],
        ['policies/v.yaml', 'apiVersion: portcullis/v1\nkind: VexDocument\n', /a VexDocument is the vendor's VEX JSON itself/],
      ] as const) {
        const r = await sec('POST', '/api/v1/documents', { documents: [...files, { file, position: 0, raw }] });
        assert.ok(r.status === 400 || r.status === 409, `${file}: ${r.text}`);
        assert.match(r.json.error, re);
      }
      assert.equal((await sec('GET', '/api/v1/vex/vex-dup')).status, 404);
    });

    await t.test('revoke: history kept, no longer served, every change in the audit log with its author', async () => {
      const del = await sec('DELETE', '/api/v1/vex/vendor-x');
      assert.deepEqual([del.status, del.json.state, del.json.revision], [200, 'revoked', 4]);
      assert.equal((await sec('GET', '/api/v1/vex/vendor-x')).status, 404);
      assert.equal((await sec('DELETE', '/api/v1/vex/vendor-x')).status, 404);
      assert.equal((await sec('GET', '/api/v1/vex/vendor-x?revision=3')).status, 200);
      const prod = parseBundle((await ci('GET', '/api/v1/pipelines/prod-shop/bundle')).json, 'bundle');
      assert.ok(!prod.documents.some((d) => d.name === 'vendor-x'));
      const audit = (await sec('GET', '/api/v1/audit?kind=VexDocument&limit=100')).json.items as { action: string; name: string; revision: number; actor: string }[];
      assert.deepEqual(audit.filter((a) => a.name === 'vendor-x').map((a) => `${a.action}@${a.revision} ${a.actor.split(' ')[0]}`), ['create@1 alice', 'update@2 alice', 'update@3 alice', 'revoke@4 alice']);
    });
  });
}

test('readFolder/writeFolder: VEX files by their names, read and written byte for byte; other JSON left alone; non-UTF-8 refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-vexfolder-'));
  mkdirSync(join(dir, 'vex'));
  mkdirSync(join(dir, 'policies'));
  const a = openvex('https://a.example/1', []) + '\r\n';
  writeFileSync(join(dir, 'vex', 'vendor.json'), a);
  writeFileSync(join(dir, 'b.cdx.json'), '{"bomFormat":"CycloneDX","specVersion":"1.6","vulnerabilities":[]}');
  writeFileSync(join(dir, 'package.json'), '{"name":"not vex"}');
  writeFileSync(join(dir, 'policies', 'p.yaml'), 'apiVersion: portcullis/v1\n');
  const docs = await readFolder(dir);
  assert.deepEqual(docs.map((d) => `${d.file}#${d.position}`), ['b.cdx.json#0', 'policies/p.yaml#0', 'vex/vendor.json#0']);
  const out = mkdtempSync(join(tmpdir(), 'portcullis-vexfolder-out-'));
  await writeFolder(out, docs);
  assert.equal(readFileSync(join(out, 'vex', 'vendor.json'), 'utf8'), a);
  await assert.rejects(writeFolder(out, [{ file: 'notes.json', position: 0, raw: '{}' }]), /not a \.yaml or VEX \.json file: refused/);
  await assert.rejects(writeFolder(out, [{ file: 'x.vex.json', position: 0, raw: '{}' }, { file: 'x.vex.json', position: 1, raw: '{}' }]), /two documents for the VEX file/);
  writeFileSync(join(dir, 'vex', 'latin1.json'), Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]));
  await assert.rejects(readFolder(dir), /latin1\.json: not UTF-8 text/);
});
