// One multi-pattern pass over a file's bytes for every rule keyword at once (Aho-Corasick, ASCII case
// folded), as gitleaks pre-filters fragments by keyword: only where a keyword occurs do regexes run.
// The automaton is a dense DFA over a reduced alphabet, so the pass is one table lookup per byte.

export interface KeywordHit {
  /** offset of the keyword's first byte */
  at: number;
  /** index into the keyword list given to the constructor */
  keyword: number;
}

export class KeywordMatcher {
  private readonly classes = new Uint8Array(256);
  private readonly width: number;
  private readonly next: Int32Array;
  /** per state: keyword indices that end here (including through failure links) */
  private readonly out: number[][];
  private readonly lengths: number[];
  /** 1 where `out` is not empty: the hot loop reads one byte array */
  private readonly accept: Uint8Array;

  constructor(keywords: readonly string[]) {
    this.lengths = keywords.map((k) => Buffer.byteLength(k, 'latin1'));
    // alphabet: every byte that occurs in a keyword (folded) gets a class; all others share class 0
    let n = 1;
    const lower = (b: number): number => (b >= 65 && b <= 90 ? b + 32 : b);
    for (const k of keywords) for (const b of Buffer.from(k.toLowerCase(), 'latin1')) if (this.classes[b] === 0) this.classes[b] = n++;
    for (let b = 65; b <= 90; b++) this.classes[b] = this.classes[b + 32]!;
    this.width = n;
    const goto: number[][] = [new Array<number>(n).fill(-1)];
    const out: number[][] = [[]];
    keywords.forEach((k, ki) => {
      let s = 0;
      for (const b of Buffer.from(k.toLowerCase(), 'latin1')) {
        const c = this.classes[lower(b)]!;
        if (goto[s]![c] === -1) {
          goto[s]![c] = goto.length;
          goto.push(new Array<number>(n).fill(-1));
          out.push([]);
        }
        s = goto[s]![c]!;
      }
      out[s]!.push(ki);
    });
    const fail = new Array<number>(goto.length).fill(0);
    const next = new Int32Array(goto.length * n);
    const queue: number[] = [];
    for (let c = 0; c < n; c++) {
      const t = goto[0]![c]!;
      next[c] = t === -1 ? 0 : t;
      if (t > 0) queue.push(t);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      out[s]!.push(...out[fail[s]!]!);
      for (let c = 0; c < n; c++) {
        const t = goto[s]![c]!;
        if (t === -1) next[s * n + c] = next[fail[s]! * n + c]!;
        else {
          fail[t] = next[fail[s]! * n + c]!;
          next[s * n + c] = t;
          queue.push(t);
        }
      }
    }
    this.next = next;
    this.out = out;
    this.accept = Uint8Array.from(out, (o) => (o.length ? 1 : 0));
  }

  /** every keyword occurrence in buf[from, to) */
  scan(buf: Uint8Array, from = 0, to = buf.length): KeywordHit[] {
    const hits: KeywordHit[] = [];
    const { classes, next, width, out, lengths, accept } = this;
    let s = 0;
    for (let i = from; i < to; i++) {
      s = next[s * width + classes[buf[i]!]!]!;
      if (accept[s] === 1) for (const k of out[s]!) hits.push({ at: i + 1 - lengths[k]!, keyword: k });
    }
    return hits;
  }
}
