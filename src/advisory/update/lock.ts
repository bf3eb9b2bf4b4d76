// A cross-process lock file: created with O_EXCL ('wx'), holding {pid, host, time}. A lock whose
// process is gone (same host) or that is older than staleMs is stale and is taken over — atomically:
// only the process holding `<lock>.takeover` (O_EXCL too) may remove a stale lock, and only if the
// lock is still the one it judged stale, so two waiters never both remove it and both build.
import { hostname } from 'node:os';
import { lstat, open, readFile, unlink } from 'node:fs/promises';
import { PortcullisError } from '../../core/errors.js';

export interface LockOptions {
  /** give up after this long (DB_LOCKED) */
  timeoutMs?: number;
  /** a lock older than this is stale even if its process seems alive */
  staleMs?: number;
  pollMs?: number;
  /** called once when we start waiting for another holder */
  onWait?: (holder: LockInfo | undefined) => void;
}

export interface LockInfo {
  pid: number;
  host: string;
  time: number;
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    const v = JSON.parse(await readFile(path, 'utf8')) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.time === 'number') return v as LockInfo;
  } catch {
    // unreadable or half-written: judged by age below
  }
  return undefined;
}

export const DEFAULT_STALE_MS = 60 * 60_000;
/** a takeover marker older than this belongs to a process killed while taking over */
const TAKEOVER_STALE_MS = 10_000;

/** Remove the stale lock `judged` (by pid and time; undefined = unreadable) unless someone replaced it meanwhile. */
async function takeOver(path: string, judged: LockInfo | undefined, judgedFile: { ino: number; mtimeMs: number } | undefined): Promise<void> {
  const marker = `${path}.takeover`;
  let fh;
  try {
    fh = await open(marker, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const st = await lstat(marker).catch(() => undefined);
    if (st && Date.now() - st.mtimeMs > TAKEOVER_STALE_MS) await unlink(marker).catch(() => undefined);
    return; // someone else is taking over: look again after the poll
  }
  try {
    await fh.close();
    const cur = await readLock(path);
    const st = await lstat(path).catch(() => undefined);
    // the same file (inode and mtime: a new lock made after a removal differs) with the same holder
    const sameFile = st !== undefined && judgedFile !== undefined && st.ino === judgedFile.ino && st.mtimeMs === judgedFile.mtimeMs;
    const sameHolder = judged === undefined ? cur === undefined : cur !== undefined && cur.pid === judged.pid && cur.time === judged.time && cur.host === judged.host;
    const same = sameFile && sameHolder;
    if (same) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(marker).catch(() => undefined);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Acquires the lock; returns its release function. */
export async function acquireLock(path: string, opts: LockOptions = {}): Promise<() => Promise<void>> {
  const timeoutMs = opts.timeoutMs ?? 15 * 60_000;
  const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
  const pollMs = opts.pollMs ?? 100;
  const started = Date.now();
  let waited = false;
  let unreadableSince: number | undefined;
  while (true) {
    try {
      const fh = await open(path, 'wx');
      const me: LockInfo = { pid: process.pid, host: hostname(), time: Date.now() };
      await fh.writeFile(JSON.stringify(me));
      await fh.close();
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        const cur = await readLock(path);
        if (cur && cur.pid === me.pid && cur.time === me.time) await unlink(path).catch(() => undefined);
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new PortcullisError('DB_LOCKED', `cannot create lock file ${path}: ${(e as Error).message}`, { cause: e, subject: path });
      }
    }
    const holderFile = await lstat(path).catch(() => undefined);
    const holder = await readLock(path);
    let stale: boolean;
    if (holder) {
      unreadableSince = undefined;
      stale = (holder.host === hostname() && !pidAlive(holder.pid)) || Date.now() - holder.time > staleMs;
    } else {
      // a holder that has not written its content yet gets a grace period
      unreadableSince ??= Date.now();
      stale = Date.now() - unreadableSince > 5_000;
    }
    if (stale) {
      await takeOver(path, holder, holderFile && { ino: holderFile.ino, mtimeMs: holderFile.mtimeMs });
      await sleep(Math.min(pollMs, 20));
      continue;
    }
    if (!waited) {
      waited = true;
      opts.onWait?.(holder);
    }
    if (Date.now() - started > timeoutMs) {
      throw new PortcullisError(
        'DB_LOCKED',
        `advisory DB is locked by ${holder ? `pid ${holder.pid} on ${holder.host}` : 'another process'} (${path}); gave up after ${timeoutMs} ms`,
        { subject: path },
      );
    }
    await sleep(pollMs);
  }
}
