// Build time only (scripts/train-code-cache.mjs): code caches that hold what the CLI's runs compile.
// A cache made from a freshly compiled script holds its top level alone: V8 compiles a function when it is
// first called, so every run of the CLI compiled the hundreds of functions a scan calls (~17 ms of a 0.26 s
// warm scan of a 5 MB image). Here the bundle's CLI runs in this process on the training runs given (a
// scan's, cold and warm, an sbom's, a policy's), then each file it ran gets the cache of what V8 compiled by
// then. A user's run deserialises those functions instead of compiling them; a function no training run
// called is compiled when called, as before. The caches are written as launch.ts reads them (the sha256
// of the file they were made from, then V8's data), so a stale one is still never offered to V8.
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type vm from 'node:vm';
import type { CliIo } from './io.js';
import { runModule, saveCodeCache, vendoredIn } from './launch.js';

export interface TrainingRun {
  argv: string[];
  /** the exit codes the run is expected to end with (default 0; a policy that fails its image: 1) */
  codes?: number[];
}

type RunCli = (argv: string[], io: CliIo) => Promise<number>;

function sink(onText?: (s: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      onText?.(chunk.toString('utf8'));
      cb();
    },
  });
}

/**
 * Runs `dir`'s cli.cjs (dist/bundle) in this process on each of `runs` in turn, with `env` (point its
 * PORTCULLIS_CACHE_DIR at a private directory), then writes the code cache of each file that ran (cli.cjs,
 * the vendored packages the runs loaded). Returns those files. A run that ends with another exit code than
 * expected fails the training, with what it wrote to stderr: a cache is never made from a broken run.
 * Call it in a process of its own, started with the flags users start the CLI with (none): V8 refuses a
 * cache made under other flags.
 */
export async function trainCodeCaches(dir: string, runs: TrainingRun[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const ran = new Map<string, { script: vm.Script; source: Buffer }>();
  const cli = runModule(join(dir, 'cli.cjs'), vendoredIn(dir), (file, _use, script, source) => ran.set(file, { script, source }));
  const runCli = (cli.exports as { runCli?: RunCli }).runCli;
  if (typeof runCli !== 'function') throw new Error(`${join(dir, 'cli.cjs')} exports no runCli`);
  for (const run of runs) {
    let err = '';
    const io: CliIo = { stdout: sink(), stderr: sink((s) => (err += s)), env, clock: { now: () => new Date() } };
    const code = await runCli(run.argv, io);
    const expected = run.codes ?? [0];
    if (!expected.includes(code)) {
      throw new Error(`code cache training: \`portcullis ${run.argv.join(' ')}\` ended with ${code}, not ${expected.join(' or ')}: ${err.trim()}`);
    }
  }
  for (const [file, { script, source }] of ran) saveCodeCache(file, source, script);
  return [...ran.keys()];
}
