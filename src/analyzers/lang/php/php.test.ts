import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sharedOrSkip } from '../../../core/shared.js';
import { runOn } from '../testimage.js';
import { composerInstalledAnalyzer, composerLockfileAnalyzer, normaliseComposerVersion } from './index.js';

const TD = join(import.meta.dirname, 'testdata');
const e = { path: '', type: 'file' as const, size: 1, mode: 0o644 };

test('composer: required()', () => {
  assert.ok(composerLockfileAnalyzer.required('/var/www/composer.lock', e));
  assert.ok(!composerLockfileAnalyzer.required('/var/www/vendor/x/y/composer.lock', e));
  assert.ok(composerInstalledAnalyzer.required('/var/www/vendor/composer/installed.json', e));
  assert.ok(!composerInstalledAnalyzer.required('/var/www/vendor/composer/installed.php', e));
  assert.ok(!composerInstalledAnalyzer.required('/var/www/installed.json', e));
});

test('composer: version normalisation (leading v, as Trivy)', () => {
  assert.equal(normaliseComposerVersion('v1.27.0'), '1.27.0');
  assert.equal(normaliseComposerVersion('V2.0'), '2.0');
  assert.equal(normaliseComposerVersion('1.0.0'), '1.0.0');
  assert.equal(normaliseComposerVersion('dev-main'), 'dev-main');
  assert.equal(normaliseComposerVersion('vendor'), 'vendor');
});

test('composer.lock: third-party happy lockfile', async (t) => {
  const p = sharedOrSkip(t, 'fixtures/third-party/packages/lockfiles/php/composer/composer_happy.lock');
  if (!p) return;
  const r = await runOn(composerLockfileAnalyzer, '/var/www/composer.lock', readFileSync(p));
  assert.deepEqual(r.warnings, []);
  assert.deepEqual(
    r.pkgs.map((x) => `${x.purl}${x.dev ? ' dev' : ''} ${x.licenses.join('|')}`),
    [
      'pkg:composer/guzzlehttp/guzzle@6.5.8 MIT',
      'pkg:composer/guzzlehttp/promises@1.5.2 MIT',
      'pkg:composer/guzzlehttp/psr7@1.9.0 MIT',
      'pkg:composer/pear/log@1.13.3 dev MIT',
      'pkg:composer/pear/pear_exception@1.0.2 dev BSD-2-Clause',
      'pkg:composer/psr/http-message@1.0.1 MIT',
      'pkg:composer/ralouphie/getallheaders@3.0.3 MIT',
      'pkg:composer/symfony/polyfill-intl-idn@1.27.0 MIT',
      'pkg:composer/symfony/polyfill-intl-normalizer@1.27.0 MIT',
      'pkg:composer/symfony/polyfill-php72@1.27.0 MIT or BSD-2-Clause',
    ],
  );
  const sym = r.pkgs.find((x) => x.name === 'symfony/polyfill-php72')!;
  assert.equal(sym.version, '1.27.0');
  assert.equal(sym.metadata!.declaredVersion, 'v1.27.0');
  assert.equal(sym.foundBy, 'composer-lockfile');
  assert.equal(sym.confidence, 'medium');
  assert.equal(sym.type, 'composer');
});

test('installed.json: Composer 2 with dev-package-names, Composer 1 array', async () => {
  const v2 = await runOn(composerInstalledAnalyzer, '/app/vendor/composer/installed.json', readFileSync(join(TD, 'installed-v2.json')));
  // sorted by name as written ("Symfony/Console" first); the purl is lower-cased
  assert.deepEqual(v2.pkgs.map((x) => `${x.purl}${x.dev ? ' dev' : ''}`), [
    'pkg:composer/symfony/console@6.4.1',
    'pkg:composer/monolog/monolog@3.5.0',
    'pkg:composer/phpunit/phpunit@10.5.2 dev',
    'pkg:composer/psr/log@3.0.0',
  ]);
  assert.equal(v2.pkgs[0]!.name, 'Symfony/Console');
  assert.equal(v2.pkgs[0]!.foundBy, 'composer-installed');
  assert.equal(v2.pkgs[0]!.confidence, 'high');
  const v1 = await runOn(composerInstalledAnalyzer, '/app/vendor/composer/installed.json', readFileSync(join(TD, 'installed-v1.json')));
  assert.deepEqual(v1.ids, ['laravel/framework@dev-master', 'monolog/monolog@1.0.0']);
  assert.equal(v1.pkgs[1]!.purl, 'pkg:composer/monolog/monolog@1.0.0');
  assert.match(v1.warnings[0]!, /2 packages without a valid name/);
});

test('composer: invalid, hostile, BOM', async () => {
  const bad = await runOn(composerLockfileAnalyzer, '/a/composer.lock', '{"packages": [');
  assert.match(bad.warnings[0]!, /invalid JSON/);
  const notLock = await runOn(composerLockfileAnalyzer, '/a/composer.lock', '{"content-hash": "x"}');
  assert.match(notLock.warnings[0]!, /not a composer.lock/);
  const notInst = await runOn(composerInstalledAnalyzer, '/a/vendor/composer/installed.json', '42');
  assert.match(notInst.warnings[0]!, /not a Composer installed.json/);
  const weird = await runOn(
    composerLockfileAnalyzer,
    '/a/composer.lock',
    '\ufeff' + JSON.stringify({ packages: [{ name: '../../x/y', version: '1' }, { name: 'a/b', version: 'v 1' }, { name: 'a/b', version: 1 }, 'str', null, { name: 'c/d', version: '2.0.0', license: [1, 'MIT'] }] }),
  );
  assert.deepEqual(weird.ids, ['c/d@2.0.0']);
  assert.deepEqual(weird.pkgs[0]!.licenses, ['MIT']);
  assert.match(weird.warnings[0]!, /5 packages/);
  // names built to make a backtracking regex explode are rejected in linear time
  const redos = await runOn(composerLockfileAnalyzer, '/a/composer.lock', JSON.stringify({ packages: [{ name: 'a'.repeat(200) + '!/b', version: '1' }, { name: 'a/' + 'b'.repeat(100_000) + '!', version: '1' }, { name: 'symfony/polyfill--php72', version: '1' }] }));
  assert.deepEqual(redos.ids, ['symfony/polyfill--php72@1']);
});
