import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixedClock } from '../../core/clock.js';
import { PortcullisError } from '../../core/errors.js';
import { sharedOrSkip } from '../../core/shared.js';
import { buildDb } from '../build.js';
import { openDb } from '../store/reader.js';
import { makeZip, osvRecord, tempDir } from '../testutil.js';
import { acquireLock } from './lock.js';
import { startServer } from './testserver.js';
import { cleanLeftovers, updateDb } from './update.js';

const here = dirname(fileURLToPath(import.meta.url));
const clock = fixedClock('2025-03-01T00:00:00Z');
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Builds a small DB holding the given ids; returns its bytes. */
async function smallDb(dir: string, name: string, ids: string[]): Promise<Buffer> {
  const src = join(dir, `${name}-src`);
  mkdirSync(src, { recursive: true });
  for (const id of ids) writeFileSync(join(src, `${id}.json`), JSON.stringify(osvRecord(id, { details: 'x'.repeat(2000) + id })));
  const out = join(dir, `${name}.db`);
  await buildDb([src], out, { clock });
  return readFileSync(out);
}

function ids(path: string): string[] {
  const db = openDb(path);
  try {
    return db.byPackage('npm', 'left-pad').map((a) => a.record.id);
  } finally {
    db.close();
  }
}

const quick = { retries: 0, timeoutMs: 5000, backoffMs: 10, lockTimeoutMs: 5000 };

test('downloads a built DB verified by its .sha256, then skips when the checksum already matches', async (t) => {
  const d = tempDir(t);
  const blob = await smallDb(d, 'v1', ['GHSA-1111-1111-1111']);
  const srv = await startServer({});
  t.after(() => srv.close());
  srv.routes.set('/db/portcullis.db', blob);
  srv.routes.set('/db/portcullis.db.sha256', `${sha(blob)}  portcullis.db\n`);
  const dbPath = join(d, 'cache', 'db', 'portcullis.db');
  const r1 = await updateDb({ ...quick, source: `${srv.url}/db/portcullis.db`, db: dbPath });
  assert.equal(r1.action, 'downloaded');
  assert.deepEqual(ids(dbPath), ['GHSA-1111-1111-1111']);
  const r2 = await updateDb({ ...quick, source: `${srv.url}/db/portcullis.db`, db: dbPath });
  assert.equal(r2.action, 'up-to-date');
  assert.equal(srv.hits.get('/db/portcullis.db'), 1);
  assert.equal(existsSync(`${dbPath}.lock`), false);
});

test('a checksum mismatch, a missing .sha256 or a non-DB download keeps the old DB', async (t) => {
  const d = tempDir(t);
  const old = await smallDb(d, 'old', ['GHSA-2222-2222-2222']);
  const fresh = await smallDb(d, 'new', ['GHSA-3333-3333-3333']);
  const dbPath = join(d, 'db', 'portcullis.db');
  mkdirSync(dirname(dbPath));
  writeFileSync(dbPath, old);
  const srv = await startServer({});
  t.after(() => srv.close());
  srv.routes.set('/p.db', fresh);
  srv.routes.set('/p.db.sha256', 'f'.repeat(64)); // wrong digest
  await assert.rejects(updateDb({ ...quick, source: `${srv.url}/p.db`, db: dbPath }), (e: unknown) => e instanceof PortcullisError && e.code === 'DIGEST_MISMATCH');
  assert.deepEqual(ids(dbPath), ['GHSA-2222-2222-2222']);
  srv.routes.delete('/p.db.sha256');
  await assert.rejects(updateDb({ ...quick, source: `${srv.url}/p.db`, db: dbPath }), /refusing to install an unverified DB/);
  const junk = Buffer.from('not a database'.repeat(100));
  srv.routes.set('/junk.db', junk);
  srv.routes.set('/junk.db.sha256', sha(junk));
  await assert.rejects(updateDb({ ...quick, source: `${srv.url}/junk.db`, db: dbPath }), (e: unknown) => e instanceof PortcullisError && e.code === 'DB_INVALID');
  assert.deepEqual(ids(dbPath), ['GHSA-2222-2222-2222']);
  assert.deepEqual(readdirSync(dirname(dbPath)).sort(), ['portcullis.db']);
});

test('retries with backoff on 5xx; a hanging server times out; 404 does not retry', { timeout: 60_000 }, async (t) => {
  const d = tempDir(t);
  const blob = await smallDb(d, 'v1', ['GHSA-4444-4444-4444']);
  const srv = await startServer({});
  t.after(() => srv.close());
  srv.routes.set('/p.db', blob);
  srv.routes.set('/p.db.sha256', sha(blob));
  srv.failures.set('/p.db', [503, 502]);
  const logs: string[] = [];
  const dbPath = join(d, 'x', 'p.db');
  const r = await updateDb({ ...quick, retries: 3, source: `${srv.url}/p.db`, db: dbPath, log: (m) => logs.push(m) });
  assert.equal(r.action, 'downloaded');
  assert.equal(srv.hits.get('/p.db'), 3);
  assert.equal(logs.filter((l) => l.includes('retrying')).length, 2);
  // a server that never answers: each attempt ends by its timeout (the test runner's timeout catches a hang)
  srv.hang.add('/slow.db.sha256');
  await assert.rejects(
    updateDb({ ...quick, retries: 1, timeoutMs: 200, source: `${srv.url}/slow.db`, db: join(d, 'y', 'p.db') }),
    (e: unknown) => e instanceof PortcullisError && e.code === 'NETWORK' && /2 attempts/.test(e.message),
  );
  assert.equal(srv.hits.get('/slow.db.sha256'), 2, 'one request per attempt, each given up after its timeout');
  assert.equal(srv.hits.get('/slow.db'), undefined, 'no download without a checksum');
  await assert.rejects(updateDb({ ...quick, retries: 3, source: `${srv.url}/none.db`, db: join(d, 'z', 'p.db') }), /refusing/);
  assert.equal(srv.hits.get('/none.db.sha256'), 1);
});

test('offline mode uses the DB that is there, or fails with DB_MISSING', async (t) => {
  const d = tempDir(t);
  const dbPath = join(d, 'p.db');
  await assert.rejects(updateDb({ db: dbPath, skipUpdate: true }), (e: unknown) => e instanceof PortcullisError && e.code === 'DB_MISSING');
  writeFileSync(dbPath, await smallDb(d, 'v1', ['GHSA-5555-5555-5555']));
  const r = await updateDb({ db: dbPath, skipUpdate: true, source: 'http://127.0.0.1:1/never' });
  assert.equal(r.action, 'offline');
});

test('a local DB file source is verified against its .sha256 and copied in', async (t) => {
  const d = tempDir(t);
  const blob = await smallDb(d, 'v1', ['GHSA-6666-6666-6666']);
  const src = join(d, 'v1.db');
  writeFileSync(`${src}.sha256`, sha(blob));
  const dbPath = join(d, 'cache', 'p.db');
  assert.equal((await updateDb({ db: dbPath, source: src })).action, 'copied');
  writeFileSync(`${src}.sha256`, '0'.repeat(64));
  await assert.rejects(updateDb({ db: dbPath, source: src }), /does not match/);
});

test('an OSV export base URL: zips are downloaded over HTTP, then built', async (t) => {
  const d = tempDir(t);
  const exp = join(d, 'export');
  mkdirSync(join(exp, 'npm'), { recursive: true });
  mkdirSync(join(exp, 'Debian:12'), { recursive: true });
  writeFileSync(join(exp, 'npm', 'all.zip'), makeZip([{ name: 'GHSA-7777-7777-7777.json', data: JSON.stringify(osvRecord('GHSA-7777-7777-7777')) }]));
  const deb = osvRecord('DSA-0001-1', { affected: [{ package: { ecosystem: 'Debian:12', name: 'openssl' } }] });
  writeFileSync(join(exp, 'Debian:12', 'all.zip'), makeZip([{ name: 'DSA-0001-1.json', data: JSON.stringify(deb) }]));
  const srv = await startServer({ '/export/': exp });
  t.after(() => srv.close());
  const dbPath = join(d, 'c', 'p.db');
  const r = await updateDb({ ...quick, source: `${srv.url}/export/`, ecosystems: ['npm', 'Debian:12'], db: dbPath, clock });
  assert.equal(r.action, 'built');
  assert.deepEqual(r.meta.ecosystems, ['Debian:12', 'npm']);
  assert.equal(srv.hits.get('/export/Debian:12/all.zip'), 1);
  await assert.rejects(updateDb({ ...quick, source: `${srv.url}/export/`, ecosystems: ['Nope'], db: dbPath }), /HTTP 404/);
  assert.deepEqual(r.meta.ecosystems, openDb(dbPath).meta().ecosystems);
});

test('real data: ../shared/data served over HTTP: OSV zips plus KEV (and a local EPSS file) build a DB', async (t) => {
  const data = sharedOrSkip(t, 'data');
  if (!data) return;
  const d = tempDir(t);
  const srv = await startServer({ '/data/': data, '/epss/': join(here, '..', 'epss', 'testdata') });
  t.after(() => srv.close());
  const r = await updateDb({
    ...quick,
    source: `${srv.url}/data/osv/`,
    ecosystems: ['Go', 'crates.io'],
    extras: [`${srv.url}/data/kev/known_exploited_vulnerabilities.json`, `${srv.url}/epss/epss.csv.gz`],
    db: join(d, 'p.db'),
    clock,
  });
  assert.deepEqual(r.meta.ecosystems, ['Go', 'crates.io']);
  assert.deepEqual(r.meta.sources.map((s) => [s.kind, s.records]), [
    ['epss', 3],
    ['kev', 1404],
    ['osv', 4291],
    ['osv', 1206],
  ]);
  const db = openDb(join(d, 'p.db'));
  t.after(() => db.close());
  assert.ok(db.byId('GO-2022-0969'));
  assert.equal(r.meta.sources.find((s) => s.kind === 'kev')?.updatedAt, '2025-08-25T17:04:19.979Z');
});

interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runChild(source: string, db: string, onSpawn?: (pid: number) => void): Promise<ChildResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'testdata', 'run-update.ts'), source, db], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    if (child.pid) onSpawn?.(child.pid);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('two concurrent update processes leave one valid DB, downloaded once', async (t) => {
  const d = tempDir(t);
  const blob = await smallDb(d, 'v1', ['GHSA-8888-8888-8888']);
  const srv = await startServer({});
  t.after(() => srv.close());
  srv.routes.set('/p.db', blob);
  srv.routes.set('/p.db.sha256', sha(blob));
  srv.throttle.bytes = 4096;
  srv.throttle.ms = 20;
  const dbPath = join(d, 'cache', 'p.db');
  const [a, b] = await Promise.all([runChild(`${srv.url}/p.db`, dbPath), runChild(`${srv.url}/p.db`, dbPath)]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const actions = [a, b].map((x) => (JSON.parse(x.stdout) as { action: string }).action).sort();
  assert.ok(actions[0] === 'downloaded' && ['updated-by-other', 'up-to-date'].includes(actions[1] as string), actions.join(','));
  assert.equal(srv.hits.get('/p.db'), 1);
  assert.deepEqual(ids(dbPath), ['GHSA-8888-8888-8888']);
  assert.deepEqual(readdirSync(dirname(dbPath)), ['p.db']);
});

test('an update killed mid-download leaves the old DB intact; the next one recovers the lock', async (t) => {
  const d = tempDir(t);
  const old = await smallDb(d, 'old', ['GHSA-9999-9999-9999']);
  const fresh = await smallDb(d, 'new', ['GHSA-aaaa-9999-9999']);
  const dbPath = join(d, 'cache', 'p.db');
  mkdirSync(dirname(dbPath));
  writeFileSync(dbPath, old);
  const srv = await startServer({});
  t.after(() => srv.close());
  srv.routes.set('/p.db', fresh);
  srv.routes.set('/p.db.sha256', sha(fresh));
  srv.throttle.bytes = 1024;
  srv.throttle.ms = 50;
  let pid = 0;
  const done = runChild(`${srv.url}/p.db`, dbPath, (p) => (pid = p));
  // wait until the download is under way, then kill -9
  const deadline = Date.now() + 20_000;
  while (!readdirSync(dirname(dbPath)).some((n) => n.includes('.download-')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
  process.kill(pid, 'SIGKILL');
  const res = await done;
  assert.equal(res.code, null);
  assert.deepEqual(ids(dbPath), ['GHSA-9999-9999-9999']);
  assert.ok(existsSync(`${dbPath}.lock`)); // left behind by the killed process
  // temp files are swept by age (older than the lock's stale age), not by pid: age them
  const aged = new Date(Date.now() - 2 * 3600_000);
  for (const n of readdirSync(dirname(dbPath))) if (n.startsWith('.p.db.')) utimesSync(join(dirname(dbPath), n), aged, aged);
  srv.throttle.bytes = 0;
  const r = await updateDb({ ...quick, source: `${srv.url}/p.db`, db: dbPath });
  assert.equal(r.action, 'downloaded');
  assert.deepEqual(ids(dbPath), ['GHSA-aaaa-9999-9999']);
  assert.deepEqual(readdirSync(dirname(dbPath)), ['p.db']); // stale temp file cleaned up
});

test('lock: a live holder makes others wait and time out with DB_LOCKED; a dead holder is taken over', async (t) => {
  const d = tempDir(t);
  const lock = join(d, 'x.lock');
  const release = await acquireLock(lock);
  await assert.rejects(acquireLock(lock, { timeoutMs: 200, pollMs: 20 }), (e: unknown) => e instanceof PortcullisError && e.code === 'DB_LOCKED');
  await release();
  assert.equal(existsSync(lock), false);
  writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), time: Date.now() }));
  const r2 = await acquireLock(lock, { timeoutMs: 1000, pollMs: 20 });
  assert.equal((JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid, process.pid);
  await r2();
  writeFileSync(lock, JSON.stringify({ pid: process.pid, host: 'elsewhere', time: Date.now() - 2 * 3600_000 }));
  const r3 = await acquireLock(lock, { timeoutMs: 1000, pollMs: 20 });
  await r3();
});

test('the timeout is an idle timeout: a slow but live download succeeds, a stalled body fails', async (t) => {
  const d = tempDir(t);
  const blob = await smallDb(d, 'v1', ['GHSA-bbbb-1111-1111']);
  const srv = await startServer({});
  t.after(() => srv.close());
  srv.routes.set('/p.db', blob);
  srv.routes.set('/p.db.sha256', sha(blob));
  srv.throttle.bytes = Math.ceil(blob.length / 10);
  // ten chunks with nine 50 ms pauses: longer than the 400 ms timeout in total, by construction (counted by
  // the server, not measured), but never 400 ms without data, with wide margins for a loaded machine
  srv.throttle.ms = 50;
  const r = await updateDb({ ...quick, timeoutMs: 400, source: `${srv.url}/p.db`, db: join(d, 'a', 'p.db') });
  assert.equal(r.action, 'downloaded');
  assert.ok(srv.pauses.get('/p.db')! * srv.throttle.ms > 400, `the whole download took longer than the timeout (${srv.pauses.get('/p.db')} pauses)`);
  srv.throttle.ms = 4000; // stalls ten times longer than the timeout between chunks
  await assert.rejects(
    updateDb({ ...quick, timeoutMs: 400, source: `${srv.url}/p.db`, db: join(d, 'b', 'p.db') }),
    (e: unknown) => e instanceof PortcullisError && e.code === 'NETWORK' && /no data for 400 ms/.test(e.message),
  );
  assert.deepEqual(readdirSync(join(d, 'b')).filter((n) => !n.endsWith('.lock')), []);
});

test('OSV export: a sidecar answered with 403 (object store) counts as absent; a published one is verified', async (t) => {
  const d = tempDir(t);
  const exp = join(d, 'export');
  mkdirSync(join(exp, 'npm'), { recursive: true });
  const zip = makeZip([{ name: 'GHSA-cccc-1111-1111.json', data: JSON.stringify(osvRecord('GHSA-cccc-1111-1111')) }]);
  writeFileSync(join(exp, 'npm', 'all.zip'), zip);
  const srv = await startServer({ '/export/': exp });
  t.after(() => srv.close());
  srv.failures.set('/export/npm/all.zip.sha256', [403]);
  const r = await updateDb({ ...quick, source: `${srv.url}/export/`, ecosystems: ['npm'], db: join(d, 'c', 'p.db'), clock });
  assert.equal(r.action, 'built');
  srv.routes.set('/export/npm/all.zip.sha256', '0'.repeat(64));
  await assert.rejects(
    updateDb({ ...quick, source: `${srv.url}/export/`, ecosystems: ['npm'], db: join(d, 'e', 'p.db'), clock }),
    (e: unknown) => e instanceof PortcullisError && e.code === 'DIGEST_MISMATCH',
  );
  srv.routes.set('/export/npm/all.zip.sha256', `${sha(zip)}  all.zip`);
  assert.equal((await updateDb({ ...quick, source: `${srv.url}/export/`, ecosystems: ['npm'], db: join(d, 'f', 'p.db'), clock })).action, 'built');
});

test('leftovers of killed updates and builds are swept by the right pattern, only when older than the stale age', async (t) => {
  const d = tempDir(t);
  const old = new Date(Date.now() - 2 * 3600_000);
  const names = [
    '.p.db.download-123-0a0b0c0d',
    '.p.db.build-123-0a0b0c0d',
    '..p.db.build-123-0a0b0c0d.build-456-01020304',
    '..p.db.build-123-0a0b0c0d.build-456-01020304-journal',
  ];
  for (const n of names) {
    writeFileSync(join(d, n), 'x');
    utimesSync(join(d, n), old, old);
  }
  mkdirSync(join(d, '.p.db.osv-123-0a0b0c0d'));
  utimesSync(join(d, '.p.db.osv-123-0a0b0c0d'), old, old);
  writeFileSync(join(d, '.p.db.build-999-fresh000'), 'being written by a live job elsewhere');
  writeFileSync(join(d, '.other.db.build-1-00000000'), 'another DB');
  writeFileSync(join(d, 'p.db'), 'x');
  const removed = await cleanLeftovers(d, 'p.db', 3600_000);
  assert.deepEqual(removed, [...names, '.p.db.osv-123-0a0b0c0d'].sort());
  assert.deepEqual(readdirSync(d).sort(), ['.other.db.build-1-00000000', '.p.db.build-999-fresh000', 'p.db']);
});

test('stale-lock takeover is atomic: of four waiters on a dead holder\'s lock, one holds it at a time', async (t) => {
  const d = tempDir(t);
  const lock = join(d, 'x.lock');
  for (let round = 0; round < 5; round++) {
    writeFileSync(lock, JSON.stringify({ pid: 2 ** 22 + 4242, host: hostname(), time: Date.now() }));
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        const release = await acquireLock(lock, { timeoutMs: 20_000, pollMs: 5 });
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 30));
        inside--;
        await release();
      }),
    );
    assert.equal(most, 1, `round ${round}: ${most} holders at once`);
    assert.equal(existsSync(lock), false);
    assert.equal(existsSync(`${lock}.takeover`), false);
  }
});
