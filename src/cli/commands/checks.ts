// Flags of the content checks (secrets, malware, config), shared by the commands that scan images.
// Each check adds its own flags here and reads them in checkOptionsFrom.
import type { Command } from 'commander';
import type { CheckOptions } from '../../checks/types.js';
import { CHECK_NAMES } from '../../core/types.js';
import { PortcullisError } from '../../core/errors.js';
import { collect } from './common.js';

const SKIPPABLE = CHECK_NAMES.filter((n) => n !== 'vulnerabilities' && n !== 'licenses');

export function addCheckOptions(cmd: Command): Command {
  return cmd
    .option('--skip-check <name>', `do not run a content check: ${SKIPPABLE.join(', ')} (repeatable); a policy control over it is then not evaluated`, collect)
    .option('--secret-config <file>', 'secret rules in the gitleaks format (a .gitleaks.toml; `[extend] useDefault = true` adds to the default rules)')
    .option('--secret-max-file-size <bytes>', 'files larger than this are not scanned for secrets and reported as a gap (default 64 MiB; k, M, G suffixes)')
    .option('--secret-skip-path <glob>', 'never scan these paths for secrets (anchored glob, repeatable)', collect)
    .option('--secret-scan-path <glob>', 'always scan these paths, even under a path the rules allowlist such as node_modules (anchored glob, repeatable)', collect);
}

function bytes(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)([kKmMgG]i?[bB]?)?$/.exec(String(v).trim());
  if (!m) throw new PortcullisError('BAD_INPUT', `--secret-max-file-size: expected a number of bytes (k, M, G suffixes allowed), got ${String(v)}`);
  const unit = (m[2] ?? '').charAt(0).toLowerCase();
  const n = Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1);
  if (!(n > 0) || !Number.isSafeInteger(n)) throw new PortcullisError('BAD_INPUT', `--secret-max-file-size: expected a positive size, got ${String(v)}`);
  return n;
}

function globs(v: unknown, flag: string): string[] | undefined {
  if (v === undefined) return undefined;
  const list = Array.isArray(v) ? v : [v];
  for (const g of list) if (typeof g !== 'string' || !g.startsWith('/')) throw new PortcullisError('BAD_INPUT', `${flag}: expected an absolute path glob such as /srv/app/**, got ${String(g)}`);
  return list as string[];
}

export function checkOptionsFrom(opts: Record<string, unknown>, env: Record<string, string | undefined>): CheckOptions {
  const skip = (opts.skipCheck as string[] | undefined) ?? [];
  for (const s of skip) {
    if (!(SKIPPABLE as readonly string[]).includes(s)) throw new PortcullisError('BAD_INPUT', `--skip-check: expected one of ${SKIPPABLE.join(', ')}, got ${s}`);
  }
  return {
    env,
    skip,
    secretConfig: opts.secretConfig === undefined ? undefined : String(opts.secretConfig),
    secretMaxFileSize: bytes(opts.secretMaxFileSize),
    secretSkipPaths: globs(opts.secretSkipPath, '--secret-skip-path'),
    secretScanPaths: globs(opts.secretScanPath, '--secret-scan-path'),
  };
}
