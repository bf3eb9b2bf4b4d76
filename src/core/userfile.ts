// Files the user points at (--policy, --exceptions, --config, --base-catalog, --dockerfile): read only
// regular files, with the size cap checked while reading (a FIFO, /dev/zero or /dev/urandom never
// hangs the run or grows memory: a non-regular file is refused before the first byte is read), and
// quote their content back in errors only as a short, redacted excerpt.
import { constants, openSync, fstatSync, readSync, closeSync, promises as fsp } from 'node:fs';
import { join, sep } from 'node:path';
import { PortcullisError, type ErrorCode } from './errors.js';

// O_NONBLOCK: opening a FIFO without a writer returns at once instead of blocking
const FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0);

function notRegular(what: string, path: string): PortcullisError {
  return new PortcullisError('BAD_INPUT', `${what} ${path}: not a regular file (a device, FIFO, socket or directory cannot be read)`, { subject: path });
}

function tooLarge(what: string, path: string, max: number): PortcullisError {
  return new PortcullisError('LIMIT_EXCEEDED', `${what} ${path}: larger than the ${max}-byte limit`, { subject: path });
}

function openError(what: string, path: string, e: unknown): PortcullisError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new PortcullisError('NOT_FOUND', `${what} ${path}: no such file`, { subject: path, cause: e });
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
  return new PortcullisError('BAD_INPUT', `${what} ${path}: cannot read: ${why}`, { subject: path, cause: e });
}

/** The content of a regular file of at most `maxBytes` bytes. `what` names it in errors (`--policy`). */
export async function readUserFile(path: string, maxBytes: number, what: string): Promise<Buffer> {
  let fh;
  try {
    fh = await fsp.open(path, FLAGS);
  } catch (e) {
    throw openError(what, path, e);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw notRegular(what, path);
    if (st.size > maxBytes) throw tooLarge(what, path, maxBytes);
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(Math.min(1024 * 1024, maxBytes + 1 - total) || 1);
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooLarge(what, path, maxBytes); // grew while we read
      parts.push(buf.subarray(0, bytesRead));
    }
    return Buffer.concat(parts);
  } catch (e) {
    if (e instanceof PortcullisError) throw e;
    throw openError(what, path, e);
  } finally {
    await fh.close();
  }
}

/** `readUserFile`, synchronous (config loading happens before any async work). */
export function readUserFileSync(path: string, maxBytes: number, what: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (e) {
    throw openError(what, path, e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notRegular(what, path);
    if (st.size > maxBytes) throw tooLarge(what, path, maxBytes);
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.alloc(Math.min(1024 * 1024, maxBytes + 1 - total) || 1);
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw tooLarge(what, path, maxBytes);
      parts.push(buf.subarray(0, n));
    }
    return Buffer.concat(parts);
  } catch (e) {
    if (e instanceof PortcullisError) throw e;
    throw openError(what, path, e);
  } finally {
    closeSync(fd);
  }
}

const SECRET_KEY = /(pass(word|wd)?|secret|token|api[-_]?key|auth|credential|private[-_]?key|session|cookie)/i;

/**
 * A short, redacted excerpt of text read from a user's file, for error messages: the first line, at
 * most `max` characters, values of secret-looking keys and long token-like runs replaced.
 */
export function excerpt(text: string, max = 40): string {
  const lines = text.split(/\r?\n/);
  let s = lines[0] ?? '';
  // KEY=value / key: value with a secret-looking key: the value goes
  s = s.replace(/([A-Za-z0-9_.-]+)(\s*[=:]\s*)(\S.*)$/, (m, k: string, sep: string) => (SECRET_KEY.test(k) ? `${k}${sep}[redacted]` : m));
  // long runs of token characters (keys, hashes, JWTs)
  s = s.replace(/[A-Za-z0-9_\-+/=.]{20,}/g, (m) => `${m.slice(0, 4)}…[redacted]`);
  // eslint-disable-next-line no-control-regex
  s = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');
  const more = lines.length > 1 || s.length > max;
  if (s.length > max) s = s.slice(0, max);
  return more ? `${s}…` : s;
}

/**
 * Files named by paths: files as given, directories expanded (recursively, sorted, dot-files skipped) to
 * the files `accept` takes by name. Links inside a given directory are followed only when they stay
 * inside it: a link to `/` or to /etc/passwd never walks or reads the host. Dangling links and
 * unreadable entries are skipped; a file reached twice (through a link) is listed once.
 */
export async function expandUserPaths(paths: string[], accept: (name: string) => boolean, emptyCode: ErrorCode, kinds: string): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  async function walk(dir: string, top: string, depth: number): Promise<void> {
    if (depth > 8) return;
    const names = (await fsp.readdir(dir)).sort();
    for (const n of names) {
      if (n.startsWith('.')) continue;
      const p = join(dir, n);
      let st = await fsp.lstat(p).catch(() => undefined);
      if (st?.isSymbolicLink()) {
        const real = await fsp.realpath(p).catch(() => undefined);
        if (!real || (real !== top && !real.startsWith(top + sep))) continue;
        st = await fsp.stat(p).catch(() => undefined);
      }
      if (!st) continue;
      if (st.isDirectory()) await walk(p, top, depth + 1);
      else if (st.isFile() && accept(n)) {
        const real = await fsp.realpath(p).catch(() => p);
        if (!seen.has(real)) {
          seen.add(real);
          out.push(p);
        }
      }
    }
  }
  for (const p of paths) {
    let st;
    try {
      st = await fsp.stat(p);
    } catch (e) {
      throw new PortcullisError('NOT_FOUND', `${p}: no such file or directory`, { subject: p, cause: e });
    }
    if (st.isDirectory()) {
      const before = out.length;
      await walk(p, await fsp.realpath(p), 0);
      if (out.length === before) throw new PortcullisError(emptyCode, `${p}: directory contains no ${kinds}`, { subject: p });
    } else out.push(p);
  }
  return [...new Set(out)];
}
