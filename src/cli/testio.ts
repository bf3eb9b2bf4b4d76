// Test helper (not used at runtime): a CliIo that captures what commands write, with a fixed clock.
import { Writable } from 'node:stream';
import { fixedClock } from '../core/clock.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from './io.js';

let cacheDir: string | undefined;
/** the temp dir when this module loaded: a test that points TMPDIR elsewhere to see it left empty does not get the cache there */
const baseTmp = tmpdir();

function privateCacheDir(): string {
  return (cacheDir ??= mkdtempSync(join(baseTmp, 'portcullis-test-cache-')));
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** A CliIo over captured stdout/stderr (read back with out() and err()), the clock fixed at `now`. */
export function captureIo(now: string, env: NodeJS.ProcessEnv = {}): { io: CliIo; out: () => string; err: () => string } {
  const out = sink();
  const err = sink();
  // never the user's ~/.cache (the layer cache, the default DB path): a cache dir private to this process unless the test names one
  const e = env.PORTCULLIS_CACHE_DIR === undefined && env.HOME === undefined ? { ...env, PORTCULLIS_CACHE_DIR: privateCacheDir() } : env;
  return { io: { stdout: out.stream, stderr: err.stream, env: e, clock: fixedClock(now) }, out: out.text, err: err.text };
}
