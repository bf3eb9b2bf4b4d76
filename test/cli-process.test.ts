// The real CLI as a child process (bin/portcullis.js): what only a process shows — a reader closing
// stdout early (EPIPE), SIGTERM/SIGINT mid-scan, outputs onto FIFOs and links. Each test gets a
// private TMPDIR and checks nothing is left in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';
import { buildDb } from '../src/advisory/index.js';
import { fixedClock } from '../src/core/clock.js';
import { osvRecord } from '../src/advisory/testutil.js';

/** What the run left in its TMPDIR (tsx's own compile cache, `tsx-<uid>`, when running from sources, is not ours). */
function leftIn(tmp: string): string[] {
  return readdirSync(tmp).filter((n) => !/^tsx-\d+$/.test(n));
}

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const bin = join(root, 'bin', 'portcullis.js');

function workDir(t: { after(fn: () => void): void }): { dir: string; tmp: string } {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-process-'));
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, tmp };
}

/** A rootfs with an npm lockfile of `n` packages: a large JSON report. */
function lockfileRoot(dir: string, n: number): string {
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'app'), { recursive: true });
  const packages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0' } };
  for (let i = 0; i < n; i++) packages[`node_modules/pkg-${i}`] = { version: `1.0.${i}`, resolved: `https://registry.npmjs.org/pkg-${i}/-/pkg-${i}-1.0.${i}.tgz` };
  writeFileSync(join(rootfs, 'app', 'package-lock.json'), JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, packages }));
  return rootfs;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  stdoutBytes: number;
}

/** the layer cache of these runs: private, and apart from the TMPDIR whose emptiness the tests check */
let cacheDir: string | undefined;

function run(args: string[], tmp: string, opts: { closeStdoutAfterFirstChunk?: boolean; onStart?: (pid: number) => void } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1', PORTCULLIS_CACHE_DIR: (cacheDir ??= mkdtempSync(join(tmpdir(), 'portcullis-cli-cache-'))) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdoutBytes = 0;
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      stdoutBytes += c.length;
      if (opts.closeStdoutAfterFirstChunk) child.stdout.destroy();
    });
    if (child.pid) opts.onStart?.(child.pid);
    child.on('close', (code, signal) => resolve({ code, signal, stderr, stdoutBytes }));
  });
}

test('`sbom ... | head`: a closed stdout ends the run quietly with exit 0', async (t) => {
  const { dir, tmp } = workDir(t);
  const rootfs = lockfileRoot(dir, 5_000);
  const r = await run(['sbom', `dir:${rootfs}`, '--format', 'json', '--quiet'], tmp, { closeStdoutAfterFirstChunk: true });
  assert.equal(r.stderr, '', 'nothing on stderr, no stack trace');
  assert.equal(r.code, 0);
  assert.ok(r.stdoutBytes > 0);
  assert.deepEqual(leftIn(tmp), []);
});

// (Node writes to a pipe synchronously on Linux, so here the report is out before main.ts's exit waits on
// it; src/cli/main.test.ts checks that wait against held writes, as a macOS or Windows pipe holds them)
test('a slow reader of stdout still gets the whole report before the process exits', async (t) => {
  const { dir, tmp } = workDir(t);
  const rootfs = lockfileRoot(dir, 5_000);
  const child = spawn(process.execPath, [bin, 'sbom', `dir:${rootfs}`, '--format', 'json', '--quiet'], {
    env: { ...process.env, TMPDIR: tmp, NO_COLOR: '1', PORTCULLIS_CACHE_DIR: (cacheDir ??= mkdtempSync(join(tmpdir(), 'portcullis-cli-cache-'))) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  // read a chunk, then nothing for a few turns of the event loop: the pipe fills and the CLI's writes wait
  child.stdout.on('data', (c: Buffer) => {
    chunks.push(c);
    child.stdout.pause();
    let turns = 20;
    const later = (): void => void (--turns > 0 ? setImmediate(later) : child.stdout.resume());
    setImmediate(later);
  });
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 0, stderr);
  const out = Buffer.concat(chunks);
  assert.ok(out.length > 1_000_000, `${out.length} bytes: more than a pipe holds`);
  const sbom = JSON.parse(out.toString('utf8')) as { inventory: { packages: unknown[] } };
  assert.ok(sbom.inventory.packages.length >= 5_000);
  assert.deepEqual(leftIn(tmp), []);
});

test('`scan ... | head`: a closed stdout ends the run quietly with the verdict\'s exit code (1)', async (t) => {
  const { dir, tmp } = workDir(t);
  const rootfs = lockfileRoot(dir, 5_000);
  const osv = join(dir, 'osv');
  mkdirSync(osv);
  writeFileSync(join(osv, 'GHSA-aaaa-bbbb-cccc.json'), JSON.stringify(osvRecord('GHSA-aaaa-bbbb-cccc', { affected: [{ package: { ecosystem: 'npm', name: 'pkg-1' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '9.0.0' }] }] }] })));
  const db = join(dir, 'p.db');
  await buildDb([osv], db, { clock: fixedClock('2024-01-02T00:00:00Z') });
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, 'apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: strict}\nspec:\n  appliesTo: {pipelines: ["*"]}\n  enforcement: block\n  controls:\n    vulnerabilities: {failOn: low}\n    coverage: {onGap: fail}\n');
  for (const format of ['json', 'table']) {
    const r = await run(['scan', `dir:${rootfs}`, '--db', db, '--pipeline', 'ci', '--policy', policy, '--format', format, '--quiet'], tmp, { closeStdoutAfterFirstChunk: true });
    assert.equal(r.stderr, '', `${format}: nothing on stderr`);
    assert.equal(r.code, 1, `${format}: the verdict's exit code`);
  }
  assert.deepEqual(leftIn(tmp), []);
});

test('SIGTERM and SIGINT while a gzip\'d archive is decompressed: the temp copy is removed', async (t) => {
  const { dir, tmp } = workDir(t);
  // a gzip'd "archive" of 1 GiB of zeros (a few MB compressed), streamed, never in memory
  const archive = join(dir, 'big.tar.gz');
  const gz = createGzip({ level: 1 });
  const done = once(gz.pipe(createWriteStream(archive)), 'finish');
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < 1024; i++) if (!gz.write(zeros)) await once(gz, 'drain');
  gz.end();
  await done;
  for (const [sig, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    let pid = 0;
    const p = run(['sbom', `docker-archive:${archive}`, '--quiet'], tmp, { onStart: (x) => (pid = x) });
    // wait until the decompressed copy is being written, then signal
    const deadline = Date.now() + 60_000;
    const copying = () => leftIn(tmp).some((d) => existsSync(join(tmp, d, 'archive.tar')));
    while (!copying() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.ok(copying(), 'the decompression started');
    process.kill(pid, sig);
    const r = await p;
    assert.equal(r.code, code, `${sig}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${sig}: one line: ${r.stderr}`);
    assert.deepEqual(leftIn(tmp), [], `${sig}: nothing left in TMPDIR`);
  }
});

test('outputs onto a FIFO and through a symlink are written in place, never replaced', async (t) => {
  const { dir, tmp } = workDir(t);
  const rootfs = lockfileRoot(dir, 10);
  const fifo = join(dir, 'report.fifo');
  const mk = spawnSync('mkfifo', [fifo]);
  if (mk.status !== 0) {
    t.skip('SKIPPED: mkfifo is not available');
    return;
  }
  let got = '';
  const reader = createReadStream(fifo);
  reader.on('data', (c) => (got += c.toString()));
  const closed = once(reader, 'close');
  const r = await run(['sbom', `dir:${rootfs}`, '--format', 'json', '--output', fifo, '--quiet'], tmp);
  await closed;
  assert.equal(r.code, 0, r.stderr);
  assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO is still a FIFO');
  assert.match(got, /"pkg-9"/);

  const target = join(dir, 'real.json');
  writeFileSync(target, 'old');
  const link = join(dir, 'link.json');
  symlinkSync(target, link);
  const r2 = await run(['sbom', `dir:${rootfs}`, '--format', 'json', '--output', link, '--quiet'], tmp);
  assert.equal(r2.code, 0, r2.stderr);
  assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still a link');
  assert.match(readFileSync(target, 'utf8'), /"pkg-9"/);
  assert.deepEqual(readdirSync(dir).sort(), ['link.json', 'real.json', 'report.fifo', 'rootfs', 'tmp'], 'no temp file left next to the outputs');
  assert.deepEqual(leftIn(tmp), []);
});
