// Base-image catalog and lineage: catalog parse/render at scale, detectLineage against a big catalog.
import { createHash } from 'node:crypto';
import type { CatalogEntry } from '../src/baseimage/catalog.js';
import { parseCatalog, renderCatalog } from '../src/baseimage/catalog.js';
import { detectLineage } from '../src/baseimage/detect.js';
import type { Inventory } from '../src/core/report.js';

const dig = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;

function ms(t0: bigint): string {
  return (Number(process.hrtime.bigint() - t0) / 1e6).toFixed(1);
}

function catalog(bases: number, layersEach: number, packagesEach: number): CatalogEntry[] {
  const out: CatalogEntry[] = [];
  for (let i = 0; i < bases; i++) {
    // every 10 bases share their first layers (families of bases built on each other)
    const family = Math.floor(i / 10);
    const layers = Array.from({ length: 1 + (i % layersEach) }, (_v, j) => dig(`f${family}-l${j}`));
    const packages = Array.from({ length: packagesEach }, (_v, j) => ({
      type: 'deb' as const,
      name: `pkg${j}`,
      version: `1.${j}-${i}`,
      arch: 'amd64',
      source: { name: `src${j}`, version: `1.${j}-${i}` },
      purl: `pkg:deb/debian/pkg${j}@1.${j}-${i}?arch=amd64&distro=debian-12`,
      distro: { id: 'debian', versionId: '12' },
    }));
    out.push({ name: `registry.example.com/team${family}/base:${i}`, digest: dig(`m${i}`), approved: i % 3 !== 0, layers, packages, created: new Date(Date.UTC(2024, 0, 1 + i)).toISOString() });
  }
  return out;
}

function image(layers: string[]): Inventory {
  return {
    image: {
      ref: { input: 'x', transport: 'docker-archive' },
      name: 'x',
      repoTags: [],
      platform: { os: 'linux', architecture: 'amd64' },
      config: { env: [], labels: {}, exposedPorts: [], history: [], diffIds: layers },
      layers: layers.map((d, index) => ({ index, diffId: d })),
      annotations: {},
    },
    packages: [],
    analyzers: [],
    gaps: [],
  };
}

export async function run(): Promise<void> {
  for (const [bases, pkgs] of [
    [100, 300],
    [1000, 100],
  ] as const) {
    const entries = catalog(bases, 8, pkgs);
    let t0 = process.hrtime.bigint();
    const text = renderCatalog({ entries });
    const renderMs = ms(t0);
    t0 = process.hrtime.bigint();
    const c = parseCatalog(text, 'bench.yaml');
    const parseMs = ms(t0);
    console.log(`catalog ${bases} bases × ${pkgs} packages: ${(text.length / 1e6).toFixed(1)} MB, render ${renderMs} ms, parse+validate ${parseMs} ms`);
    const img = image([...Array.from({ length: 7 }, (_v, j) => dig(`f${Math.floor(bases / 20)}-l${j}`)), ...Array.from({ length: 13 }, (_v, j) => dig(`app${j}`))]);
    const n = 1000;
    t0 = process.hrtime.bigint();
    let chain = 0;
    for (let i = 0; i < n; i++) chain = detectLineage(img, c).chain.length;
    console.log(`detectLineage, 20-layer image vs ${bases} bases: ${(Number(process.hrtime.bigint() - t0) / 1e6 / n).toFixed(3)} ms per image (chain of ${chain})`);
  }
}
