import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { sharedOrSkip } from '../../../core/shared.js';
import { extractImageFiles, runOn } from '../testimage.js';
import { gemInstalledAnalyzer, gemLockfileAnalyzer, isInstalledGemspec, parseGemspec, splitPlatform } from './index.js';

const FIX = 'fixtures/third-party/packages/lockfiles/ruby';
const SPEC = '/usr/local/bundle/specifications';

test('ruby: required()', () => {
  const e = { path: '', type: 'file' as const, size: 1, mode: 0o644 };
  assert.ok(isInstalledGemspec('/usr/local/bundle/specifications/rake-13.0.3.gemspec'));
  assert.ok(isInstalledGemspec('/usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec'));
  assert.ok(!isInstalledGemspec('/app/rake.gemspec'));
  assert.ok(!isInstalledGemspec('/usr/local/bundle/specifications/rake.gemspec.bak'));
  assert.ok(gemLockfileAnalyzer.required('/app/Gemfile.lock', e));
  assert.ok(gemLockfileAnalyzer.required('/app/gems.locked', e));
  assert.ok(!gemLockfileAnalyzer.required('/app/Gemfile', e));
  assert.ok(!gemLockfileAnalyzer.required('/usr/local/bundle/gems/rack-3.0.8/Gemfile.lock', e));
  assert.ok(!gemLockfileAnalyzer.required('/usr/lib/ruby/gems/3.1.0/gems/json-2.6.1/Gemfile.lock', e));
  assert.ok(gemLockfileAnalyzer.required('/srv/gems/app/Gemfile.lock', e));
});

test('gemspec: third-party fixtures', async (t) => {
  const cases: [string, string[] | RegExp][] = [
    ['license.gemspec', ['async@1.25.0 pkg:gem/async@1.25.0 MIT']],
    ['multiple_licenses.gemspec', ['test-unit@3.3.7 pkg:gem/test-unit@3.3.7 Ruby|BSDL|PSFL']],
    ['normal00.gemspec', ['rake@13.0.3 pkg:gem/rake@13.0.3 MIT']],
    ['normal01.gemspec', ['async@1.25.0 pkg:gem/async@1.25.0 MIT']],
    // assigns `s.` inside `|spec|`: not the spec object
    ['malformed00.gemspec', /no literal name\/version/],
    // no version
    ['malformed01.gemspec', /no literal name\/version/],
  ];
  for (const [f, want] of cases) {
    const p = sharedOrSkip(t, `${FIX}/gemspec/${f}`);
    if (!p) return;
    const r = await runOn(gemInstalledAnalyzer, `${SPEC}/${f}`, readFileSync(p));
    if (want instanceof RegExp) {
      assert.deepEqual(r.pkgs, [], f);
      assert.match(r.warnings[0]!, want, f);
    } else {
      assert.deepEqual(r.pkgs.map((x) => `${x.name}@${x.version} ${x.purl} ${x.licenses.join('|')}`), want, f);
      assert.equal(r.pkgs[0]!.foundBy, 'gem-installed');
      assert.deepEqual(r.warnings, []);
    }
  }
});

test('gemspec: Ruby code tricks are not evaluated or trusted', () => {
  const tricks = [
    'Gem::Specification.new do |s|\n  s.name = "x#{`id`}"\n  s.version = "1.0"\nend',
    'Gem::Specification.new do |s|\n  s.name = File.read("/etc/passwd")\n  s.version = "1.0"\nend',
    'Gem::Specification.new do |s|\n  s.name = "x"; system("rm -rf /")\n  s.version = "1.0"\nend',
    'Gem::Specification.new do |s|\n  s.name = "x" + "y"\n  s.version = "1.0"\nend',
    'Gem::Specification.new do |s|\n  s.name = "unterminated\n  s.version = "1.0"\nend',
    '# s.name = "x"\n# s.version = "1"\n',
  ];
  for (const src of tricks) {
    const g = parseGemspec(src);
    assert.ok(g.name === undefined || g.version === undefined, src);
  }
  const ok = parseGemspec(
    "\ufeff# -*- encoding: utf-8 -*-\r\nGem::Specification.new do |s|\r\n  s.name = 'nokogiri'.freeze\r\n  s.version = Gem::Version.new(\"1.15.4\")\r\n  s.license = \"MIT\".freeze\r\n  s.licenses = ['MIT', \"Apache-2.0\".freeze] # two\r\n  s.rubygems_version = \"3.4.10\".freeze if s.respond_to? :rubygems_version=\r\nend\r\n",
  );
  assert.deepEqual(ok, { name: 'nokogiri', version: '1.15.4', licenses: ['MIT', 'MIT', 'Apache-2.0'] });
});

test('gemspec: analyzer rejects invalid names/versions and oversized files', async () => {
  const bad = await runOn(gemInstalledAnalyzer, `${SPEC}/x.gemspec`, 'Gem::Specification.new do |s|\n  s.name = "../../etc"\n  s.version = "1.0"\nend\n');
  assert.deepEqual(bad.pkgs, []);
  assert.match(bad.warnings[0]!, /invalid gem name/);
  const lic = await runOn(gemInstalledAnalyzer, `${SPEC}/x.gemspec`, 'Gem::Specification.new do |s|\n  s.name = "x"\n  s.version = "1.0.0.pre"\n  s.license = "MIT"\n  s.licenses = ["MIT"]\nend\n');
  assert.deepEqual(lic.pkgs[0]!.licenses, ['MIT']);
  assert.equal(lic.pkgs[0]!.version, '1.0.0.pre');
  const big = await runOn(gemInstalledAnalyzer, `${SPEC}/x.gemspec`, Buffer.alloc(5 * 1024 * 1024, 0x23));
  assert.match(big.warnings[0]!, /limit/);
});

test('Gemfile.lock: third-party fixtures', async (t) => {
  const n = sharedOrSkip(t, `${FIX}/bundler/Gemfile_normal.lock`);
  if (!n) return;
  const normal = await runOn(gemLockfileAnalyzer, '/app/Gemfile.lock', readFileSync(n));
  assert.deepEqual(normal.ids, ['coderay@1.1.2', 'concurrent-ruby@1.1.5', 'dotenv@2.7.2', 'faker@1.9.3', 'i18n@1.6.0', 'method_source@0.9.2', 'pry@0.12.2']);
  assert.deepEqual(normal.warnings, []);
  assert.equal(normal.pkgs[0]!.purl, 'pkg:gem/coderay@1.1.2');
  assert.equal(normal.pkgs[0]!.foundBy, 'gem-lockfile');
  assert.equal(normal.pkgs[0]!.confidence, 'medium');
  const b2 = await runOn(gemLockfileAnalyzer, '/app/Gemfile.lock', readFileSync(sharedOrSkip(t, `${FIX}/bundler/Gemfile_bundler2.lock`)!));
  assert.deepEqual(b2.ids, ['coderay@1.1.3', 'concurrent-ruby@1.1.10', 'dotenv@2.7.6', 'faker@2.21.0', 'i18n@1.10.0', 'json@2.6.2', 'method_source@1.0.0', 'pry@0.14.1']);
  const mal = await runOn(gemLockfileAnalyzer, '/app/Gemfile.lock', readFileSync(sharedOrSkip(t, `${FIX}/bundler/Gemfile_malformed.lock`)!));
  assert.deepEqual(mal.pkgs, []);
  assert.equal(mal.warnings.length, 0); // "malformed" is one section header without specs
});

test('Gemfile.lock: platforms, GIT and PATH sections, CRLF, junk', async () => {
  const text = [
    'GIT',
    '  remote: https://github.com/rails/rails.git',
    '  revision: abc',
    '  specs:',
    '    rails (7.1.0.alpha)',
    '      actionpack (= 7.1.0.alpha)',
    '',
    'PATH',
    '  remote: .',
    '  specs:',
    '    myapp (0.1.0)',
    '',
    'GEM',
    '  remote: https://rubygems.org/',
    '  specs:',
    '    nokogiri (1.15.4-x86_64-linux)',
    '      racc (~> 1.4)',
    '    nokogiri (1.15.4-arm64-darwin)',
    '    racc (1.7.1)',
    '    bad line here',
    '    ../evil (1.0)',
    '',
    'PLATFORMS',
    '  arm64-darwin',
    '  x86_64-linux',
    '',
    'DEPENDENCIES',
    '  nokogiri',
    '  rails!',
    '',
  ].join('\r\n');
  const r = await runOn(gemLockfileAnalyzer, '/app/Gemfile.lock', text);
  assert.deepEqual(r.ids, ['nokogiri@1.15.4', 'racc@1.7.1', 'rails@7.1.0.alpha']);
  assert.equal(r.pkgs.find((p) => p.name === 'nokogiri')!.metadata!.platform, 'x86_64-linux');
  assert.equal(r.pkgs.find((p) => p.name === 'rails')!.metadata!.source, 'git');
  assert.match(r.warnings[0]!, /2 spec lines/);
  assert.deepEqual(splitPlatform('1.1.101-java'), { version: '1.1.101', platform: 'java' });
  const junk = await runOn(gemLockfileAnalyzer, '/app/Gemfile.lock', '    \u0000\u0001 (x)\n\n');
  assert.deepEqual(junk.pkgs, []);
  assert.match(junk.warnings[0]!, /not a Gemfile.lock/);
});

test('snyk gemfile image: Gemfile.lock at the root (246 gems)', async (t) => {
  const image = sharedOrSkip(t, 'fixtures/third-party/images/snyk/docker-archives/docker-save/gemfile.tar');
  if (!image) return;
  const files = await extractImageFiles(image, (p) => gemLockfileAnalyzer.required(p, { path: p, type: 'file', size: 0, mode: 0 }) || isInstalledGemspec(p));
  assert.deepEqual(files.map((f) => f.path), ['/Gemfile.lock']);
  const r = await runOn(gemLockfileAnalyzer, files[0]!.path, files[0]!.content);
  assert.equal(r.pkgs.length, 246);
  assert.deepEqual(r.warnings, []);
  for (const id of ['addressable@2.8.0', 'atomic@1.1.101', 'aws-sdk@2.11.632', 'coderay@1.1.3']) assert.ok(r.ids.includes(id), id);
  // logstash-core comes from a PATH section: local code, not a published gem
  assert.ok(!r.ids.some((i) => i.startsWith('logstash-core@')));
  assert.equal(r.pkgs.find((p) => p.name === 'atomic')!.metadata!.platform, 'java');
});
