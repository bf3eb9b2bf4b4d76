// Bundles the compiled CLI (tsc's output in DIST, default dist/) into DIST/bundle with esbuild, so a command
// starts by reading a few files instead of resolving, reading and compiling ~400 modules (issue 20):
// - cli.cjs: the whole CLI as one CommonJS file, and cli.cjs.v8, V8's code cache of it, made here by the Node
//   that builds, after running the CLI on a few scans so that it holds what they compile (src/cli/launch.ts
//   says why CommonJS and why the cache is made at build time only; src/cli/codecache.ts, the training);
// - main.cjs: the entry bin/ runs (src/cli/entry.ts, launch.ts): answers `--version`, else runs cli.cjs with that cache;
// - worker.js: the malware check's worker thread, an entry of its own where the code that starts it looks for
//   it (`new URL('./worker.js', import.meta.url)`; the hash worker is code in a string, nothing to bundle).
// Native and server-only packages stay external (node_modules).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dist = resolve(process.argv[2] ?? 'dist');
const out = join(dist, 'bundle');
rmSync(out, { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  // native addons, and the server's framework and drivers (plugins resolved at run time): from node_modules
  external: ['better-sqlite3', 'pg', 'pg-native', 'fastify', '@fastify/*', 'kysely', 'playwright-core'],
  // whitespace and syntax minified, names kept (stack traces stay readable): V8 reads, decodes and pre-parses
  // less text at every start (a 5 MB image's cold scan 0.62 -> 0.56 s, `--version` 0.15 -> 0.13 s, medians of
  // 9). Mangled names with `keepNames` measured slower (0.60 s): the names are set again at run time.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'linked',
  logLevel: 'warning',
};
// CommonJS dependencies call require(): give an ES module bundle one
const esmRequire = "import { createRequire as __portcullisRequire } from 'node:module'; const require = __portcullisRequire(import.meta.url);";

// each CommonJS bundle gets its code cache (<file>.v8), written as launch.ts reads it
const { writeCodeCache, VENDORED } = await import(pathToFileURL(join(dist, 'cli', 'launch.js')).href);

// zod's namespace re-exports all of its ~40 locales (300 KB, half of zod bundled); English is the default
// and the only one used (schemas.js registers it itself): the namespace gets English alone
const englishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (a) => (/[\\/]zod[\\/]v4[\\/]/.test(a.importer) ? { path: 'zod-locales', namespace: 'zod-english-only', pluginData: a.resolveDir } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (a) => ({ contents: "export { default as en } from '../locales/en.js';", resolveDir: a.pluginData }));
  },
};
// commander loads node:child_process (and with it net and dgram, ~5 ms of every start) for its executable
// subcommands, which Portcullis has none of: its spawn() loads it when called
const lazyChildProcess = {
  name: 'commander-lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (a) => {
      const text = await readFile(a.path, 'utf8');
      const line = "const childProcess = require('node:child_process');";
      // another commander: bundled as it is (test/startup.test.ts sees child_process loaded by a scan)
      if (!text.includes(line)) return undefined;
      return { contents: text.replace(line, "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };"), loader: 'js' };
    });
  },
};
// better-sqlite3 stays external (its addon, and the server's kysely dialect), but the file of its Database
// class is taken in: src/advisory/store/sqlite.ts names the addon's path, so `bindings` (external) is never
// called from the copy, and the scan's DB opens from the bundle's code cache (~8 ms of every scan)
const sqliteDatabase = {
  name: 'better-sqlite3-database',
  setup(b) {
    b.onResolve({ filter: /^better-sqlite3\/lib\/database\.js$/ }, (a) => ({ path: createRequire(join(a.resolveDir, 'x.js')).resolve(a.path) }));
  },
};
// packages only policies, configs and the server use, bundled apart (launch.ts loads them on first require)
for (const name of VENDORED) {
  const file = join(out, `vendor-${name}.cjs`);
  await build({ ...common, stdin: { contents: `export * from ${JSON.stringify(name)};`, resolveDir: dist }, outfile: file, format: 'cjs', plugins: [englishOnly] });
  writeCodeCache(file);
}

// ES modules as CommonJS: import.meta.url is the file's own (the modules find files beside them by it: rules,
// worker.js, package.json)
const asCommonJs = {
  format: 'cjs',
  define: { 'import.meta.url': '__portcullisUrl' },
  banner: { js: "const __portcullisUrl = require('node:url').pathToFileURL(__filename).href;" },
  // import.meta.resolve is used only when running from the TypeScript sources (malware/offload.ts)
  logOverride: { 'empty-import-meta': 'silent' },
};
const cli = join(out, 'cli.cjs');
await build({ ...common, ...asCommonJs, entryPoints: [join(dist, 'cli', 'main.js')], outfile: cli, external: [...common.external, 'bindings', ...VENDORED], plugins: [lazyChildProcess, sqliteDatabase] });
// the launcher bin/ requires (CommonJS: a process starts it ~10 ms sooner than an ES module)
await build({ ...common, ...asCommonJs, entryPoints: [join(dist, 'cli', 'entry.js')], outfile: join(out, 'main.cjs') });
const workers = [['worker', join(dist, 'checks', 'malware', 'worker.js')]].filter(([, file]) => existsSync(file));
for (const [name, file] of workers) {
  await build({ ...common, entryPoints: [file], outfile: join(out, `${name}.js`), format: 'esm', banner: { js: esmRequire } });
}
writeCodeCache(cli);
console.log(`bundled cli.cjs, ${VENDORED.map((n) => `vendor-${n}.cjs`).join(', ')} (each with its code cache), main.cjs, ${workers.map(([n]) => n).join(', ')} into ${out}`);
// then the caches of the files a scan runs hold what it compiles (train-code-cache.mjs), in a process of
// its own with this one's Node options, as the caches above (V8 refuses a cache made under other flags)
const trained = spawnSync(process.execPath, [fileURLToPath(new URL('./train-code-cache.mjs', import.meta.url)), dist], { stdio: 'inherit' });
if (trained.status !== 0) {
  console.error(`bundle: training the code caches failed (exit ${trained.status ?? trained.signal})`);
  process.exit(1);
}
