// Runs the CLI in-process with captured output and a fixed clock.
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/main.js';
import { fixedClock } from '../../src/core/clock.js';
import { SCAN_NOW } from './shared-db.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
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

export async function cli(args: string[], opts: { now?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const out = sink();
  const err = sink();
  const code = await runCli(args, {
    stdout: out.stream,
    stderr: err.stream,
    env: { ...opts.env },
    clock: fixedClock(opts.now ?? SCAN_NOW),
  });
  return { code, stdout: out.text(), stderr: err.text() };
}
