// StoreRejudge on SQLite and PostgreSQL ($PORTCULLIS_TEST_PG or a local cluster; skipped with a reason
// when neither can run): the stored inventory re-judged with the server's rules and the DB at hand, the
// new decision record stored where the webhook looks, the verdict change recorded once per stale
// decision (two replicas re-judging the same expired decision record one change), and write: false
// writing nothing. The webhook end to end is src/admission/rejudge.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { movableClock, freshStore, type Backend } from '../testkit.js';
import { latestDecision } from '../store/scans.js';
import type { DecisionRecord } from '../../policy/record.js';
import { advisoryDb, genImage, genInventory, npmAdvisory, putRules, reportOf, seedReport, V1 } from './testkit.js';
import { causeOf, REJUDGED_BY, StoreRejudge } from './rejudge.js';
import { Judge } from '../../admission/judge.js';
import { putObject } from '../store/objects.js';
import { validateVex } from '../store/vexdoc.js';

const PIPELINE = 'prod-cluster';
const POLICY = `${V1}\nkind: AssurancePolicy\nmetadata: {name: production}\nspec:\n  appliesTo: {pipelines: [${PIPELINE}]}\n  controls:\n    vulnerabilities: {failOn: critical}\n    coverage: {onGap: warn}\n`;
const EXCEPTIONS = `${V1}\nkind: Exceptions\nmetadata: {name: shop}\nexceptions:\n  - {id: minimist-ok, finding: CVE-2021-44906, scope: {all: true}, expires: 2026-03-03, reason: r, owner: team-shop}\n`;

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  test(`re-judging a stored inventory: stored once, the change recorded once, dryRun writes nothing (${backend})`, async (t) => {
    const store = await freshStore(backend, `rejudge_${process.pid}`);
    if (!store) return t.skip('PostgreSQL cannot run here');
    t.after(() => store.close());
    const clock = movableClock('2026-03-01T10:00:00Z');
    await putRules(store, [{ file: 'policy.yaml', raw: POLICY }, { file: 'exceptions.yaml', raw: EXCEPTIONS }], clock.now());
    const g = genImage(14); // minimist 1.2.0
    await seedReport(store, PIPELINE, reportOf(genInventory(g), clock.now().toISOString()), g.repository, g.digest, clock.now());
    await store.db.updateTable('assured_images').set({ verdict: 'pass' }).execute(); // as the CI upload said, under the exception
    const dbPath = await advisoryDb([npmAdvisory('CVE-2021-44906', 'minimist', '1.2.6', '2026-02-28T00:00:00Z')], '2026-03-01T00:00:00Z');
    const rejudge = new StoreRejudge({ store, pipeline: PIPELINE, dbPath, clock, deadlineMs: 1000, rulesTtlMs: 0 });
    const previous = { verdict: 'pass', evaluatedAt: '2026-03-01T10:00:00Z', recordDigest: `sha256:${'c'.repeat(64)}`, validUntil: '2026-03-04T00:00:00.000Z', validUntilBy: 'exception minimist-ok expires 2026-03-03' } as DecisionRecord;
    const ask = { name: g.repository, digest: g.digest, previous, reason: 'expired: validUntil 2026-03-04T00:00:00.000Z', kind: 'expired' as const };
    const rows = async () => ({
      scans: Number((await store.db.selectFrom('scans').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
      changes: await store.db.selectFrom('verdict_changes').select(['before', 'after', 'cause_kind', 'cause', 'cause_key']).execute(),
      seen: Number((await store.db.selectFrom('first_seen').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
      assured: await store.db.selectFrom('assured_images').select(['verdict', 'revision']).executeTakeFirstOrThrow(),
    });

    // before the exception ends the same inventory still passes: the rules are the server's
    const early = await rejudge.rejudge({ ...ask, write: false });
    assert.ok('record' in early && early.record.verdict === 'pass' && early.record.exceptions.applied.includes('minimist-ok'));

    clock.set('2026-03-04T06:00:00Z');
    const start = await rows();
    const dry = await rejudge.rejudge({ ...ask, write: false });
    assert.ok('record' in dry && !dry.stored);
    assert.equal(dry.record.verdict, 'fail');
    assert.deepEqual(await rows(), start, 'write: false wrote nothing');

    const [a, b] = await Promise.all([rejudge.rejudge({ ...ask, write: true }), rejudge.rejudge({ ...ask, write: true })]);
    for (const r of [a, b]) assert.ok('record' in r && r.stored && r.record.verdict === 'fail');
    const end = await rows();
    assert.deepEqual(end.changes.map((c) => [c.before, c.after, c.cause_kind, c.cause, c.cause_key]), [['pass', 'fail', 'exception', 'minimist-ok', `admission:${previous.recordDigest}`]], 'two replicas, one change');
    assert.equal(end.assured.verdict, 'fail');
    const stored = (await latestDecision(store, PIPELINE, g.digest)) as DecisionRecord;
    assert.equal(stored.verdict, 'fail');
    assert.equal(stored.image.digest, g.digest);
    assert.deepEqual(await rejudge.rulesDigests(), { policies: stored.policies.digest, exceptions: stored.exceptions.digest });
    const by = await store.db.selectFrom('scans').select('uploaded_by').orderBy('id', 'desc').executeTakeFirstOrThrow();
    assert.equal(by.uploaded_by, REJUDGED_BY);

    // another digest, and the server's rules for another pipeline: nothing to judge from, said so
    const none = await rejudge.rejudge({ ...ask, digest: `sha256:${'0'.repeat(64)}`, write: true });
    assert.deepEqual(none, { problem: `the server has no stored inventory for sha256:${'0'.repeat(64)}` });
    const other = new StoreRejudge({ store, pipeline: 'dev', dbPath, clock, deadlineMs: 1000 });
    assert.equal(await other.rulesDigests(), undefined);
    assert.deepEqual(await other.rejudge({ ...ask, write: true }), { problem: 'no policy on the server applies to pipeline dev' });
    const noDb = new StoreRejudge({ store, pipeline: PIPELINE, dbPath: `${dbPath}.missing`, clock, deadlineMs: 1000 });
    assert.deepEqual(await noDb.rejudge({ ...ask, write: true }), { problem: `no advisory DB at ${dbPath}.missing (--db)` });
    assert.equal(await noDb.rulesDigests(), undefined, 'without a DB a valid decision is not questioned on its rules (nothing could answer)');
    // a DB older than the policy's age limit gives decisions expired at birth: not stored (no write per request)
    await putRules(store, [{ file: 'policy.yaml', raw: POLICY.replace('coverage: {onGap: warn}', 'coverage: {onGap: warn}\n    database: {maxAgeHours: 24}') }], clock.now());
    const before = await rows();
    const stale = await rejudge.rejudge({ ...ask, write: true });
    assert.ok('problem' in stale);
    assert.match(stale.problem, /^the new decision is already expired: validUntil 2026-03-01T00:00:00\.000Z \(advisory source \S+ data from 2026-02-28T00:00:00\.000Z \+ database\.maxAgeHours: 24\); update the advisory DB at /);
    assert.deepEqual(await rows(), before);
  });
}

test('the cause of a re-judgement: what ended the stale decision', () => {
  const prev = (validUntilBy?: string) => ({ recordDigest: 'sha256:d', validUntilBy }) as DecisionRecord;
  const c = (validUntilBy: string | undefined, kind: 'expired' | 'policy' = 'expired') => causeOf({ previous: prev(validUntilBy), reason: 'why', kind });
  assert.deepEqual(c('exception EXC-1 expires 2026-03-03'), { kind: 'exception', what: 'EXC-1', key: 'admission:sha256:d' });
  assert.deepEqual(c('grace-period GP-2 expires 2026-03-03').what, 'GP-2');
  assert.deepEqual(c('allowlist entry r.example/a@sha256:1 expires 2026-03-02'), { kind: 'exception', what: 'r.example/a@sha256:1', key: 'admission:sha256:d' });
  assert.equal(c('advisory source osv data from 2026-02-28 + database.maxAgeHours: 120').kind, 'db');
  assert.deepEqual(c('spec.decisionMaxAgeHours: 24'), { kind: 'clock', what: 'spec.decisionMaxAgeHours: 24', key: 'admission:sha256:d' });
  assert.deepEqual(c(undefined), { kind: 'clock', what: 'why', key: 'admission:sha256:d' });
  assert.deepEqual(c('exception EXC-1 expires 2026-03-03', 'policy'), { kind: 'policy', what: 'why', key: 'admission:sha256:d' });
});

test('admission: a stored decision made before a VEX document was uploaded (or after it changed) is re-judged with the served VEX', async () => {
  const store = (await freshStore('sqlite', 'rejudge_vex'))!;
  const clock = movableClock('2026-03-01T10:00:00Z');
  const trusting = POLICY.replace('  controls:', '  vex: {trust: ["Vendor X*"]}\n  controls:');
  await putRules(store, [{ file: 'policy.yaml', raw: trusting }], clock.now());
  const g = genImage(14); // minimist 1.2.0
  await seedReport(store, PIPELINE, reportOf(genInventory(g), clock.now().toISOString()), g.repository, g.digest, clock.now());
  const dbPath = await advisoryDb([npmAdvisory('CVE-2021-44906', 'minimist', '1.2.6', '2026-02-28T00:00:00Z')], '2026-03-01T00:00:00Z');
  const rejudge = new StoreRejudge({ store, pipeline: PIPELINE, dbPath, clock, deadlineMs: 5000, rulesTtlMs: 0 });
  const judge = new Judge({ pipeline: PIPELINE, clock, store: { latest: (p, d) => latestDecision(store, p, d) }, rejudge, cacheMs: 0 });
  // the decision the server holds, made with no VEX: fails on minimist
  const first = await rejudge.rejudge({ name: g.repository, digest: g.digest, previous: { recordDigest: `sha256:${'d'.repeat(64)}` } as DecisionRecord, reason: 'initial', kind: 'policy', write: true });
  assert.ok('record' in first && first.record.verdict === 'fail' && first.record.vex === undefined);
  const before = await judge.judge(`${g.repository}@${g.digest}`, g.repository, g.digest);
  assert.equal(before.outcome, 'fail', before.message);
  assert.equal((await rejudge.rulesDigests())?.vex, undefined);

  // the vendor says minimist is not affected: uploaded once, the next admission re-judges with it
  const raw = JSON.stringify({ '@context': 'https://openvex.dev/ns/v0.2.0', '@id': 'https://vendor-x.example/vex/1', author: 'Vendor X PSIRT', timestamp: '2026-02-28T00:00:00Z', version: 1, statements: [{ vulnerability: { name: 'CVE-2021-44906' }, products: [{ '@id': 'pkg:npm/minimist@1.2.0' }], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' }] });
  clock.set('2026-03-01T11:00:00Z');
  await putObject(store, validateVex(raw, 'vendor-x', 'vendor-x'), { file: 'vex/vendor-x.vex.json', position: 0 }, { name: 'alice' }, clock.now());
  const digests = await rejudge.rulesDigests();
  assert.match(digests?.vex ?? '', /^sha256:[0-9a-f]{64}$/);
  const j = await judge.judge(`${g.repository}@${g.digest}`, g.repository, g.digest);
  assert.equal(j.outcome, 'pass', j.message);
  assert.equal(j.rejudged, 'stored');
  assert.match(j.message, /made under no VEX documents; the pipeline's VEX documents are now sha256:/);
  const stored = (await latestDecision(store, PIPELINE, g.digest)) as DecisionRecord;
  assert.deepEqual([stored.vex?.digest, stored.vex?.applied, stored.server?.vex?.map((v) => `${v.name}@${v.revision}`)], [digests!.vex, ['https://vendor-x.example/vex/1'], ['vendor-x@1']]);
  // the same rules again: the new decision counts as it is
  const again = await judge.judge(`${g.repository}@${g.digest}`, g.repository, g.digest);
  assert.deepEqual([again.outcome, again.rejudged], ['pass', undefined]);
});
