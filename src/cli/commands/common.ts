// Flags shared by commands, with the same meaning everywhere, and their defaults from env/config.
import type { Command } from 'commander';
import { applyDefaults, loadConfigFile } from '../config.js';
import type { CliIo } from '../io.js';
import { PortcullisError } from '../../core/errors.js';

export const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

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

/** Options of `cmd` with env and config-file defaults applied (flags beat environment beat config). */
export function resolvedOptions(cmd: Command, io: CliIo): { opts: Record<string, unknown>; global: GlobalFlags } {
  const all = cmd.optsWithGlobals() as Record<string, unknown>;
  const { values } = loadConfigFile(all.config as string | undefined, process.cwd());
  const declared = cmd.options.map((o) => ({ key: o.attributeName(), repeatable: o.variadic || /repeatable/.test(o.description) }));
  const fromCli = (key: string) => cmd.getOptionValueSource(key) === 'cli';
  const opts = applyDefaults(cmd.opts() as Record<string, unknown>, declared, fromCli, io.env, values);
  const tty = (io.stdout as NodeJS.WriteStream).isTTY === true;
  return {
    opts,
    global: {
      quiet: all.quiet === true,
      debug: all.debug === true,
      color: all.color !== false && tty && !io.env.NO_COLOR,
    },
  };
}

/** PORTCULLIS_MAX_ARCHIVE_BYTES: decompressed-size limit for gzip/zstd whole archives (bytes, or with a K/M/G/T suffix). */
export function maxArchiveBytes(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.PORTCULLIS_MAX_ARCHIVE_BYTES;
  if (raw === undefined || raw === '') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]i?B?)?$/i.exec(raw.trim());
  const unit = m?.[2] ? 1024 ** ('KMGT'.indexOf(m[2][0]!.toUpperCase()) + 1) : 1;
  const n = m ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!(n > 0)) throw new PortcullisError('BAD_INPUT', `PORTCULLIS_MAX_ARCHIVE_BYTES: expected a size such as 8G or 8589934592, got "${raw}"`);
  return n;
}
