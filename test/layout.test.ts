// Conformance of the source tree: imports point one way (DESIGN.md: core ← source/walker/analyzers ←
// match/checks ← policy/report ← scan ← server, admission ← cli), test helpers stay out of dist/, and package.json's runtime
// `dependencies` are exactly the packages the shipped code imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, normalize, relative, dirname } from 'node:path';
import { globMatch } from '../src/core/glob.js';
import { REPO_ROOT } from '../src/core/shared.js';

/** A module may import its own folder and folders of a strictly lower rank. */
const RANK: Record<string, number> = {
  core: 0,
  versioning: 1,
  source: 1,
  walker: 1,
  analyzers: 2,
  advisory: 2,
  vex: 2,
  match: 3,
  checks: 3,
  baseimage: 4,
  policy: 5,
  report: 5,
  scan: 6,
  notify: 6,
  compare: 6,
  server: 7,
  admission: 7,
  attest: 6,
  cli: 8,
};

const SRC = join(REPO_ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

const rel = (p: string) => relative(SRC, p).split('\\').join('/');
const all = files(SRC).map(rel);
const build = JSON.parse(readFileSync(join(REPO_ROOT, 'tsconfig.build.json'), 'utf8')) as { exclude: string[] };
const excluded = (f: string) => build.exclude.some((g) => globMatch(g.replace(/^src\//, ''), f));
const shipped = all.filter((f) => !excluded(f));

function imports(f: string): { local: string[]; packages: string[] } {
  const text = readFileSync(join(SRC, f), 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"`;]*?from\s+'([^']+)'|require\('([^']+)'\)|import\('([^']+)'\)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  const local = specs.filter((s) => s.startsWith('.')).map((s) => normalize(join(dirname(f), s)).split('\\').join('/').replace(/\.js$/, '.ts'));
  const packages = specs.filter((s) => !s.startsWith('.') && !s.startsWith('node:')).map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
  return { local, packages };
}

test('imports point one way: no module imports a folder of its own rank or above', () => {
  assert.ok(all.length > 100);
  const backwards: string[] = [];
  for (const f of shipped) {
    const top = f.split('/')[0]!;
    for (const target of imports(f).local) {
      const tt = target.split('/')[0]!;
      if (tt === top) continue;
      assert.ok(RANK[top] !== undefined && RANK[tt] !== undefined, `${f} -> ${target}: folder without a rank`);
      if (RANK[tt]! >= RANK[top]!) backwards.push(`${f} -> ${target}`);
    }
  }
  assert.deepEqual(backwards, []);
});

test('test helpers are not compiled into dist/, and nothing shipped imports them', () => {
  const helpers = all.filter((f) => !f.endsWith('.test.ts') && excluded(f));
  assert.ok(helpers.includes('report/golden.ts') && helpers.includes('source/testkit.ts') && helpers.includes('analyzers/lang/testimage.ts'));
  for (const f of shipped) {
    const text = readFileSync(join(SRC, f), 'utf8');
    assert.doesNotMatch(text, /from 'node:(assert|test)/, `${f} uses node:assert/node:test but is compiled into dist/: exclude it in tsconfig.build.json`);
    for (const target of imports(f).local) assert.ok(!excluded(target), `${f} (shipped) imports the test helper ${target}`);
  }
  // helpers are what tests use: each excluded non-test file is imported by a test or another helper
  for (const h of helpers) assert.ok(!shipped.includes(h));
});

test('runtime dependencies are exactly what the shipped code imports', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const used = new Set(shipped.flatMap((f) => imports(f).packages));
  assert.deepEqual([...used].filter((p) => !(p in pkg.dependencies)).sort(), [], 'imported by shipped code but not a runtime dependency');
  assert.deepEqual(Object.keys(pkg.dependencies).filter((p) => !used.has(p)).sort(), [], 'runtime dependencies that nothing shipped imports (move them to devDependencies)');
});
