// Anchored glob matching for security decisions: the whole string must match.
//   `*`  any run of characters except `/`
//   `**` any run of characters including `/`
//   `?`  one character except `/`
// Everything else is literal. Patterns come from policies and values from images, so matching never
// backtracks: the pattern is compiled to a list of steps and run as a set of positions (a Thompson
// NFA), O(pattern × value) in the worst case, whatever the number of stars.

type Step = { kind: 'lit'; ch: string } | { kind: 'one' } | { kind: 'star' } | { kind: 'globstar' };

const cache = new Map<string, Step[]>();

function compile(pattern: string): Step[] {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const steps: Step[] = [];
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '*') {
      const kind = chars[i + 1] === '*' ? 'globstar' : 'star';
      if (kind === 'globstar') i++;
      // consecutive stars add nothing but work: `***` = `**`, `*` after `**` = `**`
      const prev = steps[steps.length - 1];
      if (prev && (prev.kind === 'globstar' || prev.kind === 'star')) {
        if (kind === 'globstar') prev.kind = 'globstar';
        continue;
      }
      steps.push({ kind });
    } else if (c === '?') steps.push({ kind: 'one' });
    else steps.push({ kind: 'lit', ch: c });
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(pattern, steps);
  return steps;
}

/** Add position `i` to `set`, and every position reachable from it without reading (a star may match nothing). */
function close(steps: Step[], set: Uint8Array, i: number): void {
  while (i <= steps.length && !set[i]) {
    set[i] = 1;
    const s = steps[i];
    if (!s || (s.kind !== 'star' && s.kind !== 'globstar')) return;
    i++;
  }
}

export function globMatch(pattern: string, value: string): boolean {
  return run(pattern, value).matched;
}

/** How many position × character steps a match takes (for tests: at most pattern × value). */
export function globMatchWork(pattern: string, value: string): number {
  return run(pattern, value).work;
}

function run(pattern: string, value: string): { matched: boolean; work: number } {
  let work = 0;
  const steps = compile(pattern);
  const n = steps.length;
  let cur = new Uint8Array(n + 1);
  let next = new Uint8Array(n + 1);
  close(steps, cur, 0);
  for (const ch of value) {
    next.fill(0);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (!cur[i]) continue;
      work++;
      const s = steps[i]!;
      if (s.kind === 'star' || s.kind === 'globstar') {
        if (s.kind === 'globstar' || ch !== '/') {
          close(steps, next, i);
          any = true;
        }
      } else if (s.kind === 'one' ? ch !== '/' : s.ch === ch) {
        close(steps, next, i + 1);
        any = true;
      }
    }
    if (!any) return { matched: false, work };
    [cur, next] = [next, cur];
  }
  return { matched: cur[n] === 1, work };
}

export function anyGlobMatch(patterns: readonly string[] | undefined, value: string): boolean {
  return (patterns ?? []).some((p) => globMatch(p, value));
}
