// Test helpers for tarreader: the same archive read by tar-stream's extract and by TarReader, fed in a
// given chunking, each reduced to comparable records (or the error it failed with).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { TarReader } from './tarreader.js';

export interface Rec {
  name: string;
  type: string | null;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  linkname: string | null;
  pax: [string, string][] | null;
  sha: string;
}

/** `b` cut into pieces of `size` bytes (the last one shorter); one piece when size is 0. */
export function chunked(b: Buffer, size: number): Buffer[] {
  if (b.length === 0) return [];
  if (size <= 0) return [b];
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

const paxList = (p: Record<string, string> | null | undefined): [string, string][] | null => (p ? Object.entries(p) : null);

export async function viaTarStream(b: Buffer, chunk = 0): Promise<Rec[] | Error> {
  const extract = tar.extract();
  const out: Rec[] = [];
  let failure: unknown;
  const done = pipeline(Readable.from(chunked(b, chunk)), extract).catch((e: unknown) => {
    failure ??= e;
  });
  try {
    for await (const e of extract) {
      e.on('error', () => {});
      const h = e.header;
      const hash = createHash('sha256');
      for await (const c of e) hash.update(c as Buffer);
      out.push({ name: h.name, type: h.type ?? null, size: h.size ?? 0, mode: h.mode ?? 0, uid: h.uid ?? 0, gid: h.gid ?? 0, linkname: h.linkname ?? null, pax: paxList(h.pax as Record<string, string> | undefined), sha: hash.digest('hex') });
    }
  } catch (e) {
    failure ??= e;
  }
  await done;
  return failure === undefined ? out : failure instanceof Error ? failure : new Error(String(failure));
}

/** Reads every entry with TarReader; `readAll` false leaves odd entries unread (skipped by next()). */
export async function viaReader(source: Buffer | AsyncIterable<unknown>, chunk = 0, readAll = true): Promise<Rec[] | Error> {
  const r = new TarReader(Buffer.isBuffer(source) ? Readable.from(chunked(source, chunk)) : source);
  const out: Rec[] = [];
  try {
    let i = 0;
    for (let h = await r.next(); h; h = await r.next(), i++) {
      const hash = createHash('sha256');
      if (readAll || i % 2 === 0) {
        for (let x = r.read(); x !== null; x = r.read()) {
          const c = x instanceof Promise ? await x : x;
          if (c === null) break;
          hash.update(c);
        }
      }
      out.push({ name: h.name, type: h.type, size: h.size, mode: h.mode, uid: h.uid, gid: h.gid, linkname: h.linkname, pax: paxList(h.pax), sha: hash.digest('hex') });
    }
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
  return out;
}

/** A 512-byte header block; `fields` are written at their offsets, then the checksum. */
export function header(fields: { name?: string; mode?: string; size?: string | Buffer; type?: string; magic?: string; linkname?: string; prefix?: string; uid?: string | Buffer }): Buffer {
  const h = Buffer.alloc(512);
  h.write(fields.name ?? 'file', 0);
  h.write(fields.mode ?? '0000644\0', 100);
  if (Buffer.isBuffer(fields.uid)) fields.uid.copy(h, 108);
  else h.write(fields.uid ?? '0000000\0', 108);
  h.write('0000000\0', 116);
  if (Buffer.isBuffer(fields.size)) fields.size.copy(h, 124);
  else h.write(fields.size ?? '00000000000\0', 124);
  h.write('00000000000\0', 136);
  h.write(fields.type ?? '0', 156);
  if (fields.linkname) h.write(fields.linkname, 157);
  h.write(fields.magic ?? 'ustar\u000000', 257, 'latin1');
  if (fields.prefix) h.write(fields.prefix, 345);
  return withChecksum(h);
}

export function withChecksum(h: Buffer): Buffer {
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** `data` padded with zeros to a whole number of 512-byte blocks. */
export function padded(data: Buffer): Buffer {
  return Buffer.concat([data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

/** PAX records as an `x` (or `g`) header plus its padded data. */
export function paxEntry(records: Record<string, string>, type = 'x'): Buffer {
  let body = '';
  for (const [k, v] of Object.entries(records)) {
    const rec = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(rec) + 1;
    while (String(len).length + Buffer.byteLength(rec) !== len) len++;
    body += `${len}${rec}`;
  }
  const data = Buffer.from(body);
  return Buffer.concat([header({ name: 'PaxHeader', type, size: `${data.length.toString(8).padStart(11, '0')}\0` }), padded(data)]);
}

export const END = Buffer.alloc(1024);
