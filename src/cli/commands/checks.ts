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
    .option('--secret-scan-path <glob>', 'always scan these paths, even under a path the rules allowlist such as node_modules (anchored glob, repeatable)', collect)
    .option('--malware-signatures <path>', 'ClamAV signature databases (.hdb .hsb .ndb .ldb .fp .sfp .cvd .cld .cud; files or directories, repeatable; default $PORTCULLIS_CACHE_DIR/malware)', collect)
    .option('--malware-cvd-key <file>', "verify .cvd digital signatures with this RSA public key (PEM, or ClamAV's modulus and exponent as two decimal integers); a .cvd that does not verify stops the scan")
    .option('--clamd <address>', 'also stream every file to a running clamd: tcp://127.0.0.1:3310 or unix:/path/clamd.sock')
    .option('--clamd-stream-max-length <bytes>', "bytes sent to clamd per file at most (match clamd's StreamMaxLength; default 25M)");
}

function globs(v: unknown, flag: string): string[] | undefined {
  if (v === undefined) return undefined;
  const list = Array.isArray(v) ? v : [v];
  for (const g of list) if (typeof g !== 'string' || !g.startsWith('/')) throw new PortcullisError('BAD_INPUT', `${flag}: expected an absolute path glob such as /srv/app/**, got ${String(g)}`);
  return list as string[];
}

/** `26214400`, `25M`, `64MiB`: a positive byte count (k, M, G suffixes, binary). */
function byteSize(flag: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)(?:([kmg])i?b?)?$/i.exec(String(v).trim());
  if (!m) throw new PortcullisError('BAD_INPUT', `${flag}: expected a byte count such as 26214400 or 25M, got ${String(v)}`);
  const n = Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
  if (!(n >= 1) || !Number.isSafeInteger(n)) throw new PortcullisError('BAD_INPUT', `${flag}: must be a positive byte count`);
  return n;
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
    secretMaxFileSize: byteSize('--secret-max-file-size', opts.secretMaxFileSize),
    secretSkipPaths: globs(opts.secretSkipPath, '--secret-skip-path'),
    secretScanPaths: globs(opts.secretScanPath, '--secret-scan-path'),
    malwareSignatures: opts.malwareSignatures === undefined ? undefined : (Array.isArray(opts.malwareSignatures) ? opts.malwareSignatures : [opts.malwareSignatures]).map(String),
    malwareCvdKey: opts.malwareCvdKey === undefined ? undefined : String(opts.malwareCvdKey),
    clamd: opts.clamd === undefined ? undefined : String(opts.clamd),
    clamdStreamMaxLength: byteSize('--clamd-stream-max-length', opts.clamdStreamMaxLength),
  };
}
