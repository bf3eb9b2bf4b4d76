// Items keyed by absolute path, with cheap "is anything beneath this directory?" checks, so the
// walker can apply overwrites, whiteouts and opaque directories as entries stream by.

/** what a removal that found nothing returns (one shared array: a removal is tried at every entry's path) */
const NONE: never[] = Object.freeze([]) as unknown as never[];

export class PathIndex<T extends { layer: number }> {
  private readonly byPath = new Map<string, T[]>();
  /** directory → number of items strictly beneath it */
  private readonly below = new Map<string, number>();

  get size(): number {
    return this.byPath.size;
  }

  add(path: string, item: T): void {
    const list = this.byPath.get(path);
    if (list) list.push(item);
    else this.byPath.set(path, [item]);
    for (const a of ancestorsOf(path)) this.below.set(a, (this.below.get(a) ?? 0) + 1);
  }

  /** the latest item at `path` */
  last(path: string): T | undefined {
    const l = this.byPath.get(path);
    return l ? l[l.length - 1] : undefined;
  }

  hasBelow(dir: string): boolean {
    return (this.below.get(dir) ?? 0) > 0;
  }

  /** Remove items at exactly `path` that `pred` selects; returns them. */
  killAt(path: string, pred: (t: T) => boolean): T[] {
    const list = this.byPath.get(path);
    if (!list) return NONE;
    const killed = list.filter(pred);
    if (killed.length === 0) return NONE;
    const kept = list.filter((t) => !pred(t));
    if (kept.length > 0) this.byPath.set(path, kept);
    else this.byPath.delete(path);
    for (const a of ancestorsOf(path)) {
      const n = (this.below.get(a) ?? 0) - killed.length;
      if (n > 0) this.below.set(a, n);
      else this.below.delete(a);
    }
    return killed;
  }

  /** Remove items strictly beneath `dir` that `pred` selects. */
  killBelow(dir: string, pred: (t: T) => boolean): T[] {
    if (!this.hasBelow(dir)) return NONE;
    const prefix = dir === '/' ? '/' : `${dir}/`;
    const out: T[] = [];
    for (const p of [...this.byPath.keys()]) if (p.startsWith(prefix) && p !== dir) out.push(...this.killAt(p, pred));
    return out;
  }

  entries(): IterableIterator<[string, T[]]> {
    return this.byPath.entries();
  }
}

function ancestorsOf(p: string): string[] {
  const out: string[] = [];
  let cur = p;
  while (cur !== '/' && cur !== '') {
    const i = cur.lastIndexOf('/');
    cur = i <= 0 ? '/' : cur.slice(0, i);
    out.push(cur);
  }
  return out;
}
