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

export async function run(): Promise<void> {
  if (!existsSync(ORDERS_API)) {
    console.log(`SKIPPED: ${ORDERS_API} not found (check out ../shared beside the repo)`);
    return;
  }
  const outer = await shellCount('gzip -dc "$1" | tar -t', ORDERS_API);
  console.log(`${'gzip -dc | tar -t (outer archive)'.padEnd(40)} ${outer.ms.toFixed(0)} ms, ${outer.entries} entries`);
  // the same work the walker does: decompress, and list every entry of every layer
  const base = await shellCount(`gzip -dc "$1" | tar -xO --wildcards '*.tar' | tar -ti`, ORDERS_API);
  console.log(`${'gzip -dc | tar -xO *.tar | tar -ti'.padEnd(40)} ${base.ms.toFixed(0)} ms, ${base.entries} entries (all layers)`);
  const cold = await benchWalk(ORDERS_API, likeAnalyzers());
  const warm = await benchWalk(ORDERS_API, likeAnalyzers());
  for (const [label, m] of [['resolve+walk (first run)', cold], ['resolve+walk (second run)', warm]] as const) {
    const s = m.value.stats;
    console.log(
      `${label.padEnd(40)} ${m.ms.toFixed(0)} ms, peak RSS ${m.maxRssMiB.toFixed(0)} MiB, heap ${m.heapMiB.toFixed(0)} MiB; ` +
        `${s.layers} layers, ${s.entries} entries, ${(s.bytes / 1024 / 1024).toFixed(0)} MiB uncompressed, ${s.analyzedFiles} files analyzed, ${m.value.problems.length} problems`,
    );
  }
  console.log(`ratio to listing all layers with gzip|tar: ${(warm.ms / base.ms).toFixed(2)}x`);
}
