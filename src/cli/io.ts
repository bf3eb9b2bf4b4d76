// What a command needs from the outside world, injected so commands are testable in-process.
import type { Readable, Writable } from 'node:stream';
import type { Clock } from '../core/clock.js';

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  /** for --password-stdin (default process.stdin) */
  stdin?: Readable;
}
