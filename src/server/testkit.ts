// Test helpers for the server: a private PostgreSQL cluster (Debian's postgresql binaries, on
// 127.0.0.1 and a free port, in a temp dir, stopped at exit) or $PORTCULLIS_TEST_PG; stores; tokens;
// and a small JSON client over Fastify's inject.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { fixedClock, type Clock } from '../core/clock.js';
import { removeOnExit } from '../core/cleanup.js';
import { buildServer, type Server } from './app.js';
import { openStore, type Store } from './store/db.js';
import { createToken, type Role } from './store/tokens.js';

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? res(a.port) : rej(new Error('no port'))));
    });
  });
}

function pgBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const v = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0];
  const bin = v ? join(root, v, 'bin') : undefined;
  return bin && existsSync(join(bin, 'initdb')) ? bin : undefined;
}

let cluster: Promise<string | undefined> | undefined;

/** An admin URL of a PostgreSQL server for tests, or undefined (with the reason logged) when none can run. */
export function testPostgres(): Promise<string | undefined> {
  cluster ??= startCluster();
  return cluster;
}

async function startCluster(): Promise<string | undefined> {
  if (process.env.PORTCULLIS_TEST_PG) return process.env.PORTCULLIS_TEST_PG;
  const bin = pgBin();
  if (!bin) {
    console.log('SKIPPED: PostgreSQL binaries not found under /usr/lib/postgresql (apt-get install postgresql), and $PORTCULLIS_TEST_PG is not set');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-pg-'));
  const root = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) => (root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]];
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  const run = (cmd: string, args: string[]) => {
    const [c, a] = as(cmd, args);
    const r = spawnSync(c, a, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
  };
  run(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-w', '-o', `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c max_connections=100`, 'start']);
  process.once('exit', () => {
    const [c, a] = as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']);
    spawnSync(c, a);
    rmSync(dir, { recursive: true, force: true });
  });
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

/** A fresh database on the test cluster; returns its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  } finally {
    await c.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A mutable clock for expiry tests. */
export function movableClock(iso: string): Clock & { set(iso: string): void; advanceDays(n: number): void } {
  let t = new Date(iso).getTime();
  return {
    now: () => new Date(t),
    set: (s: string) => (t = new Date(s).getTime()),
    advanceDays: (n: number) => (t += n * 86_400_000),
  };
}

export const T0 = '2026-03-01T10:00:00Z';

export async function tokenFor(store: Store, role: Role, pipelines: string[] = [], name = `${role}-token`, clock: Clock = fixedClock(T0)): Promise<string> {
  return (await createToken(store, { name, role, pipelines, expiresAt: new Date(clock.now().getTime() + 90 * 86_400_000) }, { name: 'test-setup' }, clock.now())).token;
}

export interface Api {
  // responses are checked field by field in tests: a loose type keeps those checks readable
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, token?: string): Promise<{ status: number; json: any; text: string; headers: Record<string, unknown> }>;
}

export function client(server: Server, defaultToken?: string): Api {
  return async (method, url, body, token = defaultToken) => {
    const r = await server.app.inject({
      method,
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    let json: unknown;
    try {
      json = JSON.parse(r.body);
    } catch {
      json = undefined;
    }
    return { status: r.statusCode, json, text: r.body, headers: r.headers };
  };
}

export type Backend = 'sqlite' | 'postgres';

/** A store on a fresh database of the given backend, or undefined when PostgreSQL cannot run here. */
export async function freshStore(backend: Backend, name: string): Promise<Store | undefined> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-srv-'));
    removeOnExit(dir);
    return openStore(join(dir, 'portcullis.db'));
  }
  const admin = await testPostgres();
  if (!admin) return undefined;
  return openStore(await createDatabase(admin, name));
}

export async function serverOn(store: Store, clock: Clock, extra: Partial<Parameters<typeof buildServer>[0]> = {}): Promise<Server> {
  return buildServer({ store, clock, ...extra });
}
