// Builds the web console (web/) into a folder of static files with esbuild: index.html, app.js (Preact
// and the app, minified, one file) and app.css. Run by `npm run build` into dist/server/console/assets;
// tests build into a temp dir. A build tool: not compiled into dist/.
//   node --import tsx src/server/console/build.ts OUT_DIR
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const WEB = fileURLToPath(new URL('./web/', import.meta.url));

/** The first-load budget of the issue: JavaScript, gzipped. */
export const JS_BUDGET_GZIP = 200 * 1024;

export interface ConsoleBuild {
  dir: string;
  jsBytes: number;
  jsGzipBytes: number;
  cssGzipBytes: number;
}

export async function buildConsole(dir: string): Promise<ConsoleBuild> {
  mkdirSync(dir, { recursive: true });
  await build({
    entryPoints: { app: join(WEB, 'main.tsx') },
    outdir: dir,
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  copyFileSync(join(WEB, 'index.html'), join(dir, 'index.html'));
  copyFileSync(join(WEB, 'app.css'), join(dir, 'app.css'));
  const js = readFileSync(join(dir, 'app.js'));
  return { dir, jsBytes: js.length, jsGzipBytes: gzipSync(js, { level: 9 }).length, cssGzipBytes: gzipSync(readFileSync(join(dir, 'app.css')), { level: 9 }).length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2];
  if (!out) {
    process.stderr.write('usage: build.ts OUT_DIR\n');
    process.exit(2);
  }
  const r = await buildConsole(out);
  process.stderr.write(`console: ${r.dir}/app.js ${r.jsBytes} bytes, ${r.jsGzipBytes} gzipped (budget ${JS_BUDGET_GZIP}); app.css ${r.cssGzipBytes} gzipped\n`);
  if (r.jsGzipBytes > JS_BUDGET_GZIP) process.exit(1);
}
