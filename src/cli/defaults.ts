// Flag defaults from the environment and the config file: flags beat environment beat the config file.
// Light on purpose: the config file's parser and schema (config.ts: YAML, zod) are imported only when a
// config file is there, so commands run without one load neither.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { PortcullisError } from '../core/errors.js';

export type ConfigValues = Record<string, unknown>;

/** `scan --server-max-staleness` default (here: the server client, loaded only with --server, need not be for the help text) */
export const DEFAULT_MAX_STALENESS = '24h';

export interface LoadedConfig {
  /** values by camelCase option name (severity lists joined with commas) */
  values: ConfigValues;
  path?: string;
  /** found in the working directory without --config: the gated repository's file */
  implicit: boolean;
  /** line of each key in the file, by camelCase option name */
  lines: Record<string, number>;
}

const ENV: Record<string, string> = {
  db: 'PORTCULLIS_DB',
  dbSource: 'PORTCULLIS_DB_SOURCE',
};

export const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The config file (`--config FILE`, else ./portcullis.yaml when present), with its key classification. */
export async function loadConfig(explicit: string | undefined, cwd: string): Promise<LoadedConfig & { isSecurityKey(key: string): boolean }> {
  if (!explicit && !existsSync(resolve(cwd, 'portcullis.yaml'))) return { values: {}, implicit: true, lines: {}, isSecurityKey: () => false };
  const { loadConfigFile, isSecurityKey } = await import('./config.js');
  return { ...loadConfigFile(explicit, cwd), isSecurityKey };
}

/** Fill options that the user did not set on the command line from the environment, then the config file. */
export function applyDefaults(
  opts: Record<string, unknown>,
  declared: { key: string; repeatable: boolean }[],
  isFromCli: (key: string) => boolean,
  env: NodeJS.ProcessEnv,
  config: ConfigValues,
  /** false for a config value this command does not accept (e.g. a `format` another command offers) */
  accepts: (key: string, value: unknown) => boolean = () => true,
): Record<string, unknown> {
  const out = { ...opts };
  for (const { key, repeatable } of declared) {
    if (isFromCli(key)) continue;
    const envName = ENV[key];
    if (envName && env[envName]) {
      out[key] = repeatable ? [env[envName]] : env[envName];
      continue;
    }
    if (key in config && accepts(key, config[key])) {
      const v = config[key];
      if (!repeatable && Array.isArray(v)) {
        throw new PortcullisError('BAD_INPUT', `config file: ${kebab(key)}: this command takes one value, got a list`);
      }
      out[key] = repeatable && !Array.isArray(v) ? [v] : v;
    }
  }
  return out;
}
