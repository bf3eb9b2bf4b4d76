// Flags of the content checks (secrets, malware, config), shared by the commands that scan images.
// Each check adds its own flags here and reads them in checkOptionsFrom.
import type { Command } from 'commander';
import type { CheckOptions } from '../../checks/types.js';
import { CHECK_NAMES } from '../../core/types.js';
import { PortcullisError } from '../../core/errors.js';
import { collect } from './common.js';

const SKIPPABLE = CHECK_NAMES.filter((n) => n !== 'vulnerabilities' && n !== 'licenses');

export function addCheckOptions(cmd: Command): Command {
  return cmd.option('--skip-check <name>', `do not run a content check: ${SKIPPABLE.join(', ')} (repeatable); a policy control over it is then not evaluated`, collect);
}

export function checkOptionsFrom(opts: Record<string, unknown>, env: Record<string, string | undefined>): CheckOptions {
  const skip = (opts.skipCheck as string[] | undefined) ?? [];
  for (const s of skip) {
    if (!(SKIPPABLE as readonly string[]).includes(s)) throw new PortcullisError('BAD_INPUT', `--skip-check: expected one of ${SKIPPABLE.join(', ')}, got ${s}`);
  }
  return { env, skip };
}
