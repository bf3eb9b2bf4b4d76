// Test helper (not used at runtime, not compiled into dist/): pulls selected files out of a real image
// through the real source and walker (digests verified, whiteouts applied, limits in force), layer by
// layer, so analyzer "image" tests read images exactly as a scan does.
import type { Analyzer, AnalyzerContext, FileInput, LayerRef } from '../../core/types.js';
import { openImage } from '../../source/index.js';
import { walkImage, DEFAULT_LIMITS } from '../../walker/index.js';

export interface ImageFile {
  /** absolute path in the image, e.g. `/srv/app/package.json` */
  path: string;
  layerIndex: number;
  content: Buffer;
}

/**
 * Regular files whose image path satisfies `want`, from every layer (later layers listed after earlier
 * ones), read by the walker. Problems the walker met (a layer it could not read, a limit) throw: an
 * analyzer test on a real image must not pass on a partial read.
 */
export async function extractImageFiles(archive: string, want: (path: string) => boolean): Promise<ImageFile[]> {
  const out: ImageFile[] = [];
  const capture: Analyzer = {
    name: 'test-capture',
    version: 1,
    required: (path, entry) => entry.type === 'file' && want(path),
    async analyze(file) {
      // a copy: the content is valid only while analyze() runs (FileInput)
      out.push({ path: file.path, layerIndex: file.layer.index, content: Buffer.from(file.content) });
      return [];
    },
  };
  const image = await openImage(archive);
  try {
    const walk = await walkImage(image, [capture]);
    if (walk.problems.length) throw new Error(`walking ${archive}: ${walk.problems.map((p) => `${p.reason} ${p.subject}`).join('; ')}`);
  } finally {
    await image.close();
  }
  return out.sort((x, y) => x.layerIndex - y.layerIndex || (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
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
