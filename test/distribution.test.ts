// Distribution: `npm pack` (prepack builds dist/) from a clean copy of the tracked files ships only what
// is needed; the tarball installs into a temp prefix with the GitHub Action's own install step
// (ci/github/install.sh), and the installed `portcullis` prints its version and gates a fixture image.
// better-sqlite3's native binding comes from a local prebuild made of this checkout's compiled binding
// (prebuild-install's `<pkg>_local_prebuilds`, as for an air-gapped install): no download, no compile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, sharedOrSkip } from '../src/core/shared.js';
import { sharedDb } from './helpers/shared-db.js';
import { ORDERS_API, jobEnv, run, workDir } from './helpers/ci.js';

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string; files: string[]; scripts: Record<string, string> };

/** Packs the tracked files of this checkout (a copy, so the checkout itself never gets a dist/). */
function pack(dir: string): { tarball: string; files: string[] } {
  const src = join(dir, 'src');
  mkdirSync(src);
  const listed = run('git', ['-C', REPO_ROOT, 'ls-files', '-z']);
  assert.equal(listed.code, 0, listed.stderr);
  for (const f of listed.stdout.split('\0').filter(Boolean)) {
    if (existsSync(join(REPO_ROOT, f))) cpSync(join(REPO_ROOT, f), join(src, f), { recursive: true });
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(src, 'node_modules'));
  const r = run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: src, timeoutMs: 900_000 });
  assert.equal(r.code, 0, r.stderr);
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  return { tarball: join(dir, info!.filename), files: info!.files.map((f) => f.path).sort() };
}

/** A prebuild-install local prebuild of better-sqlite3 from this checkout's compiled binding. */
function localPrebuilds(dir: string): string {
  const bs = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8')) as { version: string };
  const stage = join(dir, 'prebuild-stage');
  mkdirSync(join(stage, 'build', 'Release'), { recursive: true });
  cpSync(join(REPO_ROOT, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), join(stage, 'build', 'Release', 'better_sqlite3.node'));
  const out = join(dir, 'prebuilds');
  mkdirSync(out);
  const name = `better-sqlite3-v${bs.version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  assert.equal(run('tar', ['-czf', join(out, name), '-C', stage, 'build']).code, 0);
  return out;
}

test('npm pack ships dist/ (no source maps), bin/ and the secret rules, nothing else; the packed package installs, runs and gates', async (t) => {
  assert.equal(pkg.scripts.prepack, 'npm run build');
  const dir = workDir(t, 'dist');
  const { tarball, files } = pack(dir);
  assert.ok(files.includes('dist/cli/main.js'));
  assert.ok(files.includes('dist/bundle/main.cjs'), 'the bundled CLI bin/ runs (scripts/bundle.mjs)');
  for (const f of ['cli.cjs', 'cli.cjs.v8', 'vendor-zod.cjs', 'vendor-zod.cjs.v8', 'vendor-yaml.cjs', 'vendor-yaml.cjs.v8']) assert.ok(files.includes(`dist/bundle/${f}`), f);
  assert.ok(files.includes('src/checks/secrets/rules/gitleaks.translated.json'));
  assert.ok(files.includes('bin/portcullis.js'));
  assert.ok(files.includes('bin/package.json'), 'bin/ is CommonJS (its own package.json)');
  assert.ok(files.includes('src/checks/secrets/rules/gitleaks.toml'));
  assert.ok(files.includes('package.json'));
  assert.ok(files.includes('dist/server/console/assets/index.html'), 'the web console bundle (npm run build)');
  const unexpected = files.filter((f) => !/^(dist\/.*\.js|dist\/bundle\/[^/]+\.(cjs|cjs\.v8|js\.LEGAL\.txt|cjs\.LEGAL\.txt)|dist\/server\/console\/assets\/(index\.html|app\.css)|bin\/(portcullis\.js|package\.json)|package\.json|README\.md|src\/checks\/secrets\/rules\/(gitleaks\.toml|gitleaks\.translated\.json|LICENSE\.gitleaks)|src\/(.+\/)?README\.md)$/.test(f));
  assert.deepEqual(unexpected, [], 'only the built code, the console bundle, the entry point and the rules');
  assert.deepEqual(files.filter((f) => /\.test\.js$|testdata|golden|\/testio\.js$|\.map$/.test(f)), [], 'no tests, test data, test helpers or source maps');

  const prefix = join(dir, 'prefix');
  const githubPath = join(dir, 'github-path');
  writeFileSync(githubPath, '');
  const env = jobEnv(dir, { NPM_CONFIG_PREFIX: prefix, GITHUB_PATH: githubPath, PORTCULLIS_PACKAGE: tarball, npm_config_better_sqlite3_local_prebuilds: localPrebuilds(dir), npm_config_prefer_offline: 'true' });
  const install = run(join(REPO_ROOT, 'ci', 'github', 'install.sh'), [], { env, timeoutMs: 900_000 });
  assert.equal(install.code, 0, install.stderr);
  assert.equal(install.stdout.trim().split('\n').at(-1), pkg.version, 'install.sh ends with the installed version');
  assert.equal(readFileSync(githubPath, 'utf8').trim(), join(prefix, 'bin'));
  const installed = join(prefix, 'bin', 'portcullis');
  const installedEnv = { ...env, PATH: `${join(prefix, 'bin')}:/usr/bin:/bin` };
  const version = run(installed, ['--version'], { env: installedEnv });
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout.trim(), pkg.version);

  const image = sharedOrSkip(t, ORDERS_API);
  if (!image) return;
  const report = join(dir, 'report.json');
  const scan = run(installed, ['scan', image, '--db', await sharedDb(), '--pipeline', 'release-1', '--policy', join(REPO_ROOT, 'examples', 'policies'), '--quiet', '--format', 'json', '--output', report], { env: installedEnv });
  assert.equal(scan.code, 1, `the production policy fails orders-api: ${scan.stderr}`);
  const r = JSON.parse(readFileSync(report, 'utf8')) as { scanner: { name: string; version: string }; decision: { verdict: string }; findings: { kind: string }[] };
  assert.deepEqual(r.scanner, { name: 'portcullis', version: pkg.version });
  assert.equal(r.decision.verdict, 'fail');
  assert.ok(r.findings.some((f) => f.kind === 'secret'), 'the default secret rules shipped in the package are used');
});
