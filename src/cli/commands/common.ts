// Flags shared by commands, with the same meaning everywhere, and their defaults from env/config.
import type { Command } from 'commander';
import { PortcullisError } from '../../core/errors.js';
import { formatsFor } from '../../report/registry.js';
import { applyDefaults, loadConfig, type ConfigValues } from '../defaults.js';
import type { CliIo } from '../io.js';

export const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export const INCLUDE_DECLARED_HELP = 'also list (and match) packages that lockfiles declare but the image does not install: lockfiles owned by OS packages, lockfile entries missing from the node_modules tree beside them';

export function addOutputOptions(cmd: Command): Command {
  return cmd
    .option('-f, --format <format>', 'output format for stdout (or for a plain --output FILE)')
    .option('-o, --output <target>', 'write to FILE, or FORMAT=FILE (repeatable)', collect);
}

export interface GlobalFlags {
  quiet: boolean;
  debug: boolean;
  color: boolean;
}

/** Exceptions named by a portcullis.yaml found implicitly in the working directory (the gated repository's). */
export interface RepositoryExceptions {
  paths: string[];
  /** the config file and the line of its `exceptions` key, for messages */
  where: string;
}

/** `scan`, `policy test`, ...: the command's words after `portcullis`. */
export function commandPath(cmd: Command): string {
  return [cmd.parent?.parent ? cmd.parent.name() : undefined, cmd.name()].filter(Boolean).join(' ');
}

/** Other names of a format that shipped before: `text` was the policy commands' name for `table`. */
const FORMAT_ALIASES: Record<string, string> = { text: 'table' };

/** A --format value as the commands compare it: lower case, aliases resolved (`TABLE`, `Text` → `table`). */
export function canonicalFormat(value: string): string {
  const f = value.trim().toLowerCase();
  return FORMAT_ALIASES[f] ?? f;
}

/** The formats each command offers: a config `format` is used only by the commands that offer it. */
export function formatsOf(cmd: Command): string[] | undefined {
  switch (commandPath(cmd)) {
    case 'scan':
      return formatsFor('scan');
    case 'sbom':
      return formatsFor('sbom');
    default:
      return cmd.options.some((o) => o.long === '--format') ? ['table', 'json'] : undefined;
  }
}

/** Options of `cmd` with env and config-file defaults applied (flags beat environment beat config). */
export async function resolvedOptions(cmd: Command, io: CliIo): Promise<{ opts: Record<string, unknown>; global: GlobalFlags; repository?: RepositoryExceptions; config: ConfigValues }> {
  const all = cmd.optsWithGlobals() as Record<string, unknown>;
  const config = await loadConfig(all.config as string | undefined, process.cwd());
  const { isSecurityKey } = config;
  const declared = cmd.options.map((o) => ({ key: o.attributeName(), repeatable: o.variadic || /repeatable/.test(o.description) }));
  const fromCli = (key: string) => cmd.getOptionValueSource(key) === 'cli';
  const values = { ...config.values };
  let repository: RepositoryExceptions | undefined;
  // `base add|list|remove` maintain the catalog and gate nothing: their defaults may come from the working directory
  const gates = cmd.parent?.name() !== 'base';
  if (config.implicit && config.path && gates) {
    // the gated repository's own file: nothing in it may weaken the gate
    for (const { key } of declared) {
      if (!(key in values) || !isSecurityKey(key) || fromCli(key)) continue;
      const kebabKey = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      const where = `${config.path}:${config.lines[key] ?? 1}`;
      if (key === 'exceptions' && cmd.name() === 'scan') {
        // held apart: scan/decide.ts applies them only when every policy in force allows them
        const v = values[key];
        repository = { paths: Array.isArray(v) ? (v as string[]) : [v as string], where };
        delete values[key];
        continue;
      }
      throw new PortcullisError(
        'BAD_INPUT',
        `${where}: ${kebabKey}: refused: a portcullis.yaml found in the working directory belongs to the repository being gated and may not set ${kebabKey}, which can weaken the gate${key === 'exceptions' ? ' (only `portcullis scan` accepts its exceptions, under spec.exceptions.fromRepository: allow)' : ''}; give --${kebabKey} on the command line, or pass a config file the pipeline controls with --config FILE`,
        { subject: config.path },
      );
    }
  }
  const offered = formatsOf(cmd);
  const accepts = (key: string, v: unknown): boolean => key !== 'format' || offered === undefined || offered.includes(canonicalFormat(String(v)));
  const opts = applyDefaults(cmd.opts() as Record<string, unknown>, declared, fromCli, io.env, values, accepts);
  if (offered !== undefined && typeof opts.format === 'string') {
    // one vocabulary everywhere: case-insensitive, `table` for the human format
    const f = canonicalFormat(opts.format);
    if (!offered.includes(f)) throw new PortcullisError('BAD_INPUT', `unknown format "${opts.format.slice(0, 40)}" for ${commandPath(cmd)}; expected one of: ${offered.join(', ')}`);
    opts.format = f;
  }
  const tty = (io.stdout as NodeJS.WriteStream).isTTY === true;
  return {
    opts,
    global: {
      quiet: all.quiet === true,
      debug: all.debug === true,
      color: all.color !== false && tty && !io.env.NO_COLOR,
    },
    repository,
    config: config.values,
  };
}

/** PORTCULLIS_MAX_ARCHIVE_BYTES: decompressed-size limit for gzip/zstd whole archives (bytes, or with a K/M/G/T suffix). */
export function maxArchiveBytes(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.PORTCULLIS_MAX_ARCHIVE_BYTES;
  if (raw === undefined || raw === '') return undefined;
  return parseSize('PORTCULLIS_MAX_ARCHIVE_BYTES', raw);
}

/** A size in bytes, or with a K/M/G/T suffix (powers of 1024): `8G`, `512M`, `8589934592`. */
export function parseSize(name: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]i?B?)?$/i.exec(raw.trim());
  const unit = m?.[2] ? 1024 ** ('KMGT'.indexOf(m[2][0]!.toUpperCase()) + 1) : 1;
  const n = m ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!(n > 0)) throw new PortcullisError('BAD_INPUT', `${name}: expected a size such as 8G or 8589934592, got "${raw}"`);
  return n;
}
