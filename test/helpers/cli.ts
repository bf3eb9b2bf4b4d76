// Runs the CLI in-process with captured output and a fixed clock.
import { runCli } from '../../src/cli/main.js';
import { captureIo } from '../../src/cli/testio.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCAN_NOW } from './shared-db.js';

let cacheDir: string | undefined;

/** A cache dir private to this test process (the layer cache, default DB path), never the user's ~/.cache. */
export function testCacheDir(): string {
  return (cacheDir ??= mkdtempSync(join(tmpdir(), 'portcullis-test-cache-')));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[], opts: { now?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const { io, out, err } = captureIo(opts.now ?? SCAN_NOW, { PORTCULLIS_CACHE_DIR: testCacheDir(), ...opts.env });
  const code = await runCli(args, io);
  return { code, stdout: out(), stderr: err() };
}
