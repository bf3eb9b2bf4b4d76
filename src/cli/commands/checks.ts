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
    .option('--malware-signatures <path>', 'ClamAV signature databases (.hdb .hsb .ndb .ldb .fp .sfp .cvd .cld .cud; files or directories, repeatable; default $PORTCULLIS_CACHE_DIR/malware)', collect)
    .option('--clamd <address>', 'also stream every file to a running clamd: tcp://127.0.0.1:3310 or unix:/path/clamd.sock')
    .option('--clamd-stream-max-length <bytes>', "bytes sent to clamd per file at most (match clamd's StreamMaxLength; default 25M)");
}

function byteSize(flag: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)([kmg]?)$/i.exec(String(v).trim());
  if (!m) throw new PortcullisError('BAD_INPUT', `${flag}: expected a byte count such as 26214400 or 25M, got ${String(v)}`);
  const n = Number(m[1]) * { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
  if (n < 1) throw new PortcullisError('BAD_INPUT', `${flag}: must be at least 1 byte`);
  return n;
}

export function checkOptionsFrom(opts: Record<string, unknown>, env: Record<string, string | undefined>): CheckOptions {
  const skip = (opts.skipCheck as string[] | undefined) ?? [];
  for (const s of skip) {
    if (!(SKIPPABLE as readonly string[]).includes(s)) throw new PortcullisError('BAD_INPUT', `--skip-check: expected one of ${SKIPPABLE.join(', ')}, got ${s}`);
  }
  const sigs = opts.malwareSignatures;
  const malwareSignatures = sigs === undefined ? undefined : (Array.isArray(sigs) ? sigs : [sigs]).map(String);
  const clamd = opts.clamd === undefined ? undefined : String(opts.clamd);
  return { env, skip, malwareSignatures, clamd, clamdStreamMaxLength: byteSize('--clamd-stream-max-length', opts.clamdStreamMaxLength) };
}
