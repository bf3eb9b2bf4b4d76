// Flags shared by commands, with the same meaning everywhere, and their defaults from env/config.
import type { Command } from 'commander';
import { applyDefaults, loadConfigFile } from '../config.js';
import type { CliIo } from '../io.js';

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
