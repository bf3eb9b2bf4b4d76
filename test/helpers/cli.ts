// Runs the CLI in-process with captured output and a fixed clock.
import { runCli } from '../../src/cli/main.js';
import { captureIo } from '../../src/cli/testio.js';
import { SCAN_NOW } from './shared-db.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function cli(args: string[], opts: { now?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const { io, out, err } = captureIo(opts.now ?? SCAN_NOW, { ...opts.env });
  const code = await runCli(args, io);
  return { code, stdout: out(), stderr: err() };
}
