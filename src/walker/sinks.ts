// One file's content, fanned out to the content checks that asked for it. A sink that throws is
// dropped (the walker records an `analyzer-error` problem naming the check) and told nothing more;
// the others go on, so one broken check never hides a file from another.
import type { ContentSink } from './types.js';

interface Entry {
  name: string;
  sink: ContentSink;
  dead: boolean;
}

export class SinkFan {
  private readonly entries: Entry[];

  constructor(
    sinks: { name: string; sink: ContentSink }[],
    private readonly onError: (name: string, e: unknown) => void,
  ) {
    this.entries = sinks.map((s) => ({ ...s, dead: false }));
  }

  private fail(x: Entry, e: unknown): void {
    x.dead = true;
    try {
      x.sink.abort(`check failed: ${e instanceof Error ? e.message : String(e)}`);
    } catch {
      // already failing
    }
    this.onError(x.name, e);
  }

  async write(chunk: Buffer): Promise<void> {
    for (const x of this.entries) {
      if (x.dead) continue;
      try {
        const r = x.sink.write(chunk);
        if (r) await r;
      } catch (e) {
        this.fail(x, e);
      }
    }
  }

  async end(): Promise<void> {
    for (const x of this.entries) {
      if (x.dead) continue;
      try {
        const r = x.sink.end();
        if (r) await r;
      } catch (e) {
        this.fail(x, e);
      }
      x.dead = true;
    }
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
}
