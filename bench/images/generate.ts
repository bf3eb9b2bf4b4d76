// Benchmark images, generated deterministically under .cache/bench/ (never committed):
//  - `small`: ~5 MB, Debian-like (os-release, a dpkg status, an installed node_modules): the "scan ≤ 0.4 s" image;
//  - `multi`: ~140 MB docker archive, 8 plain layers;
//  - `oci-gzip`: ~160 MB OCI archive, 4 gzip layers;
//  - `big`: ≥ 1 GB docker archive: ~90k small files, a node_modules of 1,200 packages (with their
//    lockfile), 600 dpkg packages whose /usr/share/nodejs trees ship development lockfiles (as Debian's
//    node-* packages do), and large opaque files.
// `node --import tsx bench/images/generate.ts [name...]` writes them; `ensureImage(name)` from a bench.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export const BENCH_DIR = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), '.cache', 'bench');

type Entry = { name: string; content: Buffer };
type LayerGen = () => Iterable<Entry>;

/** Deterministic filler: a 1 MiB block from a seeded hash chain, sliced per file. */
const BLOCK = (() => {
  const out = Buffer.alloc(1 << 20);
  let h = createHash('sha256').update('portcullis-bench').digest();
  for (let off = 0; off < out.length; off += 32) {
    h.copy(out, off);
    h = createHash('sha256').update(h).digest();
  }
  return out;
})();

function filler(bytes: number, seed: number): Buffer {
  const out = Buffer.alloc(bytes);
  let start = (seed * 4099) % (BLOCK.length - 4096);
  for (let off = 0; off < bytes; start = 0) off += BLOCK.copy(out, off, start);
  return out;
}

/** A plain ustar writer onto a stream that honours back-pressure (memory stays bounded). */
class TarWriter {
  constructor(private readonly out: Writable) {}

  private async write(b: Buffer): Promise<void> {
    if (!this.out.write(b)) await once(this.out, 'drain');
  }

  private header(name: string, size: number, type: '0' | '5'): Buffer {
    if (name.length > 100) throw new Error(`bench tar: name too long: ${name}`);
    const h = Buffer.alloc(512);
    const field = (off: number, len: number, v: string) => h.write(v, off, len, 'latin1');
    const octal = (off: number, len: number, v: number) => field(off, len, v.toString(8).padStart(len - 1, '0') + '\0');
    field(0, 100, name);
    octal(100, 8, type === '5' ? 0o755 : 0o644);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, size);
    octal(136, 12, 0);
    field(148, 8, '        ');
    field(156, 1, type);
    field(257, 8, 'ustar\u000000');
    let sum = 0;
    for (const b of h) sum += b;
    field(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
    return h;
  }

  async dir(name: string): Promise<void> {
    await this.write(this.header(`${name}/`, 0, '5'));
  }

  async file(name: string, content: Buffer): Promise<void> {
    await this.write(this.header(name, content.length, '0'));
    await this.write(content);
    if (content.length % 512) await this.write(Buffer.alloc(512 - (content.length % 512)));
  }

  async fileFrom(name: string, path: string): Promise<void> {
    const size = statSync(path).size;
    await this.write(this.header(name, size, '0'));
    for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) await this.write(c as Buffer);
    if (size % 512) await this.write(Buffer.alloc(512 - (size % 512)));
  }

  async end(): Promise<void> {
    await this.write(Buffer.alloc(1024));
    this.out.end();
  }
}

const text = (s: string): Buffer => Buffer.from(s);

function* osLayer(packages: number, nodePackages: number): Iterable<Entry> {
  yield { name: 'etc/os-release', content: text('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\nVERSION_CODENAME=bookworm\n') };
  const stanzas: string[] = [];
  for (let i = 0; i < packages; i++) {
    const node = i < nodePackages;
    const name = node ? `node-pkg${i}` : `lib-bench${i}`;
    stanzas.push(`Package: ${name}\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: ${100 + i}\nMaintainer: Bench <bench@example.org>\nArchitecture: ${node ? 'all' : 'amd64'}\nSource: ${name}-src\nVersion: 1.${i % 50}.${i % 7}-1\nDescription: generated package ${i}\n`);
    const files = node
      ? [`/usr/share/nodejs/pkg${i}/package.json`, `/usr/share/nodejs/pkg${i}/index.js`, `/usr/share/nodejs/pkg${i}/${i % 2 ? 'package-lock.json' : 'pnpm-lock.yaml'}`]
      : [`/usr/lib/x86_64-linux-gnu/libbench${i}.so.1`, `/usr/share/doc/${name}/copyright`];
    yield { name: `var/lib/dpkg/info/${name}.list`, content: text(files.join('\n') + '\n') };
    for (const f of files) {
      const path = f.slice(1);
      if (f.endsWith('package.json')) yield { name: path, content: text(JSON.stringify({ name: `pkg${i}`, version: `1.${i % 50}.0` })) };
      else if (f.endsWith('package-lock.json')) {
        const pkgs: Record<string, unknown> = { '': { name: `pkg${i}`, version: '1.0.0' } };
        for (let d = 0; d < 3; d++) pkgs[`node_modules/devdep-${i}-${d}`] = { version: `2.${d}.0`, dev: true };
        yield { name: path, content: text(JSON.stringify({ name: `pkg${i}`, lockfileVersion: 3, packages: pkgs })) };
      } else if (f.endsWith('pnpm-lock.yaml')) {
        yield { name: path, content: text(`lockfileVersion: '6.0'\n\npackages:\n\n  /devdep-${i}-a@3.0.0:\n    dev: true\n\n  /devdep-${i}-b@3.1.0:\n    dev: true\n`) };
      } else yield { name: path, content: filler(f.endsWith('.so.1') ? 48 * 1024 : 2048, i) };
    }
  }
  yield { name: 'var/lib/dpkg/status', content: text(stanzas.join('\n')) };
}

function* nodeModulesLayer(root: string, count: number, fileBytes: number): Iterable<Entry> {
  const lock: Record<string, unknown> = { '': { name: 'app', version: '1.0.0' } };
  for (let i = 0; i < count; i++) {
    const nested = i % 5 === 4;
    const dir = nested ? `node_modules/pkg-${i - 1}/node_modules/pkg-${i}` : `node_modules/pkg-${i}`;
    lock[dir] = { version: `1.${i % 30}.${i % 9}` };
    yield { name: `${root}/${dir}/package.json`, content: text(JSON.stringify({ name: `pkg-${i}`, version: `1.${i % 30}.${i % 9}`, license: 'MIT', main: 'index.js' })) };
    for (let f = 0; f < 6; f++) yield { name: `${root}/${dir}/lib/file${f}.js`, content: filler(fileBytes, i * 7 + f) };
  }
  // development dependencies the --omit=dev install left out: in the lockfile only
  for (let i = 0; i < count / 10; i++) lock[`node_modules/devonly-${i}`] = { version: '0.1.0', dev: true };
  yield { name: `${root}/package-lock.json`, content: text(JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, packages: lock })) };
}

function* smallFilesLayer(prefix: string, count: number, bytes: number, seed: number): Iterable<Entry> {
  for (let i = 0; i < count; i++) yield { name: `${prefix}/d${Math.floor(i / 500)}/f${i}.dat`, content: filler(bytes + (i % 13) * 64, seed + i) };
}

function* bigFilesLayer(prefix: string, count: number, mib: number, seed: number): Iterable<Entry> {
  for (let i = 0; i < count; i++) yield { name: `${prefix}/blob${i}.bin`, content: filler(mib << 20, seed + i) };
}

const SPECS: Record<string, { format: 'docker' | 'oci'; layers: LayerGen[] }> = {
  small: { format: 'docker', layers: [() => osLayer(40, 0), () => nodeModulesLayer('srv/app', 40, 2048), () => smallFilesLayer('srv/app/static', 300, 4096, 1), () => bigFilesLayer('opt/small', 1, 1, 2)] },
  multi: {
    format: 'docker',
    layers: [
      () => osLayer(200, 20),
      () => smallFilesLayer('usr/share/bench', 8000, 3000, 2),
      () => nodeModulesLayer('srv/app', 300, 6000),
      () => bigFilesLayer('opt/data', 2, 16, 3),
      () => smallFilesLayer('srv/app/static', 4000, 5000, 4),
      () => bigFilesLayer('opt/models', 1, 24, 5),
      () => smallFilesLayer('var/cache/bench', 3000, 2000, 6),
      () => bigFilesLayer('opt/extra', 1, 8, 7),
    ],
  },
  'oci-gzip': {
    format: 'oci',
    layers: [() => osLayer(200, 20), () => nodeModulesLayer('srv/app', 400, 6000), () => smallFilesLayer('usr/share/bench', 12000, 4000, 8), () => bigFilesLayer('opt/data', 2, 20, 9)],
  },
  big: {
    format: 'docker',
    layers: [
      () => osLayer(600, 240),
      () => smallFilesLayer('usr/share/bench', 45000, 3500, 10),
      () => nodeModulesLayer('srv/app', 1200, 9000),
      () => bigFilesLayer('usr/lib/bench', 12, 32, 11),
      () => smallFilesLayer('srv/app/assets', 38000, 4500, 12),
      () => bigFilesLayer('opt/models', 8, 48, 13),
    ],
  },
};

export const IMAGE_NAMES = Object.keys(SPECS);

async function writeLayer(gen: LayerGen, file: string, gzip: boolean): Promise<{ diffId: string; digest: string; size: number }> {
  const diff = createHash('sha256');
  const blob = createHash('sha256');
  const tap = new PassThrough();
  tap.on('data', (c: Buffer) => diff.update(c));
  const hashOut = new PassThrough();
  hashOut.on('data', (c: Buffer) => blob.update(c));
  const done = gzip ? pipeline(tap, createGzip({ level: 6 }), hashOut, createWriteStream(file)) : pipeline(tap, hashOut, createWriteStream(file));
  const w = new TarWriter(tap);
  const dirs = new Set<string>();
  for (const e of gen()) {
    const parts = e.name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        await w.dir(d);
      }
    }
    await w.file(e.name, e.content);
  }
  await w.end();
  await done;
  return { diffId: `sha256:${diff.digest('hex')}`, digest: `sha256:${blob.digest('hex')}`, size: statSync(file).size };
}

/** Writes image `name` (if not there yet) and returns its path. */
export async function ensureImage(name: string): Promise<string> {
  const spec = SPECS[name];
  if (!spec) throw new Error(`unknown bench image ${name}; known: ${IMAGE_NAMES.join(', ')}`);
  const target = join(BENCH_DIR, 'images', `${name}.${spec.format}.tar`);
  if (existsSync(target)) return target;
  const work = join(BENCH_DIR, 'images', `${name}.work`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const gzip = spec.format === 'oci';
  const layers = [];
  for (let i = 0; i < spec.layers.length; i++) layers.push({ file: join(work, `layer${i}`), ...(await writeLayer(spec.layers[i]!, join(work, `layer${i}`), gzip)) });
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    config: { Env: ['PATH=/usr/local/bin:/usr/bin:/bin'], User: '1000', WorkingDir: '/srv/app' },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_l, i) => ({ created_by: `bench layer ${i}` })),
  }));
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const out = createWriteStream(`${target}.tmp`);
  const pack = new TarWriter(out);
  const written = once(out, 'finish');
  const hex = (d: string) => d.slice(7);
  if (spec.format === 'docker') {
    await pack.file(`${hex(configDigest)}.json`, config);
    for (const l of layers) await pack.fileFrom(`${hex(l.diffId)}/layer.tar`, l.file);
    await pack.file('manifest.json', Buffer.from(JSON.stringify([{ Config: `${hex(configDigest)}.json`, RepoTags: [`bench/${name}:1`], Layers: layers.map((l) => `${hex(l.diffId)}/layer.tar`) }])));
  } else {
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
    }));
    const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
    await pack.file('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'));
    await pack.file('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': '1' } }] })));
    await pack.file(`blobs/sha256/${hex(manifestDigest)}`, manifest);
    await pack.file(`blobs/sha256/${hex(configDigest)}`, config);
    for (const l of layers) await pack.fileFrom(`blobs/sha256/${hex(l.digest)}`, l.file);
  }
  await pack.end();
  await written;
  renameSync(`${target}.tmp`, target);
  rmSync(work, { recursive: true, force: true });
  return target;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const n of process.argv.length > 2 ? process.argv.slice(2) : IMAGE_NAMES) console.log(await ensureImage(n));
}
