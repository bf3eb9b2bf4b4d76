// Two reads of one file must see the same bytes (plainregion.ts: the walk reads a layer on the main thread
// while the hash worker reads and hashes it on its own). Both readers check that the file they opened is
// the one (device and inode) whose status was taken before either read, and that its size and change time
// are still those once they have read: a write to the file changes its ctime, which no caller can set back.
import type { BigIntStats } from 'node:fs';

/** What both readers of a file check. Strings: bigints do not cross to the worker as they are. */
export interface FileIdentity {
  dev: string;
  ino: string;
  size: string;
  ctimeNs: string;
}

export function identityOf(st: BigIntStats): FileIdentity {
  return { dev: String(st.dev), ino: String(st.ino), size: String(st.size), ctimeNs: String(st.ctimeNs) };
}

/**
 * Why `st` is not the file `id` names, unchanged; undefined when it is. (Also the hash worker's: its code
 * is a string, and takes this function's source, so it uses nothing but its arguments and String.)
 */
export function changed(st: BigIntStats, id: FileIdentity): string | undefined {
  if (String(st.dev) !== id.dev || String(st.ino) !== id.ino) return 'the file was replaced while it was read';
  if (String(st.size) !== id.size || String(st.ctimeNs) !== id.ctimeNs) return 'the file changed while it was read';
  return undefined;
}
