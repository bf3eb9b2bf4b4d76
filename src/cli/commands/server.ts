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
import { hostname } from 'node:os';
import { defaultDbPath, openDb } from '../../advisory/index.js';
import { parseStaleness } from '../../server/client.js';
import { diffDbs } from '../../server/assure/dbdiff.js';
import { assuranceHandlers, webhookNotifier } from '../../server/assure/jobs.js';
import { planDbUpdate, planExpiry, type Plan } from '../../server/assure/plan.js';
import { applyDbUpdate, planRulesRevision, startAssurance } from '../../server/assure/service.js';
import { drain } from '../../server/queue/runner.js';
import type { CliIo } from '../io.js';
import { SCANNER } from '../version.js';
import { prepareChecks } from '../../checks/index.js';
import type { ContentCheck } from '../../checks/types.js';
import { collect, resolvedOptions } from './common.js';
import { CALLBACK_PATH, DEFAULT_GROUPS_CLAIM, DEFAULT_SCOPES, DEFAULT_SESSION_HOURS, oidcConfigFrom } from '../../server/oidc/config.js';

/** `$PORTCULLIS_DATA_DIR/portcullis.db`, else `~/.local/share/portcullis/portcullis.db`. */
export function defaultDatabase(env: NodeJS.ProcessEnv): string {
  const dir = env.PORTCULLIS_DATA_DIR || join(env.HOME || homedir(), '.local', 'share', 'portcullis');
  return join(dir, 'portcullis.db');
}

/** --database is an option of `server`; its subcommands (token, backup) take it from there, before or after their name. */
export function databaseOf(opts: Record<string, unknown>, io: CliIo, cmd?: Command): string {
  return database(opts, io, cmd);
}

function database(opts: Record<string, unknown>, io: CliIo, cmd?: Command): string {
  let given = opts.database as string | undefined;
  for (let c = cmd?.parent; given === undefined && c; c = c.parent) given = c.opts().database as string | undefined;
  return given ?? io.env.PORTCULLIS_DATABASE ?? defaultDatabase(io.env);
}

/** How a server or worker scans what registry watch finds: the default content checks, registry credentials from the environment. */
export function watchScanner(io: CliIo): { scanner: typeof SCANNER; registry: { env: NodeJS.ProcessEnv }; checks: () => Promise<ContentCheck[]> } {
  let prepared: Promise<ContentCheck[]> | undefined;
  return { scanner: SCANNER, registry: { env: io.env }, checks: () => (prepared ??= prepareChecks({ env: io.env })) };
}

/** The copy of the advisory DB last applied (re-evaluation diffs the next one against it). */
export function appliedDbSnapshot(env: NodeJS.ProcessEnv): string {
  const dir = env.PORTCULLIS_DATA_DIR || join(env.HOME || homedir(), '.local', 'share', 'portcullis');
  return join(dir, 'assurance', 'applied-advisory.db');
}

export function parseListen(s: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new PortcullisError('BAD_INPUT', `--listen: expected HOST:PORT (e.g. 127.0.0.1:8080), got ${JSON.stringify(s)}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function interval(s: string): number {
  try {
    const ms = parseStaleness(s);
    if (ms > 0) return ms;
  } catch {
    // the message below names this flag
  }
  throw new PortcullisError('BAD_INPUT', `--reevaluate-interval: expected a duration like 5m, 1h or 1d, got ${JSON.stringify(s)}`);
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
    .option('--db <path>', 'advisory DB for continuous assurance: stored images are re-evaluated when it changes (`portcullis db update`) and when exceptions end')
    .option('--reevaluate-interval <duration>', 'how often to look for a new advisory DB and ended exceptions (e.g. 5m, 1h)', '5m')
    .option('--remind-days <n>', 'with --db: tell the owning teams (their policies\' notify URLs) this many days before an exception or allowlist entry expires, once (0 = never)', '7')
    .option('--run-jobs', 'PostgreSQL: also run queued jobs in this process (with SQLite the server always does; otherwise `portcullis worker`)')
    .option('--oidc-issuer <url>', 'SSO for the console: the OpenID Connect issuer (discovery at URL/.well-known/openid-configuration); the client secret, if any, comes from $PORTCULLIS_OIDC_CLIENT_SECRET')
    .option('--oidc-client-id <id>', 'the client id registered at the issuer')
    .option('--oidc-redirect-url <url>', `the server's external URL as browsers reach it (the callback is URL${CALLBACK_PATH})`)
    .option('--oidc-role <group=role>', 'map a group of the groups claim to admin, security or viewer (repeatable; the highest role wins; people in no mapped group are refused)', collect)
    .option('--oidc-groups-claim <claim>', 'the ID token claim holding the groups (a dotted path such as realm_access.roles also works)', DEFAULT_GROUPS_CLAIM)
    .option('--oidc-scopes <scopes>', 'scopes to request, separated by spaces', DEFAULT_SCOPES.join(' '))
    .option('--oidc-session-hours <n>', 'lifetime of the session a login gives (1 to 24); groups are checked again at the next login', String(DEFAULT_SESSION_HOURS))
    .action(async (_o: unknown, c: Command) => {
      const { opts } = await resolvedOptions(c, io);
      const { host, port } = parseListen(String(opts.listen));
      const oidc = oidcConfigFrom(opts, io.env);
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
      const log = (l: string) => io.stderr.write(`portcullis: ${l}\n`);
      const assurance = opts.db !== undefined
        ? startAssurance({
            store,
            dbPath: String(opts.db),
            snapshot: appliedDbSnapshot(io.env),
            clock: io.clock,
            intervalMs: interval(String(opts.reevaluateInterval)),
            runJobs: store.dialect === 'sqlite' || opts.runJobs === true,
            worker: `${hostname()}:${process.pid}:server`,
            notifier: webhookNotifier(io.env.PORTCULLIS_NOTIFY_SECRET, {}, log),
            log,
            scan: watchScanner(io),
            remind: { days: positiveInt('remind-days', opts.remindDays, 0), ...(io.env.PORTCULLIS_NOTIFY_SECRET ? { secret: io.env.PORTCULLIS_NOTIFY_SECRET } : {}) },
          })
        : undefined;
      const srv = await buildServer({
        store,
        clock: io.clock,
        ...(assurance ? { jobs: assurance } : {}),
        log: io.stdout,
        tls,
        rateLimit: positiveInt('rate-limit', opts.rateLimit),
        bodyLimit: positiveInt('body-limit', opts.bodyLimit, 1024),
        ...(oidc ? { oidc } : {}),
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
      if (oidc) io.stderr.write(`portcullis: SSO login with ${oidc.issuer} (client ${oidc.clientId}, ${oidc.clientSecret !== undefined ? 'confidential' : 'public, PKCE only'}; ${oidc.roles.length} group mapping(s); callback ${oidc.redirectUrl})\n`);
      // graceful shutdown: stop accepting, finish in-flight requests, close the database
      await new Promise<void>((resolve) => {
        const stop = (sig: string) => {
          io.stderr.write(`portcullis: ${sig}: shutting down\n`);
          void (assurance ? assurance.stop() : Promise.resolve()).then(() => srv.close()).then(resolve, resolve);
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
    .command('reevaluate')
    .description('re-evaluate stored images now: after an advisory DB update (--db, diffed against the DB applied last or --previous), for ended exceptions (--expired), or under the current rules (--rules)')
    .option('--db <path>', 'the new advisory DB')
    .option('--previous <path>', 'the advisory DB the stored decisions were made with (default: the copy kept from the last re-evaluation)')
    .option('--expired', 'images whose exceptions or allowlist entries have ended')
    .option('--rules', 'every stored image, under the current policies and exceptions')
    .option('--queue-only', 'only queue the jobs (for `portcullis worker` processes); by default they run here')
    .action(async (_o: unknown, c: Command) => {
      const { opts } = await resolvedOptions(c, io);
      // `server` has --db too: given after `reevaluate`, commander may hand it to the parent
      if (opts.db === undefined && c.parent?.opts().db !== undefined) opts.db = c.parent.opts().db as string;
      if (opts.db === undefined && !opts.expired && !opts.rules) throw new PortcullisError('BAD_INPUT', 'say what changed: --db NEW (an advisory DB update), --expired or --rules');
      const now = io.clock.now();
      await withStore(opts, io, c, async (s) => {
        const plans: Plan[] = [];
        if (opts.db !== undefined) {
          const db = String(opts.db);
          if (opts.previous !== undefined) plans.push(await planDbUpdate(s, diffDbs(String(opts.previous), db, now), now));
          else {
            const p = await applyDbUpdate(s, db, appliedDbSnapshot(io.env), now);
            if (p) plans.push(p);
            else io.stderr.write(`portcullis: ${db} is the advisory DB applied last: nothing changed\n`);
          }
        }
        if (opts.expired) plans.push(await planExpiry(s, now));
        if (opts.rules) plans.push(await planRulesRevision(s, now));
        for (const p of plans) io.stderr.write(`portcullis: ${p.event}: ${p.images} image(s) in ${p.jobs} job(s), ${p.queued} newly queued\n`);
        if (opts.queueOnly !== true) {
          const dbPath = (opts.db as string | undefined) ?? defaultDbPath(io.env);
          const log = (l: string) => io.stderr.write(`portcullis: ${l}\n`);
          const n = await drain({ store: s, clock: io.clock, worker: `${hostname()}:${process.pid}:cli`, handlers: assuranceHandlers({ store: s, openDb: () => openDb(dbPath), notifier: webhookNotifier(io.env.PORTCULLIS_NOTIFY_SECRET, {}, log) }) });
          const changed = await s.db.selectFrom('verdict_changes').select((e) => e.fn.countAll().as('n')).where('cause_key', 'in', plans.length ? plans.map((p) => p.event) : ['']).executeTakeFirst();
          io.stderr.write(`portcullis: ${n} job(s) run; ${Number(changed?.n ?? 0)} verdict change(s) recorded\n`);
        }
      });
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
