// The layer analysis cache on archives: inventory + content checks (what `scan` does before matching)
// with an empty cache (cold: walk, analyze, record), with every layer cached (warm: hash each layer,
// replay the record), and with --no-cache. Target (issue 20): warm ≤ 0.6× cold.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, createReadStream, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { sharedPath } from '../src/core/shared.js';
import type { WalkCache } from '../src/walker/index.js';
import { compiled } from './compiled.js';
import { dockerArchive, makeTar, type TarEntry } from '../src/source/testkit.js';
// the measured code, compiled (bench/compiled.ts), not the TypeScript sources through tsx
const { prepareChecks } = await compiled<typeof import('../src/checks/index.js')>('checks/index.js');
const { collectWithChecks } = await compiled<typeof import('../src/scan/collect.js')>('scan/collect.js');
const { LayerCache } = await compiled<typeof import('../src/walker/index.js')>('walker/index.js');

const RUNS = 5;
const OUT = join(process.cwd(), '.cache', 'bench');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** An 8-layer docker archive: text and config files, small executables, a node_modules tree, a deleted secret. */
async function multiLayer(): Promise<string> {
  const path = join(OUT, 'multi-layer-8.docker.tar');
  if (existsSync(path)) return path;
  mkdirSync(OUT, { recursive: true });
  const layers: Buffer[] = [];
  for (let l = 0; l < 8; l++) {
    const entries: TarEntry[] = [];
    for (let i = 0; i < 600; i++) {
      const line = `layer ${l} file ${i}: ${'lorem ipsum dolor sit amet '.repeat(8)}\n`;
      entries.push({ name: `srv/l${l}/d${i % 20}/f${i}.txt`, content: line.repeat(10 + (i % 40)) });
    }
    for (let i = 0; i < 40; i++) entries.push({ name: `usr/local/bin/tool${l}-${i}`, content: Buffer.alloc(64 * 1024 + i, l + i), mode: 0o755 });
    for (let i = 0; i < 60; i++) entries.push({ name: `app/node_modules/p${l}-${i}/package.json`, content: JSON.stringify({ name: `p${l}-${i}`, version: `1.${l}.${i}` }) });
    if (l === 3) entries.push({ name: 'app/.env', content: 'DB_PASSWORD=correct-horse-battery-staple\n' });
    if (l === 5) entries.push({ name: 'app/.wh..env', content: '' });
    layers.push(await makeTar(entries));
  }
  writeFileSync(path, await dockerArchive(layers, { repoTags: ['bench/multi:8'] }));
  return path;
}

/** orders-api's docker save, uncompressed (the archive as `docker save` writes it). */
async function ordersPlain(): Promise<string | undefined> {
  const src = sharedPath('fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!existsSync(src)) return undefined;
  const path = join(OUT, 'orders-api-1.4.2.docker.tar');
  if (!existsSync(path)) {
    mkdirSync(OUT, { recursive: true });
    await pipeline(createReadStream(src), createGunzip(), createWriteStream(path));
  }
  return path;
}

async function once(input: string, cache: WalkCache | undefined): Promise<number> {
  const checks = await prepareChecks({ env: { PORTCULLIS_CACHE_DIR: '/nonexistent-portcullis-cache' } });
  const t0 = process.hrtime.bigint();
  await collectWithChecks(input, { checks, ...(cache ? { cache } : {}) });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

interface Row {
  name: string;
  off: number;
  cold: number;
  warm: number;
  /** warm with the image's analysis removed: every layer's record replayed */
  layers: number;
  cacheBytes: number;
}

async function measure(name: string, input: string): Promise<Row> {
  const off: number[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  const layers: number[] = [];
  let cacheBytes = 0;
  await once(input, undefined); // warm the page cache and the module graph
  for (let i = 0; i < RUNS; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-cache-'));
    try {
      const store = new LayerCache(dir);
      off.push(await once(input, undefined));
      cold.push(await once(input, { store, salt: ['bench'] }));
      warm.push(await once(input, { store, salt: ['bench'] }));
      rmSync(join(dir, 'images'), { recursive: true, force: true });
      layers.push(await once(input, { store, salt: ['bench'] }));
      if (store.stats.hits === 0) throw new Error(`${name}: the warm run did not hit the cache`);
      const { readdirSync, statSync } = await import('node:fs');
      cacheBytes = readdirSync(dir).filter((n) => n.endsWith('.rec')).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const row = { name, off: median(off), cold: median(cold), warm: median(warm), layers: median(layers), cacheBytes };
  console.log(`${name}: --no-cache ${row.off.toFixed(0)} ms, cold ${row.cold.toFixed(0)} ms, warm ${row.warm.toFixed(0)} ms → ${(row.warm / row.cold).toFixed(2)}× (target ≤ 0.6×), layers replayed ${row.layers.toFixed(0)} ms; records ${(cacheBytes / 1024).toFixed(0)} KiB`);
  return row;
}

export async function run(): Promise<string> {
  const inputs: [string, string | undefined][] = [
    ['orders-api (docker save, gzip’d whole)', sharedPath('fixtures/images/orders-api-1.4.2.docker.tar.gz')],
    ['orders-api (docker save, plain)', await ordersPlain()],
    ['debian-12-slim (OCI archive, gzip layers)', sharedPath('fixtures/images/debian-12-slim.oci.tar')],
    ['8-layer docker archive (generated)', await multiLayer()],
  ];
  const rows: Row[] = [];
  for (const [name, path] of inputs) {
    if (!path || !existsSync(path)) {
      console.log(`${name}: SKIPPED (../shared absent)`);
      continue;
    }
    rows.push(await measure(name, path));
  }
  const table = rows
    .map((r) => `| ${r.name} | ${r.off.toFixed(0)} | ${r.cold.toFixed(0)} | ${r.warm.toFixed(0)} | ${(r.warm / r.cold).toFixed(2)}× ${r.warm / r.cold <= 0.6 ? '✓' : '✗'} | ${r.layers.toFixed(0)} | ${(r.layers / r.cold).toFixed(2)}× ${r.layers / r.cold <= 0.6 ? '✓' : '✗'} | ${(r.cold / r.off).toFixed(2)}× | ${(r.cacheBytes / 1024).toFixed(0)} KiB |`)
    .join('\n');
  return `Inventory + content checks (secrets, malware with the built-in engine, config) in process on tsc's output
(bench/compiled.ts), the part of \`scan\`
the cache replaces (DB matching, identical cold and warm, is left out). Median of ${RUNS} runs each: \`--no-cache\`,
cold (empty cache: walk, analyze, record and write), warm (the same image again: every layer's bytes still
hashed in this run, the image's whole analysis read from the cache), and layers replayed (the image's analysis
removed first, as for an image on the same layers not scanned before: each layer's record replayed through
the walker). 2 cores: times follow the load average given above.

| image | --no-cache ms | cold ms | warm ms | warm / cold (target ≤ 0.6×) | layers replayed ms | layers replayed / cold | cold / --no-cache (recording cost) | cache size |
|---|---|---|---|---|---|---|---|---|
${table}

A warm run still needs a digest computed from bytes read in this run: the layers are read and hashed
by worker threads (two at once) while their records replay on the main thread (or, for the image's whole
analysis, before it counts), and the run ends when both are done. A gzip layer blob whose diff_id an earlier run hashed is hashed as stored (the cache's blob →
diff_id map), not decompressed; a gzip'd whole archive met before (same sha256 of the file, computed now)
is not decompressed at all (the cache keeps its index, manifest, config and verified diff_ids, sealed
under that digest). Where a warm run misses 0.6×, what is left is the replay itself (entries through the
walker, the checks' restore) or hashing a large image, whichever is longer. The cold / --no-cache column is the
cost of recording (entry metadata, analyzer facts as JSON, check outcomes, gzip level 1; the record is
compressed and written while the next layers are walked).`;
}
