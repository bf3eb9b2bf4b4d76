import { test } from 'node:test';
import assert from 'node:assert/strict';
import { baseEcosystem, normalisePackageName, packageKey } from './normalise.js';

test('name normalisation per ecosystem', () => {
  assert.equal(normalisePackageName('PyPI', 'Foo_Bar.baz'), 'foo-bar-baz'); // PEP 503
  assert.equal(normalisePackageName('PyPI', 'requests'), 'requests');
  assert.equal(normalisePackageName('npm', 'JSONStream'), 'jsonstream');
  assert.equal(normalisePackageName('npm', '@Scope/Pkg'), '@scope/pkg');
  assert.equal(normalisePackageName('Go', 'github.com/BurntSushi/toml'), 'github.com/BurntSushi/toml'); // case-sensitive
  assert.equal(normalisePackageName('Maven', 'org.apache.logging.log4j:log4j-core'), 'org.apache.logging.log4j:log4j-core');
  assert.equal(normalisePackageName('Debian:12', 'LibSSL3'), 'libssl3');
  assert.equal(normalisePackageName('Alpine:v3.19', 'OpenSSL'), 'openssl');
  assert.equal(normalisePackageName('AlmaLinux:9', 'NetworkManager'), 'NetworkManager'); // rpm names are case-sensitive
  assert.equal(normalisePackageName('crates.io', 'Serde_JSON'), 'serde-json');
  assert.equal(normalisePackageName('NuGet', 'Newtonsoft.Json'), 'newtonsoft.json');
  assert.equal(normalisePackageName('npm', '  lodash '), 'lodash');
});

test('ecosystem helpers', () => {
  assert.equal(baseEcosystem('Debian:12'), 'Debian');
  assert.equal(baseEcosystem('npm'), 'npm');
  assert.equal(packageKey('PyPI', 'Django'), 'PyPI\u0000django');
});
