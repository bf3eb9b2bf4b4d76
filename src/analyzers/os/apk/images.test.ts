// More real Alpine images (third-party fixtures, three archive layouts): installed packages and OS.
// Expected values checked by hand with `grep -c '^P:'` on the extracted database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnalyzerContext, FileInput, Package } from '../../../core/types.js';
import { sharedOrSkip } from '../../../core/shared.js';
import { DEFAULT_LIMITS } from '../../../walker/types.js';
import { fromLegacy, fromOsRelease, osvEcosystemFor, pickOs } from '../release/index.js';
import { extractLayerFiles } from '../dpkg/testdata/image.js';
import { apkAnalyzer } from './index.js';

const LAYER = { index: 0, diffId: 'sha256:' + '0'.repeat(64) };

async function packagesOf(path: string, content: Buffer): Promise<{ pkgs: Package[]; warnings: string[] }> {
  const warnings: string[] = [];
  const ctx: AnalyzerContext = { layer: LAYER, warn: (m) => warnings.push(m), limits: DEFAULT_LIMITS };
  const file: FileInput = { path, entry: { path, type: 'file', size: content.length, mode: 0o644 }, content, layer: LAYER };
  const facts = await apkAnalyzer.analyze(file, ctx);
  return { pkgs: facts.flatMap((f) => (f.kind === 'package' ? [f.pkg] : [])), warnings };
}

for (const c of [
  { rel: 'fixtures/third-party/images/snyk/containerd-archives/alpine.tar', version: '3.14.9', eco: 'Alpine:v3.14', musl: '1.2.2-r3', busybox: '1.33.1-r8' },
  { rel: 'fixtures/third-party/images/snyk/oci-archives/alpine-3.12.0.tar', version: '3.12.0', eco: 'Alpine:v3.12', musl: '1.1.24-r8', busybox: '1.31.1-r16' },
  { rel: 'fixtures/third-party/images/trivy/alpine-311.tar.gz', version: '3.11.5', eco: 'Alpine:v3.11', musl: '1.1.24-r2', busybox: '1.31.1-r9' },
] as const) {
  test(`real image ${c.rel.split('/').slice(-2).join('/')}: Alpine ${c.version}, 14 packages`, async (t) => {
    const archive = sharedOrSkip(t, c.rel);
    if (!archive) return;
    const files = await extractLayerFiles(archive, (p) => p === '/lib/apk/db/installed' || p === '/etc/os-release' || p === '/etc/alpine-release');
    const db = files.find((f) => f.path === '/lib/apk/db/installed')!;
    const { pkgs, warnings } = await packagesOf(db.path, db.content);
    assert.deepEqual(warnings, []);
    assert.equal(pkgs.length, 14);
    assert.equal(pkgs.find((p) => p.name === 'musl')?.version, c.musl);
    assert.deepEqual(pkgs.find((p) => p.name === 'busybox')?.source, { name: 'busybox', version: c.busybox });
    assert.ok(pkgs.every((p) => p.files !== undefined && p.purl.startsWith('pkg:apk/alpine/')));
    const cands = files
      .filter((f) => f.path !== db.path)
      .map((f) => ({ os: (f.path === '/etc/os-release' ? fromOsRelease(f.content, f.path) : fromLegacy(f.content, f.path)).os!, path: f.path }));
    const os = pickOs(cands);
    assert.equal(os?.versionId, c.version);
    assert.equal(osvEcosystemFor(os!), c.eco);
  });
}
