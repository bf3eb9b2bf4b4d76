// Test helper (not used at runtime): a CliIo that captures what commands write, with a fixed clock.
import { Writable } from 'node:stream';
import { fixedClock } from '../core/clock.js';
import type { CliIo } from './io.js';

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
  return { io: { stdout: out.stream, stderr: err.stream, env, clock: fixedClock(now) }, out: out.text, err: err.text };
}
