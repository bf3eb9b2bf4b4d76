// Defaults for flags: flags beat environment beat the config file (`portcullis.yaml` in the working
// directory, or --config FILE). Keys of the config file are the long flag names (`db`, `pipeline`,
// `policy`, `exceptions`, `base-catalog`, `format`, `platform`, ...), camelCase also accepted.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { PortcullisError } from '../core/errors.js';

export type ConfigValues = Record<string, unknown>;

const ENV: Record<string, string> = {
  db: 'PORTCULLIS_DB',
  dbSource: 'PORTCULLIS_DB_SOURCE',
};

export function loadConfigFile(explicit: string | undefined, cwd: string): { values: ConfigValues; path?: string } {
  const path = explicit ? resolve(cwd, explicit) : resolve(cwd, 'portcullis.yaml');
  if (!existsSync(path)) {
    if (explicit) throw new PortcullisError('BAD_INPUT', `config file not found: ${explicit}`);
    return { values: {} };
  }
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `${path}: invalid YAML: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  if (doc === null || doc === undefined) return { values: {}, path };
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new PortcullisError('BAD_INPUT', `${path}: expected a mapping of flag names to values`);
  }
  const values: ConfigValues = {};
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    values[k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  }
  return { values, path };
}

/** Fill options that the user did not set on the command line from the environment, then the config file. */
export function applyDefaults(
  opts: Record<string, unknown>,
  declared: { key: string; repeatable: boolean }[],
  isFromCli: (key: string) => boolean,
  env: NodeJS.ProcessEnv,
  config: ConfigValues,
): Record<string, unknown> {
  const out = { ...opts };
  for (const { key, repeatable } of declared) {
    if (isFromCli(key)) continue;
    const envName = ENV[key];
    if (envName && env[envName]) {
      out[key] = repeatable ? [env[envName]] : env[envName];
      continue;
    }
    if (key in config) {
      const v = config[key];
      out[key] = repeatable && !Array.isArray(v) ? [v] : v;
    }
  }
  return out;
}
