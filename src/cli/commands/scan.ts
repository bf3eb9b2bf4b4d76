// portcullis scan IMAGE | --sbom FILE — inventory + findings (+ verdict when a policy applies).
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { PortcullisError } from '../../core/errors.js';
import { collectWithChecks } from '../../scan/collect.js';
import { closeChecks, prepareChecks } from '../../checks/index.js';
import { addCheckOptions, checkOptionsFrom } from './checks.js';
import { scanInventory } from '../../scan/scan.js';
import { parsePlatform, startHashWorkerFor } from '../../source/index.js';
import { readSbom } from '../../source/sbom/index.js';
import { existsSync } from 'node:fs';
// the DB's reader and path, not the advisory barrel: building and updating (importers, HTTP) load only to fetch a DB
import { openDb } from '../../advisory/store/reader.js';
import { defaultDbPath } from '../../advisory/paths.js';
import { outputTargets, writeOutputs } from '../output.js';
import { layerProgress } from '../progress.js';
import { addRegistryOptions, registryOptions } from '../registry.js';
import { addCacheOptions, layerCache } from '../cache.js';
import { SCANNER } from '../version.js';
import { addOutputOptions, collect, resolvedOptions, maxArchiveBytes, INCLUDE_DECLARED_HELP } from './common.js';
import { applyDisplayFilters, parseSeverityList } from '../../scan/filters.js';
import { baseApproval, decide, loadGate } from '../../scan/decide.js';
import { computeActions } from '../../scan/actions.js';
import { notifyOwners } from '../../notify/route.js';
import { loadOwners } from '../../notify/owners-file.js';
import type { DecisionRecord } from '../../policy/record.js';

import { applyLineageWith, loadLineageInputs } from '../../scan/lineage.js';
import { debugInventory, timer } from '../debug.js';
import { verdictLines } from '../../scan/summary.js';
import { FAIL_ON_LEVELS, parseExitCode, parseFailOn } from '../../policy/inline.js';
// the server client (and the policy schemas it validates bundles with) loads only with --server
import type { RemoteGate } from './remote.js';
import { DEFAULT_MAX_STALENESS } from '../defaults.js';

export function registerScanCommand(program: Command, io: CliIo): void {
  const cmd = program
    .command('scan')
    .argument('[image]', 'registry reference (registry.example.com/team/app:1.2, …@sha256:…), docker-archive:PATH, oci-archive:PATH, oci:DIR[:TAG], dir:PATH, or a path (auto-detected)')
    .option('--sbom <file>', 'scan a CycloneDX or SPDX JSON SBOM instead of an image')
    .option('--db <path>', 'advisory DB (default: $PORTCULLIS_DB or the cache dir)')
    .option('--db-source <source>', 'where to fetch the DB when there is none: oci://REF published with db push, or an OSV export URL ending in / (default: $PORTCULLIS_DB_SOURCE or db-source: in portcullis.yaml; without one a missing DB is an error)')
    .option('--offline', 'never fetch anything: a missing DB is an error')
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-platform index')
    .option('--pipeline <name>', 'pipeline name used to select policies and exceptions')
    .option('--policy <path>', 'policy file or directory (repeatable)', collect)
    .option('--fail-on <severity>', `quick gate without a policy file, for local use: an inline policy failing on vulnerabilities at or above SEVERITY (${FAIL_ON_LEVELS.join(', ')}), on coverage gaps and on a DB older than --max-db-age (72h); not with --policy`)
    .option('--exit-code <n>', 'exit code when a policy fails (default 1; 2 stays "could not decide")')
    .option('--exceptions <path>', 'exceptions file or directory (repeatable)', collect)
    .option('--vex <path>', 'VEX document or directory of them: OpenVEX, CycloneDX VEX, CSAF VEX (repeatable); not_affected/fixed statements from authors a policy trusts (spec.vex.trust) suppress findings; with --server, added to the VEX documents the server serves', collect)
    .option('--decision <file>', 'write the decision record (JSON) to FILE')
    .option('--sign-key <file>', 'sign the decision: --decision FILE receives an in-toto statement in a DSSE envelope, ECDSA P-256 (key from `portcullis keys generate` or `cosign generate-key-pair`; password: $PORTCULLIS_KEY_PASSWORD or $COSIGN_PASSWORD); attach it with `portcullis attest`')
    .option('--base-catalog <file>', 'catalog of known base images (YAML)')
    .option('--dockerfile <file>', 'the Dockerfile the image was built from: its FROM declares the base; its lines are linted by the config check')
    .option('--include-os-owned', 'also match language packages owned by OS packages against language advisories')
    .option('--include-declared', INCLUDE_DECLARED_HELP)
    .option('--max-db-age <hours>', 'DB age that becomes a coverage gap (default 72)')
    .option('--severity <list>', 'display only these severities (comma-separated); does not change pass/fail')
    .option('--ignore-unfixed', 'display only findings with a fix; does not change pass/fail')
    .option('--only-app', 'display only findings from the image\'s own layers')
    .option('--only-base', 'display only findings from the base image layers')
    .option('--notify <url>', 'POST a summary when a policy fails or warns (repeatable; Slack webhooks get Slack messages; HMAC secret from $PORTCULLIS_NOTIFY_SECRET)', collect)
    .option('--owners <file>', 'owners file (CODEOWNERS-like: image, /path or origin:base|app rules, last match wins): each owner is told only of its own violations; what nobody owns goes to --notify (docs/notifications.md)')
    .option('--notify-timeout <ms>', 'timeout of each notification attempt (default 5000)')
    .option('--report-url <url>', 'link to the full report (e.g. the CI artifact) for notifications')
    .option('--server <url>', 'take policies, exceptions and the base catalog of --pipeline from a Portcullis server (token: $PORTCULLIS_TOKEN), decide here, upload report and decision')
    .option('--server-max-staleness <duration>', `when the server is unreachable, decide with its cached bundle no older than this (e.g. 24h, 90m, 2d; default ${DEFAULT_MAX_STALENESS})`);
  addCheckOptions(cmd);
  addOutputOptions(cmd);
  addRegistryOptions(cmd);
  addCacheOptions(cmd);
  cmd.action(async (image: string | undefined, _o: unknown, c: Command) => {
    const { opts, global, repository } = await resolvedOptions(c, io);
    if (!image && !opts.sbom) throw new PortcullisError('BAD_INPUT', 'scan needs an IMAGE argument or --sbom FILE');
    if (image && opts.sbom) throw new PortcullisError('BAD_INPUT', 'give either an IMAGE or --sbom FILE, not both');
    if (opts.onlyApp && opts.onlyBase) throw new PortcullisError('BAD_INPUT', '--only-app and --only-base exclude each other');
    const targets = outputTargets('scan', opts.format as string | undefined, opts.output as string[] | undefined);
    const severities = parseSeverityList(opts.severity as string | undefined);
    const maxAge = opts.maxDbAge !== undefined ? Number(opts.maxDbAge) : undefined;
    if (maxAge !== undefined && !(maxAge > 0)) throw new PortcullisError('BAD_INPUT', `--max-db-age: expected a positive number of hours, got ${String(opts.maxDbAge)}`);
    const failCode = parseExitCode(opts.exitCode as string | number | undefined);
    if (image) startHashWorkerFor(image);
    if (opts.server !== undefined && repository) {
      throw new PortcullisError('BAD_INPUT', `${repository.where}: exceptions: refused: with --server the exceptions come from the server (the repository's own exceptions are not used)`);
    }
    const remote = opts.server !== undefined ? await remoteGate(opts, io) : undefined;
    // policies and exceptions are loaded and validated before the (long) scan: a typo fails fast
    const gate = remote ? remote.gate : await loadGate({
      pipeline: opts.pipeline as string | undefined,
      policies: (opts.policy as string[] | undefined) ?? [],
      exceptions: (opts.exceptions as string[] | undefined) ?? [],
      vex: (opts.vex as string[] | undefined) ?? [],
      now: io.clock.now(),
      decisionFile: opts.decision as string | undefined,
      failOn: opts.failOn !== undefined ? parseFailOn(String(opts.failOn)) : undefined,
      maxDbAgeHours: maxAge,
      repository,
    });
    // the owners file is read before the (long) scan: a malformed line fails fast
    const owners = opts.owners !== undefined ? await loadOwners(String(opts.owners), io.env) : undefined;
    if (opts.signKey !== undefined) {
      if (!gate || opts.decision === undefined) throw new PortcullisError('BAD_INPUT', '--sign-key signs the decision: it needs --decision FILE and a policy (--policy, --server or --fail-on)');
      gate.sign = await decisionSigner(String(opts.signKey), io.env);
    }
    const lineageInputs = await loadLineageInputs({
      catalog: opts.baseCatalog as string | undefined,
      dockerfile: opts.dockerfile as string | undefined,
      gated: gate !== undefined,
    });
    if (remote) lineageInputs.catalog = remote.catalog;
    // rules and signatures of the content checks, loaded before the image too; an SBOM has no file contents
    const checkOpts = checkOptionsFrom(opts, io.env);
    if (lineageInputs.dockerfile !== undefined) checkOpts.dockerfile = { path: String(opts.dockerfile), text: lineageInputs.dockerfile };
    const checks = opts.sbom ? [] : await prepareChecks(checkOpts);
    // the malware worker thread ends with the scan, whatever happens (one still starting would outlive it)
    try {
      const reg = await registryOptions(opts, io, global.quiet ? undefined : (m) => io.stderr.write(`portcullis: ${m}\n`));
      const dbPath = (opts.db as string | undefined) ?? defaultDbPath(io.env);
      // a missing DB is fetched only from a configured source (never a surprise download of the OSV exports)
      const dbSource = opts.dbSource as string | undefined;
      if (!existsSync(dbPath) && (dbSource !== undefined || opts.offline === true)) {
        const { DEFAULT_SOURCE, updateDb } = await import('../../advisory/update/update.js');
        const source = dbSource ?? DEFAULT_SOURCE;
        if (opts.offline === true) {
          throw new PortcullisError('DB_MISSING', `no advisory DB at ${dbPath} and --offline: run \`portcullis db update --source ${source} --db ${dbPath}\` first`, { subject: dbPath });
        }
        if (!global.quiet) io.stderr.write(`portcullis: no advisory DB at ${dbPath}; fetching one from ${source}\n`);
        // --username/--password-stdin are for the image's registry: never sent to the DB's
        const { username: _u, password: _p, ...forDb } = reg;
        await updateDb({
          db: dbPath,
          source,
          registry: forDb,
          clock: io.clock,
          log: global.quiet ? undefined : (m) => io.stderr.write(`portcullis: ${m}\n`),
        });
      }
      const db = openDb(dbPath);
      try {
        const elapsed = timer();
        const { inventory, checkResults } = opts.sbom
          ? { inventory: await readSbom(String(opts.sbom)), checkResults: [] }
          : await collectWithChecks(image!, {
              maxArchiveBytes: maxArchiveBytes(io.env),
              platform: opts.platform ? parsePlatform(String(opts.platform)) : undefined,
              onLayer: layerProgress(io, !global.quiet),
              includeDeclared: opts.includeDeclared === true,
              checks,
              registry: reg,
              cache: layerCache(opts, io, global.debug ? (m) => io.stderr.write(`debug: ${m}\n`) : undefined),
            });
        if (global.debug) debugInventory(io, inventory, elapsed());
        const now = io.clock.now();
        let report = scanInventory(inventory, db, {
          now,
          scanner: SCANNER,
          includeOsOwned: opts.includeOsOwned === true,
          maxDbAgeHours: maxAge,
          checkResults,
        });
        report = applyLineageWith(report, db, lineageInputs, baseApproval(report, gate));
        const decided = await decide(report, gate, now);
        report = decided.report;
        report = { ...report, actions: computeActions(report, db, { now, includeOsOwned: opts.includeOsOwned === true }) };
        const shown = applyDisplayFilters(report, {
          severities,
          ignoreUnfixed: opts.ignoreUnfixed === true,
          only: opts.onlyApp ? 'app' : opts.onlyBase ? 'base' : undefined,
        });
        // the verdict's exit code is known before writing: a reader closing stdout early (`| head`) ends the run with it
        const exitCode = decided.exitCode === 0 ? 0 : failCode;
        if (exitCode !== 0) process.exitCode = exitCode;
        await writeOutputs(shown, targets, io, { mode: 'scan', color: global.color, dockerfile: opts.dockerfile as string | undefined, wide: opts.wide === true });
        // exception notices (expired, expiring, unused) and the one-line verdict (with stale-DB notices) reach
        // stderr unless a human-readable rendering on stdout shows them: a failing gate in CI is never silent
        const shownOnStdout = targets.some((t) => t.file === undefined && (t.format === 'table' || t.format === 'markdown'));
        if (!global.quiet && !shownOnStdout) for (const n of [...decided.notices.map((x) => `portcullis: ${x}`), ...verdictLines(report)]) io.stderr.write(`${n}\n`);
        if (gate) {
          const timeout = opts.notifyTimeout !== undefined ? Number(opts.notifyTimeout) : undefined;
          const secret = io.env.PORTCULLIS_NOTIFY_SECRET;
          const routing = { policies: gate.policies.policies, defaults: [...new Set((opts.notify as string[] | undefined) ?? [])], ...(owners ? { owners } : {}) };
          const lines = await notifyOwners(report, routing, { timeoutMs: timeout, reportUrl: opts.reportUrl as string | undefined, ...(secret ? { secret } : {}) });
          for (const f of lines) io.stderr.write(`portcullis: ${f}\n`);
        }
        if (remote) {
          try {
            const { uploadScan } = await import('./remote.js');
            const id = await uploadScan(remote.target, gate!.pipeline, report, decided.record);
            if (!global.quiet) io.stderr.write(`portcullis: report and decision uploaded to ${remote.target.url} (scan ${id})\n`);
          } catch (e) {
            io.stderr.write(`portcullis: warning: could not upload the report to ${remote.target.url}: ${(e as Error).message}\n`);
          }
        }
        if (exitCode !== 0) process.exitCode = exitCode;
      } finally {
        db.close();
      }
    } finally {
      await closeChecks(checks);
    }
  });
}

/** The signer for --sign-key (the signing code is loaded only when asked for). */
async function decisionSigner(file: string, env: NodeJS.ProcessEnv): Promise<(r: DecisionRecord) => unknown> {
  const { keyPassword, loadPrivateKey } = await import('../../attest/keys.js');
  const { decisionStatement, signStatement } = await import('../../attest/dsse.js');
  const { readUserFileSync } = await import('../../core/userfile.js');
  const key = loadPrivateKey(readUserFileSync(file, 64 * 1024, '--sign-key').toString('utf8'), file, keyPassword(env));
  return (r) => signStatement(decisionStatement(r.image.name ?? 'unknown', r.image.digest ?? '', r), key);
}

async function remoteGate(opts: Record<string, unknown>, io: CliIo): Promise<RemoteGate> {
  for (const [flag, key] of [['--policy', 'policy'], ['--exceptions', 'exceptions'], ['--base-catalog', 'baseCatalog']] as const) {
    const v = opts[key];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) throw new PortcullisError('BAD_INPUT', `--server supplies the policies, exceptions and base catalog: do not give ${flag} with it`);
  }
  const { loadServerGate } = await import('./remote.js');
  return loadServerGate({
    server: String(opts.server),
    pipeline: opts.pipeline as string | undefined,
    maxStaleness: opts.serverMaxStaleness as string | undefined,
    decisionFile: opts.decision as string | undefined,
    vex: (opts.vex as string[] | undefined) ?? [],
    io,
  });
}
