// A one-line progress indicator on stderr, only when stderr is a TTY and --quiet is not set.
import type { CliIo } from './io.js';

export function layerProgress(io: CliIo, enabled: boolean): ((done: number, total: number) => void) | undefined {
  const tty = (io.stderr as NodeJS.WriteStream).isTTY === true;
  if (!enabled || !tty) return undefined;
  return (done, total) => {
    io.stderr.write(`\r\x1b[2Kreading layers ${done}/${total}`);
    if (done === total) io.stderr.write('\r\x1b[2K');
  };
}
