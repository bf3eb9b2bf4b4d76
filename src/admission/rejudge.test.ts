// "Blocked once the 30-day exception ends" at deploy time: the webhook re-judges an expired decision from
// the image's stored inventory with today's advisory DB and the server's current rules (issue 23). The
// decisions are made as CI makes them (scan's decide() with the policy and exception files, uploaded
// with their report as the server's upload route stores them), the clock moves past an exception, an
// allowlist entry and the DB's age limit, and AdmissionReview bodies are POSTed over TLS to the running
// webhook with images in Debian's docker-registry, as in webhook.test.ts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveTools, startRegistry, type RegistryHandle } from '../source/registry/testregistry.js';
import { openStore, type Store } from '../server/store/db.js';
import { insertScan, latestDecision } from '../server/store/scans.js';
import { listAudit } from '../server/store/objects.js';
import { movableClock } from '../server/testkit.js';
import { assureScan } from '../server/assure/inventory.js';
import { advisoryDb, npmAdvisory, putRules } from '../server/assure/testkit.js';
import { REJUDGED_BY, StoreRejudge } from '../server/assure/rejudge.js';
import { openDb } from '../advisory/index.js';
import { inventory, pkg } from '../match/testutil.js';
import { scanInventory } from '../scan/scan.js';
import { decide, loadGate } from '../scan/decide.js';
import { Judge } from './judge.js';
import { DigestResolver } from './resolve.js';
import { startWebhook, type Webhook, type WebhookOptions } from './webhook.js';
import { fixture, post, pushImage, record, selfSigned, type Doc } from './testkit.js';

const missing = haveTools('docker-registry', 'skopeo', 'openssl');
const skip = missing.length ? `SKIPPED: ${missing.join(', ')} not installed` : undefined;
if (skip) console.log(skip);

const T0 = '2026-03-01T10:00:00Z';
const PIPELINE = 'prod-cluster';
const work = mkdtempSync(join(tmpdir(), 'portcullis-rejudge-'));
const clock = movableClock(T0);
const dbPath = join(work, 'advisory.db');
let reg: RegistryHandle;
let store: Store;
let tls: { cert: string; key: string };
const hooks: Webhook[] = [];
const img: Record<string, string> = {};
const dig: Record<string, string> = {};

// the DB's data time is its newest advisory (2026-02-28); database.maxAgeHours 120 ends its decisions 2026-03-05
const POLICY = `apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: production}\nspec:\n  appliesTo: {pipelines: [${PIPELINE}]}\n  controls:\n    vulnerabilities: {failOn: critical}\n    coverage: {onGap: warn}\n    database: {maxAgeHours: 120}\n`;
const exceptionsFor = (allowed: string) => [
  'apiVersion: portcullis/v1',
  'kind: Exceptions',
  'metadata: {name: shop}',
  'exceptions:',
  '  - {id: minimist-accepted, finding: CVE-2021-44906, scope: {all: true}, expires: 2026-03-03, reason: "no user input reaches it", owner: team-shop}',
  'allowlist:',
  `  - {image: "${allowed}", expires: 2026-03-02, reason: "vendor image, replaced next sprint", owner: team-shop}`,
  '',
].join('\n');

/** What CI does: scan (here: the inventory matched with the DB), decide with the policy files, upload report and decision. */
async function ciScan(name: string, packages: { name: string; version: string }[]): Promise<void> {
  const repo = `${reg.host}/shop/${name}`;
  const inv = inventory(packages.map((p) => pkg({ type: 'npm', ...p })));
  inv.image.ref = { input: `${repo}:1`, transport: 'registry', name: repo, tag: '1', digest: dig[name] };
  inv.image.name = `${repo}:1`;
  inv.image.manifestDigest = dig[name]!;
  const now = clock.now();
  const db = openDb(dbPath);
  let report;
  try {
    report = scanInventory(inv, db, { now, scanner: { name: 'portcullis', version: 'test' } });
  } finally {
    db.close();
  }
  const gate = await loadGate({ pipeline: PIPELINE, policies: [join(work, 'policy.yaml')], exceptions: [join(work, 'exceptions.yaml')], now, decisionFile: join(work, `${name}.decision.json`) });
  const decided = await decide(report, gate, now);
  const d = decided.record!;
  const id = await insertScan(store, { pipeline: PIPELINE, repository: repo, tag: '1', digest: dig[name], verdict: d.verdict, report: decided.report, decision: d, by: 'ci', at: now });
  await assureScan(store, { pipeline: PIPELINE, scanId: id, repository: repo, tag: '1', digest: dig[name], report: decided.report, decision: d }, now);
}

async function hook(o: Partial<WebhookOptions> = {}, rejudgeDb = dbPath): Promise<number> {
  const rejudge = new StoreRejudge({ store, pipeline: PIPELINE, dbPath: rejudgeDb, clock, deadlineMs: 20_000, rulesTtlMs: 0 });
  const judge = new Judge({ pipeline: PIPELINE, clock, store: { latest: (p, d) => latestDecision(store, p, d) }, cacheMs: 0, rejudge });
  const h = await startWebhook({ judge, resolver: new DigestResolver({ registry: {}, clock, tagTtlMs: 0 }), clock, mode: 'enforce', timeoutMs: 25_000, tls, ...o });
  hooks.push(h);
  return h.port;
}

const review = (kind: string, image: string, edit?: (r: Doc) => void) => fixture(kind, { main: image }, edit);
const count = async (table: 'scans' | 'verdict_changes' | 'first_seen') => Number((await store.db.selectFrom(table).select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
const changes = () => store.db.selectFrom('verdict_changes').select(['digest', 'before', 'after', 'cause_kind', 'cause', 'cause_key']).orderBy('id').execute();

before(async () => {
  if (skip) return;
  tls = selfSigned(work);
  reg = await startRegistry();
  for (const n of ['excepted', 'allowed', 'aged', 'dry', 'noinv']) {
    img[n] = `${reg.host}/shop/${n}:1`;
    dig[n] = await pushImage(reg, `shop/${n}:1`, `image ${n}`);
  }
  copyFileSync(await advisoryDb([npmAdvisory('CVE-2021-44906', 'minimist', '1.2.6', '2026-02-28T00:00:00Z')], '2026-03-01T00:00:00Z'), dbPath);
  const exceptions = exceptionsFor(`${reg.host}/shop/allowed@${dig.allowed}`);
  writeFileSync(join(work, 'policy.yaml'), POLICY);
  writeFileSync(join(work, 'exceptions.yaml'), exceptions);
  store = await openStore(join(work, 'portcullis.db'));
  await putRules(store, [{ file: 'policy.yaml', raw: POLICY }, { file: 'exceptions.yaml', raw: exceptions }], clock.now());
  const vulnerable = [{ name: 'minimist', version: '1.2.0' }, { name: 'express', version: '4.17.1' }];
  await ciScan('excepted', vulnerable);
  await ciScan('dry', vulnerable);
  await ciScan('allowed', [{ name: 'minimist', version: '1.2.0' }]);
  await ciScan('aged', [{ name: 'left-pad', version: '1.3.0' }]);
  // a decision uploaded without its report: nothing to re-judge from
  await insertScan(store, { pipeline: PIPELINE, repository: `${reg.host}/shop/noinv`, tag: '1', digest: dig.noinv, verdict: 'pass', report: {}, decision: record({ name: `${reg.host}/shop/noinv`, digest: dig.noinv!, pipeline: PIPELINE, verdict: 'pass', evaluatedAt: T0, validUntil: '2026-03-02T00:00:00Z' }), by: 'ci', at: clock.now() });
});

after(async () => {
  for (const h of hooks) await h.close();
  await store?.close();
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('the exception ends: the webhook re-judges, denies naming the exception and the CVE, stores the decision and records the change', { skip }, async () => {
  clock.set(T0);
  const port = await hook();
  const ok = await post(port, tls.cert, '/validate', review('deployment', img.excepted!));
  assert.equal(ok.body.response.allowed, true, JSON.stringify(ok.body));
  assert.doesNotMatch(ok.body.response.auditAnnotations.decision, /re-judged/, 'CI and the server hold the same rules: no re-judgement while the decision is valid');
  const scans = await count('scans');
  clock.set('2026-03-04T06:00:00Z'); // the exception's last day was 2026-03-03; the DB's age limit ends 2026-03-05
  const no = await post(port, tls.cert, '/validate', review('deployment', img.excepted!));
  assert.equal(no.body.response.allowed, false, JSON.stringify(no.body));
  const msg = no.body.response.status.message as string;
  assert.match(msg, /re-judged \(the stored decision of 2026-03-01T10:00:00\.000Z expired: validUntil \S+ \(exception minimist-accepted expires 2026-03-03\)\): now fails pipeline prod-cluster/);
  assert.match(msg, /vulnerabilities\.failOn: CVE-2021-44906 in minimist 1\.2\.0/);
  assert.match(msg, /fix: /);
  assert.equal(await count('scans'), scans + 1, 'the new decision is stored');
  const stored = (await latestDecision(store, PIPELINE, dig.excepted!)) as { verdict: string; evaluatedAt: string };
  assert.deepEqual([stored.verdict, stored.evaluatedAt], ['fail', '2026-03-04T06:00:00.000Z']);
  const uploaded = await store.db.selectFrom('scans').select('uploaded_by').where('digest', '=', dig.excepted!).orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.equal(uploaded.uploaded_by, REJUDGED_BY);
  const change = (await changes()).filter((c) => c.digest === dig.excepted);
  assert.deepEqual(change.map((c) => [c.before, c.after, c.cause_kind, c.cause]), [['pass', 'fail', 'exception', 'minimist-accepted']]);
  assert.match(change[0]!.cause_key, /^admission:sha256:[0-9a-f]{64}$/);
  // the next request finds the stored decision: no second re-judgement
  const again = await post(port, tls.cert, '/validate', review('pod', img.excepted!));
  assert.equal(again.body.response.allowed, false);
  assert.doesNotMatch(again.body.response.status.message, /re-judged/);
  assert.match(again.body.response.status.message, /failed pipeline prod-cluster \(decision of 2026-03-04T06:00:00\.000Z\)/);
  assert.equal(await count('scans'), scans + 1);
});

test('an allowlist entry ends the same way: admitted by the entry, then re-judged and denied', { skip }, async () => {
  clock.set(T0);
  const port = await hook();
  const ok = await post(port, tls.cert, '/validate', review('pod', img.allowed!));
  assert.equal(ok.body.response.allowed, true, JSON.stringify(ok.body));
  assert.match(ok.body.response.auditAnnotations.decision, /admitted by allowlist entry .*shop\/allowed@sha256:.* until 2026-03-02 \(owner team-shop\)/);
  clock.set('2026-03-04T06:00:00Z');
  const no = await post(port, tls.cert, '/validate', review('statefulset', img.allowed!));
  assert.equal(no.body.response.allowed, false);
  assert.match(no.body.response.status.message, /re-judged \(the stored decision of .* expired: validUntil \S+ \(allowlist entry \S+shop\/allowed@sha256:[0-9a-f]{64} expires 2026-03-02\)\): now fails pipeline prod-cluster \(decision of 2026-03-04T06:00:00\.000Z\): vulnerabilities\.failOn: CVE-2021-44906/);
  const change = (await changes()).filter((c) => c.digest === dig.allowed);
  assert.deepEqual(change.map((c) => [c.before, c.after, c.cause_kind]), [['pass', 'fail', 'exception']]);
  assert.match(change[0]!.cause, /shop\/allowed@sha256:/);
});

test('nothing to re-judge from (no inventory, no DB): the no-decision rule applies, never an admission', { skip }, async () => {
  clock.set('2026-03-04T06:00:00Z');
  const port = await hook();
  const no = await post(port, tls.cert, '/validate', review('deployment', img.noinv!));
  assert.equal(no.body.response.allowed, false);
  assert.match(no.body.response.status.message, /has no valid decision for pipeline prod-cluster: the stored decision of .* expired: validUntil 2026-03-02T00:00:00Z; it could not be re-judged: the server has no stored inventory for sha256:/);
  const warnPort = await hook({ noDecision: 'warn' });
  const w = await post(warnPort, tls.cert, '/validate', review('deployment', img.noinv!));
  assert.equal(w.body.response.allowed, true);
  assert.match(w.body.response.warnings[0], /^Portcullis: \S+shop\/noinv:1 .* could not be re-judged: the server has no stored inventory for sha256:/);
  const noDb = await hook({}, join(work, 'no-such.db'));
  const n = await post(noDb, tls.cert, '/validate', review('deployment', img.dry!));
  assert.equal(n.body.response.allowed, false);
  assert.match(n.body.response.status.message, /could not be re-judged: no advisory DB at .*no-such\.db \(--db\)/);
  const scan = await hook({ noDecision: 'scan', scanner: { decide: async () => Promise.reject(new Error('must not scan a dryRun request')), deadlineMs: 1000 } as never });
  const dry = await post(scan, tls.cert, '/validate', review('deployment', img.noinv!, (r) => (r.request.dryRun = true)));
  assert.equal(dry.body.response.allowed, false);
  assert.match(dry.body.response.status.message, /not scanned on admission: a dryRun request writes nothing/);
});

test('dryRun: judged again but nothing is written (no decision, no verdict change, no first-seen, no audit)', { skip }, async () => {
  clock.set('2026-03-04T06:00:00Z');
  const port = await hook({ audit: async () => assert.fail('dryRun wrote to the audit log') });
  const before = { scans: await count('scans'), changes: await count('verdict_changes'), seen: await count('first_seen'), audit: (await listAudit(store, { limit: 1000 })).length };
  const previous = await latestDecision(store, PIPELINE, dig.dry!);
  const dry = await post(port, tls.cert, '/validate/audit', review('deployment', img.dry!, (r) => (r.request.dryRun = true)));
  assert.equal(dry.body.response.allowed, true, 'audit mode admits');
  assert.match(dry.body.response.auditAnnotations.decision, /would deny: .*re-judged for a dryRun, not stored \(.*exception minimist-accepted expires 2026-03-03\)\): now fails .*CVE-2021-44906/);
  const enforce = await post(port, tls.cert, '/validate', review('deployment', img.dry!, (r) => (r.request.dryRun = true)));
  assert.equal(enforce.body.response.allowed, false);
  const afterDry = { scans: await count('scans'), changes: await count('verdict_changes'), seen: await count('first_seen'), audit: (await listAudit(store, { limit: 1000 })).length };
  assert.deepEqual(afterDry, before);
  assert.deepEqual(await latestDecision(store, PIPELINE, dig.dry!), previous);
});

test('a DB update adds an advisory after the decision outlived the DB age limit: re-judged with the new DB and denied', { skip }, async () => {
  clock.set(T0);
  const port = await hook();
  assert.equal((await post(port, tls.cert, '/validate', review('daemonset', img.aged!))).body.response.allowed, true);
  clock.set('2026-03-06T00:00:00Z');
  // `portcullis db update` replaces the file: the next re-judgement opens the new one
  copyFileSync(await advisoryDb([npmAdvisory('CVE-2021-44906', 'minimist', '1.2.6', '2026-02-28T00:00:00Z'), npmAdvisory('GHSA-lp00-0000-0001', 'left-pad', '1.3.1', '2026-03-05T12:00:00Z')], '2026-03-05T13:00:00Z'), dbPath);
  const no = await post(port, tls.cert, '/validate', review('job', img.aged!));
  assert.equal(no.body.response.allowed, false, JSON.stringify(no.body));
  assert.match(no.body.response.status.message, /re-judged \(the stored decision of .* expired: validUntil 2026-03-05T00:00:00\.000Z \(advisory source \S+ data from 2026-02-28T00:00:00\.000Z \+ database\.maxAgeHours: 120\)\): now fails .*GHSA-lp00-0000-0001 in left-pad 1\.3\.0/);
  const change = (await changes()).filter((c) => c.digest === dig.aged);
  assert.deepEqual(change.map((c) => [c.before, c.after, c.cause_kind]), [['pass', 'fail', 'db']]);
});

test('a policy change on the server: a still-valid decision made under the old policies is re-judged under the new ones', { skip }, async () => {
  clock.set('2026-03-06T00:00:00Z');
  const port = await hook();
  // `dry` still has its expired CI decision (the dryRun stored nothing): re-judged and stored now
  assert.equal((await post(port, tls.cert, '/validate', review('pod', img.dry!))).body.response.allowed, false);
  const stored = (await latestDecision(store, PIPELINE, dig.dry!)) as { policies: { digest: string } };
  await putRules(store, [{ file: 'policy.yaml', raw: POLICY.replace('failOn: critical', 'failOn: high') }], clock.now());
  const again = await post(port, tls.cert, '/validate', review('pod', img.dry!));
  assert.equal(again.body.response.allowed, false);
  assert.match(again.body.response.status.message, new RegExp(`re-judged \\(the stored decision of 2026-03-06T00:00:00\\.000Z was made under policy digest ${stored.policies.digest}; the pipeline's policies are now sha256:[0-9a-f]{64}\\): still fails`));
  const after = (await latestDecision(store, PIPELINE, dig.dry!)) as { policies: { digest: string } };
  assert.notEqual(after.policies.digest, stored.policies.digest);
  assert.equal((await changes()).filter((c) => c.digest === dig.dry).length, 1, 'one change: pass → fail; a re-judgement that keeps the verdict records none');
  // the exception is revoked on the server (the exceptions document without it): re-judged again
  const exceptionsNow = (await latestDecision(store, PIPELINE, dig.dry!)) as { exceptions: { digest: string } };
  await putRules(store, [{ file: 'exceptions.yaml', raw: exceptionsFor(`${reg.host}/shop/allowed@${dig.allowed}`).replace(/exceptions:\n {2}- \{id: minimist-accepted[^\n]*\n/, 'exceptions: []\n') }], clock.now());
  const revoked = await post(port, tls.cert, '/validate', review('pod', img.dry!));
  assert.match(revoked.body.response.status.message, new RegExp(`re-judged \\(the stored decision of .* was made under exceptions digest ${exceptionsNow.exceptions.digest}; the pipeline's exceptions are now sha256:[0-9a-f]{64}\\): still fails`));
});

test('a re-judgement past its deadline denies meanwhile, goes on and serves the next request; one that throws counts as no decision', async () => {
  const at = movableClock('2026-03-04T06:00:00Z');
  const digest = `sha256:${'7'.repeat(64)}`;
  const old = record({ name: 'r.example/shop/api', digest, pipeline: PIPELINE, verdict: 'pass', evaluatedAt: T0, validUntil: '2026-03-02T00:00:00Z' });
  const fresh = record({ name: 'r.example/shop/api', digest, pipeline: PIPELINE, verdict: 'pass', evaluatedAt: '2026-03-04T06:00:00Z' });
  let release: () => void = () => {};
  let calls = 0;
  const judge = new Judge({
    pipeline: PIPELINE,
    clock: at,
    store: { latest: async () => old },
    rejudge: {
      deadlineMs: 20,
      rulesDigests: async () => undefined,
      rejudge: () => {
        calls++;
        return new Promise((resolve) => (release = () => resolve({ record: fresh, stored: true })));
      },
    },
  });
  const [a, b] = await Promise.all([judge.judge('r.example/shop/api:1', 'r.example/shop/api', digest), judge.judge('r.example/shop/api:1', 'r.example/shop/api', digest)]);
  assert.equal(calls, 1, 'concurrent requests share one re-judgement');
  for (const j of [a, b]) {
    assert.equal(j.outcome, 'missing');
    assert.equal(j.rejudged, 'pending');
    assert.match(j.message, /could not be re-judged: no result within 20 ms \(it goes on and stores its decision; retry shortly\)/);
  }
  release();
  await new Promise((r) => setImmediate(r));
  const next = await judge.judge('r.example/shop/api:1', 'r.example/shop/api', digest);
  assert.equal(next.outcome, 'pass', next.message);
  assert.doesNotMatch(next.message, /re-judged/, 'the finished re-judgement is the cached decision');
  const broken = new Judge({ pipeline: PIPELINE, clock: at, store: { latest: async () => old }, rejudge: { deadlineMs: 1000, rulesDigests: async () => undefined, rejudge: async () => Promise.reject(new Error('database is locked')) } });
  const j = await broken.judge('r.example/shop/api:1', 'r.example/shop/api', digest);
  assert.deepEqual([j.outcome, j.rejudged], ['missing', 'failed']);
  assert.match(j.message, /could not be re-judged: re-judging failed: database is locked/);
  // a re-judgement whose new decision is itself already expired does not count either
  const stillOld = new Judge({ pipeline: PIPELINE, clock: at, store: { latest: async () => old }, rejudge: { deadlineMs: 1000, rulesDigests: async () => undefined, rejudge: async () => ({ record: old, stored: false }) } });
  const s = await stillOld.judge('r.example/shop/api:1', 'r.example/shop/api', digest);
  assert.equal(s.outcome, 'missing');
  assert.match(s.message, /the new decision does not count either: expired/);
});
