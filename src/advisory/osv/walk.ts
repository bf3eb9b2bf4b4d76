// Sorted, recursive directory listing that never follows symbolic links.
import { lstat, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface WalkEntry {
  path: string;
  rel: string;
  size: number;
}

/** Yields regular files under root in sorted order; symlinks and specials are reported via onSkip. */
export async function* walkFiles(root: string, onSkip: (path: string, why: string) => void, maxDepth = 16): AsyncGenerator<WalkEntry> {
  async function* go(dir: string, depth: number): AsyncGenerator<WalkEntry> {
    if (depth > maxDepth) {
      onSkip(dir, `deeper than ${maxDepth} directory levels`);
      return;
    }
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const p = join(dir, name);
      const st = await lstat(p);
      if (st.isSymbolicLink()) onSkip(p, 'symbolic link not followed');
      else if (st.isDirectory()) yield* go(p, depth + 1);
      else if (st.isFile()) yield { path: p, rel: relative(root, p), size: st.size };
    }
  }
  yield* go(root, 0);
}
