// The entry of the bundle a user runs (dist/bundle/main.cjs, built by scripts/bundle.mjs; bin/ requires it).
// `--version` alone is answered here, before anything else is loaded (the launcher's node:vm and
// node:module, process.stdout's streams: ~5 ms of a 0.12 s command); anything else runs the CLI bundle
// through launch.ts, which esbuild keeps behind this dynamic import until it is needed.
import { writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VERSION } from './version.js';

const here = fileURLToPath(import.meta.url);
// only as the bundle's entry (tsc's copy in dist/cli has no cli.cjs beside it)
if (/[\\/]bundle[\\/]main\.cjs$/.test(here)) {
  const argv = process.argv.slice(2);
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    try {
      writeSync(1, `${VERSION}\n`);
    } catch {
      // a non-blocking stdout that is full (EAGAIN): the stream waits for it
      process.stdout.write(`${VERSION}\n`);
    }
  } else {
    void import('./launch.js').then((l) => l.runCli(dirname(here)));
  }
}
