// Anchored glob matching for security decisions: the whole string must match.
//   `*`  any run of characters except `/`
//   `**` any run of characters including `/`
//   `?`  one character except `/`
// Everything else is literal. No regex from user input reaches the engine unescaped.

const cache = new Map<string, RegExp>();

export function globToRegExp(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit) return hit;
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        re += '.*';
        i++;
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else {
      re += c.replace(/[\\^$.|+(){}[\]]/g, '\\$&');
    }
  }
  re += '$';
  const out = new RegExp(re, 's');
  if (cache.size > 10_000) cache.clear();
  cache.set(pattern, out);
  return out;
}

export function globMatch(pattern: string, value: string): boolean {
  return globToRegExp(pattern).test(value);
}

export function anyGlobMatch(patterns: readonly string[] | undefined, value: string): boolean {
  return (patterns ?? []).some((p) => globMatch(p, value));
}
