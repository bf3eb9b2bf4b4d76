// Path safety inside an image: every entry name becomes an absolute, normalised `/a/b`; links are
// resolved with chroot semantics (`..` at the root stays at the root, absolute targets start at the
// image root), so nothing is ever followed outside the image. Cycles are bounded by maxLinkDepth.

export type PathResult = { ok: true; path: string } | { ok: false; reason: string };

/**
 * `./usr/bin/x` → `/usr/bin/x`; leading `/` and `./` are neutralised; `a/../b` → `/b`; a `..` that
 * would climb above the root is refused (hostile entry).
 */
export function normaliseEntryPath(raw: string): PathResult {
  // most names (`usr/bin/x`, `/usr/bin/x`, `usr/share/`) need no splitting: one test, then at most a
  // leading and a trailing slash off (a name per entry, 98k entries in a 1.3 GB image)
  if (!NEEDS_SPLIT.test(raw) && !raw.includes('\u0000')) {
    const from = raw.startsWith('/') ? 1 : 0;
    const to = raw.length > from && raw.endsWith('/') ? raw.length - 1 : raw.length;
    return { ok: true, path: `/${raw.slice(from, to)}` };
  }
  return normaliseSlowly(raw);
}

/** a `.` or `..` component, or an empty one (`//`): the name is taken apart component by component */
const NEEDS_SPLIT = /(?:^|\/)\.\.?(?:\/|$)|\/\//;

function normaliseSlowly(raw: string): PathResult {
  if (raw.includes('\u0000')) return { ok: false, reason: 'entry name contains a NUL byte' };
  const stack: string[] = [];
  for (const c of raw.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      if (stack.length === 0) return { ok: false, reason: `entry name ${JSON.stringify(raw.slice(0, 200))} escapes the image root` };
      stack.pop();
      continue;
    }
    stack.push(c);
  }
  return { ok: true, path: `/${stack.join('/')}` };
}

export function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

export function baseOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

export function joinPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

/** All proper ancestors of `/a/b/c`: `/a/b`, `/a`, `/`. */
export function ancestors(p: string): string[] {
  const out: string[] = [];
  let cur = p;
  while (cur !== '/') {
    cur = parentOf(cur);
    out.push(cur);
  }
  return out;
}

/**
 * Resolve `target` (a symlink's target, relative to the link's directory, or absolute from the image
 * root) following the symlinks `lookup` knows about, component by component, including the last one.
 */
export function resolveInRoot(linkDir: string, target: string, lookup: (p: string) => string | undefined, maxDepth: number): PathResult {
  let queue = (target.startsWith('/') ? target : `${linkDir}/${target}`).split('/');
  const resolved: string[] = [];
  let depth = 0;
  while (queue.length > 0) {
    const c = queue.shift()!;
    if (c === '' || c === '.') continue;
    if (c === '..') {
      resolved.pop();
      continue;
    }
    const candidate = `/${[...resolved, c].join('/')}`;
    const t = lookup(candidate);
    if (t === undefined) {
      resolved.push(c);
      continue;
    }
    depth++;
    if (depth > maxDepth) return { ok: false, reason: `more than ${maxDepth} symbolic links to follow (cycle?) resolving ${candidate}` };
    if (t.startsWith('/')) resolved.length = 0;
    queue = [...t.split('/'), ...queue];
  }
  return { ok: true, path: `/${resolved.join('/')}` };
}
