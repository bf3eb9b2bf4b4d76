// portcullis worker --database postgres://... --db PATH: work the server's job queue (re-evaluation)
// beside any number of other workers; --once drains and exits; --dead lists the dead letters and
// --retry ID queues one again.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { PortcullisError } from '../../core/errors.js';
import { defaultDbPath, openDb } from '../../advisory/index.js';
import { openStore } from '../../server/store/db.js';
import { assuranceHandlers, webhookNotifier } from '../../server/assure/jobs.js';
import { drain, work } from '../../server/queue/runner.js';
import { listJobs, retryDead } from '../../server/queue/queue.js';
import type { CliIo } from '../io.js';
import { resolvedOptions } from './common.js';
import { databaseOf, watchScanner } from './server.js';

function seconds(name: string, v: unknown): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new PortcullisError('BAD_INPUT', `--${name}: expected a positive number of seconds, got ${String(v)}`);
  return n * 1000;
}

export function registerWorkerCommand(program: Command, io: CliIo): void {
  program
    .command('worker')
    .description('work the server\'s job queue (re-evaluation of stored images, scans of watched registries) beside other workers on one PostgreSQL database; with SQLite the server runs the same jobs itself')
    .option('--database <url>', 'the server\'s database: postgres://... (or a SQLite file) (default: $PORTCULLIS_DATABASE)')
    .option('--db <path>', 'advisory DB to match with (default: $PORTCULLIS_DB, else the cache dir); jobs planned for another DB are retried until this one matches')
    .option('--lease <seconds>', 'how long a claimed job is ours without a heartbeat; a dead worker\'s job is claimed again after it', '60')
    .option('--poll-interval <seconds>', 'wait between polls of an empty queue', '2')
    .option('--once', 'run the jobs that are ready, then exit')
    .option('--dead', 'list the dead jobs (out of attempts) with their last error, then exit')
    .option('--retry <id>', 'queue a dead job again with fresh attempts, then exit')
    .action(async (_o: unknown, c: Command) => {
      const { opts, global } = await resolvedOptions(c, io);
      const store = await openStore(databaseOf(opts, io, c));
      const log = global.quiet ? undefined : (l: string) => io.stderr.write(`portcullis: ${l}\n`);
      try {
        if (opts.dead) {
          io.stdout.write(JSON.stringify((await listJobs(store, { state: 'dead', limit: 1000 })).map(({ payload: _p, ...j }) => j), null, 2) + '\n');
          return;
        }
        if (opts.retry !== undefined) {
          if (!(await retryDead(store, Number(opts.retry), io.clock.now()))) throw new PortcullisError('NOT_FOUND', `no dead job ${String(opts.retry)}`);
          io.stderr.write(`portcullis: job ${String(opts.retry)} queued again\n`);
          return;
        }
        const dbPath = (opts.db as string | undefined) ?? defaultDbPath(io.env);
        openDb(dbPath).close(); // fail fast on a missing or invalid DB
        const worker = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
        const runner = {
          store,
          clock: io.clock,
          worker,
          leaseMs: seconds('lease', opts.lease),
          handlers: assuranceHandlers({ store, openDb: () => openDb(dbPath), notifier: webhookNotifier(io.env.PORTCULLIS_NOTIFY_SECRET, {}, log), scan: watchScanner(io) }),
          log,
        };
        if (opts.once) {
          const n = await drain(runner);
          log?.(`${n} job(s) run`);
          return;
        }
        log?.(`worker ${worker} on ${store.dialect} ${store.location}, advisory DB ${dbPath}`);
        const ac = new AbortController();
        for (const sig of ['SIGINT', 'SIGTERM'] as const) {
          process.removeAllListeners(sig);
          process.once(sig, () => {
            log?.(`${sig}: finishing the current job, then stopping`);
            ac.abort();
          });
        }
        await work({ ...runner, pollMs: seconds('poll-interval', opts.pollInterval), signal: ac.signal });
      } finally {
        await store.close();
      }
    });
}
