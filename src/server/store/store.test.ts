import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { openStore, redactUrl } from './db.js';
import { SCHEMA_VERSION } from './migrations.js';
import { validateDocument } from './documents.js';
import { activeObjects, getObject, listAudit, objectHistory, putObject, revokeObject } from './objects.js';
import { createToken, revokeToken, verifyToken } from './tokens.js';
import { createDatabase, freshStore, testPostgres, type Backend } from '../testkit.js';

const POLICY = 'apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata:\n  name: prod # the production gate\nspec:\n  controls:\n    vulnerabilities: {failOn: high}\n';
const now = new Date('2026-03-01T00:00:00Z');
const actor = { name: 'alice' };

test('a SQLite file with a newer schema is refused, naming both versions', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'pc-store-')), 'p.db');
  const s = await openStore(file);
  await s.close();
  const h = new Database(file);
  h.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION + 1);
  h.close();
  await assert.rejects(openStore(file), new RegExp(`schema is version ${SCHEMA_VERSION + 1}, newer than this server knows \\(${SCHEMA_VERSION}\\)`));
});

test('a file that is not a database is a one-line error, not a crash', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'pc-store-')), 'junk.db');
  writeFileSync(file, 'this is not sqlite '.repeat(100));
  await assert.rejects(openStore(file), /junk\.db: /);
});

test('database URLs are shown without their password', () => {
  assert.equal(redactUrl('postgres://u:s3cret@db.example:5432/p'), 'postgres://u@db.example:5432/p');
  assert.doesNotMatch(redactUrl('postgres://u:s3cret@h/p'), /s3cret/);
});

for (const backend of ['sqlite', 'postgres'] as Backend[]) {
  test(`${backend}: revisions, revoke as a new revision, and an append-only audit log`, async (t) => {
    const store = await freshStore(backend, 'store_unit');
    if (!store) return t.skip('PostgreSQL not available');
    try {
      const doc = validateDocument(POLICY, 'prod.yaml');
      const r1 = await putObject(store, doc, { file: 'prod.yaml', position: 0 }, actor, now);
      assert.equal(r1.object.revision, 1);
      assert.equal(r1.object.raw, POLICY, 'the pushed text is kept, comments included');
      const again = await putObject(store, doc, { file: 'prod.yaml', position: 0 }, actor, now);
      assert.equal(again.changed, false);
      const doc2 = validateDocument(POLICY.replace('high', 'critical'), 'prod.yaml');
      assert.equal((await putObject(store, doc2, { file: 'prod.yaml', position: 0 }, { name: 'bob' }, now)).object.revision, 2);
      const rev = await revokeObject(store, 'AssurancePolicy', 'prod', actor, now);
      assert.equal(rev?.revision, 3);
      assert.equal(rev?.state, 'revoked');
      assert.equal((await objectHistory(store, 'AssurancePolicy', 'prod')).length, 3);
      assert.equal((await getObject(store, 'AssurancePolicy', 'prod', 1))?.body && true, true, 'old revisions stay readable');
      const audit = await listAudit(store, { limit: 10 });
      assert.deepEqual(audit.map((a) => [a.action, a.actor, a.revision]), [['create', 'alice', 1], ['update', 'bob', 2], ['revoke', 'alice', 3]]);
      assert.equal((audit[1]!.before as { spec: { controls: { vulnerabilities: { failOn: string } } } }).spec.controls.vulnerabilities.failOn, 'high');
      assert.equal((audit[1]!.after as { spec: { controls: { vulnerabilities: { failOn: string } } } }).spec.controls.vulnerabilities.failOn, 'critical');
      await assert.rejects(sql`DELETE FROM audit`.execute(store.db), /append-only/);
      await assert.rejects(sql`UPDATE audit SET actor = 'mallory'`.execute(store.db), /append-only/);
      assert.equal((await listAudit(store, { limit: 10 })).length, 3);
    } finally {
      await store.close();
    }
  });

  test(`${backend}: the cached latest objects follow a change committed through another connection at once`, async (t) => {
    const target = backend === 'sqlite' ? join(mkdtempSync(join(tmpdir(), 'pc-store-')), 'p.db') : await testPostgres().then((a) => (a ? createDatabase(a, 'store_cache') : undefined));
    if (!target) return t.skip('PostgreSQL not available');
    const [a, b] = [await openStore(target), await openStore(target)];
    try {
      await putObject(a, validateDocument(POLICY, 'prod.yaml'), { file: 'prod.yaml', position: 0 }, actor, now);
      const first = await activeObjects(b, 'AssurancePolicy');
      assert.equal(first.length, 1);
      assert.equal(await activeObjects(b, 'AssurancePolicy').then((x) => x[0]), first[0], 'unchanged: the same (cached) object');
      assert.throws(() => { (first[0]!.body as { spec: unknown }).spec = {}; }, TypeError, 'shared objects are frozen');
      await putObject(a, validateDocument(POLICY.replace('high', 'critical'), 'prod.yaml'), { file: 'prod.yaml', position: 0 }, actor, now);
      assert.equal((await activeObjects(b, 'AssurancePolicy'))[0]!.revision, 2, 'the other connection sees the new revision at once');
      await revokeObject(a, 'AssurancePolicy', 'prod', actor, now);
      assert.deepEqual(await activeObjects(b, 'AssurancePolicy'), [], 'and the revoke');
    } finally {
      await a.close();
      await b.close();
    }
  });

  test(`${backend}: tokens are hashed at rest, expire and can be revoked`, async (t) => {
    const store = await freshStore(backend, 'store_tokens');
    if (!store) return t.skip('PostgreSQL not available');
    try {
      const { token, info } = await createToken(store, { name: 'ci-prod', role: 'ci', pipelines: ['prod'], expiresAt: new Date('2026-04-01T00:00:00Z') }, actor, now);
      const row = await store.db.selectFrom('tokens').selectAll().executeTakeFirstOrThrow();
      // pcs_<16 hex id>_<secret>: the secret is everything after the id (it may itself contain "_")
      const secret = token.slice('pcs_'.length + 16 + 1);
      assert.ok(secret.length >= 20, token);
      assert.ok(!JSON.stringify(row).includes(secret), 'the secret is not stored');
      assert.equal((await verifyToken(store, token, now)).ok, true);
      assert.deepEqual(await verifyToken(store, token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), now), { ok: false, why: 'unknown token' });
      assert.deepEqual(await verifyToken(store, token, new Date('2026-04-01T00:00:00Z')), { ok: false, why: 'token expired' });
      assert.deepEqual(await verifyToken(store, "pcs_' OR 1=1 --", now), { ok: false, why: 'malformed token' });
      await revokeToken(store, info.id, actor, now);
      assert.deepEqual(await verifyToken(store, token, now), { ok: false, why: 'token revoked' });
      await assert.rejects(createToken(store, { name: 'x', role: 'ci', pipelines: [], expiresAt: new Date('2026-04-01') }, actor, now), /at least one pipeline/);
    } finally {
      await store.close();
    }
  });
}
