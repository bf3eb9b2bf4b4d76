// Parse time of the text-format lockfile analyzers on large synthetic lockfiles.
import { performance } from 'node:perf_hooks';
import type { Analyzer } from '../src/core/types.js';
import { runOn } from '../src/analyzers/lang/testimage.js';
import { npmInstalledAnalyzer, npmLockfileAnalyzer } from '../src/analyzers/lang/npm/index.js';
import { pythonLockfileAnalyzer } from '../src/analyzers/lang/python/index.js';
import { gemLockfileAnalyzer } from '../src/analyzers/lang/ruby/index.js';
import { parseToml } from '../src/analyzers/lang/toml.js';

async function time(label: string, a: Analyzer, path: string, text: string): Promise<void> {
  const t0 = performance.now();
  const r = await runOn(a, path, text);
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(34)} ${(text.length / 1e6).toFixed(1).padStart(5)} MB  ${String(r.pkgs.length).padStart(7)} pkgs  ${ms.toFixed(0).padStart(6)} ms`);
}

export async function run(): Promise<void> {
  const N = 50_000;
  const packages: Record<string, unknown> = { '': { name: 'root', version: '1.0.0' } };
  for (let i = 0; i < N; i++) packages[`node_modules/pkg-${i}`] = { version: `1.${i % 100}.${i}`, resolved: `https://registry.npmjs.org/pkg-${i}/-/pkg-${i}-1.0.0.tgz`, integrity: 'sha512-' + 'A'.repeat(86), license: 'MIT', dev: i % 3 === 0 };
  await time('package-lock.json v3 (50k)', npmLockfileAnalyzer, '/a/package-lock.json', JSON.stringify({ lockfileVersion: 3, packages }, null, 2));

  const yarn = ['# yarn lockfile v1', ''];
  for (let i = 0; i < N; i++) yarn.push(`"pkg-${i}@^1.0.0", "pkg-${i}@^1.1.0":`, `  version "1.${i % 100}.${i}"`, `  resolved "https://registry.yarnpkg.com/pkg-${i}/-/pkg-${i}-1.0.0.tgz#abc"`, `  integrity sha512-${'A'.repeat(86)}`, '  dependencies:', `    dep-${i} "^1.0.0"`, '');
  await time('yarn.lock v1 (50k)', npmLockfileAnalyzer, '/a/yarn.lock', yarn.join('\n'));

  const pnpm = ["lockfileVersion: '9.0'", '', 'importers:', '  .:', '    dependencies:'];
  for (let i = 0; i < 20_000; i += 10) pnpm.push(`      pkg-${i}:`, `        specifier: ^1.0.0`, `        version: 1.0.${i}`);
  pnpm.push('', 'packages:', '');
  for (let i = 0; i < 20_000; i++) pnpm.push(`  pkg-${i}@1.0.${i}:`, `    resolution: {integrity: sha512-${'A'.repeat(86)}}`, '');
  pnpm.push('snapshots:', '');
  for (let i = 0; i < 20_000; i++) pnpm.push(`  pkg-${i}@1.0.${i}:`, '    dependencies:', `      pkg-${i + 1}: 1.0.${i + 1}`, '');
  await time('pnpm-lock.yaml v9 (20k)', npmLockfileAnalyzer, '/a/pnpm-lock.yaml', pnpm.join('\n'));

  const poetry: string[] = [];
  for (let i = 0; i < 20_000; i++) poetry.push('[[package]]', `name = "pkg-${i}"`, `version = "1.0.${i}"`, 'description = "x"', 'optional = false', 'python-versions = ">=3.8"', 'groups = ["main"]', 'files = [', `    {file = "pkg-${i}-1.0.tar.gz", hash = "sha256:${'0'.repeat(64)}"},`, ']', '');
  const poetryText = poetry.join('\n');
  await time('poetry.lock (20k)', pythonLockfileAnalyzer, '/a/poetry.lock', poetryText);
  const t0 = performance.now();
  parseToml(poetryText);
  console.log(`${'  of which parseToml'.padEnd(34)} ${(performance.now() - t0).toFixed(0).padStart(29)} ms`);

  const req: string[] = [];
  for (let i = 0; i < 100_000; i++) req.push(i % 2 ? `pkg-${i}==1.0.${i} --hash=sha256:${'0'.repeat(64)}` : `junk line ${i} ((((`);
  await time('requirements.txt (100k lines)', pythonLockfileAnalyzer, '/a/requirements.txt', req.join('\n'));

  const gem = ['GEM', '  remote: https://rubygems.org/', '  specs:'];
  for (let i = 0; i < N; i++) gem.push(`    gem-${i} (1.0.${i})`, `      dep-${i} (~> 1.0)`);
  await time('Gemfile.lock (50k)', gemLockfileAnalyzer, '/a/Gemfile.lock', gem.join('\n'));

  const big = `{"name":"x","version":"1.0.0","pad":"${'x'.repeat(19 * 1024 * 1024)}"}`;
  await time('package.json (19 MB, parsed)', npmInstalledAnalyzer, '/a/node_modules/x/package.json', big);
}
