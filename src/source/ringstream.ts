// What the layer streams that hand out reused memory share (ringregion.ts: a plain region read into a lent
// ring and hashed there; ringinflate.ts: a gzip'd region gunzipped by the worker into one; plainregion.ts:
// a plain region read into two buffers, hashed apart): iteration that turns into an error once stopped,
// never into an end, and the errors a layer stream gives.
import { PortcullisError } from '../core/errors.js';
import type { LayerStream } from '../core/types.js';
import { layerReadError } from './streams.js';

export abstract class RingStream implements LayerStream {
  private it: AsyncGenerator<Buffer, void, undefined> | undefined;
  /** destroyed, or its signal aborted: the next chunk asked for is an error */
  protected stopped = false;

  constructor(
    /** names the layer in errors */
    protected readonly what: string,
    private readonly signal?: AbortSignal,
  ) {}

  /** The chunks, in order; each valid until the next is asked for. Its `finally` gives the ring and file back. */
  protected abstract chunks(): AsyncGenerator<Buffer, void, undefined>;

  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    const gen = (this.it ??= this.watched());
    // once stopped, every next chunk asked for is an error: a stream cut short never reads as a whole one
    return {
      next: () => (this.stopped ? Promise.reject(this.aborted()) : gen.next()),
      return: () => gen.return(undefined),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Stop: the next chunk asked for is an error, and the ring and file are given back. */
  destroy(): void {
    this.stopped = true;
    this.it?.return(undefined).catch(() => undefined);
  }

  protected aborted(): PortcullisError {
    return new PortcullisError('INTERNAL', `${this.what}: aborted`, { subject: this.what });
  }

  private async *watched(): AsyncGenerator<Buffer, void, undefined> {
    const stop = (): void => this.destroy();
    if (this.signal?.aborted) this.stopped = true;
    this.signal?.addEventListener('abort', stop, { once: true });
    try {
      if (this.stopped) throw this.aborted();
      yield* this.chunks();
    } catch (e) {
      throw layerReadError(e, this.what);
    } finally {
      this.signal?.removeEventListener('abort', stop);
    }
  }
}
