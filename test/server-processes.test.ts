// `portcullis server` as real processes: two replicas on one PostgreSQL database (a change through one
// is served by the other at once), tokens made with `server token create`, graceful shutdown on
// SIGTERM; and on SQLite, `server backup` while the server runs, then a server started on the backup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, freePort, testPostgres } from '../src/server/testkit.js';

const MAIN = join('src', 'cli', 'main.ts');
const env = { ...process.env, PORTCULLIS_DATA_DIR: mkdtempSync(join(tmpdir(), 'portcullis-srvproc-')) };

function portcullis(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { encoding: 'utf8', env, timeout: 60_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function startServer(database: string): Promise<{ url: string; proc: ChildProcess; stopped: Promise<{ code: number | null; stderr: string }> }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, 'server', '--database', database, '--listen', `127.0.0.1:${port}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const stopped = new Promise<{ code: number | null; stderr: string }>((res) => proc.on('exit', (code) => res({ code, stderr })));
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`server did not start: ${stderr}`)), 60_000);
    proc.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/server listening on/.test(stderr)) {
        clearTimeout(timer);
        res();
      }
    });
    proc.on('exit', () => {
      clearTimeout(timer);
      rej(new Error(`server exited: ${stderr}`));
    });
  });
  return { url: `http://127.0.0.1:${port}`, proc, stopped };
}

async function call(url: string, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: { [k: string]: unknown } }> {
  const r = await fetch(url + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
  return { status: r.status, json: (await r.json()) as { [k: string]: unknown } };
}

const policy = (failOn: string) => ({ apiVersion: 'portcullis/v1', kind: 'AssurancePolicy', metadata: { name: 'prod' }, spec: { controls: { vulnerabilities: { failOn } } } });

test('two server processes on one PostgreSQL: a change through one is served by the other at once', async (t) => {
  const admin = await testPostgres();
  if (!admin) return t.skip('PostgreSQL not available');
  const database = await createDatabase(admin, 'replicas');
  const created = portcullis(['server', 'token', 'create', '--database', database, '--name', 'alice', '--role', 'security']);
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^pcs_[0-9a-f]{16}_/);
  assert.doesNotMatch(created.stderr, new RegExp(token));
  const a = await startServer(database);
  const b = await startServer(database);
  try {
    assert.equal((await call(a.url, token, 'PUT', '/api/v1/policies/prod', policy('high'))).status, 201);
    const fromB = await call(b.url, token, 'GET', '/api/v1/policies/prod');
    assert.equal(fromB.status, 200);
    assert.equal((fromB.json.document as ReturnType<typeof policy>).spec.controls.vulnerabilities.failOn, 'high');
    assert.equal((await call(b.url, token, 'PUT', '/api/v1/policies/prod', policy('critical'))).json.revision, 2);
    assert.equal((await call(a.url, token, 'GET', '/api/v1/policies/prod')).json.revision, 2);
    const ready = await fetch(`${b.url}/readyz`);
    assert.equal(ready.status, 200);
  } finally {
    a.proc.kill('SIGTERM');
    b.proc.kill('SIGTERM');
  }
  for (const s of [await a.stopped, await b.stopped]) {
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stderr, /SIGTERM: shutting down/);
  }
});

test('SQLite: an online backup of a running server restores into a working server', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-backup-'));
  const database = join(dir, 'live.db');
  const token = portcullis(['server', 'token', 'create', '--database', database, '--name', 'root', '--role', 'admin']).stdout.trim();
  const live = await startServer(database);
  const backup = join(dir, 'backup.db');
  try {
    assert.equal((await call(live.url, token, 'PUT', '/api/v1/policies/prod', policy('high'))).status, 201);
    const r = portcullis(['server', 'backup', '--database', database, backup]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /backup written to/);
    assert.equal(portcullis(['server', 'backup', '--database', database, backup]).code, 2, 'an existing file is never overwritten');
    // changed after the backup: not in it
    await call(live.url, token, 'PUT', '/api/v1/policies/prod', policy('critical'));
  } finally {
    live.proc.kill('SIGTERM');
  }
  await live.stopped;
  const restored = await startServer(backup);
  try {
    const p = await call(restored.url, token, 'GET', '/api/v1/policies/prod');
    assert.equal(p.json.revision, 1);
    assert.equal((p.json.document as ReturnType<typeof policy>).spec.controls.vulnerabilities.failOn, 'high');
    const audit = await call(restored.url, token, 'GET', '/api/v1/audit');
    assert.ok((audit.json.items as unknown[]).length >= 2);
  } finally {
    restored.proc.kill('SIGTERM');
  }
  await restored.stopped;
  const pg = portcullis(['server', 'backup', '--database', 'postgres://u:secret@127.0.0.1:1/x', join(dir, 'x.db')]);
  assert.equal(pg.code, 2);
  assert.match(pg.stderr, /use pg_dump/);
  assert.doesNotMatch(pg.stderr, /secret/);
});
