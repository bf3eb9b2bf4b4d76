// Test helpers: an in-memory ResolvedImage over uncompressed tar layers (layer i is "step i+1"), and a
// layer record rewritten and sealed again, as anyone who can write the cache directory could.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { ResolvedImage } from '../core/types.js';
import { sha } from '../source/testkit.js';

/**
 * A layer as a stream that reuses its memory the way the rings do (source/ringregion.ts), only harder:
 * `size`-byte chunks of one buffer, scribbled over as soon as the next chunk is asked for. A reader that
 * keeps a view past that sees 0xEE bytes.
 */
export async function* reusingChunks(layer: Buffer, size: number): AsyncGenerator<Buffer> {
  const mem = Buffer.alloc(size);
  for (let off = 0; off < layer.length; off += size) {
    const n = layer.copy(mem, 0, off, Math.min(off + size, layer.length));
    yield mem.subarray(0, n);
    mem.fill(0xee);
  }
}

/** An in-memory image; with `chunk`, each layer is streamed through reusingChunks. */
export function memImage(layers: Buffer[], chunk?: number): ResolvedImage {
  const infos = layers.map((b, i) => ({ index: i, diffId: sha(Buffer.concat([b, Buffer.from([i])])), createdBy: `step ${i + 1}` }));
  return {
    ref: { input: 'mem.tar', transport: 'docker-archive', path: 'mem.tar' },
    repoTags: [],
    annotations: {},
    platform: { os: 'linux', architecture: 'amd64' },
    config: { env: [], labels: {}, exposedPorts: [], history: [], diffIds: infos.map((l) => l.diffId) },
    layers: infos,
    async openLayer(d: string) {
      const i = infos.findIndex((l) => l.diffId === d);
      if (!chunk) return { kind: 'tar', stream: Readable.from([layers[i]!]) };
      // the generator itself (a Readable would read ahead of the walk, scribbling over chunks it queued)
      const chunks = reusingChunks(layers[i]!, chunk);
      return { kind: 'tar', stream: Object.assign(chunks, { destroy: () => void chunks.return(undefined) }) };
    },
    async close() {},
  };
}

/** The layer record at `path` with its header and entry lines (JSON each) as `edit` leaves them, sealed again (so its digest holds). */
export function resealRecord(path: string, edit: (header: Record<string, unknown>, lines: string[]) => void): void {
  const raw = readFileSync(path);
  const magic = raw.subarray(0, raw.indexOf(10) + 1);
  const nl = raw.indexOf(10, magic.length);
  const header = JSON.parse(raw.toString('latin1', magic.length, nl)) as Record<string, unknown>;
  const lines = gunzipSync(raw.subarray(nl + 1, raw.length - 32)).toString('latin1').split('\n');
  lines.pop(); // after the last newline
  edit(header, lines);
  const body = Buffer.concat([magic, Buffer.from(`${JSON.stringify(header)}\n`), gzipSync(Buffer.from(lines.map((l) => `${l}\n`).join(''), 'utf8'))]);
  writeFileSync(path, Buffer.concat([body, createHash('sha256').update(body).digest()]));
}
