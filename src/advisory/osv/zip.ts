// Streams the JSON entries of an OSV bulk-export zip (`<Ecosystem>/all.zip`) without extracting
// anything to disk. Entry names are only used for messages; `../x.json` and absolute names are
// read like any other entry (never written anywhere). Sizes are capped per entry and in total.
import { readFile, stat } from 'node:fs/promises';
import yauzl from 'yauzl';
import type { Readable } from 'node:stream';
import { PortcullisError } from '../../core/errors.js';
import type { ImportLimits } from '../types.js';

export interface ZipJsonEntry {
  name: string;
  text: string;
}

/** Archives up to `inMemoryMax` bytes are read into memory first (far fewer small reads); larger ones through the fd. */
async function openZip(path: string, inMemoryMax: number): Promise<yauzl.ZipFile> {
  const size = (await stat(path)).size;
  const options = { lazyEntries: true, decodeStrings: false, autoClose: true, validateEntrySizes: true } as const;
  if (size <= inMemoryMax) {
    const buf = await readFile(path);
    return new Promise((resolve, reject) => {
      yauzl.fromBuffer(buf, options, (err, zf) => {
        if (err || !zf) reject(err ?? new Error('no zip file'));
        else resolve(zf);
      });
    });
  }
  return new Promise((resolve, reject) => {
    yauzl.open(path, options, (err, zf) => {
      if (err || !zf) reject(err ?? new Error('no zip file'));
      else resolve(zf);
    });
  });
}

function readStream(zf: yauzl.ZipFile, entry: yauzl.Entry, cap: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zf.openReadStream(entry, (err, stream?: Readable) => {
      if (err || !stream) return reject(err ?? new Error('no stream'));
      const chunks: Buffer[] = [];
      let n = 0;
      stream.on('data', (c: Buffer) => {
        n += c.length;
        if (n > cap) {
          stream.destroy(new Error(`entry inflates beyond ${cap} bytes`));
          return;
        }
        chunks.push(c);
      });
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

/** Yields `.json` entries; per-entry problems go to warn, a broken archive throws BAD_INPUT. */
export async function* zipJsonEntries(path: string, limits: ImportLimits, warn: (m: string) => void): AsyncGenerator<ZipJsonEntry> {
  let zf: yauzl.ZipFile;
  try {
    zf = await openZip(path, limits.maxInMemoryZipBytes);
  } catch (e) {
    throw new PortcullisError('BAD_INPUT', `${path}: not a readable zip archive: ${(e as Error).message}`, { cause: e, subject: path });
  }
  let total = 0;
  let count = 0;
  const queue: (yauzl.Entry | null | Error)[] = [];
  let wake: (() => void) | undefined;
  const push = (x: yauzl.Entry | null | Error): void => {
    queue.push(x);
    wake?.();
  };
  zf.on('entry', (e: yauzl.Entry) => push(e));
  zf.on('end', () => push(null));
  zf.on('error', (e: Error) => push(e));
  try {
    zf.readEntry();
    while (true) {
      if (queue.length === 0) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      const item = queue.shift();
      if (item === undefined) continue;
      if (item === null) return;
      if (item instanceof Error) {
        throw new PortcullisError('BAD_INPUT', `${path}: corrupt zip archive: ${item.message}`, { cause: item, subject: path });
      }
      const name = Buffer.isBuffer(item.fileName) ? item.fileName.toString('utf8') : String(item.fileName);
      const where = `${path}!${name}`;
      if (++count > limits.maxEntries) {
        warn(`${path}: more than ${limits.maxEntries} entries; the rest are skipped`);
        return;
      }
      if (name.endsWith('/') || !name.toLowerCase().endsWith('.json')) {
        zf.readEntry();
        continue;
      }
      if (item.uncompressedSize > limits.maxEntryBytes) {
        warn(`${where}: skipped, ${item.uncompressedSize} bytes uncompressed exceeds the ${limits.maxEntryBytes}-byte entry limit`);
        zf.readEntry();
        continue;
      }
      if (total + item.uncompressedSize > limits.maxZipTotalBytes) {
        warn(`${path}: uncompressed total would exceed ${limits.maxZipTotalBytes} bytes; the rest are skipped`);
        return;
      }
      total += item.uncompressedSize;
      let buf: Buffer | undefined;
      try {
        buf = await readStream(zf, item, limits.maxEntryBytes);
      } catch (e) {
        warn(`${where}: skipped, cannot inflate: ${(e as Error).message}`);
      }
      if (buf) yield { name, text: buf.toString('utf8') };
      zf.readEntry();
    }
  } finally {
    try {
      zf.close();
    } catch {
      // already closed by autoClose
    }
  }
}
