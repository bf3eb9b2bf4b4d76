// Things to undo when the process ends early: temp files and directories (a decompressed archive, a
// report being written, a DB being built). Registered while they exist, removed synchronously on
// `exit` and by the CLI's SIGINT/SIGTERM handlers (cli/main.ts), so nothing is left in TMPDIR or next
// to an output when a CI job is cancelled.
import { rmSync } from 'node:fs';

const paths = new Set<string>();

/** Remove `path` (file or directory) if the process ends before `release()` is called. */
export function removeOnExit(path: string): { release(): void } {
  paths.add(path);
  return { release: () => void paths.delete(path) };
}

/** Remove everything still registered (synchronous: safe in exit and signal handlers). */
export function cleanupNow(): void {
  for (const p of paths) {
    try {
      rmSync(p, { recursive: true, force: true });
    } catch {
      // best effort while exiting
    }
  }
  paths.clear();
}

/** For tests. */
export function pendingCleanups(): string[] {
  return [...paths];
}

process.once('exit', cleanupNow);
