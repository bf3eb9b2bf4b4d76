// Test helper (not used at runtime): pulls selected files out of a docker-save or OCI archive with the
// system `tar`, layer by layer, so analyzer tests can run on real images before the walker is wired in.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnalyzerContext, FileInput, LayerRef } from '../../core/types.js';
import { DEFAULT_LIMITS } from '../../walker/types.js';

export interface ImageFile {
  /** absolute path in the image, e.g. `/srv/app/package.json` */
  path: string;
  layerIndex: number;
  content: Buffer;
}

export function haveTar(): boolean {
  return spawnSync('tar', ['--version']).status === 0;
}

function layerPaths(root: string): string[] {
  if (existsSync(join(root, 'manifest.json'))) {
    const m = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as { Layers: string[] }[];
    return m[0]!.Layers.map((l) => join(root, l));
  }
  const blob = (d: string): string => join(root, 'blobs', ...d.split(':'));
  let desc = (JSON.parse(readFileSync(join(root, 'index.json'), 'utf8')) as { manifests: { digest: string }[] }).manifests[0]!;
  let doc = JSON.parse(readFileSync(blob(desc.digest), 'utf8')) as { manifests?: { digest: string }[]; layers?: { digest: string }[] };
  while (doc.manifests) {
    desc = doc.manifests[0]!;
    doc = JSON.parse(readFileSync(blob(desc.digest), 'utf8')) as typeof doc;
  }
  return (doc.layers ?? []).map((l) => blob(l.digest));
}

/** Files whose image path satisfies `want`, from every layer (later layers listed after earlier ones). */
export function extractImageFiles(archive: string, want: (path: string) => boolean): ImageFile[] {
  const work = mkdtempSync(join(tmpdir(), 'portcullis-lang-'));
  try {
    execFileSync('tar', ['-xf', archive, '-C', work], { stdio: ['ignore', 'ignore', 'pipe'] });
    const out: ImageFile[] = [];
    layerPaths(work).forEach((layer, layerIndex) => {
      const names = execFileSync('tar', ['-tf', layer], { maxBuffer: 256 * 1024 * 1024 })
        .toString('utf8')
        .split('\n')
        .filter((n) => n !== '' && !n.endsWith('/') && want('/' + n.replace(/^\.\//, '')));
      if (names.length === 0) return;
      const dest = join(work, `layer-${layerIndex}`);
      execFileSync('mkdir', ['-p', dest]);
      const list = join(work, `list-${layerIndex}`);
      writeFileSync(list, names.join('\n') + '\n');
      execFileSync('tar', ['-xf', layer, '-C', dest, '--no-same-owner', '--files-from', list], { stdio: ['ignore', 'ignore', 'pipe'] });
      for (const n of names) {
        const p = join(dest, n);
        if (!lstatSync(p).isFile()) continue;
        out.push({ path: '/' + n.replace(/^\.\//, ''), layerIndex, content: readFileSync(p) });
      }
    });
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * A FileInput + collecting context for a unit test. `layer` is a layer index (its diffId is made up from
 * it) or the LayerRef itself; `mode` is the entry's file mode (0o755 for executables).
 */
export function fileInput(
  path: string,
  content: Buffer | string,
  layer: number | LayerRef = 0,
  mode = 0o644,
): { file: FileInput; ctx: AnalyzerContext; warnings: string[] } {
  const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  if (typeof layer === 'number') layer = { index: layer, diffId: `sha256:${String(layer).padStart(64, '0')}` };
  const warnings: string[] = [];
  return {
    file: { path, entry: { path, type: 'file', size: buf.length, mode }, content: buf, layer },
    ctx: { layer, warn: (m) => warnings.push(m), limits: DEFAULT_LIMITS },
    warnings,
  };
}

/** Run one analyzer on one file (see fileInput for `layer` and `mode`); returns its packages (as `name@version`, plus the objects) and warnings. */
export async function runOn(
  analyzer: { analyze(file: FileInput, ctx: AnalyzerContext): Promise<import('../../core/types.js').Fact[]> },
  path: string,
  content: Buffer | string,
  layer: number | LayerRef = 0,
  mode = 0o644,
): Promise<{ pkgs: import('../../core/types.js').Package[]; ids: string[]; warnings: string[] }> {
  const { file, ctx, warnings } = fileInput(path, content, layer, mode);
  const facts = await analyzer.analyze(file, ctx);
  const pkgs = facts.flatMap((f) => (f.kind === 'package' ? [f.pkg] : []));
  return { pkgs, ids: pkgs.map((p) => `${p.name}@${p.version}`), warnings };
}
