// Walks an unpacked root filesystem (dir: sources) without following symlinks and without reading
// file contents. Pseudo filesystems (proc, sysfs, devtmpfs, cgroup, ... from /proc/self/mountinfo)
// mounted under the root are skipped, and so are /proc, /sys and /dev when the root is `/`.
import { lstatSync, readdirSync, readFileSync, readlinkSync, type Stats } from 'node:fs';
import type { EntryInfo } from '../core/types.js';
import { joinPath } from './path.js';

const PSEUDO_FS = new Set([
  'proc', 'sysfs', 'devtmpfs', 'devpts', 'cgroup', 'cgroup2', 'securityfs', 'debugfs', 'tracefs', 'pstore', 'bpf',
  'mqueue', 'hugetlbfs', 'configfs', 'fusectl', 'binfmt_misc', 'autofs', 'efivarfs', 'nsfs', 'rpc_pipefs', 'selinuxfs',
  'fuse.gvfsd-fuse', 'fuse.lxcfs', 'ramfs',
]);

function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Mount points (absolute host paths) of pseudo filesystems, from /proc/self/mountinfo. */
export function pseudoMounts(): Set<string> {
  const out = new Set<string>();
  let text: string;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const parts = line.split(' ');
    const sep = parts.indexOf('-');
    if (sep < 0 || parts.length < sep + 2) continue;
    const mountPoint = unescapeMount(parts[4] ?? '');
    const fstype = parts[sep + 1] ?? '';
    if (PSEUDO_FS.has(fstype)) out.add(mountPoint);
  }
  return out;
}

export function entryType(st: Stats): EntryInfo['type'] {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

export interface FsEntry {
  info: EntryInfo;
  /** host path */
  abs: string;
}

/** Depth-first, sorted walk of `root`; yields every entry below it (not the root itself). */
export async function* walkFs(root: string, onSkip: (path: string, why: string) => void): AsyncGenerator<FsEntry> {
  const skip = pseudoMounts();
  if (root === '/') for (const p of ['/proc', '/sys', '/dev']) skip.add(p);
  const toImage = (abs: string): string => (root === '/' ? abs : abs.slice(root.length) || '/');
  const stack: string[] = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch (e) {
      onSkip(toImage(dir), `cannot list directory: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      continue;
    }
    const subdirs: string[] = [];
    for (const n of names) {
      const abs = dir === '/' ? `/${n}` : joinPath(dir, n);
      if (skip.has(abs)) continue;
      // synchronous metadata calls: several times faster than the thread-pool round trips for 10^5+ entries
      let st: Stats;
      try {
        st = lstatSync(abs);
      } catch {
        onSkip(toImage(abs), 'cannot stat');
        continue;
      }
      const info: EntryInfo = { path: toImage(abs), type: entryType(st), size: st.isFile() ? st.size : 0, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid };
      if (st.isSymbolicLink()) {
        try {
          info.linkTarget = readlinkSync(abs);
        } catch {
          // unreadable link: no target
        }
      }
      yield { info, abs };
      if (st.isDirectory()) subdirs.push(abs);
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
}
