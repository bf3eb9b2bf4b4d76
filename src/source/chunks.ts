// A Readable's chunks one at a time, as they were pushed. Node's own async iterator calls read(), which
// hands out everything queued at once: whenever the reader lags, the queued chunks (1 MiB file reads) are
// concatenated into a fresh buffer, a copy of every byte and fresh memory to fault in (3.9 MB of a 5 MB
// image's 5.5 MB of layers). In flowing mode each 'data' event is one chunk as pushed: no copy.
import type { Readable } from 'node:stream';
import { PortcullisError } from '../core/errors.js';

/**
 * Iterates `r`'s chunks without joining them; the stream is paused while a chunk waits to be taken.
 * Errors (also those emitted before iteration began, kept in `r.errored`) reject `next()`; a close
 * before the end is an error; ending the iteration early (break, throw) destroys the stream.
 */
export function chunksOf(r: Readable): AsyncIterableIterator<Buffer> {
  const queue: Buffer[] = [];
  let failure: Error | undefined = r.errored ?? undefined;
  let ended = r.readableEnded;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (c: Buffer): void => {
    queue.push(c);
    r.pause();
    notify();
  };
  const onEnd = (): void => {
    ended = true;
    notify();
  };
  const onError = (e: Error): void => {
    failure ??= e;
    notify();
  };
  const onClose = (): void => {
    if (!ended) failure ??= r.errored ?? new PortcullisError('INTERNAL', 'stream closed before its end');
    notify();
  };
  const detach = (): void => {
    r.off('data', onData);
    r.off('end', onEnd);
    r.off('error', onError);
    r.off('close', onClose);
  };
  if (!ended && failure === undefined) {
    if (r.destroyed) failure = new PortcullisError('INTERNAL', 'stream closed before its end');
    r.on('data', onData);
    r.on('end', onEnd);
    r.on('error', onError);
    r.on('close', onClose);
    r.pause();
  }
  const it: AsyncIterableIterator<Buffer> = {
    async next(): Promise<IteratorResult<Buffer>> {
      for (;;) {
        const c = queue.shift();
        if (c !== undefined) {
          // read ahead by one chunk while this one is used (its memory is the stream's to keep: never reused)
          if (!ended && failure === undefined) r.resume();
          return { value: c, done: false };
        }
        if (failure !== undefined) {
          detach();
          throw failure;
        }
        if (ended) {
          detach();
          return { value: undefined, done: true };
        }
        const woken = new Promise<void>((resolve) => (wake = resolve));
        r.resume();
        await woken;
      }
    },
    async return(): Promise<IteratorResult<Buffer>> {
      detach();
      queue.length = 0;
      if (!ended) r.destroy();
      return { value: undefined, done: true };
    },
    async throw(e?: unknown): Promise<IteratorResult<Buffer>> {
      detach();
      queue.length = 0;
      r.destroy(e instanceof Error ? e : undefined);
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}
