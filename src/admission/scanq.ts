// Scan on admission (`--missing-decision scan`): an image digest without a decision is scanned now, one
// scan per digest however many requests ask (they share it), at most `concurrency` at a time. A request
// waits up to the deadline; a scan that takes longer goes on in the background and stores its decision,
// so the controller's retry (ReplicaSets, Jobs and DaemonSets retry pod creation) finds it.
export type ScanFn = (name: string, digest: string) => Promise<unknown>;

export class ScanQueue {
  private readonly running = new Map<string, Promise<unknown>>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly scan: ScanFn,
    readonly deadlineMs: number,
    private readonly concurrency = 1,
    private readonly log?: (line: string) => void,
  ) {}

  private async slot<T>(f: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await f();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** The decision record for `digest` (from a scan started now or already under way), or 'deadline'. */
  async decide(name: string, digest: string): Promise<unknown> {
    let p = this.running.get(digest);
    if (!p) {
      p = this.slot(() => this.scan(name, digest)).finally(() => this.running.delete(digest));
      p.catch((e: unknown) => this.log?.(`scan on admission of ${name}@${digest} failed: ${(e as Error).message}`));
      this.running.set(digest, p);
    }
    let t: NodeJS.Timeout | undefined;
    const late = new Promise<'deadline'>((resolve) => (t = setTimeout(() => resolve('deadline'), this.deadlineMs)));
    try {
      return await Promise.race([p, late]);
    } finally {
      clearTimeout(t);
    }
  }
}
