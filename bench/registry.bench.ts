// Registry pulls: inventory time of orders-api from the local docker-registry vs from its archive
// (target ≤ 1.2×); bytes downloaded when scanning it after its base (target: only the new layers) and on
// a warm rescan, with the layer analysis cache; cold vs warm time of a registry scan (target ≤ 0.1×).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath } from '../src/core/shared.js';
import { haveTools, push, startRegistry } from '../src/source/registry/testregistry.js';
import type { WalkCache } from '../src/walker/index.js';
import { compiled, DIST } from './compiled.js';
// the measured code, compiled (bench/compiled.ts): one module graph, so transferStats counts its transfers
const { prepareChecks } = await compiled<typeof import('../src/checks/index.js')>('checks/index.js');
const { collectInventory, collectWithChecks } = await compiled<typeof import('../src/scan/collect.js')>('scan/collect.js');
const { transferStats } = await compiled<typeof import('../src/source/registry/client.js')>('source/registry/client.js');
const { LayerCache } = await compiled<typeof import('../src/walker/index.js')>('walker/index.js');

const ORDERS = sharedPath('fixtures/images/orders-api-1.4.2.docker.tar.gz');
const SLIM = sharedPath('fixtures/images/debian-12-slim.oci.tar');
const RUNS = 3;
/** warm runs per cache in process (their median is that cache's warm time) */
const WARM_EACH = 5;
const here = dirname(fileURLToPath(import.meta.url));
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(f: () => Promise<unknown>, runs: number): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await f();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!;
}

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

export async function run(): Promise<string | void> {
  const missing = haveTools('docker-registry', 'skopeo');
  if (missing.length > 0 || !existsSync(ORDERS) || !existsSync(SLIM)) {
    console.log(`SKIPPED: needs ${missing.join(', ') || '../shared fixtures'}`);
    return;
  }
  const reg = await startRegistry({});
  const dirs: string[] = [];
  const cache = (): WalkCache => {
    const d = mkdtempSync(join(tmpdir(), 'portcullis-bench-cache-'));
    dirs.push(d);
    return { store: new LayerCache(d), salt: ['bench'] };
  };
  try {
    await push(`oci-archive:${SLIM}`, reg, 'base/debian:12-slim');
    await push(`docker-archive:${ORDERS}`, reg, 'shop/orders-api:1.4.2');
    const ref = `${reg.host}/shop/orders-api:1.4.2`;
    await collectInventory(ORDERS); // warm up
    const archiveMs = await timed(() => collectInventory(ORDERS), RUNS);
    const registryMs = await timed(() => collectInventory(ref), RUNS);
    console.log(`orders-api inventory: archive ${archiveMs.toFixed(0)} ms, registry ${registryMs.toFixed(0)} ms → ${(registryMs / archiveMs).toFixed(2)}×`);

    // bytes: the base, then orders-api on it, then orders-api again, through one cache
    const shared = cache();
    const b0 = transferStats.bytes;
    const base = await collectInventory(`${reg.host}/base/debian:12-slim`, { cache: shared });
    const b1 = transferStats.bytes;
    const app = await collectInventory(ref, { cache: shared });
    const b2 = transferStats.bytes;
    await collectInventory(ref, { cache: shared });
    const b3 = transferStats.bytes;
    const baseBlobs = new Set(base.image.layers.map((l) => l.digest));
    const newBytes = app.image.layers.filter((l) => !baseBlobs.has(l.digest)).reduce((n, l) => n + (l.size ?? 0), 0);
    const allBytes = app.image.layers.reduce((n, l) => n + (l.size ?? 0), 0);
    console.log(`bytes: base ${b1 - b0}; orders-api after it ${b2 - b1} (its own layers ${newBytes}, all ${allBytes}); warm rescan ${b3 - b2}`);

    // time: a scan's collection (inventory + content checks) from the registry, empty cache vs every layer
    // cached. In this process: each cache cold once, then warm WARM_EACH times (the median is the steady
    // state of a process that scans again and again; the first warm run may pay for the cold run's garbage).
    const checks = await prepareChecks({ env: { PORTCULLIS_CACHE_DIR: '/nonexistent-portcullis-cache' } });
    const cold: number[] = [];
    const firstWarm: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const c = cache();
      cold.push(await timed(() => collectWithChecks(ref, { checks, cache: c }), 1));
      const ws: number[] = [];
      for (let k = 0; k < WARM_EACH; k++) ws.push(await timed(() => collectWithChecks(ref, { checks, cache: c }), 1));
      firstWarm.push(ws[0]!);
      warm.push(med(ws));
    }
    const coldMs = med(cold);
    const warmMs = med(warm);
    const firstMs = med(firstWarm);
    console.log(`registry scan collection in process: cold ${coldMs.toFixed(0)} ms, warm ${warmMs.toFixed(0)} ms (first warm run ${firstMs.toFixed(0)}) → ${(warmMs / coldMs).toFixed(2)}× (target ≤ 0.1×)`);
    // and as the CLI runs it: a fresh process per run (JIT and heap cold), the collection timed inside it
    const one = (cacheDir: string): number => Number(execFileSync(process.execPath, [join(here, 'registry-one.mjs'), DIST, ref, cacheDir], { encoding: 'utf8' }).trim());
    const freshCold: number[] = [];
    const freshWarm: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const c = cache();
      freshCold.push(one(c.store.dir));
      freshWarm.push(one(c.store.dir));
    }
    const fColdMs = med(freshCold);
    const fWarmMs = med(freshWarm);
    console.log(`registry scan collection, fresh process per run: cold ${fColdMs.toFixed(0)} ms, warm ${fWarmMs.toFixed(0)} ms → ${(fWarmMs / fColdMs).toFixed(2)}×`);
    const ok = (b: boolean): string => (b ? '✓' : '✗');
    return `orders-api pushed with skopeo to Debian's docker-registry on 127.0.0.1 (plain HTTP, no auth), after
debian-12-slim (its base). On tsc's output (bench/compiled.ts; not the TypeScript sources through tsx, whose
function-naming helpers cost ~40% of a warm replay); medians of ${RUNS} caches. Scan collection is timed two
ways: in this process (each cache cold once, then warm ${WARM_EACH} times: the median is the steady state of a
process that scans again and again, such as the server; the first warm run after a cold one, which may
pay for the cold run's garbage, is shown beside it), and in a fresh process per run (bench/registry-one.mjs: JIT and heap start cold, as in a CLI
run; start-up and module loading are not counted). Times follow the load of the 2-core machine (the load
average is above); bytes are exact.

| measure | value | target |
|---|---|---|
| inventory from the registry vs the archive | ${registryMs.toFixed(0)} ms vs ${archiveMs.toFixed(0)} ms = ${(registryMs / archiveMs).toFixed(2)}× | ≤ 1.2× ${ok(registryMs / archiveMs <= 1.2)} |
| bytes downloaded: debian-12-slim | ${mb(b1 - b0)} | |
| bytes downloaded: orders-api after its base (layer cache) | ${mb(b2 - b1)} (its own layers: ${mb(newBytes)}; all layers: ${mb(allBytes)}) | only the new layers ${ok(b2 - b1 - newBytes < 256 * 1024)} |
| bytes downloaded: orders-api rescanned | ${mb(b3 - b2)} (manifest and config) | |
| scan collection (inventory + content checks) in process, cold vs warm | ${coldMs.toFixed(0)} ms vs ${warmMs.toFixed(0)} ms = ${(warmMs / coldMs).toFixed(2)}× (first warm run: ${firstMs.toFixed(0)} ms) | ≤ 0.1× ${ok(warmMs / coldMs <= 0.1)} |
| scan collection, a fresh process per run, cold vs warm | ${fColdMs.toFixed(0)} ms vs ${fWarmMs.toFixed(0)} ms = ${(fWarmMs / fColdMs).toFixed(2)}× | ≤ 0.1× ${ok(fWarmMs / fColdMs <= 0.1)} |

A registry layer is skipped only when the manifest we hashed pins its blob digest and the cache recorded
that blob → diff_id from bytes it hashed on an earlier pull; then no byte of it is downloaded. Since
2026-12-06 the cache also keeps each image's whole analysis (inventory and checks' results, keyed by the
image as resolved: manifest, config, layers, analyzers, checks; scan/imagecache.ts), stored once every
layer of the image is cached: a rescan of the same image costs the manifest and config round trips and
reading that document, and replays no layer (in process ~90 → ~15 ms; a fresh process ~430 → ~100 ms,
most of it the modules' first run). An image on the same layers not scanned before still replays each
layer's record through the walker (the layer-cache section's "layers replayed" column): the replay of
every entry (overlay, content checks' bookkeeping, analyzer facts) is what that costs. Before the image
analysis: one TLS context per CA list (each scan parsed ~290 root certificates again to try HTTPS first:
~45 ms), records stored as ASCII JSON and read as latin1 (one-byte strings: parsing ~1.5× faster),
inflated in 256 KiB chunks (zlib's 16 KiB default cost 2.5× the CPU in thread-pool round trips), the
next layer's record read while one replays, and no per-file garbage for replayed files took the warm
replay from ~190 to ~100 ms.

A cold registry pull gunzips its large layers in the hash worker (2026-12-06): each downloaded piece is
placed in the worker's shared ring, hashed (blob digest), gunzipped, hashed again (diff_id) and written
into a second ring the walker parses in place (source/ringinflate.ts); a piece's room is freed once the
gunzip took it, so the download waits while the walk is behind. Before, the main thread ran the zlib
stream and copied every chunk into the ring twice (compressed and inflated): the cold in-process scan
took ~1.40 s and the registry inventory 1.43× the archive's; after, ~1.0 s and ~1.2×.`;
  } finally {
    await reg.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
