// The CLI: argument handling only. Exit codes: 0 passed · 1 policy failed · 2 could not decide.
// `portcullis --version` alone is answered here; everything else loads the program (commander and the
// chosen command's module, ./program.ts) first.
import { describeError, isPortcullisError } from '../core/errors.js';
import { systemClock } from '../core/clock.js';
import { cleanupNow } from '../core/cleanup.js';
import type { CliIo } from './io.js';
import { VERSION } from './version.js';

/** Runs the CLI in-process and returns the exit code (used by bin/ and by tests). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  process.exitCode = undefined;
  // commander's own answer, without loading commander (a CI step's first call; test/startup.test.ts)
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.stdout.write(`${VERSION}\n`);
    return 0;
  }
  let CommanderError: (typeof import('./program.js'))['CommanderError'] | undefined;
  try {
    const mod = await import('./program.js');
    CommanderError = mod.CommanderError;
    const { buildProgram, chosenCommand } = mod;
    const chosen = chosenCommand(argv);
    const program = await buildProgram(io, chosen === undefined ? [] : [chosen]);
    await program.parseAsync(argv, { from: 'user' });
    const code = process.exitCode;
    process.exitCode = undefined;
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    const verdictCode = process.exitCode;
    process.exitCode = undefined;
    // `scan ... | head`: the reader went away. Not an error of the run: end quietly with the verdict's code.
    if (isBrokenPipe(e)) return typeof verdictCode === 'number' ? verdictCode : 0;
    if (CommanderError !== undefined && e instanceof CommanderError) {
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

// run as a program: bin/portcullis(.js), the bundle's entry (main.cjs), tsc's main.js or the source
const isMain = process.argv[1] !== undefined && /(?:^|[\\/])(?:main\.(?:ts|js|cjs)|portcullis(?:\.js)?)$/.test(process.argv[1]);
if (isMain) {
  installProcessHandlers();
  // no top-level await: the bundle a user runs is CommonJS (scripts/bundle.mjs, ./launch.ts)
  void runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    clock: systemClock,
  }).then((code) => {
    process.exitCode = code;
    exitOnceFlushed(code);
  });
}

/**
 * Ends the process once what was written to stdout and stderr is out (a pipe whose reader is slow holds
 * a write until it drains; a write's callback runs after the writes before it). The run is over by then:
 * every command awaits its work, and the server, worker and admission commands their shutdown. Left to
 * itself Node would tear down its heap, threads and handles one by one first: ~6 ms of a warm scan of a
 * 5 MB image, ~17 ms of a cold sbom of a 157 MB one (medians of 31, 2026-12-07). 'exit' handlers still run
 * (temp files are removed). On Linux, Node writes to a pipe, file or terminal synchronously; on macOS and
 * Windows a pipe's writes may be pending, and this waits for them.
 */
export function exitOnceFlushed(code: number, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr, exit: (code: number) => void = process.exit): void {
  out.write('', () => err.write('', () => exit(code)));
}
