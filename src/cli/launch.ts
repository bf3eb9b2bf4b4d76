// Runs the CLI, bundled as one CommonJS file (cli.cjs), compiled with the V8 code cache the build wrote
// beside it (cli.cjs.v8): a start deserialises what V8 compiled at build time instead of parsing 1.3 MB of
// JavaScript. Node 20 has no code cache for ES modules (`module.enableCompileCache` is Node 22), hence
// CommonJS. Packages only policies, configs and the server use (zod, yaml) are bundles of their own beside
// it, each with its cache, loaded on first require (VENDORED). The bundle's entry (entry.ts) answers
// `--version` before this module is loaded.
//
// A cache file is the sha256 of the source it was made from, then V8's data. A cache made from other text
// (a stale or misplaced file) is not offered to V8, which checks only the source's length; V8 itself rejects
// one from another V8 or other flags (`--max-old-space-size` in NODE_OPTIONS). Either way the script is
// compiled from source, as without a cache. Nothing is written at run time: a code cache in a directory CI
// jobs share (the layer cache's) would be code anyone able to write there gets run; this one is built.
import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import vm from 'node:vm';
import { startEarly } from './early.js';

/** what became of a file's code cache: used, refused by V8, made from other text, or not there */
export type CodeCacheUse = 'accepted' | 'rejected' | 'stale' | 'absent';

/** Packages bundled apart from cli.cjs, as vendor-<name>.cjs beside it (scripts/bundle.mjs). */
export const VENDORED = ['zod', 'yaml'];

const DIGEST_BYTES = 32;

const sha256 = (b: Buffer): Buffer => createHash('sha256').update(b).digest();

/**
 * A file's text. esbuild writes ASCII (non-ASCII characters escaped), which decodes as latin1 into an
 * external one-byte string without UTF-8 decoding (1.35 MB: ~2 of ~6 ms); anything else as UTF-8.
 */
function text(b: Buffer): string {
  return isAscii(b) ? b.toString('latin1') : b.toString('utf8');
}

/** `source` (a CommonJS module's text) compiled as Node compiles one, with V8's `cachedData` when given. */
function compile(source: string, filename: string, cachedData?: Buffer): vm.Script {
  return new vm.Script(Module.wrap(source), {
    filename,
    ...(cachedData ? { cachedData } : {}),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
}

/**
 * Writes `<filename>.v8`, the code cache runModule() uses, from `script` compiled from `source` (the file's
 * bytes): what V8 has compiled of it so far. Freshly compiled, that is the top level only; after the script
 * ran, also every function the run called (V8 compiles a function when first called): see codecache.ts.
 */
export function saveCodeCache(filename: string, source: Buffer, script: vm.Script): void {
  writeFileSync(`${filename}.v8`, Buffer.concat([sha256(source), script.createCachedData()]));
}

/** Writes `<filename>.v8` for the CommonJS file `filename` as it is now, without running it. */
export function writeCodeCache(filename: string): void {
  const source = readFileSync(filename);
  saveCodeCache(filename, source, compile(text(source), filename));
}

export interface Loaded {
  exports: unknown;
  use: CodeCacheUse;
}

/** The V8 data of `<filename>.v8` when it was made from `source`, and what became of it. */
function cacheFor(filename: string, source: Buffer): { data?: Buffer; use: CodeCacheUse } {
  let raw: Buffer;
  try {
    raw = readFileSync(`${filename}.v8`);
  } catch {
    return { use: 'absent' };
  }
  if (raw.length <= DIGEST_BYTES || !raw.subarray(0, DIGEST_BYTES).equals(sha256(source))) return { use: 'stale' };
  return { data: raw.subarray(DIGEST_BYTES), use: 'accepted' };
}

/** Who hears of each file runModule() runs: what became of its code cache, and its script and bytes. */
export type LoadedHook = (file: string, use: CodeCacheUse, script: vm.Script, source: Buffer) => void;

/**
 * Runs the CommonJS file `filename` as the module it is (exports, module, __filename, __dirname), compiled
 * with its code cache when that fits. Its require() is Node's, except for the packages in `vendored`
 * (name → file): those run from their own bundle, the same way, on first use. `loaded` hears of each file run.
 */
export function runModule(filename: string, vendored: ReadonlyMap<string, string> = new Map(), loaded?: LoadedHook): Loaded {
  const source = readFileSync(filename);
  const cache = cacheFor(filename, source);
  const script = compile(text(source), filename, cache.data);
  const use: CodeCacheUse = script.cachedDataRejected === true ? 'rejected' : cache.use;
  loaded?.(filename, use, script, source);
  const nodeRequire = createRequire(filename);
  const vendors = new Map<string, unknown>();
  const require = Object.assign((id: string): unknown => {
    const file = vendored.get(id);
    if (file === undefined) return nodeRequire(id);
    if (!vendors.has(id)) vendors.set(id, runModule(file, new Map(), loaded).exports);
    return vendors.get(id);
  }, nodeRequire) as NodeJS.Require;
  const mod = { exports: {} as unknown, id: filename, filename, loaded: false };
  const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: object, __filename: string, __dirname: string) => void;
  wrapper.call(mod.exports, mod.exports, require, mod, filename, dirname(filename));
  mod.loaded = true;
  return { exports: mod.exports, use };
}

/** The vendored packages' bundles in `dir` (dist/bundle), by package name. */
export function vendoredIn(dir: string): Map<string, string> {
  return new Map(VENDORED.map((name) => [name, join(dir, `vendor-${name}.cjs`)]));
}

/** Runs the bundle in `dir` (dist/bundle): cli.cjs, with the vendored packages beside it. */
export function runCli(dir: string): void {
  // the hash worker boots on the other core while this thread reads and evaluates the CLI
  startEarly(process.argv.slice(2));
  const debug = process.env.PORTCULLIS_DEBUG_CODE_CACHE === '1';
  runModule(
    join(dir, 'cli.cjs'),
    vendoredIn(dir),
    debug ? (file, use) => process.stderr.write(`portcullis: ${file.slice(dir.length + 1)}: code cache ${use}\n`) : undefined,
  );
}
