// portcullis server [--database URL] [--listen HOST:PORT] [--tls-cert F --tls-key F]
// portcullis server token create|list|revoke, portcullis server backup OUT
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { PortcullisError } from '../../core/errors.js';
import { buildServer, DEFAULT_BODY_LIMIT } from '../../server/app.js';
import { openStore, type Store } from '../../server/store/db.js';
import { backupSqlite } from '../../server/store/backup.js';
import { createToken, listTokens, revokeToken, ROLES, type Role } from '../../server/store/tokens.js';
import type { CliIo } from '../io.js';
import { collect, resolvedOptions } from './common.js';

/** `$PORTCULLIS_DATA_DIR/portcullis.db`, else `~/.local/share/portcullis/portcullis.db`. */
export function defaultDatabase(env: NodeJS.ProcessEnv): string {
  const dir = env.PORTCULLIS_DATA_DIR || join(env.HOME || homedir(), '.local', 'share', 'portcullis');
  return join(dir, 'portcullis.db');
}

/** --database is an option of `server`; its subcommands (token, backup) take it from there, before or after their name. */
function database(opts: Record<string, unknown>, io: CliIo, cmd?: Command): string {
  let given = opts.database as string | undefined;
  for (let c = cmd?.parent; given === undefined && c; c = c.parent) given = c.opts().database as string | undefined;
  return given ?? io.env.PORTCULLIS_DATABASE ?? defaultDatabase(io.env);
}

export function parseListen(s: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new PortcullisError('BAD_INPUT', `--listen: expected HOST:PORT (e.g. 127.0.0.1:8080), got ${JSON.stringify(s)}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function positiveInt(name: string, v: unknown, min = 0): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new PortcullisError('BAD_INPUT', `--${name}: expected an integer >= ${min}, got ${String(v)}`);
  return n;
}

async function withStore<T>(opts: Record<string, unknown>, io: CliIo, cmd: Command, f: (s: Store) => Promise<T>): Promise<T> {
  const store = await openStore(database(opts, io, cmd));
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

const localActor = (io: CliIo) => ({ name: `cli:${io.env.USER || io.env.LOGNAME || 'unknown'}` });

export function registerServerCommands(program: Command, io: CliIo): void {
  const server = program
    .command('server')
    .description('run the assurance server: policies, exceptions, allowlist, base catalog, pipelines, reports and decisions (SQLite by default, PostgreSQL with --database postgres://...)')
    .option('--database <url>', 'postgres://... or a SQLite file (default: $PORTCULLIS_DATABASE, else $PORTCULLIS_DATA_DIR/portcullis.db)')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8080')
    .option('--tls-cert <file>', 'TLS certificate (PEM); with --tls-key the server speaks HTTPS')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--rate-limit <n>', 'requests per minute per token (0 = unlimited)', '1200')
    .option('--body-limit <bytes>', 'largest request body', String(DEFAULT_BODY_LIMIT))
    .action(async (_o: unknown, c: Command) => {
      const { opts } = await resolvedOptions(c, io);
      const { host, port } = parseListen(String(opts.listen));
      if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) throw new PortcullisError('BAD_INPUT', '--tls-cert and --tls-key go together');
      const read = (f: string, what: string) => {
        try {
          return readFileSync(f);
        } catch (e) {
          throw new PortcullisError('BAD_INPUT', `${what} ${f}: ${(e as Error).message}`, { cause: e });
        }
      };
      const tls = opts.tlsCert !== undefined ? { cert: read(String(opts.tlsCert), '--tls-cert'), key: read(String(opts.tlsKey), '--tls-key') } : undefined;
      const store = await openStore(database(opts, io));
      const srv = await buildServer({
        store,
        clock: io.clock,
        log: io.stdout,
        tls,
        rateLimit: positiveInt('rate-limit', opts.rateLimit),
        bodyLimit: positiveInt('body-limit', opts.bodyLimit, 1024),
      });
      try {
        await srv.app.listen({ host, port });
      } catch (e) {
        await srv.close();
        throw new PortcullisError('BAD_INPUT', `--listen ${host}:${port}: ${(e as Error).message}`, { cause: e });
      }
      const addr = srv.app.server.address();
      const shown = typeof addr === 'object' && addr ? `${addr.address.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}` : `${host}:${port}`;
      io.stderr.write(`portcullis: server listening on ${tls ? 'https' : 'http'}://${shown} (database: ${store.dialect} ${store.location}, schema ${store.schemaVersion})\n`);
      // graceful shutdown: stop accepting, finish in-flight requests, close the database
      await new Promise<void>((resolve) => {
        const stop = (sig: string) => {
          io.stderr.write(`portcullis: ${sig}: shutting down\n`);
          void srv.close().then(resolve, resolve);
        };
        for (const sig of ['SIGINT', 'SIGTERM'] as const) {
          process.removeAllListeners(sig);
          process.once(sig, () => stop(sig));
        }
      });
    });

  const token = server.command('token').description('API tokens (roles admin, security, ci, viewer; hashed at rest)');
  token
    .command('create')
    .description('create a token and print it once (it cannot be retrieved later)')
    .requiredOption('--name <name>', 'who or what holds the token')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--pipeline <glob>', 'scope to pipelines (repeatable; required for ci)', collect)
    .option('--expires-in-days <n>', 'lifetime in days', '90')
    .action(async (_o: unknown, c: Command) => {
      const { opts } = await resolvedOptions(c, io);
      const role = String(opts.role);
      if (!(ROLES as readonly string[]).includes(role)) throw new PortcullisError('BAD_INPUT', `--role: expected one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`);
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(String(opts.name))) throw new PortcullisError('BAD_INPUT', '--name: expected a plain name (letters, digits, . _ -)');
      const days = positiveInt('expires-in-days', opts.expiresInDays, 1);
      const now = io.clock.now();
      const r = await withStore(opts, io, c, (s) =>
        createToken(s, { name: String(opts.name), role: role as Role, pipelines: (opts.pipeline as string[] | undefined) ?? [], expiresAt: new Date(now.getTime() + days * 86_400_000) }, localActor(io), now),
      );
      io.stdout.write(`${r.token}\n`);
      io.stderr.write(`portcullis: token ${r.info.id} (${r.info.role}${r.info.pipelines.length ? `, pipelines ${r.info.pipelines.join(', ')}` : ''}) expires ${r.info.expiresAt}; store it now: it is not shown again\n`);
    });
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .action(async (_o: unknown, c: Command) => {
      const { opts } = await resolvedOptions(c, io);
      const list = await withStore(opts, io, c, (s) => listTokens(s));
      io.stdout.write(JSON.stringify(list, null, 2) + '\n');
    });
  token
    .command('revoke')
    .description('revoke a token by id')
    .argument('<id>', 'token id (the 16 hex digits after pcs_)')
    .action(async (id: string, _o: unknown, c: Command) => {
      const { opts } = await resolvedOptions(c, io);
      const t = await withStore(opts, io, c, (s) => revokeToken(s, id, localActor(io), io.clock.now()));
      if (!t) throw new PortcullisError('NOT_FOUND', `no active token ${id}`);
      io.stderr.write(`portcullis: token ${id} revoked\n`);
    });

  server
    .command('backup')
    .description('online backup of the SQLite database into OUT (for PostgreSQL use pg_dump)')
    .argument('<out>', 'backup file to write (must not exist)')
    .action(async (out: string, _o: unknown, c: Command) => {
      const { opts } = await resolvedOptions(c, io);
      const n = await backupSqlite(database(opts, io, c), out);
      io.stderr.write(`portcullis: backup written to ${out} (${n} pages); restore by stopping the server and putting this file in place of the database\n`);
    });
}
