// The code under measurement as users run it: tsc's output, not the TypeScript sources through tsx. tsx
// (esbuild's keepNames) wraps every function it creates in a naming helper, which cost ~40% of a warm
// layer replay in process, so in-process benches that time our code import it from here.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BENCH_DIR } from './images/generate.js';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** tsc's output of src/ with the data files beside it (secret rules, schemas, ...), as a package ships them */
export const DIST = join(BENCH_DIR, 'dist');
let built = false;

function copyAssets(from: string, to: string): void {
  for (const e of readdirSync(from, { withFileTypes: true })) {
    if (e.name === 'testdata' || e.name === 'node_modules') continue;
    if (e.isDirectory()) copyAssets(join(from, e.name), join(to, e.name));
    else if (!e.name.endsWith('.ts')) {
      mkdirSync(to, { recursive: true });
      copyFileSync(join(from, e.name), join(to, e.name));
    }
  }
}

/** Compile src/ into DIST (once per bench process). */
export function buildDist(): string {
  if (built) return DIST;
  rmSync(DIST, { recursive: true, force: true });
  const b = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', DIST], { encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`tsc: ${b.stdout}${b.stderr}`);
  copyAssets(join(ROOT, 'src'), DIST);
  built = true;
  return DIST;
}

/** The compiled module of `src/<rel>` (e.g. 'scan/collect.js'). */
export async function compiled<T>(rel: string): Promise<T> {
  return (await import(pathToFileURL(join(buildDist(), rel)).href)) as T;
}
