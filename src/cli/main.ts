// The CLI: argument handling only. Exit codes: 0 passed · 1 policy failed · 2 could not decide.
import { Command, CommanderError } from 'commander';
import { describeError, isPortcullisError } from '../core/errors.js';
import { systemClock } from '../core/clock.js';
import { cleanupNow } from '../core/cleanup.js';
import type { CliIo } from './io.js';
import { registerSbomCommand } from './commands/sbom.js';
import { registerScanCommand } from './commands/scan.js';
import { registerDbCommands } from './commands/db.js';
import { registerPolicyCommands } from './commands/policy.js';
import { registerBaseCommands } from './commands/base.js';
import { registerServerCommands } from './commands/server.js';
import { VERSION } from './version.js';

export function buildProgram(io: CliIo): Command {
  const program = new Command();
  program
    .name('portcullis')
    .description('Container image assurance gate: inventory, vulnerabilities, policies with exceptions, approved base images')
    .version(VERSION)
    .option('--config <file>', 'config file with flag defaults (default: ./portcullis.yaml)')
    .option('--quiet', 'no progress or notices on stderr')
    .option('--debug', 'print stack traces and debug details on stderr')
    .option('--no-color', 'never colour the output')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError(false);
  registerSbomCommand(program, io);
  registerScanCommand(program, io);
  registerDbCommands(program, io);
  registerPolicyCommands(program, io);
  registerBaseCommands(program, io);
  registerServerCommands(program, io);
  for (const c of program.commands) c.exitOverride();
  return program;
}

/** Runs the CLI in-process and returns the exit code (used by bin/ and by tests). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    const code = process.exitCode;
    process.exitCode = undefined;
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    const verdictCode = process.exitCode;
    process.exitCode = undefined;
    // `scan ... | head`: the reader went away. Not an error of the run: end quietly with the verdict's code.
    if (isBrokenPipe(e)) return typeof verdictCode === 'number' ? verdictCode : 0;
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    const debug = argv.includes('--debug');
    io.stderr.write(`portcullis: ${describeError(e)}\n`);
    if (debug && e instanceof Error && e.stack) io.stderr.write(e.stack + '\n');
    if (debug && !isPortcullisError(e)) io.stderr.write('(an unexpected error: please report it)\n');
    return 2;
  }
}

/** A write to a closed pipe (EPIPE) or to a stream destroyed after one. */
export function isBrokenPipe(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') return true;
  return e instanceof Error && e.cause !== undefined && isBrokenPipe(e.cause);
}

const SIGNAL_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/**
 * For the real process only: a closed stdout must not crash the run with a stack trace, and SIGINT/
 * SIGTERM/SIGHUP remove temp files (decompressed archives, half-written outputs and DBs) before exiting
 * with 128 + the signal number.
 */
function installProcessHandlers(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') process.stderr.write(`portcullis: cannot write to stdout: ${e.message}\n`);
  });
  for (const [sig, code] of Object.entries(SIGNAL_CODES)) {
    process.once(sig, () => {
      cleanupNow();
      try {
        process.stderr.write(`portcullis: interrupted by ${sig}; temp files removed\n`);
      } catch {
        // stderr may be gone too
      }
      process.exit(code);
    });
  }
}

const isMain = process.argv[1] !== undefined && /(?:^|[\\/])(?:main\.(?:ts|js)|portcullis(?:\.js)?)$/.test(process.argv[1]);
if (isMain) {
  installProcessHandlers();
  const code = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    clock: systemClock,
  });
  process.exitCode = code;
}
