// Writing a file the user named (--output, --decision, a base catalog, a DB) without ever replacing
// something that is not ours to replace:
//  - a regular file, or a path that does not exist yet: written to a temp file in the same directory
//    and renamed over it (readers never see half a file);
//  - a symlink: written through (the file it points at is replaced in place), the link stays a link;
//  - a character device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named pipe): written directly,
//    never renamed over — as root, renaming over /dev/null breaks the machine;
//  - a directory: refused.
import { createWriteStream, promises as fsp, type WriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { PortcullisError } from './errors.js';
import { removeOnExit } from './cleanup.js';

export type OutputKind = 'new' | 'regular' | 'symlink' | 'special';

export async function outputKind(file: string): Promise<OutputKind> {
  let st;
  try {
    st = await fsp.lstat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'new'; // creating it will say what is wrong with the directory
    throw new PortcullisError('BAD_INPUT', `${file}: cannot write: ${(e as Error).message}`, { cause: e, subject: file });
  }
  if (st.isDirectory()) throw new PortcullisError('BAD_INPUT', `${file}: is a directory; give a file name`, { subject: file });
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFile()) return 'regular';
  return 'special';
}

async function finish(stream: WriteStream): Promise<void> {
  await new Promise<void>((res, rej) => {
    stream.once('error', rej);
    stream.end(() => res());
  });
}

/** Render into `stream` and finish it; a stream error or a render failure destroys the stream and throws. */
async function renderInto(stream: WriteStream, render: (out: NodeJS.WritableStream) => Promise<void>): Promise<void> {
  const failed = new Promise<never>((_res, rej) => stream.once('error', rej));
  failed.catch(() => undefined);
  try {
    await Promise.race([render(stream), failed]);
    await Promise.race([finish(stream), failed]);
  } catch (e) {
    stream.destroy();
    throw e;
  }
}

/**
 * Write `file` with `render`: atomically (temp + rename) for regular files and new paths, in place for
 * symlinks (through the link) and special files. Errors name the file.
 */
export async function writeOutputFile(file: string, render: (out: NodeJS.WritableStream) => Promise<void>, opts: { mode?: number } = {}): Promise<void> {
  const kind = await outputKind(file);
  if (kind === 'special' || kind === 'symlink') {
    const stream = createWriteStream(file, { flags: kind === 'special' ? 'a' : 'w', mode: opts.mode });
    try {
      await renderInto(stream, render);
    } catch (e) {
      throw cannotWrite(file, e);
    }
    return;
  }
  try {
    await fsp.mkdir(dirname(file), { recursive: true });
  } catch (e) {
    throw cannotWrite(file, e);
  }
  const tmp = join(dirname(file), `.${basename(file)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const guard = removeOnExit(tmp);
  try {
    const stream = createWriteStream(tmp, { flags: 'wx', mode: opts.mode ?? 0o644 });
    await renderInto(stream, render);
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw cannotWrite(file, e);
  } finally {
    guard.release();
  }
}

/** `writeOutputFile` for a string. */
export function writeOutputText(file: string, text: string, opts: { mode?: number } = {}): Promise<void> {
  return writeOutputFile(
    file,
    (out) =>
      new Promise<void>((res, rej) => {
        out.write(text, (e) => (e ? rej(e) : res()));
      }),
    opts,
  );
}

function cannotWrite(file: string, e: unknown): PortcullisError {
  if (e instanceof PortcullisError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'no space left on the device' : code === 'EROFS' ? 'read-only file system' : (e as Error).message;
  return new PortcullisError('BAD_INPUT', `${file}: cannot write: ${why}`, { cause: e, subject: file });
}
