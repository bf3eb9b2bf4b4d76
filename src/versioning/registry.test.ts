import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ECOSYSTEMS, schemeForEcosystem, schemes } from './registry.js';

const here = dirname(fileURLToPath(import.meta.url));
const folders = readdirSync(here).filter((n) => statSync(join(here, n)).isDirectory()).sort();

test('registry: every folder under src/versioning is a registered scheme, and every scheme has a folder', () => {
  assert.deepEqual(folders, Object.keys(schemes).sort());
});

test('registry: every scheme exports <id>Scheme from its folder, has tests and a README', async () => {
  for (const [id, scheme] of Object.entries(schemes)) {
    assert.equal(scheme.id, id);
    const mod = (await import(pathToFileURL(join(here, id, 'index.ts')).href)) as Record<string, unknown>;
    assert.equal(mod[`${id}Scheme`], scheme, `${id}/index.ts exports ${id}Scheme`);
    assert.ok(existsSync(join(here, id, 'index.test.ts')), `${id}/index.test.ts exists`);
    assert.ok(existsSync(join(here, id, 'README.md')), `${id}/README.md exists`);
  }
});

test('registry: every ecosystem maps to a registered scheme', () => {
  for (const [eco, id] of Object.entries(ECOSYSTEMS)) assert.ok(schemes[id], `${eco} → ${id}`);
});

test('registry: OSV ecosystem names, with and without suffixes', () => {
  const cases: [string, string | undefined][] = [
    ['Debian:12', 'deb'], ['Debian', 'deb'], ['Ubuntu:22.04', 'deb'], ['Ubuntu:Pro:22.04:LTS', 'deb'],
    ['Alpine:v3.19', 'apk'], ['Wolfi', 'apk'], ['Chainguard', 'apk'],
    ['AlmaLinux:9', 'rpm'], ['Red Hat:enterprise_linux:9::appstream', 'rpm'], ['Rocky Linux:8', 'rpm'], ['SUSE:Linux Enterprise Server 15 SP5', 'rpm'],
    ['openSUSE:Leap 15.5', 'rpm'], ['Photon OS:5.0', 'rpm'], ['Mageia:9', 'rpm'], ['Oracle', 'rpm'],
    ['npm', 'semver'], ['PyPI', 'pep440'], ['Maven', 'maven'], ['Go', 'go'], ['RubyGems', 'gem'], ['NuGet', 'nuget'],
    ['Packagist', 'composer'], ['crates.io', 'cargo'],
    ['GIT', undefined], ['Linux', undefined], ['Hackage', undefined], ['CRAN', undefined], ['Pub', undefined],
    ['debian:12', undefined], ['', undefined], [':', undefined], ['constructor', undefined], ['__proto__', undefined], ['toString', undefined],
  ];
  for (const [eco, id] of cases) assert.equal(schemeForEcosystem(eco)?.id, id, JSON.stringify(eco));
});

test('registry: every scheme survives hostile input without throwing', () => {
  const hostile = ['', '\u0000', 'x'.repeat(100_000), '9'.repeat(100_000), '.'.repeat(100_000), '-'.repeat(10_000) + '1', '\uD800', '1.0\u202E'];
  for (const s of Object.values(schemes)) {
    for (const h of hostile) {
      assert.doesNotThrow(() => s.isValid(h));
      assert.doesNotThrow(() => s.compare(h, '1.0'));
      // nothing longer than MAX_VERSION_LENGTH is a version
      if (h.length > 256) assert.equal(s.compare(h, h), undefined, `${s.id} refuses ${h.length} chars`);
    }
    assert.equal(s.isValid(undefined as unknown as string), false, `${s.id}: undefined`);
    assert.equal(s.isValid(12 as unknown as string), false, `${s.id}: number`);
  }
});
