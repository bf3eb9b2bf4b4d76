// One file's content, fanned out to the content checks that asked for it. A sink that throws is
// dropped (the walker records an `analyzer-error` problem naming the check) and told nothing more;
// the others go on, so one broken check never hides a file from another.
import type { ContentSink } from './types.js';

interface Entry {
  name: string;
  sink: ContentSink;
  dead: boolean;
  /** threw (or had no cached outcome): its result for this file is not whole */
  failed: boolean;
}

export class SinkFan {
  private readonly entries: Entry[];

  constructor(
    sinks: { name: string; sink: ContentSink }[],
    private readonly onError: (name: string, e: unknown) => void,
  ) {
    this.entries = sinks.map((s) => ({ name: s.name, sink: s.sink, dead: false, failed: false }));
  }

  private fail(x: Entry, e: unknown): void {
    x.dead = true;
    x.failed = true;
    try {
      x.sink.abort(`check failed: ${e instanceof Error ? e.message : String(e)}`);
    } catch {
      // already failing
    }
    this.onError(x.name, e);
  }

  /**
   * Give `chunk` to every live sink, in order. Synchronous while the sinks are (most are): a promise only
   * when one of them returned one, so a file of many chunks does not cost a promise per chunk.
   */
  write(chunk: Buffer): Promise<void> | undefined {
    return this.each(0, (sink) => sink.write(chunk), false);
  }

  /** Does no live sink need more of the file (ContentSink.done)? */
  done(): boolean {
    for (const x of this.entries) if (!x.dead && !x.sink.done?.()) return false;
    return true;
  }

  /** Tell every live sink the file ended; synchronous unless one of them returns a promise. */
  end(): Promise<void> | undefined {
    return this.each(0, (sink) => sink.end(), true);
  }

  private each(from: number, call: (sink: ContentSink) => void | Promise<void>, last: boolean): Promise<void> | undefined {
    for (let i = from; i < this.entries.length; i++) {
      const x = this.entries[i]!;
      if (x.dead) continue;
      let r: void | Promise<void>;
      try {
        r = call(x.sink);
      } catch (e) {
        this.fail(x, e);
        continue;
      }
      if (r) return this.settle(r, x, i, call, last);
      if (last) x.dead = true;
    }
    return undefined;
  }

  private async settle(r: Promise<void>, x: Entry, i: number, call: (sink: ContentSink) => void | Promise<void>, last: boolean): Promise<void> {
    try {
      await r;
    } catch (e) {
      this.fail(x, e);
    }
    if (last) x.dead = true;
    await this.each(i + 1, call, last);
  }

  abort(reason: string): void {
    for (const x of this.entries) {
      if (x.dead) continue;
      x.dead = true;
      try {
        x.sink.abort(reason);
      } catch (e) {
        this.onError(x.name, e);
      }
    }
  }

  /** Layer cache: each sink's outcome for this file (ContentSink.save), by name, or undefined when one cannot say (no save, failed); a promise while a sink's outcome is still being computed. */
  saved(): Record<string, unknown> | Promise<Record<string, unknown> | undefined> | undefined {
    const out: Record<string, unknown> = {};
    const later: Promise<void>[] = [];
    for (const x of this.entries) {
      if (x.failed || !x.sink.save) return undefined;
      try {
        const v = x.sink.save();
        const name = x.name;
        out[name] = v;
        // an outcome still being computed (the malware worker): filled in when it arrives; none → not recordable
        if (v instanceof Promise) {
          later.push(
            v.then((r: unknown) => {
              if (r === undefined) throw new Error('no outcome');
              out[name] = r;
            }),
          );
        }
      } catch {
        return undefined;
      }
    }
    if (later.length === 0) return out;
    return Promise.all(later).then(
      () => (this.entries.some((x) => x.failed) ? undefined : out),
      () => undefined,
    );
  }

  /** Layer cache: give each sink the outcome a run over the same file saved, instead of the content. A sink without one fails (a gap), never passes. */
  async restore(saved: Record<string, unknown> | undefined): Promise<void> {
    for (const x of this.entries) {
      if (x.dead) continue;
      if (!saved || !Object.hasOwn(saved, x.name) || !x.sink.restore) {
        this.fail(x, new Error('the layer cache holds no result of this check for the file'));
        continue;
      }
      try {
        const r = x.sink.restore(saved[x.name]);
        if (r) await r;
      } catch (e) {
        this.fail(x, e);
      }
      x.dead = true;
    }
  }
}
