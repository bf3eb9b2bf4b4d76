// VEX served by the server (issue 25 with issue 21): a security team uploads a vendor's OpenVEX once and
//  - `scan --server` on the real orders-api image suppresses exactly the finding it speaks of, as
//    `scan --vex` would, with the document's server revision in the decision record; a policy that does
//    not trust the author ignores it with a notice; `--vex` on the command line adds to the served ones;
//    the cached bundle (server unreachable) carries them;
//  - `policy push`/`policy pull` round-trip VEX JSON files byte for byte;
//  - continuous assurance: the upload re-judges stored images, a failing one passes, cause recorded;
//    the revoke brings the failure back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../src/advisory/index.js';
import { fixedClock } from '../src/core/clock.js';
import { sharedOrSkip } from '../src/core/shared.js';
import type { Decision, ScanReport } from '../src/core/report.js';
import type { VulnerabilityFinding } from '../src/core/types.js';
import type { DecisionRecord } from '../src/policy/record.js';
import { assuranceHandlers } from '../src/server/assure/jobs.js';
import { planRules } from '../src/server/assure/plan.js';
import { planRulesRevision } from '../src/server/assure/service.js';
import { advisoryDb, npmAdvisory, putRules, seedFleet, V1 } from '../src/server/assure/testkit.js';
import { drain } from '../src/server/queue/runner.js';
import { client, freshStore, movableClock, serverOn, tokenFor } from '../src/server/testkit.js';
import { cli } from './helpers/cli.js';
import { sharedDb, SCAN_NOW } from './helpers/shared-db.js';

const IMAGE = 'fixtures/images/orders-api-1.4.2.docker.tar.gz';
const dir = mkdtempSync(join(tmpdir(), 'portcullis-server-vex-'));
const ociPurl = (digest: string) => `pkg:oci/orders-api@${encodeURIComponent(digest)}?repository_url=docker.io/shop/orders-api`;

/** OpenVEX 0.2 as its spec's examples write it: one statement about a package inside this image. */
function openvex(id: string, digest: string, cve: string, pkg: string, author = 'Shop Security <security@shop.example>'): string {
  const doc = {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': id,
    author,
    timestamp: '2026-08-01T00:00:00Z',
    version: 1,
    statements: [{ vulnerability: { name: cve }, products: [{ '@id': ociPurl(digest), subcomponents: [{ '@id': `pkg:npm/${pkg}` }] }], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' }],
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

const policy = (name: string, pipelines: string, trust?: string) =>
  `# ${name}\n${V1}\nkind: AssurancePolicy\nmetadata: {name: ${name}}\nspec:\n  appliesTo: {pipelines: ["${pipelines}"]}\n${trust ? `  vex: {trust: ["${trust}"]}\n` : ''}  controls:\n    vulnerabilities: {failOn: high}\n    coverage: {onGap: ignore}\n`;

test('orders-api: scan --server suppresses exactly what the served VEX says, as --vex would; untrusted ignored with a notice; push/pull byte for byte', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const db = await sharedDb();
  const store = (await freshStore('sqlite', 'vex-e2e'))!;
  const srv = await serverOn(store, fixedClock(SCAN_NOW), { rateLimit: 0 });
  await srv.app.listen({ host: '127.0.0.1', port: 0 });
  let closed = false;
  t.after(() => (closed ? undefined : srv.close()));
  const url = `http://127.0.0.1:${(srv.app.server.address() as { port: number }).port}`;
  const admin = client(srv, await tokenFor(store, 'admin', [], 'root', fixedClock(SCAN_NOW)));
  const secToken = await tokenFor(store, 'security', [], 'alice', fixedClock(SCAN_NOW));
  const sec = client(srv, secToken);
  const ciToken = await tokenFor(store, 'ci', ['prod-*', 'dev-*'], 'ci-shop', fixedClock(SCAN_NOW));
  for (const p of ['prod-shop', 'dev-shop']) assert.equal((await admin('PUT', `/api/v1/pipelines/${p}`, {})).status, 201);
  const env = { PORTCULLIS_TOKEN: secToken, PORTCULLIS_CACHE_DIR: join(dir, 'cache') };

  // policies as code: production trusts Shop Security's VEX, dev trusts nobody's
  const src = join(dir, 'src');
  mkdirSync(join(src, 'policies'), { recursive: true });
  writeFileSync(join(src, 'policies', 'production.yaml'), policy('production', 'prod-*', 'Shop Security*'));
  writeFileSync(join(src, 'policies', 'dev.yaml'), policy('dev', 'dev-*'));
  assert.equal((await cli(['policy', 'push', '--server', url, src], { env })).code, 0);

  let n = 0;
  async function scan(pipeline: string, extra: string[] = []) {
    n++;
    const out = join(dir, `report-${n}.json`);
    const rec = join(dir, `decision-${n}.json`);
    const r = await cli(['scan', image!, '--db', db, '--server', url, '--pipeline', pipeline, '--format', 'json', '--output', `json=${out}`, '--decision', rec, ...extra], {
      now: SCAN_NOW,
      env: { ...env, PORTCULLIS_TOKEN: ciToken },
    });
    return { code: r.code, stderr: r.stderr, report: JSON.parse(readFileSync(out, 'utf8')) as ScanReport, record: JSON.parse(readFileSync(rec, 'utf8')) as DecisionRecord };
  }
  const vulns = (r: ScanReport) => r.findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability');
  const named = (d: Decision, r: ScanReport, by: string) => d.suppressed.filter((s) => s.by === by).map((s) => `${vulns(r).find((f) => f.id === s.findingId)!.advisoryId} ${vulns(r).find((f) => f.id === s.findingId)!.package.name} ${s.ruleId}`).sort();

  const before = await scan('prod-shop');
  assert.equal(before.code, 1, before.stderr);
  const digest = before.report.inventory.image.manifestDigest ?? before.report.inventory.image.configDigest!;
  assert.ok(before.report.decision!.violations.some((v) => vulns(before.report).find((f) => f.id === v.findingId)?.package.name === 'minimist'));

  // the vendor's OpenVEX, uploaded once as its JSON text
  const vendor = openvex('https://vex.shop.example/orders-api/1', digest, 'CVE-2021-44906', 'minimist');
  assert.equal((await sec('PUT', '/api/v1/vex/vendor-x', { raw: vendor })).status, 201);
  const after = await scan('prod-shop');
  const d = after.report.decision!;
  assert.deepEqual(named(d, after.report, 'vex'), ['CVE-2021-44906 minimist https://vex.shop.example/orders-api/1']);
  assert.match(d.suppressed.find((s) => s.by === 'vex')!.reason ?? '', /^not affected per VEX https:\/\/vex\.shop\.example\/orders-api\/1: vulnerable_code_not_in_execute_path/);
  const gone = new Set(d.suppressed.filter((s) => s.by === 'vex').map((s) => s.findingId));
  assert.deepEqual(d.violations.map((v) => v.findingId), before.report.decision!.violations.map((v) => v.findingId).filter((id) => id === undefined || !gone.has(id)), 'exactly that finding, nothing else');
  // provenance: the document's server revision, and what --vex FILE would record
  assert.deepEqual(after.record.server!.vex!.map((v) => `${v.name}@${v.revision}`), ['vendor-x@1']);
  assert.deepEqual(after.record.vex!.files, ['server:VexDocument/vendor-x@1']);
  assert.deepEqual(after.record.vex!.applied, ['https://vex.shop.example/orders-api/1']);

  // the same file given with --vex locally (no server) suppresses the same way
  writeFileSync(join(dir, 'vendor.json'), vendor);
  const local = await cli(['policy', 'test', join(dir, `report-${n}.json`), '--policy', join(src, 'policies', 'production.yaml'), '--pipeline', 'prod-shop', '--vex', join(dir, 'vendor.json'), '--format', 'json'], { now: SCAN_NOW });
  assert.deepEqual((JSON.parse(local.stdout) as Decision).suppressed.filter((s) => s.by === 'vex').map((s) => s.findingId), [...gone]);

  // dev's policy does not trust the author: ignored, with a notice naming the served revision
  const dev = await scan('dev-shop');
  assert.deepEqual(named(dev.report.decision!, dev.report, 'vex'), []);
  assert.ok(dev.report.decision!.notices.some((x) => /^VEX https:\/\/vex\.shop\.example\/orders-api\/1 by Shop Security .*\(server:VexDocument\/vendor-x@1\) is not trusted by policy dev/.test(x)), dev.report.decision!.notices.join('\n'));

  // --vex on the command line adds to the served documents
  const mine = join(dir, 'mine.json');
  writeFileSync(mine, openvex('https://vex.shop.example/orders-api/qs', digest, 'CVE-2022-24999', 'qs'));
  const both = await scan('prod-shop', ['--vex', mine]);
  assert.deepEqual(named(both.report.decision!, both.report, 'vex').map((s) => s.split(' ').slice(0, 2).join(' ')), ['CVE-2021-44906 minimist', 'CVE-2022-24999 qs']);
  assert.deepEqual(both.record.vex!.files, ['server:VexDocument/vendor-x@1', mine]);

  // push/pull: VEX JSON files round-trip byte for byte (and the uploaded one is pulled as vex/NAME.vex.json)
  mkdirSync(join(src, 'vex'));
  const acme = openvex('https://acme.example/vex/1', digest, 'CVE-2020-8203', 'lodash', 'ACME PSIRT').replace(/\n/g, '\r\n');
  writeFileSync(join(src, 'vex', 'acme.openvex.json'), acme);
  const push = await cli(['policy', 'push', '--server', url, src], { env });
  assert.equal(push.code, 0, push.stderr);
  assert.match(push.stdout, /^created {3}VexDocument\/vex-acme\.openvex@1$/m);
  const pulled = join(dir, 'pulled');
  assert.equal((await cli(['policy', 'pull', '--server', url, pulled], { env })).code, 0);
  assert.ok(readFileSync(join(pulled, 'vex', 'acme.openvex.json')).equals(readFileSync(join(src, 'vex', 'acme.openvex.json'))), 'byte for byte');
  assert.equal(readFileSync(join(pulled, 'vex', 'vendor-x.vex.json'), 'utf8'), vendor);
  assert.match((await cli(['policy', 'push', '--server', url, pulled], { env })).stdout, /^unchanged VexDocument\/vex-acme\.openvex@1$/m);

  // the pushed document is served too; production does not trust ACME, so it suppresses nothing
  const served = await scan('prod-shop');
  assert.deepEqual(served.record.server!.vex!.map((v) => `${v.name}@${v.revision}`).sort(), ['vendor-x@1', 'vex-acme.openvex@1']);
  assert.ok(served.report.decision!.notices.some((x) => /^VEX https:\/\/acme\.example\/vex\/1 by ACME PSIRT .* is not trusted by policy production/.test(x)));

  // the server goes away: the cached bundle (within --server-max-staleness) still carries the VEX
  await srv.close();
  closed = true;
  const cached = await scan('prod-shop');
  assert.ok(cached.report.decision!.notices.some((x) => /decided with the bundle cached at/.test(x)));
  assert.deepEqual(named(cached.report.decision!, cached.report, 'vex').map((s) => s.split(' ').slice(0, 2).join(' ')), ['CVE-2021-44906 minimist'], 'ACME is not trusted by production');
  assert.deepEqual(cached.record.server!.vex!.map((v) => `${v.name}@${v.revision}`).sort(), ['vendor-x@1', 'vex-acme.openvex@1']);
});

test('continuous assurance: uploading a VEX document re-judges stored images (fail → pass, cause recorded); revoking it brings the failure back', async (t) => {
  const NOW = '2026-11-30T00:00:00Z';
  const clock = movableClock(NOW);
  const dbPath = await advisoryDb([npmAdvisory('TEST-2026-0777', 'minimist', '1.2.6', '2026-11-28T00:00:00Z')], '2026-11-29T12:00:00Z');
  const store = (await freshStore('sqlite', 'vex-reeval'))!;
  const trust = `${V1}\nkind: AssurancePolicy\nmetadata: {name: prod-gate}\nspec:\n  appliesTo: {pipelines: [prod]}\n  vex: {trust: ["Vendor X*"]}\n  controls:\n    vulnerabilities: {failOn: critical}\n    coverage: {onGap: warn}\n`;
  await putRules(store, [{ file: 'policies/prod.yaml', raw: trust }], clock.now());
  const fleet = await seedFleet(store, 'prod', 42, clock.now());
  const run = () => drain({ store, clock, worker: 'w', handlers: assuranceHandlers({ store, openDb: () => openDb(dbPath) }) });
  await planRules(store, 'initial', clock.now());
  await run();
  const affected = [...fleet].filter(([, g]) => g.minimist === '1.2.0').map(([id]) => id).sort((a, b) => a - b);
  assert.ok(affected.length >= 2);
  const verdicts = async () => new Map((await store.db.selectFrom('assured_images').select(['id', 'verdict']).execute()).map((r) => [Number(r.id), r.verdict]));
  const first = await verdicts();
  assert.deepEqual(affected.map((id) => first.get(id)), affected.map(() => 'fail'));

  // the upload goes through the API, which tells the assurance service that the rules changed
  let told = 0;
  const srv = await serverOn(store, clock, { jobs: { kick: () => undefined, rulesChanged: () => void told++ } });
  t.after(() => srv.close());
  const sec = client(srv, await tokenFor(store, 'security', [], 'alice', clock));
  const raw = JSON.stringify({
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': 'https://vendor-x.example/vex/minimist',
    author: 'Vendor X PSIRT',
    timestamp: '2026-11-29T00:00:00Z',
    version: 1,
    statements: [{ vulnerability: { name: 'TEST-2026-0777' }, products: [{ '@id': 'pkg:npm/minimist@1.2.0' }], status: 'not_affected', justification: 'vulnerable_code_cannot_be_controlled_by_adversary' }],
  });
  clock.set('2026-11-30T00:30:00Z');
  assert.equal((await sec('PUT', '/api/v1/vex/vendor-x', { raw })).status, 201);
  assert.equal(told, 1);
  const plan = await planRulesRevision(store, clock.now());
  assert.equal(plan.images, fleet.size);
  await run();
  const changes = await store.db.selectFrom('verdict_changes').selectAll().where('cause_key', '=', plan.event).orderBy('assured_id').execute();
  assert.deepEqual(changes.map((c) => Number(c.assured_id)), affected);
  for (const c of changes) assert.deepEqual([c.before, c.after, c.cause_kind, c.cause], ['fail', 'pass', 'policy', 'VexDocument/vendor-x@1']);
  const stored = await store.db.selectFrom('assured_images').select('decision').where('id', '=', affected[0]!).executeTakeFirstOrThrow();
  assert.ok((JSON.parse(stored.decision!) as Decision).suppressed.some((s) => s.by === 'vex' && s.ruleId === 'https://vendor-x.example/vex/minimist'));

  // revoked: the active rules are those of before the upload, yet this is a new event, and the images fail again
  clock.set('2026-11-30T01:00:00Z');
  assert.equal((await sec('DELETE', '/api/v1/vex/vendor-x')).status, 200);
  assert.equal(told, 2);
  const back = await planRulesRevision(store, clock.now());
  assert.ok(back.queued > 0);
  await run();
  const again = await store.db.selectFrom('verdict_changes').selectAll().where('cause_key', '=', back.event).orderBy('assured_id').execute();
  assert.deepEqual(again.map((c) => [Number(c.assured_id), c.after, c.cause]), affected.map((id) => [id, 'fail', 'VexDocument/vendor-x@2 (revoked)']));
});
