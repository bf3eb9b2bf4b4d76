// Time and peak memory of resolving + walking orders-api (gzip-compressed docker save, 3 layers) with
// analyzer-like required() predicates, against `gzip -dc FILE | tar -t` of the same data.
// `benchWalk` is reusable: pass the real analyzer list to measure the full sbom the same way.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Analyzer } from '../src/core/types.js';
import { sharedPath } from '../src/core/shared.js';
import { openImage } from '../src/source/index.js';
import { walkImage, type WalkResult } from '../src/walker/index.js';

export const ORDERS_API = sharedPath('fixtures/images/orders-api-1.4.2.docker.tar.gz');

export interface Measured<T> {
  ms: number;
  /** peak RSS of this process so far (resourceUsage().maxRSS), MiB */
  maxRssMiB: number;
  /** heap used at the end, MiB */
  heapMiB: number;
  value: T;
}

export async function measure<T>(fn: () => Promise<T>): Promise<Measured<T>> {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, heapMiB: process.memoryUsage().heapUsed / 1024 / 1024, value };
}

/** Open + walk + close one image with the given analyzers. */
export async function benchWalk(input: string, analyzers: Analyzer[]): Promise<Measured<WalkResult>> {
  return measure(async () => {
    const img = await openImage(input);
    try {
      return await walkImage(img, analyzers);
    } finally {
      await img.close();
    }
  });
}

/** Predicates shaped like the real analyzers' (package DBs, lockfiles, binaries, secrets candidates). */
export function likeAnalyzers(): Analyzer[] {
  const mk = (name: string, re: RegExp, pred?: (size: number, mode: number) => boolean): Analyzer => ({
    name,
    version: 1,
    required: (p, e) => re.test(p) && (pred ? pred(e.size, e.mode) : true),
    analyze: async (f) => [{ kind: 'config', issue: { check: name, title: f.path, severity: 'low', detail: String(f.content.length) } }],
  });
  return [
    mk('os-release', /^\/(etc|usr\/lib)\/os-release$/),
    mk('dpkg', /^\/var\/lib\/dpkg\/(status|status\.d\/[^/]+|info\/[^/]+\.list)$/),
    mk('apk', /^\/lib\/apk\/db\/installed$/),
    mk('npm', /\/node_modules\/[^/]+(\/[^/]+)?\/package\.json$|\/package-lock\.json$/),
    mk('python', /\/(dist|site)-packages\/[^/]+\.(dist-info|egg-info)\/(METADATA|PKG-INFO)$|\.egg-info$/),
    mk('gobinary', /^\/(usr\/)?(s?bin|local\/bin)\/[^/]+$/, (size, mode) => (mode & 0o111) !== 0 && size > 1024 * 1024),
    mk('secrets', /\.(env|pem|key)$|\/\.env$/, (size) => size < 1024 * 1024),
  ];
}

/** Run a shell pipeline over `file` and count output lines. */
function shellCount(script: string, file: string): Promise<{ ms: number; entries: number }> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn('sh', ['-c', `${script} | wc -l`, 'sh', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) reject(new Error(`gzip | tar exited ${code}`));
      else resolve({ ms: Number(process.hrtime.bigint() - t0) / 1e6, entries: Number(out.trim()) });
    });
  });
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `min ${s[0]!.toFixed(0)} ms, median ${s[Math.floor(s.length / 2)]!.toFixed(0)} ms`;
}

export async function run(runs = 3): Promise<void> {
  if (!existsSync(ORDERS_API)) {
    console.log(`SKIPPED: ${ORDERS_API} not found (check out ../shared beside the repo)`);
    return;
  }
  console.log(`orders-api-1.4.2.docker.tar.gz, ${runs} runs each (the machine may be shared: compare minima)`);
  const outer: number[] = [];
  const all: number[] = [];
  const walks: Measured<WalkResult>[] = [];
  let entries = 0;
  for (let i = 0; i < runs; i++) {
    outer.push((await shellCount('gzip -dc "$1" | tar -t', ORDERS_API)).ms);
    // the same work the walker does: decompress, and list every entry of every layer
    const b = await shellCount(`gzip -dc "$1" | tar -xO --wildcards '*.tar' | tar -ti`, ORDERS_API);
    all.push(b.ms);
    entries = b.entries;
    walks.push(await benchWalk(ORDERS_API, likeAnalyzers()));
  }
  console.log(`${'gzip -dc | tar -t (outer archive)'.padEnd(40)} ${stats(outer)}`);
  console.log(`${'gzip -dc | tar -xO *.tar | tar -ti'.padEnd(40)} ${stats(all)}; ${entries} entries in all layers`);
  const last = walks[walks.length - 1]!;
  const s = last.value.stats;
  console.log(
    `${'openImage + walkImage + close'.padEnd(40)} ${stats(walks.map((w) => w.ms))}; peak RSS ${last.maxRssMiB.toFixed(0)} MiB, heap ${last.heapMiB.toFixed(0)} MiB; ` +
      `${s.layers} layers, ${s.entries} entries, ${(s.bytes / 1024 / 1024).toFixed(0)} MiB uncompressed, ${s.analyzedFiles} files analyzed, ${last.value.problems.length} problems`,
  );
  // the same walk with the analyzers registered today (src/analyzers/registry.ts)
  const { analyzers } = await import('../src/analyzers/registry.js');
  const real = await benchWalk(ORDERS_API, analyzers);
  const rs = real.value.stats;
  console.log(
    `${`walk with ${analyzers.length} registered analyzers`.padEnd(40)} ${real.ms.toFixed(0)} ms (one run); peak RSS ${real.maxRssMiB.toFixed(0)} MiB; ` +
      `${rs.analyzedFiles} files analyzed, ${real.value.problems.length} problems`,
  );
  const minWalk = Math.min(...walks.map((w) => w.ms));
  console.log(`ratio (minima) to listing all layers with gzip|tar: ${(minWalk / Math.min(...all)).toFixed(2)}x`);

  // the whole inventory stage (what `portcullis sbom` does), all analyzers vs OS analyzers only:
  // the cost of language analysis on orders-api
  const { collectInventory } = await import('../src/scan/collect.js');
  const osOnly = analyzers.filter((a) => ['os-release', 'dpkg', 'apk', 'rpm'].includes(a.name));
  const full: number[] = [];
  const os: number[] = [];
  let fullPkgs = 0;
  let osPkgs = 0;
  for (let i = 0; i < runs; i++) {
    const f = await measure(() => collectInventory(ORDERS_API));
    full.push(f.ms);
    fullPkgs = f.value.packages.length;
    const o = await measure(() => collectInventory(ORDERS_API, { analyzers: osOnly }));
    os.push(o.ms);
    osPkgs = o.value.packages.length;
  }
  console.log(`${'sbom inventory, all analyzers'.padEnd(40)} ${stats(full)}; ${fullPkgs} packages; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  console.log(`${'sbom inventory, OS analyzers only'.padEnd(40)} ${stats(os)}; ${osPkgs} packages`);
  console.log(`language analysis cost (minima): +${(Math.min(...full) - Math.min(...os)).toFixed(0)} ms, ${((Math.min(...full) / Math.min(...os) - 1) * 100).toFixed(0)}% over the OS-only scan`);
}
