// Continuous assurance end to end with real processes and commands: `portcullis server --db` on SQLite
// notices a replaced advisory DB and re-judges the uploaded image by itself; `server reevaluate
// --previous` does the same by hand; `worker --dead` lists nothing when nothing died.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../src/server/testkit.js';
import { advisoryDb, criticalPolicy, genImage, genInventory, npmAdvisory, reportOf } from '../src/server/assure/testkit.js';

const MAIN = join('src', 'cli', 'main.ts');
const M = '2026-11-28T00:00:00Z';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('server --db re-judges stored images when the advisory DB file is replaced; server reevaluate by hand', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-assure-proc-'));
  const env = { ...process.env, PORTCULLIS_DATA_DIR: dir };
  const database = join(dir, 'portcullis.db');
  const v1 = await advisoryDb([npmAdvisory('TEST-2026-0001', 'gen-lib-3', '0.9.0', M)], '2026-11-29T00:00:00Z');
  const v2 = await advisoryDb([npmAdvisory('TEST-2026-0001', 'gen-lib-3', '0.9.0', M), npmAdvisory('TEST-2026-0777', 'minimist', '1.2.6', M)], '2026-11-29T12:00:00Z');
  const live = join(dir, 'advisory.db');
  copyFileSync(v1, live);
  const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', env, timeout: 60_000 });
  const token = cli(['server', 'token', 'create', '--database', database, '--name', 'sec', '--role', 'admin']).stdout.trim();
  assert.match(token, /^pcs_/);
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, 'server', '--database', database, '--listen', `127.0.0.1:${port}`, '--db', live], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  t.after(() => void proc.kill('SIGKILL'));
  for (let i = 0; i < 600 && !/server listening/.test(err); i++) await sleep(100);
  const url = `http://127.0.0.1:${port}`;
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(url + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> & { items: Record<string, unknown>[] } };
  };
  const pol = await call('POST', '/api/v1/documents', { documents: [{ file: 'policies/prod.yaml', position: 0, raw: criticalPolicy() }] });
  assert.equal(pol.status, 200, JSON.stringify(pol.json));
  const g = genImage(14); // minimist 1.2.0
  const up = await call('POST', '/api/v1/reports', { pipeline: 'prod', report: reportOf(genInventory(g), '2026-11-30T00:00:00Z') });
  assert.equal(up.status, 201, JSON.stringify(up.json));
  // the policy change and the DB seen first: the server judges the image (pass under v1)
  const verdict = async () => (await call('GET', '/api/v1/images')).json.items[0]?.verdict;
  for (let i = 0; i < 300 && (await verdict()) !== 'pass'; i++) {
    await call('POST', '/api/v1/reevaluations', { reason: 'rules' });
    await sleep(200);
  }
  assert.equal(await verdict(), 'pass', err);
  copyFileSync(v2, live); // `portcullis db update` replaces the file
  for (let i = 0; i < 300 && (await verdict()) !== 'fail'; i++) {
    await call('POST', '/api/v1/reevaluations', { reason: 'expiry' }); // wakes the round, which notices the DB
    await sleep(200);
  }
  assert.equal(await verdict(), 'fail', err);
  const changes = (await call('GET', '/api/v1/verdict-changes')).json.items;
  assert.deepEqual(changes.map((c) => [c.before, c.after, c.causeKind, c.cause]).find((c) => c[2] === 'advisory'), ['pass', 'fail', 'advisory', 'TEST-2026-0777']);
  proc.kill('SIGTERM');
  await new Promise((r) => proc.once('exit', r));

  // by hand: diffing v2 → v1 (the advisory withdrawn) passes the image again
  const back = cli(['server', 'reevaluate', '--database', database, '--db', v1, '--previous', v2]);
  assert.equal(back.status, 0, back.stderr);
  assert.match(back.stderr, /1 image\(s\) in 1 job\(s\), 1 newly queued/);
  assert.match(back.stderr, /1 verdict change\(s\) recorded/);
  const dead = cli(['worker', '--database', database, '--dead']);
  assert.equal(dead.status, 0, dead.stderr);
  assert.deepEqual(JSON.parse(dead.stdout), []);
});
