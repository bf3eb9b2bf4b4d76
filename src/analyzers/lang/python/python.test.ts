import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sharedOrSkip } from '../../../core/shared.js';
import type { Package } from '../../../core/types.js';
import { extractImageFiles, runOn } from '../testimage.js';
import { isInstalledMetadata, isPythonLockfile, pythonInstalledAnalyzer, pythonLockfileAnalyzer } from './index.js';

const FIX = 'fixtures/third-party/packages/lockfiles/python';
const TD = join(import.meta.dirname, 'testdata');
const devIds = (pkgs: Package[]) => pkgs.filter((p) => p.dev).map((p) => `${p.name}@${p.version}`);
const SITE = '/usr/lib/python3.11/site-packages';

test('python: required()', () => {
  assert.ok(isInstalledMetadata('/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO', 'file'));
  assert.ok(isInstalledMetadata('/usr/local/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA', 'file'));
  assert.ok(isInstalledMetadata('/usr/lib/python3/dist-packages/distlib-0.3.1-py3.9.egg-info', 'file'));
  assert.ok(!isInstalledMetadata('/usr/lib/python3/dist-packages/distlib-0.3.1-py3.9.egg-info', 'dir'));
  assert.ok(!isInstalledMetadata('/src/requests-2.31.0.dist-info/METADATA', 'file'));
  assert.ok(!isInstalledMetadata('/usr/lib/python3/dist-packages/x.dist-info/RECORD', 'file'));
  assert.ok(!isInstalledMetadata('/usr/lib/python3/dist-packages/x.dist-info/METADATA.bak', 'file'));
  for (const p of ['/app/poetry.lock', '/app/Pipfile.lock', '/app/uv.lock', '/app/requirements.txt', '/app/requirements-dev.txt']) assert.ok(isPythonLockfile(p), p);
  assert.ok(isInstalledMetadata('/usr/lib/python3/dist-packages/x.egg-info', 'hardlink'));
  assert.ok(!isPythonLockfile('/usr/lib/python3/site-packages/foo/requirements.txt'));
  for (const p of ['/app/Pipfile', '/app/pyproject.toml', '/app/my-requirements.txt', '/app/requirements.in']) assert.ok(!isPythonLockfile(p), p);
});

test('python installed: third-party METADATA / PKG-INFO / egg-info files', async (t) => {
  const dir = sharedOrSkip(t, `${FIX}/packaging`);
  if (!dir) return;
  const expected: Record<string, [string, string, string, string[]]> = {
    'asyncssh-2.14.2.METADATA': ['asyncssh', '2.14.2', 'pkg:pypi/asyncssh@2.14.2', ['Eclipse Public License v2.0']],
    'distlib-0.3.1-py3.9.egg-info': ['distlib', '0.3.1', 'pkg:pypi/distlib@0.3.1', ['Python license']],
    'distlib-0.3.1.METADATA': ['distlib', '0.3.1', 'pkg:pypi/distlib@0.3.1', ['Python license']],
    'iniconfig-2.0.0.METADATA': ['iniconfig', '2.0.0', 'pkg:pypi/iniconfig@2.0.0', ['MIT']],
    'networkx-3.0.METADATA': ['networkx', '3.0', 'pkg:pypi/networkx@3.0', []],
    'pyphen-0.14.0.METADATA': ['pyphen', '0.14.0', 'pkg:pypi/pyphen@0.14.0', ['GPL-2.0-or-later', 'LGPL-2.0-or-later', 'MPL-1.1']],
    // License: UNKNOWN, the classifier (after a folded multi-paragraph Description) decides
    'setuptools-51.3.3-py3.8.egg-info.PKG-INFO': ['setuptools', '51.3.3', 'pkg:pypi/setuptools@51.3.3', ['MIT']],
    'simple-0.1.0.METADATA': ['simple', '0.1.0', 'pkg:pypi/simple@0.1.0', []],
    'unidecode-egg-info.PKG-INFO': ['Unidecode', '0.4.1', 'pkg:pypi/unidecode@0.4.1', []],
    'zipp-3.12.1.METADATA': ['zipp', '3.12.1', 'pkg:pypi/zipp@3.12.1', ['MIT']],
  };
  for (const f of readdirSync(dir).sort()) {
    const path = f.endsWith('.egg-info') ? `${SITE}/${f}` : `${SITE}/x.dist-info/METADATA`;
    const r = await runOn(pythonInstalledAnalyzer, path, readFileSync(join(dir, f)));
    if (f === 'invalid.json') {
      assert.deepEqual(r.pkgs, []);
      assert.match(r.warnings[0]!, /no Name\/Version/);
      continue;
    }
    const e = expected[f];
    assert.ok(e, `unexpected fixture ${f}`);
    assert.equal(r.pkgs.length, 1, f);
    const p = r.pkgs[0]!;
    assert.deepEqual([p.name, p.version, p.purl, p.licenses], e, f);
    assert.equal(p.foundBy, 'python-installed');
    assert.equal(p.confidence, 'high');
    assert.equal(p.type, 'pypi');
  }
});

test('python installed: License-Expression wins, long license text ignored, hostile headers', async () => {
  const r = await runOn(pythonInstalledAnalyzer, `${SITE}/a.dist-info/METADATA`, 'Metadata-Version: 2.4\r\nName: Foo_Bar\r\nVersion: 1.0.post1\r\nLicense-Expression: MIT OR Apache-2.0\r\nLicense: MIT\r\n\r\nbody\r\nName: evil\r\n');
  assert.equal(r.pkgs[0]!.purl, 'pkg:pypi/foo-bar@1.0.post1');
  assert.equal(r.pkgs[0]!.name, 'Foo_Bar');
  assert.deepEqual(r.pkgs[0]!.licenses, ['MIT OR Apache-2.0']);
  const long = await runOn(pythonInstalledAnalyzer, `${SITE}/a.dist-info/METADATA`, '\ufeffName: a\nVersion: 1\nLicense: Copyright (c) 2020\n        Permission is hereby granted\nClassifier: License :: OSI Approved :: BSD License\n');
  assert.deepEqual(long.pkgs[0]!.licenses, ['BSD']);
  for (const bad of ['', 'garbage without colon', 'Name: a b c\nVersion: 1', 'Name: a\nVersion: 1.0 ; rm -rf', 'Name: \nVersion: 1', '\u0000\u0001\u0002']) {
    const x = await runOn(pythonInstalledAnalyzer, `${SITE}/a.dist-info/METADATA`, bad);
    assert.deepEqual(x.pkgs, [], bad);
    assert.equal(x.warnings.length, 1, bad);
  }
  const big = await runOn(pythonInstalledAnalyzer, `${SITE}/a.dist-info/METADATA`, Buffer.alloc(9 * 1024 * 1024, 0x41));
  assert.deepEqual(big.pkgs, []);
  assert.match(big.warnings[0]!, /limit/);
});

test('orders-api image: the 7 Debian python3 packages (egg-info and dist-info forms)', async (t) => {
  const image = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!image) return;
  const files = await extractImageFiles(image, (p) => isInstalledMetadata(p, 'file'));
  const pkgs: Package[] = [];
  for (const f of files) {
    const r = await runOn(pythonInstalledAnalyzer, f.path, f.content, f.layerIndex);
    assert.deepEqual(r.warnings, []);
    pkgs.push(...r.pkgs);
  }
  const got = pkgs.map((p) => `${p.name}@${p.version} ${p.purl} ${p.licenses.join('|')}`).sort();
  assert.deepEqual(got, [
    'certifi@2022.9.24 pkg:pypi/certifi@2022.9.24 MPL-2.0',
    'chardet@5.1.0 pkg:pypi/chardet@5.1.0 LGPL',
    'charset-normalizer@3.0.1 pkg:pypi/charset-normalizer@3.0.1 MIT',
    'idna@3.3 pkg:pypi/idna@3.3 BSD-3-Clause',
    'requests@2.28.1 pkg:pypi/requests@2.28.1 Apache 2.0',
    'six@1.16.0 pkg:pypi/six@1.16.0 MIT',
    'urllib3@1.26.12 pkg:pypi/urllib3@1.26.12 MIT',
  ]);
  const certifi = pkgs.find((p) => p.name === 'certifi')!;
  assert.deepEqual(certifi.locations.map((l) => [l.path, l.layer.index]), [['/usr/lib/python3/dist-packages/certifi-2022.9.24.egg-info/PKG-INFO', 1]]);
  const chardet = pkgs.find((p) => p.name === 'chardet')!;
  assert.equal(chardet.locations[0]!.path, '/usr/lib/python3/dist-packages/chardet-5.1.0.dist-info/METADATA');
});

async function lockRun(t: { skip(m?: string): void }, rel: string, as: string) {
  const p = sharedOrSkip(t, `${FIX}/${rel}`);
  if (!p) return undefined;
  return runOn(pythonLockfileAnalyzer, `/app/${as}`, readFileSync(p));
}

test('requirements.txt: third-party fixtures', async (t) => {
  const cases: [string, string[], RegExp?][] = [
    ['requirement_exstras.txt', ['celery@4.4.7', 'pyjwt@2.1.0']],
    ['requirements_comments.txt', ['Flask@2.0.0', 'Jinja2@3.0.0', 'MarkupSafe@2.0.0', 'click@8.0.0']],
    ['requirements_compatible.txt', [], /7 requirements without an exact == pin/],
    ['requirements_flask.txt', ['Flask@2.0.0', 'Jinja2@3.0.0', 'MarkupSafe@2.0.0', 'Werkzeug@2.0.0', 'click@8.0.0', 'itsdangerous@2.0.0']],
    ['requirements_hash.txt', ['FooProject@1.2', 'Jinja2@3.0.0']],
    ['requirements_hyphens.txt', ['oauth2-client@4.0.0', 'python-gitlab@2.0.0']],
    ['requirements_no_version.txt', ['Flask@2.0.0'], /2 requirements without/],
    ['requirements_operator.txt', ['Django@2.3.4', 'SomeProject@5.4'], /6 requirements without/],
    ['requirements_spaces.txt', ['Flask@2.0.0', 'Jinja2@3.0.0', 'click@8.0.0', 'itsdangerous@2.0.0']],
    ['requirements_utf16le.txt', ['attrs@20.3.0']],
    ['requirements_with_templating_engine.txt', [], /5 requirements without/],
  ];
  for (const [f, ids, warn] of cases) {
    const r = await lockRun(t, `pip/${f}`, 'requirements.txt');
    if (!r) return;
    assert.deepEqual(r.ids, ids, f);
    if (warn) assert.match(r.warnings.join('\n'), warn, f);
    else assert.deepEqual(r.warnings, [], f);
    assert.ok(r.pkgs.every((p) => p.foundBy === 'python-lockfile' && p.type === 'pypi' && p.confidence === 'medium'));
  }
});

test('requirements.txt: includes, markers, extras, junk, 100k lines', async () => {
  const r = await runOn(
    pythonLockfileAnalyzer,
    '/app/requirements-prod.txt',
    '-r base.txt\n--constraint c.txt\n-e git+https://x/y.git#egg=y\n--index-url https://pypi.example\nrequests[security,socks]==2.31.0 ; python_version >= "3.8"\nnumpy===1.26.4\nfoo @ https://x/foo.whl\nbar>=1\n',
  );
  assert.deepEqual(r.ids, ['numpy@1.26.4', 'requests@2.31.0']);
  assert.match(r.warnings[0]!, /2 -r\/-c includes not followed \(first: "base.txt"\)/);
  assert.match(r.warnings[1]!, /2 requirements without an exact == pin/);
  const junk = Array.from({ length: 100_000 }, (_, i) => (i % 3 === 0 ? `\u0000\u00ff==${'x'.repeat(i % 50)}` : i % 3 === 1 ? `((((${i}` : `pkg${i} == 1.${i}.*`)).join('\n');
  const spaces = 'a' + ' '.repeat(200_000) + 'x\nb' + '\t'.repeat(200_000) + '==\n';
  const j = await runOn(pythonLockfileAnalyzer, '/app/requirements.txt', junk + '\n' + spaces + 'ok==1.0\n');
  assert.deepEqual(j.ids, ['ok@1.0']);
  assert.match(j.warnings[0]!, /100002 requirements without/);
});

test('poetry.lock: v1 categories and v2 groups', async (t) => {
  for (const f of ['poetry_flask.lock', 'poetry_v2_flask.lock']) {
    const r = await lockRun(t, `poetry/${f}`, 'poetry.lock');
    if (!r) return;
    assert.equal(r.pkgs.length, 15, f);
    assert.deepEqual(devIds(r.pkgs), ['atomicwrites@1.4.1', 'attrs@25.1.0', 'more-itertools@10.6.0', 'packaging@24.2', 'py@1.11.0', 'pytest@5.4.3', 'wcwidth@0.2.13'], f);
    // colorama is in both groups: not dev
    assert.ok(r.ids.includes('colorama@0.4.6') && !devIds(r.pkgs).includes('colorama@0.4.6'));
    assert.deepEqual(r.warnings, []);
  }
  const n = (await lockRun(t, 'poetry/poetry_normal.lock', 'poetry.lock'))!;
  assert.deepEqual(n.ids, ['pypi@2.1']);
});

test('poetry.lock / uv.lock: invalid TOML and bad entries', async () => {
  const bad = await runOn(pythonLockfileAnalyzer, '/app/poetry.lock', '[[package]]\nname = "a"\nversion = \n');
  assert.deepEqual(bad.pkgs, []);
  assert.match(bad.warnings[0]!, /invalid TOML \(line 3/);
  const partial = await runOn(pythonLockfileAnalyzer, '/app/poetry.lock', '[[package]]\nname = "a"\nversion = "1.0"\n[[package]]\nname = "b"\n[[package]]\nname = "c c"\nversion = "1"\n');
  assert.deepEqual(partial.ids, ['a@1.0']);
  assert.match(partial.warnings[0]!, /2 \[\[package\]\] entries/);
});

test('uv.lock: project skipped, dev from dev-dependencies', async () => {
  const r = await runOn(pythonLockfileAnalyzer, '/app/uv.lock', readFileSync(join(TD, 'uv.lock')));
  assert.deepEqual(r.ids, ['anyio@4.4.0', 'certifi@2024.7.4', 'idna@3.7', 'iniconfig@2.0.0', 'pytest@8.3.2', 'sniffio@1.3.1']);
  // idna is both a dev dependency and a dependency of anyio: not dev
  assert.deepEqual(devIds(r.pkgs), ['iniconfig@2.0.0', 'pytest@8.3.2']);
  assert.deepEqual(r.warnings, []);
});

test('Pipfile.lock: default and develop, VCS/path entries counted', async () => {
  const r = await runOn(pythonLockfileAnalyzer, '/app/Pipfile.lock', readFileSync(join(TD, 'Pipfile.lock')));
  assert.deepEqual(r.ids, ['Flake8@7.1.0', 'certifi@2024.7.4', 'pytest@8.3.2', 'requests@2.32.3']);
  assert.deepEqual(devIds(r.pkgs), ['Flake8@7.1.0', 'pytest@8.3.2']);
  assert.equal(r.pkgs[0]!.purl, 'pkg:pypi/flake8@7.1.0');
  assert.match(r.warnings[0]!, /2 entries without a pinned version/);
  const inv = await runOn(pythonLockfileAnalyzer, '/app/Pipfile.lock', '{"default": {"a": {"version": "==1"}');
  assert.match(inv.warnings[0]!, /invalid JSON/);
});

test('snyk poetry image: poetry.lock in /app', async (t) => {
  const image = sharedOrSkip(t, 'fixtures/third-party/images/snyk/docker-archives/docker-save/poetry.tar');
  if (!image) return;
  const files = await extractImageFiles(image, (p) => isPythonLockfile(p));
  assert.deepEqual(files.map((f) => f.path), ['/app/poetry.lock']);
  const r = await runOn(pythonLockfileAnalyzer, files[0]!.path, files[0]!.content);
  assert.deepEqual(r.ids, [
    'click@8.1.3',
    'colorama@0.4.5',
    'flask@2.2.0',
    'importlib-metadata@4.12.0',
    'isodd@0.1.2',
    'itsdangerous@2.1.2',
    'jinja2@3.1.2',
    'markupsafe@2.1.1',
    'rpc.py@0.4.2',
    'six@1.16.0',
    'typing-extensions@3.10.0.2',
    'werkzeug@2.2.1',
    'zipp@3.8.1',
  ]);
  assert.deepEqual(devIds(r.pkgs), ['isodd@0.1.2']);
  assert.equal(r.pkgs.find((p) => p.name === 'rpc.py')!.purl, 'pkg:pypi/rpc-py@0.4.2');
});
