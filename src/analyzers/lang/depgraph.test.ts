// Dependency graphs: direct vs transitive and the shortest path, per format, and bounded on hostile graphs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Fact, Package } from '../../core/types.js';
import { DepGraph, annotatePackages, type GraphLimits } from './depgraph.js';
import { fileInput, runOn } from './testimage.js';
import { npmInstalledAnalyzer, npmInstalledGraphs, npmLockfileAnalyzer } from './npm/index.js';
import { pythonInstalledGraphs, pythonLockfileAnalyzer, requiresDistNames } from './python/index.js';
import { cargoLockAnalyzer } from './rust/index.js';
import { gemLockfileAnalyzer } from './ruby/index.js';
import { pythonInstalledAnalyzer } from './python/index.js';

const path = (p: Package | undefined) => (p?.dependencyPath ?? []).map((s) => `${s.name} ${s.version}`).join(' > ');
const find = (pkgs: Package[], name: string) => pkgs.find((p) => p.name === name);

test('graph: shortest path from a direct dependency, cycles visited once, unreached stays unknown', () => {
  const g = new DepGraph();
  for (const n of ['a', 'b', 'c', 'd', 'orphan']) g.node(n, n, '1.0.0');
  g.root('a');
  g.edge('a', 'b');
  g.edge('b', 'c');
  g.edge('c', 'a'); // a cycle back to the root
  g.edge('a', 'c'); // a shorter way to c
  g.edge('c', 'd');
  const info = g.resolve();
  assert.equal(info.get('a\u00001.0.0')!.direct, true);
  assert.deepEqual(info.get('d\u00001.0.0')!.path.map((s) => s.name), ['a', 'c', 'd']);
  assert.equal(info.get('orphan\u00001.0.0'), undefined);
  // paths share one step object per package (a large graph holds references, not copies)
  assert.equal(info.get('d\u00001.0.0')!.path[1], info.get('c\u00001.0.0')!.path[1]);
  assert.ok(Object.isFrozen(info.get('d\u00001.0.0')!.path[0]));
  const pkgs = ['a', 'd', 'orphan'].map((n) => ({ name: n, version: '1.0.0', purl: `pkg:npm/${n}@1.0.0` }) as Package);
  annotatePackages(pkgs, info);
  assert.equal(pkgs[1]!.direct, false);
  assert.equal(path(pkgs[1]), 'a 1.0.0 > c 1.0.0 > d 1.0.0');
  assert.equal(pkgs[2]!.direct, undefined, 'not reached: unknown, not transitive');
  assert.deepEqual(pkgs[0]!.dependsOn, undefined, 'b and c are not in the package list: no purl to name');
});

test('graph: a depth bomb, a huge fan-out and too many nodes are cut, and say so', () => {
  const limits: GraphLimits = { maxNodes: 1000, maxEdges: 5000, maxDepth: 10, maxDependsOn: 5 };
  const chain = new DepGraph(limits);
  for (let i = 0; i < 100; i++) chain.node(`n${i}`, `n${i}`, '1');
  chain.root('n0');
  for (let i = 0; i < 99; i++) chain.edge(`n${i}`, `n${i + 1}`);
  const c = chain.resolve();
  assert.equal(c.get('n9\u00001')!.path.length, 10);
  assert.equal(c.get('n10\u00001'), undefined, 'past the depth limit: unknown');
  assert.match(chain.truncated!, /longer than 10/);

  const fan = new DepGraph(limits);
  fan.node('root', 'root', '1');
  fan.root('root');
  for (let i = 0; i < 2000; i++) fan.node(`c${i}`, `c${i}`, '1');
  assert.match(fan.truncated!, /more than 1000 packages/);
  for (let i = 0; i < 2000; i++) for (let j = 0; j < 5; j++) fan.edge(`c${i}`, `c${(i + j + 1) % 999}`);
  for (let i = 0; i < 999; i++) fan.edge('root', `c${i}`);
  const f = fan.resolve();
  assert.ok(f.get('root\u00001')!.dependsOn.length <= 5, 'dependsOn capped');
  assert.ok([...f.values()].every((x) => x.path.length <= 10));
});

test('npm package-lock v3: direct from the root entry, nested copies resolved the way require() does, workspaces', async () => {
  const lock = {
    name: 'app',
    lockfileVersion: 3,
    packages: {
      '': { name: 'app', dependencies: { express: '4.17.1', ws: '*' }, devDependencies: { mocha: '1' }, workspaces: ['packages/w'] },
      'node_modules/express': { version: '4.17.1', dependencies: { 'body-parser': '1', qs: '6' } },
      'node_modules/body-parser': { version: '1.19.0', dependencies: { qs: '6.7.0' } },
      'node_modules/body-parser/node_modules/qs': { version: '6.7.0' },
      'node_modules/qs': { version: '6.11.0' },
      'node_modules/mocha': { version: '1.0.0', dev: true },
      'node_modules/w': { link: true, resolved: 'packages/w' },
      'packages/w': { name: 'w', dependencies: { lodash: '4' } },
      'node_modules/lodash': { version: '4.17.21' },
      'node_modules/extraneous': { version: '1.0.0' },
    },
  };
  const { pkgs } = await runOn(npmLockfileAnalyzer, '/app/package-lock.json', JSON.stringify(lock));
  assert.equal(find(pkgs, 'express')!.direct, true);
  assert.equal(find(pkgs, 'mocha')!.direct, true, 'devDependencies are the project\'s own');
  assert.equal(find(pkgs, 'lodash')!.direct, true, 'a workspace member\'s dependency is direct');
  const qs = pkgs.filter((p) => p.name === 'qs');
  assert.equal(path(qs.find((p) => p.version === '6.7.0')), 'express 4.17.1 > body-parser 1.19.0 > qs 6.7.0');
  assert.equal(path(qs.find((p) => p.version === '6.11.0')), 'express 4.17.1 > qs 6.11.0');
  assert.equal(find(pkgs, 'extraneous')!.direct, undefined);
  assert.deepEqual(find(pkgs, 'express')!.dependsOn, ['pkg:npm/body-parser@1.19.0', 'pkg:npm/qs@6.11.0']);
});

test('npm package-lock v1: requires resolve through the nested tree; top-level entries nothing requires are direct', async () => {
  const lock = {
    lockfileVersion: 1,
    dependencies: {
      a: { version: '1.0.0', requires: { b: '^1' } },
      b: { version: '1.0.0', requires: { c: '^2' }, dependencies: { c: { version: '2.0.0' } } },
      c: { version: '1.0.0' },
      loop1: { version: '1.0.0', requires: { loop2: '1' } },
      loop2: { version: '1.0.0', requires: { loop1: '1' } },
    },
  };
  const { pkgs } = await runOn(npmLockfileAnalyzer, '/app/package-lock.json', JSON.stringify(lock));
  assert.equal(find(pkgs, 'a')!.direct, true);
  assert.equal(path(pkgs.find((p) => p.name === 'c' && p.version === '2.0.0')), 'a 1.0.0 > b 1.0.0 > c 2.0.0');
  assert.equal(pkgs.find((p) => p.name === 'c' && p.version === '1.0.0')!.direct, true);
  assert.equal(find(pkgs, 'loop1')!.direct, undefined, 'a cycle nothing outside reaches: unknown');
});

test('npm lockfiles: hostile graphs (self-loops, 10k fan-out, a 300-level nesting bomb) stay bounded', async () => {
  const deps: Record<string, string> = {};
  const packages: Record<string, unknown> = { '': { dependencies: { hub: '1' } } };
  for (let i = 0; i < 10_000; i++) {
    deps[`p${i}`] = '1';
    packages[`node_modules/p${i}`] = { version: '1.0.0', dependencies: { hub: '1', [`p${i}`]: '1' } };
  }
  packages['node_modules/hub'] = { version: '1.0.0', dependencies: deps };
  let key = 'node_modules/deep';
  for (let i = 0; i < 300; i++) {
    packages[key] = { version: '1.0.0', dependencies: { deep: '1' } };
    key += '/node_modules/deep';
  }
  const { pkgs } = await runOn(npmLockfileAnalyzer, '/app/package-lock.json', JSON.stringify({ lockfileVersion: 3, packages }));
  assert.equal(find(pkgs, 'hub')!.direct, true);
  assert.equal(path(find(pkgs, 'p9999')), 'hub 1.0.0 > p9999 1.0.0');
  assert.equal(find(pkgs, 'hub')!.dependsOn!.length, 1000, 'dependsOn capped');
  for (const bad of ['{"packages": {"": {"dependencies": 5}}}', '{"packages": {"node_modules/x": {"version": "1", "dependencies": ["a"]}}}', '{"dependencies": {"a": {"version": "1", "requires": "b"}}}']) {
    const r = await runOn(npmLockfileAnalyzer, '/app/package-lock.json', bad);
    assert.ok(r.pkgs.every((p) => p.dependencyPath === undefined), bad);
  }
});

async function installedFacts(files: Record<string, unknown>): Promise<{ pkgs: Package[]; requires: Extract<Fact, { kind: 'requires' }>[] }> {
  const pkgs: Package[] = [];
  const requires: Extract<Fact, { kind: 'requires' }>[] = [];
  for (const [p, doc] of Object.entries(files)) {
    assert.ok(npmInstalledAnalyzer.required(p, { path: p, type: 'file', size: 1, mode: 0o644 }), p);
    const { file, ctx } = fileInput(p, typeof doc === 'string' ? doc : JSON.stringify(doc));
    for (const f of await npmInstalledAnalyzer.analyze(file, ctx)) {
      if (f.kind === 'package') pkgs.push(f.pkg);
      else if (f.kind === 'requires') requires.push(f);
    }
  }
  return { pkgs, requires };
}

test('npm installed tree: the project package.json names the direct dependencies; nested copies win', async () => {
  const { pkgs, requires } = await installedFacts({
    '/srv/app/package.json': { name: 'app', dependencies: { express: '4' }, devDependencies: { jest: '1' } },
    '/srv/app/node_modules/express/package.json': { name: 'express', version: '4.17.1', dependencies: { qs: '6.7.0', 'body-parser': '1' } },
    '/srv/app/node_modules/body-parser/package.json': { name: 'body-parser', version: '1.19.0', dependencies: { qs: '6.7.0' } },
    '/srv/app/node_modules/express/node_modules/qs/package.json': { name: 'qs', version: '6.7.0' },
    '/srv/app/node_modules/qs/package.json': { name: 'qs', version: '6.5.0' },
    '/opt/other/node_modules/lonely/package.json': { name: 'lonely', version: '1.0.0' },
  });
  npmInstalledGraphs(pkgs, requires);
  assert.equal(find(pkgs, 'express')!.direct, true);
  assert.equal(path(pkgs.find((p) => p.name === 'qs' && p.version === '6.7.0')), 'express 4.17.1 > qs 6.7.0');
  assert.equal(path(pkgs.find((p) => p.name === 'qs' && p.version === '6.5.0')), 'express 4.17.1 > body-parser 1.19.0 > qs 6.5.0');
  assert.equal(find(pkgs, 'lonely')!.direct, undefined, 'a tree without its project package.json: unknown');
  const broken = await installedFacts({ '/srv/b/package.json': '{ not json', '/srv/b/node_modules/x/package.json': { name: 'x', version: '1.0.0', dependencies: 'x' } });
  npmInstalledGraphs(broken.pkgs, broken.requires);
  assert.equal(broken.pkgs[0]!.direct, undefined);
});

test('python: poetry.lock and uv.lock graphs; Requires-Dist names skip extras; installed site-packages', async () => {
  const poetry = `[[package]]\nname = "Flask"\nversion = "2.0.0"\n[package.dependencies]\nWerkzeug = ">=2"\n\n[[package]]\nname = "werkzeug"\nversion = "2.0.1"\n`;
  const p = await runOn(pythonLockfileAnalyzer, '/app/poetry.lock', poetry);
  assert.equal(find(p.pkgs, 'Flask')!.direct, true);
  assert.equal(path(find(p.pkgs, 'werkzeug')), 'Flask 2.0.0 > werkzeug 2.0.1');
  const uv = `version = 1\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { editable = "." }\ndependencies = [{ name = "requests" }]\n\n[[package]]\nname = "requests"\nversion = "2.31.0"\ndependencies = [{ name = "urllib3" }]\n\n[[package]]\nname = "urllib3"\nversion = "2.0.0"\n`;
  const u = await runOn(pythonLockfileAnalyzer, '/app/uv.lock', uv);
  assert.equal(find(u.pkgs, 'requests')!.direct, true);
  assert.equal(path(find(u.pkgs, 'urllib3')), 'requests 2.31.0 > urllib3 2.0.0');
  assert.deepEqual(requiresDistNames(['idna (<4,>=2.5)', 'PySocks!=1.5.7,>=1.5.6; extra == "socks"', 'chardet<6; python_version < "3"', '  ', '(bad']), ['idna', 'chardet']);

  const meta = (n: string, v: string, reqs: string[]) => `Metadata-Version: 2.1\nName: ${n}\nVersion: ${v}\n${reqs.map((r) => `Requires-Dist: ${r}\n`).join('')}\n`;
  const site = '/usr/lib/python3/site-packages';
  const pkgs: Package[] = [];
  const requires: Extract<Fact, { kind: 'requires' }>[] = [];
  for (const [n, v, r] of [
    ['requests', '2.31.0', ['urllib3>=1', 'idna']],
    ['urllib3', '2.0.0', []],
    ['idna', '3.4', []],
  ] as const) {
    const { file, ctx } = fileInput(`${site}/${n}-${v}.dist-info/METADATA`, meta(n, v, [...r]));
    for (const f of await pythonInstalledAnalyzer.analyze(file, ctx)) {
      if (f.kind === 'package') pkgs.push(f.pkg);
      else if (f.kind === 'requires') requires.push(f);
    }
  }
  pythonInstalledGraphs(pkgs, requires);
  assert.equal(find(pkgs, 'requests')!.direct, true);
  assert.equal(path(find(pkgs, 'idna')), 'requests 2.31.0 > idna 3.4');
  // one egg-info whose requirements were not read: the whole directory stays unknown
  const egg = { ...pkgs[0]!, name: 'six', locations: [{ path: `${site}/six-1.16.0.egg-info/PKG-INFO`, layer: pkgs[0]!.locations[0]!.layer }] };
  const fresh = pkgs.map((x) => ({ ...x, direct: undefined, dependencyPath: undefined }));
  pythonInstalledGraphs([...fresh, egg], requires);
  assert.ok(fresh.every((x) => x.direct === undefined));
});

test('Cargo.lock: workspace crates name the direct dependencies; versioned entries pick the right copy', async () => {
  const lock = `version = 3\n[[package]]\nname = "app"\nversion = "0.1.0"\ndependencies = ["hyper", "rand 0.8.5"]\n\n[[package]]\nname = "hyper"\nversion = "0.14.0"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\ndependencies = ["rand 0.7.3", "hyper"]\n\n[[package]]\nname = "rand"\nversion = "0.7.3"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n\n[[package]]\nname = "rand"\nversion = "0.8.5"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\ndependencies = [1, "nope 9"]\n`;
  const { pkgs } = await runOn(cargoLockAnalyzer, '/src/Cargo.lock', lock);
  assert.equal(find(pkgs, 'hyper')!.direct, true);
  assert.equal(pkgs.find((p) => p.name === 'rand' && p.version === '0.8.5')!.direct, true);
  assert.equal(path(pkgs.find((p) => p.name === 'rand' && p.version === '0.7.3')), 'hyper 0.14.0 > rand 0.7.3');
});

test('Gemfile.lock: DEPENDENCIES are direct, spec dependencies are edges, PATH gems are the project', async () => {
  const lock = [
    'PATH',
    '  remote: .',
    '  specs:',
    '    myapp (0.1.0)',
    '      nokogiri (~> 1.15)',
    '',
    'GEM',
    '  remote: https://rubygems.org/',
    '  specs:',
    '    actionpack (7.0.0)',
    '      rack (~> 2.0)',
    '      actionpack',
    '    nokogiri (1.15.4-x86_64-linux)',
    '      racc (~> 1.4)',
    '    racc (1.7.1)',
    '    rack (2.2.8)',
    '',
    'PLATFORMS',
    '  x86_64-linux',
    '',
    'DEPENDENCIES',
    '  actionpack (= 7.0.0)',
    '  myapp!',
    '',
  ].join('\n');
  const { pkgs } = await runOn(gemLockfileAnalyzer, '/app/Gemfile.lock', lock);
  assert.deepEqual(pkgs.map((p) => p.name).sort(), ['actionpack', 'nokogiri', 'racc', 'rack']);
  assert.equal(find(pkgs, 'actionpack')!.direct, true);
  assert.equal(find(pkgs, 'nokogiri')!.direct, true, 'a dependency of the project\'s own PATH gem');
  assert.equal(path(find(pkgs, 'racc')), 'nokogiri 1.15.4 > racc 1.7.1');
  assert.equal(path(find(pkgs, 'rack')), 'actionpack 7.0.0 > rack 2.2.8');
});
