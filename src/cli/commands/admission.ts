// portcullis admission --pipeline NAME --tls-cert F --tls-key F [--database URL] [--trusted-key PUB ...]
// The Kubernetes validating admission webhook. It opens the server's own database (SQLite file or
// postgres://, read for decisions, appended to for the audit log) instead of calling the server's API:
// no token to provision, no extra network hop on the admission path, and several replicas share one
// PostgreSQL as the server's replicas do. Signed decisions (--trusted-key) need no database at all.
// An expired stored decision is re-judged from the image's stored inventory with the advisory DB at --db
// and the server's current rules for the pipeline (server/assure/rejudge.ts), unless --no-rejudge.
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { PortcullisError } from '../../core/errors.js';
import { Judge, type DecisionStore } from '../../admission/judge.js';
import { DigestResolver } from '../../admission/resolve.js';
import { MODES, startWebhook, type AuditEntry, type Mode } from '../../admission/webhook.js';
import { parsePlatform } from '../../source/ref.js';
import { defaultDbPath } from '../../advisory/paths.js';
import { openStore, type Store } from '../../server/store/db.js';
import { latestDecision } from '../../server/store/scans.js';
import { appendAudit } from '../../server/store/objects.js';
import { registryOptions, addRegistryOptions } from '../registry.js';
import type { CliIo } from '../io.js';
import { collect, resolvedOptions } from './common.js';
import { defaultDatabase, parseListen } from './server.js';
import { loadPublicKey } from '../../attest/keys.js';
import { RegistrySignedDecisions } from '../../attest/registry.js';
import { StoreRejudge } from '../../server/assure/rejudge.js';

function num(name: string, v: unknown, min: number): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new PortcullisError('BAD_INPUT', `--${name}: expected a number >= ${min}, got ${String(v)}`);
  return n;
}

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(String(v) as T)) throw new PortcullisError('BAD_INPUT', `--${name}: expected one of ${allowed.join(', ')}, got ${String(v)}`);
  return String(v) as T;
}

function readFile(f: string, what: string): Buffer {
  try {
    return readFileSync(f);
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `${what} ${f}: ${(e as Error).message}`, { cause: e });
  }
}

export function registerAdmissionCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('admission')
    .description('run the Kubernetes validating admission webhook (admission.k8s.io/v1 over TLS): an image runs only with a valid passing decision for its digest under --pipeline (see docs/admission.md)')
    .option('--pipeline <name>', 'the cluster\'s pipeline, whose latest decision per image digest counts (e.g. prod-cluster)')
    .option('--database <url>', 'the server\'s database, for decisions and the audit log: postgres://... or a SQLite file (default: $PORTCULLIS_DATABASE, else $PORTCULLIS_DATA_DIR/portcullis.db; `none` with --trusted-key: signatures only)')
    .option('--listen <host:port>', 'address to listen on', '0.0.0.0:8443')
    .option('--tls-cert <file>', 'TLS certificate (PEM) the API server trusts (caBundle of the webhook configuration)')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--mode <mode>', `what a failing image gets: ${MODES.join(', ')} (warn: admitted with warnings; audit: admitted and logged)`, 'enforce')
    .option('--namespace-mode <glob=mode>', 'mode for namespaces matching an anchored glob, first match wins (repeatable; a /validate/<mode> path wins over it)', collect)
    .option('--exempt-namespace <glob>', 'namespaces never judged (repeatable; default kube-system; giving any replaces the default)', collect)
    .option('--missing-decision <action>', 'an image digest without a valid decision: deny, warn (admit with a warning), or scan (scan it now with --policy/--exceptions/--db within --scan-deadline; deny meanwhile)', 'deny')
    .option('--scan-deadline <ms>', 'with --missing-decision scan: how long a request waits for the scan (it goes on in the background and stores its decision)', '6000')
    .option('--policy <path>', 'with --missing-decision scan: policy file or directory (repeatable)', collect)
    .option('--exceptions <path>', 'with --missing-decision scan: exceptions file or directory (repeatable)', collect)
    .option('--db <path>', 'the advisory DB: re-judging expired decisions, and --missing-decision scan (default: $PORTCULLIS_DB or the cache dir)')
    .option('--no-rejudge', 'do not re-judge an expired stored decision (or one made under other policies or exceptions than the server\'s current ones) from the image\'s stored inventory; it then counts as no decision')
    .option('--rejudge-deadline <ms>', 'how long a request waits for a re-judgement (it goes on in the background and stores its decision)', '3000')
    .option('--on-error <action>', 'internal errors (registry, database, deadline): deny (fail closed) or allow (fail open, warned and audited)', 'deny')
    .option('--timeout <ms>', 'deadline for judging one request; keep below the webhook\'s timeoutSeconds', '8000')
    .option('--tag-ttl <seconds>', 'how long a tag → digest answer from the registry is reused', '30')
    .option('--decision-cache <ms>', 'how long a decision looked up in the database is reused', '5000')
    .option('--max-decision-age <hours>', 'a decision older than this is expired whatever its validUntil', '168')
    .option('--break-glass-max-hours <hours>', 'longest break-glass window (portcullis.dev/break-glass-expires)', '24')
    .option('--platform <os/arch[/variant]>', 'the nodes\' platform: picks the manifest of a multi-platform image (default linux/amd64)')
    .option('--trusted-key <file>', 'public key (PEM) whose signed decisions (attached with `portcullis attest`) admit without the database (repeatable)', collect)
    .option('--policy-digest <digest>', 'signed decisions count only under this policy digest (repeatable; required with --trusted-key)', collect);
  addRegistryOptions(cmd);
  cmd.action(async (_o: unknown, c: Command) => {
    const { opts } = await resolvedOptions(c, io);
    const pipeline = opts.pipeline as string | undefined;
    if (!pipeline) throw new PortcullisError('BAD_INPUT', 'admission needs --pipeline NAME: the pipeline whose decisions admit images (e.g. prod-cluster)');
    if (opts.tlsCert === undefined || opts.tlsKey === undefined) throw new PortcullisError('BAD_INPUT', 'admission needs --tls-cert and --tls-key: the API server only calls webhooks over TLS');
    const noDecision = oneOf('missing-decision', opts.missingDecision, ['deny', 'warn', 'scan'] as const);
    const mode = oneOf('mode', opts.mode, MODES);
    const namespaceModes = ((opts.namespaceMode as string[] | undefined) ?? []).map((s) => {
      const i = s.lastIndexOf('=');
      if (i <= 0) throw new PortcullisError('BAD_INPUT', `--namespace-mode: expected GLOB=MODE, got ${s}`);
      return { pattern: s.slice(0, i), mode: oneOf('namespace-mode', s.slice(i + 1), MODES) as Mode };
    });
    const keys = ((opts.trustedKey as string[] | undefined) ?? []).map((f) => loadPublicKey(readFile(f, '--trusted-key').toString('utf8'), f));
    const policyDigests = (opts.policyDigest as string[] | undefined) ?? [];
    if (keys.length > 0 && policyDigests.length === 0) throw new PortcullisError('BAD_INPUT', '--trusted-key needs --policy-digest: a signed decision counts only under the policy the cluster expects');
    for (const d of policyDigests) if (!/^sha256:[0-9a-f]{64}$/.test(d)) throw new PortcullisError('BAD_INPUT', `--policy-digest: expected sha256:<64 hex>, got ${d}`);
    const dbTarget = (opts.database as string | undefined) ?? io.env.PORTCULLIS_DATABASE ?? defaultDatabase(io.env);
    if (dbTarget === 'none' && keys.length === 0) throw new PortcullisError('BAD_INPUT', '--database none needs --trusted-key: without a database only signed decisions can admit');
    const tls = { cert: readFile(String(opts.tlsCert), '--tls-cert'), key: readFile(String(opts.tlsKey), '--tls-key') };
    const { host, port } = parseListen(String(opts.listen));
    const reg = await registryOptions(opts, io, (m) => io.stderr.write(`portcullis: ${m}\n`));
    const registry = { ...reg, ...(opts.platform ? { platform: parsePlatform(String(opts.platform)) } : {}) };
    const store: Store | undefined = dbTarget === 'none' ? undefined : await openStore(dbTarget);
    const decisions: DecisionStore | undefined = store ? { latest: (p, d) => latestDecision(store, p, d) } : undefined;
    const timeoutMs = num('timeout', opts.timeout, 100);
    const dbPath = (opts.db as string | undefined) ?? defaultDbPath(io.env);
    const log = (l: string) => io.stderr.write(`portcullis: admission: ${l}\n`);
    let rejudge: StoreRejudge | undefined;
    if (store && opts.rejudge !== false) {
      const deadlineMs = num('rejudge-deadline', opts.rejudgeDeadline, 1);
      if (deadlineMs >= timeoutMs) {
        await store.close();
        throw new PortcullisError('BAD_INPUT', `--rejudge-deadline ${deadlineMs} must be below --timeout ${timeoutMs}: the answer must reach the API server in time`);
      }
      // without a DB now, each re-judgement says so (no-decision rule); a DB installed later is used
      rejudge = new StoreRejudge({ store, pipeline, dbPath, clock: io.clock, deadlineMs, log });
    }
    const judge = new Judge({
      pipeline,
      clock: io.clock,
      store: decisions,
      signed: keys.length ? new RegistrySignedDecisions({ keys, registry, clock: io.clock }) : undefined,
      policyDigests,
      maxDecisionAgeHours: num('max-decision-age', opts.maxDecisionAge, 1),
      cacheMs: num('decision-cache', opts.decisionCache, 0),
      rejudge,
    });
    let scanner;
    if (noDecision === 'scan') {
      const deadlineMs = num('scan-deadline', opts.scanDeadline, 1);
      if (deadlineMs >= timeoutMs) {
        await store?.close();
        throw new PortcullisError('BAD_INPUT', `--scan-deadline ${deadlineMs} must be below --timeout ${timeoutMs}: the answer must reach the API server in time`);
      }
      const { scanOnAdmission } = await import('./admission-scan.js');
      scanner = await scanOnAdmission({ pipeline, policies: (opts.policy as string[] | undefined) ?? [], exceptions: (opts.exceptions as string[] | undefined) ?? [], db: dbPath, registry, io, store, deadlineMs }).catch(async (e: unknown) => {
        await store?.close();
        throw e;
      });
    }
    const resolver = new DigestResolver({ registry, clock: io.clock, tagTtlMs: num('tag-ttl', opts.tagTtl, 0) * 1000, platform: registry.platform });
    // the audit log is the server's audit table; without a database, one JSON line per entry on stderr (the pod's log)
    const audit = store
      ? async (e: AuditEntry) => appendAudit(store.db, { at: e.at, actor: { name: `kubernetes:${e.actor}`, requestId: e.requestId }, action: e.action, kind: 'admission', name: e.name, after: e.after })
      : async (e: AuditEntry) => void io.stderr.write(`${JSON.stringify({ audit: e })}\n`);
    let hook;
    try {
      hook = await startWebhook({
        judge,
        resolver,
        clock: io.clock,
        mode,
        namespaceModes,
        exempt: (opts.exemptNamespace as string[] | undefined) ?? ['kube-system'],
        noDecision,
        scanner,
        onError: oneOf('on-error', opts.onError, ['deny', 'allow'] as const),
        timeoutMs,
        breakGlassMaxHours: num('break-glass-max-hours', opts.breakGlassMaxHours, 1),
        audit,
        log,
        tls,
        host,
        port,
      });
    } catch (e) {
      await store?.close();
      throw new PortcullisError('BAD_INPUT', `--listen ${host}:${port}: ${(e as Error).message}`, { cause: e });
    }
    io.stderr.write(`portcullis: admission webhook listening on https://${host.includes(':') ? `[${host}]` : host}:${hook.port} (pipeline ${pipeline}, mode ${mode}, ${store ? `database ${store.dialect} ${store.location}` : 'no database'}${!rejudge ? '' : existsSync(dbPath) ? `, re-judging expired decisions with ${dbPath}` : `, no advisory DB at ${dbPath} (--db): expired decisions cannot be re-judged until one is there`}${keys.length ? `, ${keys.length} trusted key(s)` : ''})\n`);
    await new Promise<void>((resolve) => {
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        process.removeAllListeners(sig);
        process.once(sig, () => {
          io.stderr.write(`portcullis: ${sig}: shutting down\n`);
          void hook.close().then(() => store?.close()).then(resolve, resolve);
        });
      }
    });
  });
}
