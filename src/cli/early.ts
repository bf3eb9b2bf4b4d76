// What the bundle's launcher starts before it loads the CLI: the hash worker's thread, when the command is
// `scan` or `sbom` of a local file large enough to need it (source/index.ts startHashWorkerFor decides the
// same once the CLI runs, ~100 ms later; source/earlyworker.ts hands the thread over). The arguments are
// read without the CLI's parser: the image is an argument that is not an option's value, so the options
// of those commands that take one are listed here (a test checks the list against the parser's).
import { availableParallelism } from 'node:os';
import { largeLocalArchive, startEarlyWorker } from '../source/earlyworker.js';
import { RING_BYTES } from '../source/hashworker-code.js';
import { chosenCommand } from './words.js';

/** Options of scan, sbom and the program that take a value (the next argument, unless given as `--x=v`). */
export const VALUE_OPTIONS: ReadonlySet<string> = new Set([
  '--base-catalog', '--ca-cert', '--cache-max-size', '--clamd', '--clamd-stream-max-length', '--config', '--db', '--db-source',
  '--decision', '--dockerfile', '--exceptions', '--exit-code', '--fail-on', '--format', '--insecure-registry', '--malware-cvd-key',
  '--malware-signatures', '--max-db-age', '--notify', '--notify-timeout', '--output', '--owners', '--pipeline', '--platform', '--policy',
  '--registry-mirror', '--registry-retries', '--registry-timeout', '--report-url', '--sbom', '--secret-config', '--secret-max-file-size',
  '--secret-scan-path', '--secret-skip-path', '--server', '--server-max-staleness', '--severity', '--sign-key', '--skip-check',
  '--username', '--vex', '-f', '-o',
]);

/** The arguments of `scan`/`sbom` that are not options or their values (the image, when well formed). */
export function positionals(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return [...out, ...argv.slice(i + 1)];
    if (VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-') || a === '-') out.push(a);
  }
  return out;
}

/** Whether `argv` (process.argv after the script) is a scan or sbom of a local archive from OFFLOAD_MIN_BYTES on. */
export function needsHashWorker(argv: readonly string[]): boolean {
  const command = chosenCommand(argv);
  const words = positionals(argv);
  // `help scan` and `scan --help` scan nothing
  if ((command !== 'scan' && command !== 'sbom') || words[0] !== command || argv.includes('--help') || argv.includes('-h')) return false;
  return words.slice(1).some(largeLocalArchive);
}

/** Starts the hash worker's thread when the command will need it (a second core, a large local archive). */
export function startEarly(argv: readonly string[]): void {
  if (availableParallelism() >= 2 && needsHashWorker(argv)) startEarlyWorker(RING_BYTES);
}
