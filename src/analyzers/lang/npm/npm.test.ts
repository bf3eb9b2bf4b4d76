import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedOrSkip } from '../../../core/shared.js';
import type { Package } from '../../../core/types.js';
import { extractImageFiles, runOn } from '../testimage.js';
import {
  dedupeLockfilePackages,
  isInstalledPackageJson,
  npmInstalledAnalyzer,
  npmLockfileAnalyzer,
} from './index.js';

const LOCKS = 'fixtures/third-party/packages/lockfiles/nodejs';

async function lock(t: { skip(m?: string): void }, rel: string, as: string) {
  const p = sharedOrSkip(t, `${LOCKS}/${rel}`);
  if (!p) return undefined;
  return runOn(npmLockfileAnalyzer, `/app/${as}`, readFileSync(p));
}

const devIds = (pkgs: Package[]) => pkgs.filter((p) => p.dev).map((p) => `${p.name}@${p.version}`);

test('npm: required() picks only package.json directly in a package dir', () => {
  const yes = [
    '/srv/app/node_modules/ms/package.json',
    '/srv/app/node_modules/@types/node/package.json',
    '/srv/app/node_modules/jsonwebtoken/node_modules/ms/package.json',
    '/usr/local/lib/node_modules/npm/node_modules/@npmcli/arborist/package.json',
  ];
  const no = [
    '/srv/app/package.json',
    '/srv/app/node_modules/ms/test/package.json',
    '/srv/app/node_modules/@types/package.json',
    '/srv/app/node_modules/package.json',
    '/srv/app/node_modules/ms/package.json.bak',
    '/srv/app/node_modules/@types/node/lib/package.json',
    '/srv/app/node_modules/.bin/package.json',
  ];
  for (const p of yes) assert.equal(npmInstalledAnalyzer.required(p, { path: p, type: 'file', size: 1, mode: 0o644 }), true, p);
  for (const p of no) assert.equal(isInstalledPackageJson(p), false, p);
  assert.equal(npmLockfileAnalyzer.required('/srv/app/package-lock.json', { path: '', type: 'file', size: 1, mode: 0 }), true);
  assert.equal(npmLockfileAnalyzer.required('/srv/app/yarn.lock', { path: '', type: 'file', size: 1, mode: 0 }), true);
  assert.equal(npmLockfileAnalyzer.required('/srv/app/pnpm-lock.yaml', { path: '', type: 'file', size: 1, mode: 0 }), true);
  assert.equal(npmLockfileAnalyzer.required('/srv/app/node_modules/x/package-lock.json', { path: '', type: 'file', size: 1, mode: 0 }), false);
  assert.equal(npmLockfileAnalyzer.required('/srv/app/my-yarn.lock', { path: '', type: 'file', size: 1, mode: 0 }), false);
});

test('npm installed: scoped package, licenses, purl, location', async () => {
  const r = await runOn(
    npmInstalledAnalyzer,
    '/srv/app/node_modules/@babel/core/package.json',
    JSON.stringify({ name: '@babel/core', version: '7.24.0', license: 'MIT' }),
    2,
  );
  assert.equal(r.pkgs.length, 1);
  const p = r.pkgs[0]!;
  assert.equal(p.purl, 'pkg:npm/%40babel/core@7.24.0');
  assert.equal(p.type, 'npm');
  assert.deepEqual(p.licenses, ['MIT']);
  assert.equal(p.foundBy, 'npm-installed');
  assert.equal(p.confidence, 'high');
  assert.deepEqual(p.locations, [{ path: '/srv/app/node_modules/@babel/core/package.json', layer: { index: 2, diffId: `sha256:${'2'.padStart(64, '0')}` } }]);
  const legacy = await runOn(
    npmInstalledAnalyzer,
    '/a/node_modules/x/package.json',
    JSON.stringify({ name: 'x', version: '1.0.0', licenses: [{ type: 'MIT' }, 'Apache-2.0'], license: { type: 'BSD-3-Clause' } }),
  );
  assert.deepEqual(legacy.pkgs[0]!.licenses, ['BSD-3-Clause', 'MIT', 'Apache-2.0']);
});

test('npm installed: no name/version, invalid names, hostile input', async () => {
  const path = '/a/node_modules/x/package.json';
  assert.deepEqual((await runOn(npmInstalledAnalyzer, path, '{"name":"x"}')).pkgs, []);
  assert.deepEqual((await runOn(npmInstalledAnalyzer, path, '{"version":"1.0.0"}')).pkgs, []);
  assert.deepEqual((await runOn(npmInstalledAnalyzer, path, '[1,2]')).pkgs, []);
  assert.deepEqual((await runOn(npmInstalledAnalyzer, path, '{"name":1,"version":{}}')).pkgs, []);
  const bad = await runOn(npmInstalledAnalyzer, path, '{"name":"a b\\u0000","version":"1.0.0"}');
  assert.equal(bad.pkgs.length, 0);
  assert.match(bad.warnings[0]!, /invalid npm name/);
  const invalid = await runOn(npmInstalledAnalyzer, path, '{"name": "x", "version": ');
  assert.equal(invalid.pkgs.length, 0);
  assert.match(invalid.warnings[0]!, /invalid JSON/);
  // nesting deep enough to exhaust a recursive parser
  const deep = await runOn(npmInstalledAnalyzer, path, '{"name":"x","version":"1.0.0","a":' + '['.repeat(2_000_000) + ']'.repeat(2_000_000) + '}');
  assert.ok(deep.pkgs.length === 1 || /invalid JSON/.test(deep.warnings[0]!));
  // BOM and CRLF
  const bom = await runOn(npmInstalledAnalyzer, path, '\ufeff{\r\n"name": "x",\r\n"version": "1.0.0"\r\n}\r\n');
  assert.deepEqual(bom.ids, ['x@1.0.0']);
  // a __proto__ key does not pollute anything
  const proto = await runOn(npmInstalledAnalyzer, path, '{"__proto__": {"name": "evil", "version": "6.6.6"}}');
  assert.deepEqual(proto.pkgs, []);
});

test('npm installed: a 50 MB package.json is skipped with a warning, not parsed', async () => {
  const big = Buffer.alloc(50 * 1024 * 1024, 0x20);
  big.write('{"name":"x","version":"1.0.0","pad":"', 0);
  big.write('"}', big.length - 2);
  const r = await runOn(npmInstalledAnalyzer, '/a/node_modules/x/package.json', big);
  assert.deepEqual(r.pkgs, []);
  assert.match(r.warnings[0]!, /over the 20971520-byte limit/);
});

test('package-lock v1/v2/v3: same 31 packages, dev flags', async (t) => {
  const results = [];
  for (const f of ['package-lock_v1.json', 'package-lock_v2.json', 'package-lock_v3.json']) {
    const r = await lock(t, `npm/${f}`, 'package-lock.json');
    if (!r) return;
    assert.equal(r.pkgs.length, 31, f);
    assert.deepEqual(r.warnings, []);
    results.push(r);
  }
  assert.deepEqual(results[0]!.ids, results[1]!.ids);
  assert.deepEqual(results[1]!.ids, results[2]!.ids);
  for (const r of results) assert.equal(devIds(r.pkgs).length, 2);
  const ids = results[2]!.ids;
  for (const id of ['@babel/helper-string-parser@7.19.4', 'debug@2.6.9', 'ms@1.0.0', 'ms@2.0.0', 'promise@8.3.0']) assert.ok(ids.includes(id), id);
  assert.deepEqual(devIds(results[2]!.pkgs), ['debug@2.5.2', 'ms@0.7.2']);
  assert.ok(results[2]!.pkgs.every((p) => p.foundBy === 'npm-lockfile' && p.confidence === 'medium'));
});

test('package-lock v3: dev and non-dev copies, legacy licenses, workspaces, broken link, peers', async (t) => {
  const same = await lock(t, 'npm/package-lock_v3_with-same-dev-and-non-dev.json', 'package-lock.json');
  if (!same) return;
  assert.deepEqual(same.ids, ['fsevents@1.2.9', 'minimist@0.0.8', 'mkdirp@0.5.1', 'node-pre-gyp@0.12.0']);
  // minimist 0.0.8 is installed both as a dev-only nested copy and a production copy: not dev
  assert.deepEqual(devIds(same.pkgs), ['fsevents@1.2.9', 'mkdirp@0.5.1', 'node-pre-gyp@0.12.0']);

  const lic = (await lock(t, 'npm/package-lock_v3_with_legacy_licenses.json', 'package-lock.json'))!;
  const byName = new Map(lic.pkgs.map((p) => [p.name, p.licenses]));
  assert.deepEqual(byName.get('tv4'), ['Public Domain', 'MIT']);
  assert.deepEqual(byName.get('pause-stream'), ['MIT', 'Apache2']);
  assert.deepEqual(byName.get('mustache'), ['MIT']);

  const ws = (await lock(t, 'npm/package-lock_v3_with_workspace.json', 'package-lock.json'))!;
  // nested_func is a workspace reached through a link; func1 has no version
  assert.deepEqual(ws.ids, ['debug@2.5.2', 'debug@2.6.9', 'ms@0.7.2', 'ms@2.0.0', 'nested_func@1.0.0']);

  const wso = (await lock(t, 'npm/package-lock_v3_with_workspace_as_object.json', 'package-lock.json'))!;
  assert.deepEqual(wso.ids, ['lodash@4.17.21', 'testapp@1.0.0']);

  const broken = (await lock(t, 'npm/package-lock_v3_broken_link.json', 'package-lock.json'))!;
  assert.deepEqual(broken.ids, []);

  const peer = (await lock(t, 'npm/package-lock_v3_with_peer.json', 'package-lock.json'))!;
  assert.deepEqual(peer.ids, ['lodash@4.17.21', 'mustache@2.3.2', 'triple-beam@1.4.1', 'winston@3.17.0', 'winston-mail@2.0.0']);
  const noroot = (await lock(t, 'npm/package-lock_v3_without_root_deps_field.json', 'package-lock.json'))!;
  // func1 is a workspace directory reached through node_modules/func1 (link)
  assert.deepEqual(noroot.ids, ['debug@2.6.9', 'func1@1.0.0', 'ms@2.0.0']);
});

test('package-lock: invalid and hostile documents', async () => {
  const p = '/app/package-lock.json';
  const trunc = await runOn(npmLockfileAnalyzer, p, '{"lockfileVersion": 3, "packages": {"node_modules/a": {"version": "1.0');
  assert.deepEqual(trunc.pkgs, []);
  assert.match(trunc.warnings[0]!, /invalid JSON/);
  const notObj = await runOn(npmLockfileAnalyzer, p, '"hello"');
  assert.match(notObj.warnings[0]!, /not a package-lock/);
  const mixed = await runOn(
    npmLockfileAnalyzer,
    p,
    JSON.stringify({
      lockfileVersion: 3,
      packages: {
        '': { name: 'root', version: '1.0.0' },
        'node_modules/ok': { version: '1.0.0', dev: true },
        'node_modules/bad': { version: 5 },
        'node_modules/sp ace': { version: '1.0.0' },
        'node_modules/local': { version: 'file:../local' },
        'node_modules/@s/n': { version: '2.0.0', license: 'ISC' },
        'node_modules/alias': { name: 'real', version: '3.0.0' },
        'node_modules/x': 'garbage',
      },
    }),
  );
  assert.deepEqual(mixed.ids, ['@s/n@2.0.0', 'ok@1.0.0', 'real@3.0.0']);
  assert.equal(mixed.pkgs.find((x) => x.name === '@s/n')!.purl, 'pkg:npm/%40s/n@2.0.0');
  assert.equal(mixed.warnings.length, 1);
  assert.match(mixed.warnings[0]!, /2 "packages" entries/);
  // deep v1 tree: depth capped, no stack overflow
  const n = 5000;
  const deepJson = '{"lockfileVersion":1,"dependencies":' + Array.from({ length: n }, (_, i) => `{"p${i}":{"version":"1.0.0","dependencies":`).join('') + '{}' + '}}'.repeat(n) + '}';
  const dv1 = await runOn(npmLockfileAnalyzer, p, deepJson);
  assert.equal(dv1.pkgs.length, 257);
  assert.match(dv1.warnings[0]!, /deeper than 256/);
});

test('yarn.lock v1: happy, npm-style quoting, git, local, bad protocol', async (t) => {
  const happy = await lock(t, 'yarn/yarn_happy.lock', 'yarn.lock');
  if (!happy) return;
  assert.equal(happy.pkgs.length, 18);
  for (const id of ['@babel/helper-regex@7.4.4', 'ansi-regex@2.1.1', 'ansi-regex@3.0.0', 'jquery@3.4.1', 'promise@8.0.3', 'strip-ansi@3.0.1', 'strip-ansi@4.0.0']) assert.ok(happy.ids.includes(id), id);
  assert.equal(happy.pkgs.find((p) => p.name === '@babel/helper-regex')!.purl, 'pkg:npm/%40babel/helper-regex@7.4.4');
  assert.deepEqual(happy.warnings, []);
  assert.deepEqual((await lock(t, 'yarn/yarn_with_npm.lock', 'yarn.lock'))!.ids, ['jquery@3.6.0']);
  const git = (await lock(t, 'yarn/yarn_with_git.lock', 'yarn.lock'))!;
  assert.deepEqual(git.ids, ['mapbox-gl-feature-drag-and-drop@1.1.1']);
  assert.match(git.pkgs[0]!.metadata!.resolved!, /^git\+https:/);
  assert.deepEqual((await lock(t, 'yarn/yarn_with_local.lock', 'yarn.lock'))!.ids, ['asap@2.0.6', 'jquery@3.4.1', 'promise@8.0.3']);
  const bad = (await lock(t, 'yarn/yarn_with_bad_protocol.lock', 'yarn.lock'))!;
  assert.deepEqual(bad.ids, ['jquery@3.4.1']);
  assert.match(bad.warnings[0]!, /unsupported protocol "unsupported"/);
});

test('yarn.lock Berry: workspaces (soft links) skipped, npm: protocol', async (t) => {
  const happy = await lock(t, 'yarn/yarn_v2_happy.lock', 'yarn.lock');
  if (!happy) return;
  assert.equal(happy.pkgs.length, 17);
  for (const id of ['@types/color-name@1.1.1', 'abbrev@1.1.1', 'ansi-styles@3.2.1', 'ansi-styles@4.2.1']) assert.ok(happy.ids.includes(id), id);
  assert.deepEqual((await lock(t, 'yarn/yarn_v2_deps_with_protocol.lock', 'yarn.lock'))!.ids, ['debug@4.3.4', 'ms@2.1.2']);
});

test('yarn.lock: garbage, truncated YAML, aliases, CRLF', async () => {
  const garbage = await runOn(npmLockfileAnalyzer, '/a/yarn.lock', 'ĝarbage\n\u0000\u0001\nfoo bar baz\n  version "1"\n@@@:\n  version "1.0.0"\n');
  assert.deepEqual(garbage.pkgs, []);
  assert.match(garbage.warnings[0]!, /entries skipped/);
  const trunc = await runOn(npmLockfileAnalyzer, '/a/yarn.lock', '__metadata:\n  version: 6\n"a@npm:^1":\n  version: [1, 2\n');
  assert.deepEqual(trunc.pkgs, []);
  assert.match(trunc.warnings[0]!, /invalid YAML/);
  const alias = await runOn(
    npmLockfileAnalyzer,
    '/a/yarn.lock',
    '# yarn lockfile v1\r\n\r\n"foo@npm:bar@^1.0.0":\r\n  version "1.2.0"\r\n\r\n"@s/x@^2", "@s/x@^2.1":\r\n  version "2.1.0"\r\n',
  );
  assert.deepEqual(alias.ids, ['@s/x@2.1.0', 'bar@1.2.0']);
  const billion = '__metadata:\n  version: 6\na: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n';
  const bl = await runOn(npmLockfileAnalyzer, '/a/yarn.lock', billion);
  assert.deepEqual(bl.pkgs, []);
  assert.match(bl.warnings[0]!, /invalid YAML/);
});

test('pnpm-lock: v5, v6 with dev, v9 with importers/snapshots, archives, multi documents', async (t) => {
  const normal = await lock(t, 'pnpm/pnpm-lock_normal.yaml', 'pnpm-lock.yaml');
  if (!normal) return;
  assert.deepEqual(normal.ids, ['asap@2.0.6', 'jquery@3.6.0', 'promise@8.1.0']);
  assert.deepEqual((await lock(t, 'pnpm/pnpm-lock_v6.yaml', 'pnpm-lock.yaml'))!.pkgs.length, 3);
  for (const f of ['pnpm-lock_v6_with_dev.yaml', 'pnpm-lock_with_dev.yaml']) {
    const r = (await lock(t, `pnpm/${f}`, 'pnpm-lock.yaml'))!;
    assert.equal(r.pkgs.length, 85, f);
    assert.equal(devIds(r.pkgs).length, 79, f);
  }
  const many = (await lock(t, 'pnpm/pnpm-lock_many.yaml', 'pnpm-lock.yaml'))!;
  assert.equal(many.pkgs.length, 134);
  assert.equal(devIds(many.pkgs).length, 78);
  const v9 = (await lock(t, 'pnpm/pnpm-lock_v9.yaml', 'pnpm-lock.yaml'))!;
  assert.equal(v9.pkgs.length, 20);
  // local `file:` packages (lodash tarball, package1 directory) are not published packages
  assert.ok(!v9.ids.some((i) => i.startsWith('lodash@') || i.startsWith('package1@')));
  // tarball/git packages take name and version from the entry
  for (const id of ['asynckit@0.4.0', 'debug@4.3.5', 'is-negative@2.0.1', 'debug@4.3.4', 'ms@2.0.0']) assert.ok(v9.ids.includes(id), id);
  // dev: only reachable from devDependencies; ms@2.0.0 is also a production dependency (via debug)
  assert.deepEqual(devIds(v9.pkgs), ['await-sleep@0.0.1', 'jquery@3.6.0']);
  const peers = (await lock(t, 'pnpm/pnpm-lock_v9_same-vers-diff-peers.yaml', 'pnpm-lock.yaml'))!;
  assert.equal(peers.pkgs.length, 6);
  assert.deepEqual(devIds(peers.pkgs), ['jest-resolve@27.5.1', 'jest-runner@27.5.1']);
  assert.deepEqual((await lock(t, 'pnpm/pnpm-lock_archives.yaml', 'pnpm-lock.yaml'))!.ids, ['asynckit@0.4.0', 'debug@4.3.4', 'is-negative@2.0.1', 'ms@2.1.2']);
  assert.equal((await lock(t, 'pnpm/pnpm-lock_v9_cyclic_import.yaml', 'pnpm-lock.yaml'))!.pkgs.length, 7);
  assert.equal((await lock(t, 'pnpm/pnpm-lock_v9_multi_version.yaml', 'pnpm-lock.yaml'))!.pkgs.length, 2);
  // the first document is pnpm's own env lockfile (the package manager), not the project
  assert.deepEqual((await lock(t, 'pnpm/pnpm-lock_v9_multiple_documents.yaml', 'pnpm-lock.yaml'))!.ids, ['is-number@7.0.0']);
});

test('pnpm-lock: truncated and hostile', async () => {
  const tr = await runOn(npmLockfileAnalyzer, '/a/pnpm-lock.yaml', "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: {resolution: {integ");
  assert.deepEqual(tr.pkgs, []);
  assert.match(tr.warnings[0]!, /invalid YAML/);
  const odd = await runOn(npmLockfileAnalyzer, '/a/pnpm-lock.yaml', "lockfileVersion: '6.0'\npackages:\n  /a@1.0.0: {dev: true}\n  /@s/b@2.0.0(x@1): {}\n  nonsense: 3\n  /c@latest: {}\n");
  assert.deepEqual(odd.ids, ['@s/b@2.0.0', 'a@1.0.0']);
  assert.equal(odd.warnings.length, 1);
  assert.deepEqual((await runOn(npmLockfileAnalyzer, '/a/pnpm-lock.yaml', '')).pkgs, []);
});

test('dedupeLockfilePackages: drops lockfile packages of projects with an installed tree', async () => {
  const inst = (await runOn(npmInstalledAnalyzer, '/srv/app/node_modules/ms/package.json', '{"name":"ms","version":"2.1.3"}')).pkgs;
  const lockApp = (await runOn(npmLockfileAnalyzer, '/srv/app/package-lock.json', JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/ms': { version: '2.1.3' }, 'node_modules/x': { version: '1.0.0' } } }))).pkgs;
  const lockOther = (await runOn(npmLockfileAnalyzer, '/srv/other/yarn.lock', 'ms@^2:\n  version "2.1.3"\n')).pkgs;
  const lockRoot = (await runOn(npmLockfileAnalyzer, '/package-lock.json', JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/y': { version: '1.0.0' } } }))).pkgs;
  const rootInst = (await runOn(npmInstalledAnalyzer, '/node_modules/y/package.json', '{"name":"y","version":"1.0.0"}')).pkgs;
  const py: Package = { ...inst[0]!, type: 'pypi', foundBy: 'python-installed', locations: [{ path: '/srv/app/x', layer: inst[0]!.locations[0]!.layer }] };
  const all = [...lockApp, ...inst, ...lockOther, py];
  assert.deepEqual(dedupeLockfilePackages(all), [...inst, ...lockOther, py]);
  assert.deepEqual(dedupeLockfilePackages([...lockApp, ...lockOther]), [...lockApp, ...lockOther]);
  assert.deepEqual(dedupeLockfilePackages([...lockRoot, ...rootInst]), rootInst);
  // x@1.0.0 is in the lockfile, not in the tree beside it: declared only, listed (marked) when asked
  const kept = dedupeLockfilePackages(all, { includeDeclared: true });
  assert.deepEqual(kept.map((p) => `${p.name}@${p.version}:${p.declaredOnly ?? ''}`), ['x@1.0.0:not-installed', 'ms@2.1.3:', 'ms@2.1.3:', 'ms@2.1.3:']);
});

// ---- real images --------------------------------------------------------------------------------

async function analyzeImage(archive: string, analyzers: (typeof npmInstalledAnalyzer)[]) {
  const files = await extractImageFiles(archive, (p) => analyzers.some((a) => a.required(p, { path: p, type: 'file', size: 0, mode: 0o644 })));
  const pkgs: Package[] = [];
  const warnings: string[] = [];
  for (const f of files) {
    const a = analyzers.find((x) => x.required(f.path, { path: f.path, type: 'file', size: f.content.length, mode: 0o644 }))!;
    const r = await runOn(a, f.path, f.content, f.layerIndex);
    pkgs.push(...r.pkgs);
    warnings.push(...r.warnings);
  }
  return { files, pkgs, warnings };
}

const ids = (pkgs: Package[]) => [...new Set(pkgs.map((p) => `${p.name}@${p.version}`))].sort();

test('orders-api: package-lock.json (source) gives the 66 installed copies; the image tree matches', async (t) => {
  const src = sharedOrSkip(t, 'fixtures/images/orders-api-src/package-lock.json');
  if (!src) return;
  const doc = JSON.parse(readFileSync(src, 'utf8')) as { packages: Record<string, { version: string }> };
  const expected = Object.entries(doc.packages)
    .filter(([k]) => k !== '')
    .map(([k, v]) => `${k.slice(k.lastIndexOf('node_modules/') + 13)}@${v.version}`)
    .sort();
  assert.equal(expected.length, 66);
  const r = await runOn(npmLockfileAnalyzer, '/srv/app/package-lock.json', readFileSync(src));
  assert.deepEqual(r.ids.sort(), expected);
  assert.deepEqual(r.warnings, []);
  for (const id of ['express@4.17.1', 'lodash@4.17.15', 'minimist@1.2.0', 'jsonwebtoken@8.5.1', 'ms@2.0.0', 'ms@2.1.3']) assert.ok(r.ids.includes(id), id);

  const image = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!image) return;
  const img = await analyzeImage(image, [npmInstalledAnalyzer, npmLockfileAnalyzer]);
  const installed = img.pkgs.filter((p) => p.foundBy === 'npm-installed');
  const locked = img.pkgs.filter((p) => p.foundBy === 'npm-lockfile');
  assert.equal(installed.length, 66); // one per installed copy
  assert.deepEqual(ids(installed), expected);
  assert.ok(installed.every((p) => p.locations[0]!.path.startsWith('/srv/app/node_modules/') && p.locations[0]!.layer.index === 2));
  assert.ok(installed.some((p) => p.locations[0]!.path === '/srv/app/node_modules/jsonwebtoken/node_modules/ms/package.json' && p.version === '2.1.3'));
  // the image ships /srv/app/package-lock.json too: it lists the same 66 copies
  assert.ok(img.files.some((f) => f.path === '/srv/app/package-lock.json'));
  assert.equal(locked.length, 66);
  assert.deepEqual(ids(locked), expected);
  // the lockfile copies disappear once the installed tree is there
  assert.deepEqual(dedupeLockfilePackages(img.pkgs), installed);
});

const SNYK = 'fixtures/third-party/images/snyk';

test('snyk npm7 images: node_modules only (82 copies), package-lock v1 and yarn Berry (64 packages)', async (t) => {
  const nm = sharedOrSkip(t, `${SNYK}/npm/npm-without-lockfiles/npm7-with-node-modules-only.tar`);
  if (!nm) return;
  const a = await analyzeImage(nm, [npmInstalledAnalyzer, npmLockfileAnalyzer]);
  assert.equal(a.pkgs.length, 82);
  assert.equal(ids(a.pkgs).length, 64);
  assert.equal(a.pkgs.filter((p) => p.name === 'function-bind' && p.version === '1.1.2').length, 5);
  assert.ok(a.pkgs.every((p) => p.foundBy === 'npm-installed' && p.locations[0]!.path.startsWith('/goof/node_modules/')));

  const pl = sharedOrSkip(t, `${SNYK}/npm/npm-without-lockfiles/npm7-with-package-lock-file.tar`);
  const yl = sharedOrSkip(t, `${SNYK}/npm/npm-without-lockfiles/yarn-with-lock-file.tar`);
  if (!pl || !yl) return;
  const b = await analyzeImage(pl, [npmInstalledAnalyzer, npmLockfileAnalyzer]);
  // the project's package.json is read too (its dependencies are the direct ones), it yields no package
  assert.deepEqual(b.files.map((f) => f.path), ['/goof/package.json', '/goof/package-lock.json']);
  assert.equal(b.pkgs.length, 64);
  const c = await analyzeImage(yl, [npmInstalledAnalyzer, npmLockfileAnalyzer]);
  assert.deepEqual(c.files.map((f) => f.path), ['/goof/package.json', '/goof/yarn.lock']);
  assert.equal(c.pkgs.length, 64);
  // the three describe the same application
  assert.deepEqual(ids(b.pkgs), ids(a.pkgs));
  assert.deepEqual(ids(c.pkgs), ids(a.pkgs));
});

test('snyk pnpm v9 image', async (t) => {
  const p = sharedOrSkip(t, `${SNYK}/pnpm/pnpmlockv9.tar`);
  if (!p) return;
  const a = await analyzeImage(p, [npmInstalledAnalyzer, npmLockfileAnalyzer]);
  assert.deepEqual(a.files.map((f) => f.path), ['/app/package.json', '/app/pnpm-lock.yaml']);
  assert.deepEqual(ids(a.pkgs), ['debug@4.3.4', 'ms@2.1.2']);
  assert.ok(a.pkgs.every((p) => !p.dev));
});

test('npm testdata: hand-made nested tree', async () => {
  const dir = join(import.meta.dirname, 'testdata');
  const lockText = readFileSync(join(dir, 'package-lock.json'));
  const r = await runOn(npmLockfileAnalyzer, '/w/package-lock.json', lockText);
  assert.deepEqual(r.ids, ['@scope/pkg@1.0.0', 'ms@2.0.0', 'ms@2.1.3', 'tap@16.0.0']);
  assert.deepEqual(devIds(r.pkgs), ['tap@16.0.0']);
});
