// More real images (third-party fixtures): the final dpkg status and OS of Debian 8 and Debian 10 images
// in docker-save archives, one with /etc/os-release as a link. Expected counts and packages were checked
// by hand with `tar -xOf … var/lib/dpkg/status | grep -c '^Package:'` (all `install ok installed`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnalyzerContext, FileInput, Package } from '../../../core/types.js';
import { sharedOrSkip } from '../../../core/shared.js';
import { DEFAULT_LIMITS } from '../../../walker/types.js';
import { fromOsRelease, osvEcosystemFor, pickOs } from '../release/index.js';
import { extractLayerFiles } from './testdata/image.js';
import { dpkgAnalyzer } from './index.js';

async function packagesOf(path: string, content: Buffer, layerIndex: number): Promise<{ pkgs: Package[]; warnings: string[] }> {
  const layer = { index: layerIndex, diffId: 'sha256:' + String(layerIndex).repeat(64) };
  const warnings: string[] = [];
  const ctx: AnalyzerContext = { layer, warn: (m) => warnings.push(m), limits: DEFAULT_LIMITS };
  const file: FileInput = { path, entry: { path, type: 'file', size: content.length, mode: 0o644 }, content, layer };
  const facts = await dpkgAnalyzer.analyze(file, ctx);
  return { pkgs: facts.flatMap((f) => (f.kind === 'package' ? [f.pkg] : [])), warnings };
}

for (const c of [
  {
    rel: 'fixtures/third-party/images/snyk/docker-archives/docker-save/dockergoof.tar',
    count: 381,
    statusLayers: [0, 1, 2, 3],
    eco: 'Debian:8',
    codename: 'jessie',
    check: { name: 'libc6', version: '2.19-18+deb8u10', source: { name: 'glibc', version: '2.19-18+deb8u10' } },
    check2: { name: 'openssl', version: '1.0.1t-1+deb8u8', source: { name: 'openssl', version: '1.0.1t-1+deb8u8' } },
  },
  {
    rel: 'fixtures/third-party/images/snyk/docker-archives/docker-save/nginx-os-release-link.tar',
    count: 84,
    statusLayers: [0],
    eco: 'Debian:10',
    codename: 'buster',
    check: { name: 'bsdutils', version: '1:2.33.1-0.1', source: { name: 'util-linux', version: '2.33.1-0.1' } },
    check2: { name: 'libgcc1', version: '1:8.3.0-6', source: { name: 'gcc-8', version: '8.3.0-6' } },
  },
] as const) {
  test(`real image ${c.rel.split('/').pop()}: ${c.count} packages, ${c.eco}`, async (t) => {
    const archive = sharedOrSkip(t, c.rel);
    if (!archive) return;
    const files = await extractLayerFiles(archive, (p) => p === '/var/lib/dpkg/status' || p === '/etc/os-release' || p === '/usr/lib/os-release');
    const statuses = files.filter((f) => f.path === '/var/lib/dpkg/status');
    assert.deepEqual(
      statuses.map((f) => f.layerIndex),
      [...c.statusLayers],
    );
    const last = statuses.at(-1)!;
    const { pkgs, warnings } = await packagesOf(last.path, last.content, last.layerIndex);
    assert.deepEqual(warnings, []);
    assert.equal(pkgs.length, c.count);
    for (const want of [c.check, c.check2]) {
      const p = pkgs.find((x) => x.name === want.name);
      assert.deepEqual([p?.version, p?.source], [want.version, want.source], want.name);
    }
    assert.ok(pkgs.every((p) => p.locations[0]!.layer.index === last.layerIndex));
    const os = pickOs(files.filter((f) => f.path !== '/var/lib/dpkg/status').map((f) => ({ os: fromOsRelease(f.content, f.path).os!, path: f.path })));
    assert.equal(os?.codename, c.codename);
    assert.equal(osvEcosystemFor(os!), c.eco);
  });
}
