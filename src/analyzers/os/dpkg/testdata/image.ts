// Test helper (never used at runtime): streams a docker-save or OCI archive (optionally gzip-compressed as
// a whole) with tar-stream + zlib and returns selected files of every layer, in layer order. It lets the
// OS analyzer tests run on real images before the image reader and walker are wired in. It trusts its
// input (our own fixtures) and is not hardened: production code goes through src/source and src/walker.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';

export interface LayerFile {
  /** absolute path in the image, e.g. `/var/lib/dpkg/status` */
  path: string;
  /** 0-based layer position in the manifest */
  layerIndex: number;
  content: Buffer;
}

function isGzip(b: Buffer): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

function isTar(b: Buffer): boolean {
  return b.length >= 262 && b.subarray(257, 262).toString('latin1') === 'ustar';
}

/** Reads the first `n` bytes (or fewer at the end) and returns them with a stream of the whole content. */
async function peek(src: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; all: Readable }> {
  const it = src[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const r = await it.next();
    if (r.done) break;
    chunks.push(r.value);
    got += r.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    while (true) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head, all: Readable.from(rest()) };
}

async function drain(s: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of s) void _;
}

async function collect(s: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of s) out.push(c);
  return Buffer.concat(out);
}

function normalise(name: string): string {
  return '/' + name.replace(/^\.?\/+/, '').replace(/\/+$/, '');
}

async function scanLayer(stream: Readable, want: (path: string) => boolean): Promise<{ path: string; content: Buffer }[]> {
  const out: { path: string; content: Buffer }[] = [];
  const ex = tar.extract();
  stream.pipe(ex);
  for await (const e of ex) {
    const path = normalise(e.header.name);
    if (e.header.type === 'file' && want(path)) out.push({ path, content: await collect(e as AsyncIterable<Buffer>) });
    else await drain(e);
  }
  return out;
}

/** Files whose image path satisfies `want`, from every layer of the archive, ordered by layer. */
export async function extractLayerFiles(archive: string, want: (path: string) => boolean): Promise<LayerFile[]> {
  const first = await peek(createReadStream(archive), 2);
  const outer = tar.extract();
  (isGzip(first.head) ? first.all.pipe(createGunzip()) : first.all).pipe(outer);
  const small = new Map<string, Buffer>();
  const byBlob = new Map<string, { path: string; content: Buffer }[]>();
  const links = new Map<string, string>();
  for await (const e of outer) {
    const name = e.header.name.replace(/^\.\//, '');
    if (e.header.type === 'symlink' && e.header.linkname) {
      // `<id>/layer.tar -> ../<diffid>.tar` (some docker-archive writers): resolve relative to the link's folder.
      const parts = name.split('/').slice(0, -1);
      for (const seg of e.header.linkname.split('/')) {
        if (seg === '..') parts.pop();
        else if (seg !== '.' && seg !== '') parts.push(seg);
      }
      links.set(name, parts.join('/'));
    }
    if (e.header.type !== 'file') {
      await drain(e);
      continue;
    }
    const p = await peek(e as AsyncIterable<Buffer>, 512);
    if (isGzip(p.head)) byBlob.set(name, await scanLayer(p.all.pipe(createGunzip()), want));
    else if (isTar(p.head)) byBlob.set(name, await scanLayer(p.all, want));
    else if ((e.header.size ?? 0) < 4 * 1024 * 1024) small.set(name, await collect(p.all));
    else await drain(p.all);
  }
  const json = (n: string): unknown => {
    const b = small.get(n);
    if (!b) throw new Error(`${archive}: ${n} not found`);
    return JSON.parse(b.toString('utf8'));
  };
  let layers: string[];
  if (small.has('manifest.json')) {
    layers = (json('manifest.json') as { Layers: string[] }[])[0]!.Layers;
  } else {
    const blob = (d: string): string => 'blobs/' + d.replace(':', '/');
    let doc = json('index.json') as { manifests?: { digest: string }[]; layers?: { digest: string }[] };
    while (doc.manifests) doc = json(blob(doc.manifests[0]!.digest)) as typeof doc;
    layers = (doc.layers ?? []).map((l) => blob(l.digest));
  }
  const out: LayerFile[] = [];
  layers.forEach((l, layerIndex) => {
    const files = byBlob.get(links.get(l) ?? l);
    if (!files) throw new Error(`${archive}: layer ${l} not found among ${[...byBlob.keys()].join(', ')}`);
    for (const f of files) out.push({ ...f, layerIndex });
  });
  return out;
}
