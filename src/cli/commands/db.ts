// portcullis db build | update | status — the local advisory DB (see docs/advisory-db.md).
// Errors are thrown as PortcullisError; main maps them to exit code 2.
import { writeOutputText } from '../../core/outfile.js';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { PortcullisError } from '../../core/errors.js';
import { buildDb, dataTime, dbGaps, DEFAULT_SOURCE, defaultDbPath, openDb, sha256File, updateDb } from '../../advisory/index.js';
import type { CliIo } from '../io.js';
import { collect, resolvedOptions } from './common.js';
import { addRegistryOptions, registryOptions } from '../registry.js';
import { pushDb } from '../../advisory/oci/artifact.js';

const MAX_WARNING_LINES = 50;

function intOption(name: string, v: unknown, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new PortcullisError('BAD_INPUT', `--${name} must be an integer >= ${min}, got ${String(v)}`);
  return n;
}

function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}

function age(now: Date, iso: string | undefined): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return '-';
  const h = (now.getTime() - Date.parse(iso)) / 3_600_000;
  if (h < 0) return 'in the future';
  if (h < 48) return `${Math.floor(h)}h`;
  return `${Math.floor(h / 24)}d`;
}

export function registerDbCommands(program: Command, io: CliIo): void {
  const db = program.command('db');

  db.command('build')
    .description('build an advisory DB from OSV exports/records, Alpine secdb, Debian tracker JSON, CISA KEV and EPSS files')
    .option('--source <path>', 'a source, optionally as KIND:PATH (osv, alpine-secdb, debian-tracker, kev, epss) (repeatable)', collect)
    .option('-o, --output <file>', 'DB file to write (default: the DB path)')
    .option('-f, --format <format>', 'table or json (the build summary)', 'table')
    .option('--checksum', 'also write OUTPUT.sha256 (sha256sum format), for publishing the DB to `db update` users')
    .option('--fetched-at <time>', 'when the feed files were fetched (ISO 8601); gives Alpine secdb and Debian tracker feeds, which carry no time of their own, a data time')
    .action(async (_o: unknown, c: Command) => {
      const { opts, global, config } = await resolvedOptions(c, io);
      const fallback = (io.env.PORTCULLIS_DB_SOURCE || (config.dbSource as string | undefined)) ?? undefined;
      const sources = (opts.source as string[] | undefined) ?? (fallback ? [String(fallback)] : []);
      if (sources.length === 0) throw new PortcullisError('BAD_INPUT', 'db build needs at least one --source');
      const format = String(opts.format);
      if (format !== 'table' && format !== 'json') throw new PortcullisError('BAD_INPUT', `--format must be table or json, got ${format}`);
      const output = (opts.output as string | undefined) ?? defaultDbPath(io.env);
      let shown = 0;
      let hidden = 0;
      const s = await buildDb(sources, output, {
        clock: io.clock,
        fetchedAt: opts.fetchedAt as string | undefined,
        onWarning: (w) => {
          if (global.quiet) return;
          if (global.debug || shown < MAX_WARNING_LINES) {
            shown++;
            io.stderr.write(`warning: ${w}\n`);
          } else hidden++;
        },
      });
      if (hidden > 0) io.stderr.write(`warning: ... and ${hidden} more (use --debug to see all)\n`);
      if (opts.checksum === true) {
        const digest = (await sha256File(output)).slice('sha256:'.length);
        await writeOutputText(`${output}.sha256`, `${digest}  ${basename(output)}\n`);
      }
      if (format === 'json') {
        io.stdout.write(JSON.stringify(s, null, 2) + '\n');
        return;
      }
      io.stdout.write(`built ${s.output}: ${s.records} advisories (${s.malicious} malicious), ${s.kev} KEV, ${s.epss} EPSS, ${s.bytes} bytes in ${s.durationMs} ms\n`);
      io.stdout.write(`skipped ${s.skipped} bad records/entries, ${s.duplicates} duplicate ids; ${s.warnings} warnings\n\n`);
      const names = [...new Set([...Object.keys(s.ecosystems), ...Object.keys(s.maliciousByEcosystem)])].sort();
      io.stdout.write(table([['ECOSYSTEM', 'ADVISORIES', 'MALICIOUS'], ...names.map((e) => [e, String(s.ecosystems[e] ?? 0), String(s.maliciousByEcosystem[e] ?? 0)])]));
    });

  const update = db
    .command('update')
    .description(`download a fresh DB (verified by its .sha256) or an OSV export and build it; default source ${DEFAULT_SOURCE}`)
    .option('--source <url-or-path>', 'oci://REGISTRY/REPO:TAG (published with db push; repeatable: mirrors tried in order), DB file URL, OSV export base URL ending in /, or a local DB file', collect)
    .option('--db <path>', 'the DB to replace (default: $PORTCULLIS_DB or $PORTCULLIS_CACHE_DIR/db/portcullis.db)')
    .option('--skip-update', 'offline: use the DB that is there, never touch the network')
    .option('--timeout <ms>', 'idle timeout per HTTP request in milliseconds (no headers or body bytes for this long)', '120000')
    .option('--retries <n>', 'retries per download, with exponential backoff', '3')
    .option('--ecosystem <name>', 'ecosystem to fetch from an OSV export (repeatable)', collect)
    .option('--with <url>', 'with an OSV export: another feed to download and build in, e.g. the CISA KEV JSON or FIRST EPSS CSV (repeatable)', collect);
  addRegistryOptions(update);
  update.action(async (_o: unknown, c: Command) => {
      const { opts, global, config } = await resolvedOptions(c, io);
      const dbPath = (opts.db as string | undefined) ?? defaultDbPath(io.env);
      const fallback = (io.env.PORTCULLIS_DB_SOURCE || (config.dbSource as string | undefined)) ?? undefined;
      const sources = (opts.source as string[] | undefined) ?? (fallback ? [String(fallback)] : []);
      if (sources.length > 1 && !sources.every((s) => /^oci:\/\//i.test(s))) throw new PortcullisError('BAD_INPUT', 'several --source values are mirrors tried in order: each must be an oci:// reference');
      const r = await updateDb({
        db: dbPath,
        source: sources[0],
        mirrors: sources.slice(1),
        registry: await registryOptions(opts, io),
        skipUpdate: opts.skipUpdate === true,
        timeoutMs: intOption('timeout', opts.timeout, 1),
        retries: intOption('retries', opts.retries, 0),
        ecosystems: opts.ecosystem as string[] | undefined,
        extras: opts.with as string[] | undefined,
        clock: io.clock,
        log: global.quiet ? undefined : (m) => io.stderr.write(`${m}\n`),
      });
      const words: Record<typeof r.action, string> = {
        downloaded: 'downloaded',
        built: 'built from the OSV export',
        copied: 'copied',
        pulled: 'pulled from the registry',
        'up-to-date': 'already up to date',
        'updated-by-other': 'updated by another process',
        offline: 'offline, not updated',
      };
      io.stdout.write(`${r.db}: ${words[r.action]} (built ${r.meta.builtAt}, ${r.meta.ecosystems.length} ecosystems)\n`);
    });

  const push = db
    .command('push')
    .description('publish a built DB as an OCI artifact (zstd-compressed, build and data times as annotations) for `db update --source oci://REF`')
    .argument('<ref>', 'registry reference to push to, e.g. oci://registry.example.com/security/portcullis-db:1')
    .option('--db <path>', 'the DB to publish (default: $PORTCULLIS_DB or $PORTCULLIS_CACHE_DIR/db/portcullis.db)')
    .option('-f, --format <format>', 'table or json', 'table');
  addRegistryOptions(push);
  push.action(async (ref: string, _o: unknown, c: Command) => {
    const { opts } = await resolvedOptions(c, io);
    const dbPath = (opts.db as string | undefined) ?? defaultDbPath(io.env);
    const handle = openDb(dbPath); // only a valid DB of this schema is published
    let meta;
    try {
      meta = handle.meta();
    } finally {
      handle.close();
    }
    const r = await pushDb(dbPath, meta, ref, await registryOptions(opts, io));
    if (String(opts.format) === 'json') io.stdout.write(JSON.stringify(r, null, 2) + '\n');
    else io.stdout.write(`pushed ${dbPath} to ${r.ref}: manifest ${r.manifestDigest}, ${r.bytes} bytes compressed (DB ${r.dbDigest})\n`);
  });

  db.command('status')
    .description('sources, advisories per ecosystem and age of the DB')
    .option('--db <path>', 'the DB to inspect (default: $PORTCULLIS_DB or $PORTCULLIS_CACHE_DIR/db/portcullis.db)')
    .option('-f, --format <format>', 'table or json', 'table')
    .option('--max-age <hours>', 'report the DB as stale beyond this age', '72')
    .action(async (_o: unknown, c: Command) => {
      const { opts } = await resolvedOptions(c, io);
      const format = String(opts.format);
      if (format !== 'table' && format !== 'json') throw new PortcullisError('BAD_INPUT', `--format must be table or json, got ${format}`);
      const maxAge = intOption('max-age', opts.maxAge, 1) ?? 72;
      const dbPath = (opts.db as string | undefined) ?? defaultDbPath(io.env);
      const handle = openDb(dbPath);
      try {
        const meta = handle.meta();
        const counts = handle.counts();
        const now = io.clock.now();
        const gaps = dbGaps(meta, 'all', now, maxAge);
        const integrity = handle.integrity?.() ?? { ok: false, problems: ['integrity check not available'] };
        // a DB that fails its integrity check cannot be trusted to decide: exit 2, after the report
        if (!integrity.ok) process.exitCode = 2;
        if (format === 'json') {
          io.stdout.write(JSON.stringify({ path: dbPath, ...meta, dataTime: dataTime(meta), counts, gaps, integrity }, null, 2) + '\n');
          return;
        }
        io.stdout.write(`${dbPath}\nschema ${meta.schemaVersion}, built ${meta.builtAt} (${age(now, meta.builtAt)} ago), advisory data as of ${dataTime(meta) ?? 'unknown'} (oldest source)\n`);
        io.stdout.write(integrity.ok ? 'integrity ok (PRAGMA quick_check)\n' : `INTEGRITY FAILED: ${integrity.problems.slice(0, 3).join('; ')} (run: portcullis db update)\n`);
        for (const g of gaps) io.stdout.write(`STALE: ${g.detail}\n`);
        io.stdout.write('\n');
        io.stdout.write(
          table([
            ['SOURCE', 'KIND', 'RECORDS', 'UPDATED', 'AGE'],
            ...meta.sources.map((s) => [s.name, s.kind, String(s.records), s.updatedAt ? `${s.updatedAt}${s.timeSource === 'declared' ? ' (declared)' : ''}` : '-', age(now, s.updatedAt)]),
          ]),
        );
        io.stdout.write('\n');
        io.stdout.write(
          table([
            ['ECOSYSTEM', 'ADVISORIES', 'MALICIOUS', 'COVERED'],
            ...Object.entries(counts).map(([e, n]) => [e, String(n.advisories), String(n.malicious), handle.covers(e) ? 'yes' : 'no']),
          ]),
        );
      } finally {
        handle.close();
      }
    });
}
