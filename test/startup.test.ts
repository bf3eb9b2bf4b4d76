// Start-up cost without timing: `--version`, `--help` and `sbom --help` run in a child process with a
// hook that logs every module loaded (test/helpers/module-log.mjs). A command's dependencies load only
// when it runs: no SQLite, zod, YAML or server modules for these. The module structure is checked on
// tsc's output (dist/cli, else the sources); the bundle a user runs (bin/ → dist/bundle, scripts/bundle.mjs)
// is checked for what it loads as files: its own few, and no heavy package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCodeCache } from '../src/cli/launch.js';
import { chosenCommand } from '../src/cli/program.js';
import { dockerArchive, makeTar } from '../src/source/testkit.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = join(root, 'bin', 'portcullis.js');
const compiled = join(root, 'dist', 'cli', 'main.js');
const bundled = join(root, 'dist', 'bundle', 'main.cjs');
/** unbundled, so each module is a file: tsc's output when built, else the sources through bin/ */
const unbundled = existsSync(compiled) ? compiled : bin;
/** tsx and its compiler run the TypeScript sources in tests; a user runs dist/ without them */
const RUNNER = /\/node_modules\/(tsx|esbuild|@esbuild|get-tsconfig|resolve-pkg-maps)\//;
const HEAVY = ['better-sqlite3', 'zod', 'yaml', 'fastify', 'kysely', 'pg', 'ajv'];

interface Loaded {
  stdout: string;
  /** our modules, by path below src/ */
  own: string[];
  /** packages loaded from node_modules */
  packages: Set<string>;
  total: number;
}

function loadedBy(args: string[], entry = unbundled, exit = 0): Loaded {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-startup-'));
  try {
    const log = join(dir, 'modules.log');
    const r = spawnSync(process.execPath, ['--import', join(root, 'test', 'helpers', 'module-log.mjs'), entry, ...args], {
      cwd: dir,
      env: { ...process.env, PORTCULLIS_MODULE_LOG: log },
      encoding: 'utf8',
    });
    assert.equal(r.status, exit, r.stderr);
    const urls = [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))]
      .map((u) => (u.startsWith('file://') ? fileURLToPath(u) : u))
      .filter((p) => !RUNNER.test(p) && p !== bin && p !== entry);
    const own = urls.filter((p) => p.startsWith(join(root, 'src') + '/') || p.startsWith(join(root, 'dist') + '/')).map((p) => p.replace(/^.*?\/(src|dist)\//, ''));
    const packages = new Set(urls.flatMap((p) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p)?.[1] ?? []));
    return { stdout: r.stdout, own, packages, total: urls.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('--version loads the CLI entry alone: no commander, nothing of the scanner', () => {
  const l = loadedBy(['--version']);
  assert.match(l.stdout, /^\d+\.\d+\.\d+\n$/);
  assert.deepEqual([...l.packages], []);
  assert.deepEqual(l.own.filter((m) => !/^(cli\/(main|version)|core\/[a-z]+)\./.test(m)), []);
  assert.ok(l.total <= 12, `${l.total} modules loaded`);
  // the same answer as commander's, which any other argument list goes through
  const more = loadedBy(['--quiet', '--version']);
  assert.equal(more.stdout, l.stdout);
  assert.deepEqual([...more.packages], ['commander']);
  assert.equal(loadedBy(['-V']).stdout, l.stdout);
});

test('--help lists every command without loading any', () => {
  const l = loadedBy(['--help']);
  for (const c of ['sbom', 'scan', 'db', 'policy', 'base']) assert.match(l.stdout, new RegExp(`^  ${c} `, 'm'));
  assert.deepEqual(l.own.filter((m) => m.startsWith('cli/commands/')), []);
  assert.ok(l.total <= 25, `${l.total} modules loaded`);
});

test('sbom --help loads the sbom command only: no SQLite, zod, YAML, policy, advisory, match or reporters', () => {
  const l = loadedBy(['sbom', '--help']);
  assert.match(l.stdout, /^Usage: portcullis sbom \[options\] <image>/);
  assert.deepEqual(HEAVY.filter((p) => l.packages.has(p)), []);
  assert.deepEqual(l.own.filter((m) => /^(policy|advisory|match|baseimage|notify|report\/[^/]+\/)/.test(m) || /^cli\/commands\/(scan|db|policy|base)\./.test(m)), []);
  assert.ok(l.total <= 230, `${l.total} modules loaded`);
});

/** A one-file image and an empty advisory DB (built through bin/) in `dir`. */
async function scanInputs(dir: string): Promise<{ image: string; db: string }> {
  const image = join(dir, 'image.tar');
  writeFileSync(image, await dockerArchive([await makeTar([{ name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' }])]));
  const db = join(dir, 'empty.db');
  mkdirSync(join(dir, 'src'));
  const built = spawnSync(process.execPath, [bin, 'db', 'build', '--quiet', '--source', join(dir, 'src'), '--output', db], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  return { image, db };
}

test('scan without a policy loads no zod and no server client; with a policy, the policy modules load', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-startup-scan-'));
  try {
    const { image, db } = await scanInputs(dir);
    const args = ['scan', image, '--db', db, '--no-cache', '--format', 'json', '--skip-check', 'malware'];
    const plain = loadedBy(args);
    assert.deepEqual(['zod', 'yaml', 'fastify', 'kysely', 'pg', 'xz-decompress'].filter((p) => plain.packages.has(p)), []);
    assert.deepEqual(plain.own.filter((m) => /^(policy\/(load|schema)|baseimage\/catalog|server\/|cli\/commands\/remote)\./.test(m)), []);
    // an archive needs no registry or daemon client (HTTP, TLS), and a scan no DB building or updating
    assert.deepEqual(plain.own.filter((m) => /^(source\/(registry|daemon)\/|advisory\/(build|update\/|index\.))/.test(m)), []);
    // --fail-on is an inline policy: the policy modules load (and it fails this image: exit 1)
    const gated = loadedBy([...args, '--fail-on', 'critical'], unbundled, 1);
    assert.ok(gated.own.some((m) => /^policy\/load\./.test(m)), 'a policy loads the policy modules');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the bundle a user runs (bin/ → dist/bundle) answers --version alone, and runs the CLI from its code cache', async (t) => {
  if (!existsSync(bundled)) {
    t.skip('no dist/bundle: run npm run build');
    return;
  }
  const version = loadedBy(['--version'], bin);
  assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  assert.deepEqual([...version.packages], []);
  assert.ok(version.total <= 10, `${version.total} files loaded`);
  // nor are the launcher's node:vm and node:module, or process.stdout's streams (Node's own modules)
  const probe = join(mkdtempSync(join(tmpdir(), 'portcullis-builtins-')), 'probe.cjs');
  writeFileSync(probe, "process.on('exit', () => require('node:fs').writeSync(2, JSON.stringify(process.moduleLoadList)));");
  const builtins = spawnSync(process.execPath, ['--require', probe, bin, '--version'], { encoding: 'utf8' });
  rmSync(dirname(probe), { recursive: true, force: true });
  assert.equal(builtins.stdout, version.stdout);
  assert.deepEqual((JSON.parse(builtins.stderr) as string[]).filter((m) => /^NativeModule (vm|module|stream|internal\/streams\/(readable|writable))$/.test(m)), []);
  // the launcher alone, beside no cli.cjs, answers it: the CLI is not read for --version
  const alone = mkdtempSync(join(tmpdir(), 'portcullis-launcher-'));
  try {
    mkdirSync(join(alone, 'bundle'));
    cpSync(bundled, join(alone, 'bundle', 'main.cjs'));
    writeFileSync(join(alone, 'package.json'), JSON.stringify({ name: 'portcullis', version: '9.8.7', type: 'module' }));
    const r = spawnSync(process.execPath, [join(alone, 'bundle', 'main.cjs'), '--version'], { encoding: 'utf8' });
    assert.equal(r.stdout, '9.8.7\n', r.stderr);
  } finally {
    rmSync(alone, { recursive: true, force: true });
  }
  // a fresh process takes the code cache the build wrote, and loads the vendored packages only when used
  const debug = (args: string[]): string[] => {
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, PORTCULLIS_DEBUG_CODE_CACHE: '1' } });
    return r.stderr.split('\n').filter((l) => l.includes('code cache'));
  };
  assert.deepEqual(debug(['sbom', '--help']), ['portcullis: cli.cjs: code cache accepted']);
  // and that cache holds what the build's training scans compiled (scripts/train-code-cache.mjs), not the
  // top level alone as a cache of the freshly compiled file does (~0.3 MB against ~1.3 MB)
  const fresh = mkdtempSync(join(tmpdir(), 'portcullis-untrained-'));
  try {
    cpSync(join(dirname(bundled), 'cli.cjs'), join(fresh, 'cli.cjs'));
    writeCodeCache(join(fresh, 'cli.cjs'));
    const [untrained, trained] = [statSync(join(fresh, 'cli.cjs.v8')).size, statSync(`${join(dirname(bundled), 'cli.cjs')}.v8`).size];
    assert.ok(trained > 2 * untrained, `trained ${trained} bytes, untrained ${untrained}`);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
  // the bundle's entry run directly (as the bench does) runs the CLI too
  const direct = spawnSync(process.execPath, [bundled, 'sbom', '--help'], { encoding: 'utf8' });
  assert.match(direct.stdout, /^Usage: portcullis sbom \[options\] <image>/, direct.stderr);
  assert.deepEqual(debug(['policy', 'validate', join(root, 'examples', 'policies', 'dev.yaml')]).sort(), [
    'portcullis: cli.cjs: code cache accepted',
    'portcullis: vendor-yaml.cjs: code cache accepted',
    'portcullis: vendor-zod.cjs: code cache accepted',
  ]);
  // the malware check's worker thread, bundled beside it, starts and runs its code (a failed worker is
  // silent: its files are matched on the main thread)
  const worker = new Worker(join(dirname(bundled), 'worker.js'), { workerData: { files: [], digest: 'not this', limits: {}, ring: new SharedArrayBuffer(16) } });
  const reply = await new Promise<unknown>((resolve, reject) => worker.once('message', resolve).once('error', reject));
  await worker.terminate();
  assert.deepEqual(reply, { fatal: 'the signature files changed after they were loaded' });
  const sbom = loadedBy(['sbom', '--help'], bin);
  assert.match(sbom.stdout, /^Usage: portcullis sbom \[options\] <image>/);
  assert.deepEqual([...sbom.packages].filter((p) => HEAVY.includes(p)), []);
  assert.ok(sbom.own.every((m) => m.startsWith('bundle/')), sbom.own.join(' '));
  assert.ok(sbom.total <= 30, `${sbom.total} files loaded`);
});

test('a scan of a small image through the bundle loads no child_process, dgram, net or worker_threads: commander spawns, clamd connects and hash or malware threads start only when used', async (t) => {
  if (!existsSync(bundled)) {
    t.skip('no dist/bundle: run npm run build');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-startup-builtins-'));
  try {
    const { image, db } = await scanInputs(dir);
    // Node's own modules as the process ends, written to a file: stdio stays off pipes (a piped stderr is a net.Socket)
    const probe = join(dir, 'probe.cjs');
    const out = join(dir, 'loaded.json');
    writeFileSync(probe, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ builtins: process.moduleLoadList, files: Object.keys(require.cache) })));`);
    const r = spawnSync(process.execPath, ['--require', probe, bin, 'scan', image, '--db', db, '--no-cache', '--format', 'json', '--quiet', '--output', join(dir, 'report.json')], { stdio: 'ignore' });
    assert.equal(r.status, 0);
    const { builtins: loaded, files } = JSON.parse(readFileSync(out, 'utf8')) as { builtins: string[]; files: string[] };
    assert.ok(loaded.includes('NativeModule zlib'), 'the probe saw the scan');
    assert.deepEqual(loaded.filter((m) => /^NativeModule (child_process|dgram|net|worker_threads)$/.test(m)), []);
    // the advisory DB opened with better-sqlite3's Database class from the bundle and its addon by path:
    // none of the package's JavaScript (nor `bindings`) is read from node_modules (advisory/store/sqlite.ts)
    assert.deepEqual(files.filter((f) => /[\\/]node_modules[\\/]/.test(f)).map((f) => f.replace(/.*[\\/]node_modules[\\/]/, '')), ['better-sqlite3/build/Release/better_sqlite3.node']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the command chosen by the arguments, past global flags and their values', () => {
  assert.equal(chosenCommand(['--version']), undefined);
  assert.equal(chosenCommand(['sbom', 'x.tar']), 'sbom');
  assert.equal(chosenCommand(['--config', 'scan', 'db', 'status']), 'db');
  assert.equal(chosenCommand(['--quiet', '--no-color', 'scan', '--help']), 'scan');
  assert.equal(chosenCommand(['help', 'policy']), 'policy');
  assert.equal(chosenCommand(['--', 'sbom']), undefined);
});
