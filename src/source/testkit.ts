// Test helpers: build layer tars, docker-archive tarballs and OCI layouts in memory with tar-stream,
// so every format and every hostile variation can be produced inside a test. Not used by product code.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import assert from 'node:assert/strict';
import { isPortcullisError } from '../core/errors.js';
import { HashWorker } from './hashworker.js';

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  /** override the header size (for lying headers) */
  size?: number;
  /** PAX extended header records (e.g. SCHILY.xattr.*) */
  pax?: Record<string, string>;
  uid?: number;
  gid?: number;
}

export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', () => resolve());
    pack.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = e.content === undefined ? undefined : Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content);
    const header: tar.Header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
      mtime: new Date(0),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      size: type === 'file' ? (body?.length ?? 0) : 0,
      linkname: e.linkname ?? '',
    } as tar.Header;
    if (e.pax) header.pax = e.pax;
    await new Promise<void>((resolve, reject) => {
      if (type === 'file') pack.entry(header, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
      else pack.entry(header, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** A ustar pax extended header (type 'x') whose size field claims `size` bytes; its data is not included. */
export function paxHeaderClaiming(size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write('PaxHeader/x', 0);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('x', 156);
  h.write('ustar\u000000', 257);
  h.fill(' ', 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

export function sha(b: Buffer | string): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

export function hex(d: string): string {
  return d.slice('sha256:'.length);
}

export interface LayerSpec {
  /** uncompressed layer tar */
  tar: Buffer;
  compress?: 'gzip' | 'zstd' | 'none';
  createdBy?: string;
}

export function configFor(diffIds: string[], extra: Record<string, unknown> = {}, createdBy: (string | undefined)[] = []): Buffer {
  const history: Record<string, unknown>[] = [];
  diffIds.forEach((_d, i) => {
    history.push({ created: '2024-01-01T00:00:00Z', created_by: createdBy[i] ?? `layer ${i + 1}` });
    history.push({ created: '2024-01-01T00:00:00Z', created_by: `ENV step ${i + 1}`, empty_layer: true });
  });
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Env: ['PATH=/usr/bin'], User: 'app', Labels: { a: 'b' }, ExposedPorts: { '8080/tcp': {} }, Cmd: ['run'], WorkingDir: '/srv' },
      rootfs: { type: 'layers', diff_ids: diffIds },
      history,
      ...extra,
    }),
  );
}

/** A temp dir for a test, created with mkdtemp (callers remove it). */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'portcullis-test-'));
}

export function writeTree(root: string, files: Record<string, Buffer | string>): void {
  for (const [name, content] of Object.entries(files)) {
    const p = join(root, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

export async function compress(b: Buffer, how: LayerSpec['compress']): Promise<Buffer> {
  if (how === 'gzip') return gzipSync(b);
  if (how === 'zstd') {
    const r = spawnSync('zstd', ['-q', '-c'], { input: b });
    if (r.status !== 0) throw new Error('zstd not available');
    return r.stdout;
  }
  return b;
}

export function hasZstd(): boolean {
  return spawnSync('zstd', ['--version']).status === 0;
}

/** A legacy `docker save` archive: `<id>/layer.tar`, `<config-hex>.json`, manifest.json. */
export async function dockerArchive(layers: Buffer[], opts: { repoTags?: string[]; config?: Buffer; extra?: TarEntry[]; layerNames?: string[] } = {}): Promise<Buffer> {
  const diffIds = layers.map((l) => sha(l));
  const config = opts.config ?? configFor(diffIds);
  const names = opts.layerNames ?? layers.map((_l, i) => `${String(i).padStart(64, 'a')}/layer.tar`);
  const entries: TarEntry[] = [{ name: `${hex(sha(config))}.json`, content: config }];
  layers.forEach((l, i) => entries.push({ name: names[i]!, content: l }));
  entries.push(...(opts.extra ?? []));
  entries.push({
    name: 'manifest.json',
    content: JSON.stringify([{ Config: `${hex(sha(config))}.json`, RepoTags: opts.repoTags ?? ['example.com/app:1'], Layers: names }]),
  });
  return makeTar(entries);
}

export interface OciBuild {
  /** files of the layout: name → content */
  files: Record<string, Buffer>;
  manifestDigest: string;
  configDigest: string;
}

/** Blobs for one image: config + (possibly compressed) layers + manifest. */
export async function ociImage(layers: LayerSpec[], opts: { platform?: { os: string; architecture: string; variant?: string }; annotations?: Record<string, string> } = {}): Promise<OciBuild> {
  const files: Record<string, Buffer> = {};
  const diffIds = layers.map((l) => sha(l.tar));
  const p = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const config = configFor(diffIds, { architecture: p.architecture, os: p.os, ...(p.variant ? { variant: p.variant } : {}) }, layers.map((l) => l.createdBy));
  files[`blobs/sha256/${hex(sha(config))}`] = config;
  const descs = [];
  for (const l of layers) {
    const blob = await compress(l.tar, l.compress ?? 'gzip');
    files[`blobs/sha256/${hex(sha(blob))}`] = blob;
    descs.push({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha(blob), size: blob.length });
  }
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: descs,
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
    }),
  );
  files[`blobs/sha256/${hex(sha(manifest))}`] = manifest;
  return { files, manifestDigest: sha(manifest), configDigest: sha(config) };
}

export function ociLayoutFiles(index: unknown, parts: Record<string, Buffer>[]): Record<string, Buffer> {
  const files: Record<string, Buffer> = { 'oci-layout': Buffer.from('{"imageLayoutVersion":"1.0.0"}') };
  for (const p of parts) Object.assign(files, p);
  files['index.json'] = Buffer.from(JSON.stringify(index));
  return files;
}

export function tarOf(files: Record<string, Buffer>): Promise<Buffer> {
  return makeTar(Object.entries(files).map(([name, content]) => ({ name, content })));
}

/** Reads what is left of a stream's iterator, dropping the chunks (what a walker that keeps going does). */
export async function drainRest(it: AsyncIterator<unknown>): Promise<void> {
  for (let x = await it.next(); !x.done; x = await it.next());
}

/** Ring streams (ringregion.ts, ringinflate.ts): aborted by its signal after its first chunk, the rest of a stream fails. */
export async function assertAbortFails(make: (signal: AbortSignal) => AsyncIterable<Buffer>, message: RegExp): Promise<void> {
  const ac = new AbortController();
  const it = make(ac.signal)[Symbol.asyncIterator]();
  await it.next();
  ac.abort();
  await assert.rejects(drainRest(it), message);
  await it.return?.();
}

/** Ring streams: a hash worker that dies after the first chunk fails the stream, never ends it. */
export async function assertWorkerDeathFails(make: (w: HashWorker) => AsyncIterable<Buffer>, what: string): Promise<void> {
  const w = new HashWorker(64 * 1024);
  const it = make(w)[Symbol.asyncIterator]();
  await it.next();
  await w.close();
  await assert.rejects(drainRest(it), (e: Error) => isPortcullisError(e) && e.code === 'INTERNAL' && e.message.startsWith(`${what}: digest could not be verified`));
}

