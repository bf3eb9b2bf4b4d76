// Walking a directory tree (dir: sources): lstat only, regular files opened with O_NOFOLLOW, content
// read once for the content checks and the analyzers; and the final content of link targets inside
// the root.
import { constants, promises as fsp, realpathSync } from 'node:fs';
import { sep } from 'node:path';
import type { EntryInfo, LayerInfo } from '../core/types.js';
import { walkFs } from './fswalk.js';
import type { SinkFan } from './sinks.js';
import { describe, layerRef, SkipFile, type Walk } from './walk.js';

export async function walkDir(w: Walk, l: LayerInfo, root: string): Promise<void> {
  w.fsRoot = root;
  const layer = layerRef(l);
  for await (const { info, abs } of walkFs(root, (path, why) => w.problem({ reason: 'layer-unreadable', subject: path, detail: why, layer }))) {
    const { path: _p, ...rest } = info;
    await w.entry(
      l,
      info.path,
      rest,
      async (max, fan) => {
        let got: { content: Buffer | undefined; bytes: number };
        try {
          got = await streamRegular(abs, max, fan);
        } catch (e) {
          throw new SkipFile(`cannot read: ${describe(e)}`);
        }
        w.stats.bytes += got.bytes;
        return got.content;
      },
      { xattrsKnown: false },
    );
  }
}

/** The content of `paths` under the walked root, when each is a regular file whose real path stays inside it. */
export async function readFinalFromRoot(w: Walk, root: string, paths: Set<string>): Promise<Map<string, { content: Buffer; entry: EntryInfo } | 'too-large'>> {
  const out = new Map<string, { content: Buffer; entry: EntryInfo } | 'too-large'>();
  const realRoot = realpathSync(root);
  for (const p of paths) {
    const abs = realRoot === '/' ? p : `${realRoot}${p}`;
    try {
      const real = realpathSync(abs);
      if (real !== realRoot && !real.startsWith(realRoot === '/' ? '/' : realRoot + sep)) continue;
      const st = await fsp.lstat(real);
      if (!st.isFile()) continue;
      const buf = await readRegular(real, w.limits.maxFileBytes);
      out.set(p, buf === undefined ? 'too-large' : { content: buf, entry: { path: p, type: 'file', size: st.size, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid } });
    } catch {
      // dangling
    }
  }
  return out;
}

const CHUNK = 256 * 1024;

/**
 * Read a regular file once without following a final symlink: chunks to `fan`, the content collected
 * when at most `max` bytes (undefined when larger or `max` < 0). Sink failures are the fan's business;
 * a read error aborts the sinks and throws.
 */
async function streamRegular(abs: string, max: number, fan?: SinkFan): Promise<{ content: Buffer | undefined; bytes: number }> {
  if (!fan) {
    const content = max < 0 ? undefined : await readRegular(abs, max);
    return { content, bytes: content?.length ?? 0 };
  }
  const fh = await fsp.open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  const chunks: Buffer[] = [];
  let n = 0;
  let over = max < 0;
  try {
    const st = await fh.stat();
    if (st.isFile()) {
      for (;;) {
        const buf = Buffer.allocUnsafe(CHUNK);
        const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
        if (bytesRead === 0) break;
        const c = buf.subarray(0, bytesRead);
        n += bytesRead;
        if (!over) {
          if (n > max) {
            over = true;
            chunks.length = 0;
          } else chunks.push(c);
        }
        await fan.write(c);
      }
    }
  } catch (e) {
    fan.abort(`read failed: ${describe(e)}`);
    throw e;
  } finally {
    await fh.close();
  }
  await fan.end();
  return { content: over ? undefined : Buffer.concat(chunks), bytes: n };
}

/** Read a regular file without following a final symlink; undefined when larger than `max`. */
async function readRegular(abs: string, max: number): Promise<Buffer | undefined> {
  const fh = await fsp.open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) return Buffer.alloc(0);
    if (st.size > max) return undefined;
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const { bytesRead } = await fh.read(buf, off, st.size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    return buf.subarray(0, off);
  } finally {
    await fh.close();
  }
}
