// The lookup keys per ecosystem: which name and which version an advisory is looked up and compared by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OsInfo } from '../core/types.js';
import { goToolchainVersion, languageEcosystem, matchKeys } from './keys.js';
import { pkg } from './testutil.js';

const debian: OsInfo = { family: 'debian', name: 'Debian GNU/Linux', versionId: '12', codename: 'bookworm', source: '/etc/os-release' };
const alpine: OsInfo = { family: 'alpine', name: 'Alpine Linux', versionId: '3.10.4', source: '/etc/os-release' };
const alma: OsInfo = { family: 'almalinux', name: 'AlmaLinux', versionId: '9.4', source: '/etc/os-release' };

test('deb: the source package and the source version (binNMU +b1 dropped with the binary version)', () => {
  const p = pkg({ type: 'deb', name: 'libssh2-1', version: '1.10.0-3+b1', source: { name: 'libssh2', version: '1.10.0-3' } });
  assert.deepEqual(matchKeys(p, debian), { ecosystem: 'Debian:12', keys: [{ ecosystem: 'Debian:12', name: 'libssh2', version: '1.10.0-3', via: 'source' }] });
  // no Source: field (source = binary): the binary name and version
  const bash = pkg({ type: 'deb', name: 'bash', version: '5.2.15-2+b13' });
  assert.deepEqual(matchKeys(bash, debian).keys, [{ ecosystem: 'Debian:12', name: 'bash', version: '5.2.15-2+b13', via: 'binary' }]);
  // no OS: no ecosystem (the caller reports a gap)
  assert.deepEqual(matchKeys(p, undefined), { keys: [] });
});

test('apk: the origin package, the package version, the branch of the release', () => {
  const p = pkg({ type: 'apk', name: 'libcrypto1.1', version: '1.1.1d-r2', source: { name: 'openssl', version: '1.1.1d-r2' } });
  assert.deepEqual(matchKeys(p, alpine).keys, [{ ecosystem: 'Alpine:v3.10', name: 'openssl', version: '1.1.1d-r2', via: 'source' }]);
});

test('rpm: binary name first, then the source RPM name; epoch prefixed when non-zero', () => {
  const p = pkg({ type: 'rpm', name: 'openssl-libs', version: '3.0.7-27.el9', epoch: 1, source: { name: 'openssl', version: '3.0.7-27.el9' } });
  assert.deepEqual(matchKeys(p, alma).keys, [
    { ecosystem: 'AlmaLinux:9', name: 'openssl-libs', version: '1:3.0.7-27.el9', via: 'binary' },
    { ecosystem: 'AlmaLinux:9', name: 'openssl', version: '1:3.0.7-27.el9', via: 'source' },
  ]);
  const zero = pkg({ type: 'rpm', name: 'bash', version: '5.1.8-9.el9', epoch: 0, source: { name: 'bash', version: '5.1.8-9.el9' } });
  assert.deepEqual(matchKeys(zero, alma).keys, [{ ecosystem: 'AlmaLinux:9', name: 'bash', version: '5.1.8-9.el9', via: 'binary' }]);
});

test('language packages: own ecosystem and name; Go stdlib by toolchain version', () => {
  assert.deepEqual(matchKeys(pkg({ type: 'golang', name: 'stdlib', version: 'go1.15.2' }), undefined).keys, [{ ecosystem: 'Go', name: 'stdlib', version: '1.15.2', via: 'package' }]);
  assert.equal(goToolchainVersion('go1.22rc1'), '1.22rc1');
  assert.equal(goToolchainVersion('1.19.8'), '1.19.8');
  // module versions keep their "v" (the Go scheme reads both)
  assert.equal(matchKeys(pkg({ type: 'golang', name: 'golang.org/x/net', version: 'v0.7.0' }), undefined).keys[0]?.version, 'v0.7.0');
  assert.equal(matchKeys(pkg({ type: 'npm', name: '@babel/traverse', namespace: '@babel', version: '7.23.1' }), undefined).keys[0]?.name, '@babel/traverse');
  assert.equal(matchKeys(pkg({ type: 'maven', name: 'org.apache.logging.log4j:log4j-core', namespace: 'org.apache.logging.log4j', version: '2.14.1' }), undefined).keys[0]?.name, 'org.apache.logging.log4j:log4j-core');
  assert.deepEqual(
    ['npm', 'pypi', 'golang', 'maven', 'gem', 'cargo', 'composer', 'nuget', 'deb'].map(languageEcosystem),
    ['npm', 'PyPI', 'Go', 'Maven', 'RubyGems', 'crates.io', 'Packagist', 'NuGet', undefined],
  );
});

test('Ubuntu: the LTS ecosystem name OSV uses, source package and version', () => {
  const jammy: OsInfo = { family: 'ubuntu', name: 'Ubuntu', versionId: '22.04', version: '22.04.4 LTS (Jammy Jellyfish)', codename: 'jammy', source: '/etc/os-release' };
  const p = pkg({ type: 'deb', name: 'libssl3', version: '3.0.2-0ubuntu1.15', source: { name: 'openssl', version: '3.0.2-0ubuntu1.15' } });
  assert.deepEqual(matchKeys(p, jammy).keys, [{ ecosystem: 'Ubuntu:22.04:LTS', name: 'openssl', version: '3.0.2-0ubuntu1.15', via: 'source' }]);
  assert.equal(matchKeys(p, { ...jammy, versionId: '23.10', version: '23.10 (Mantic Minotaur)' }).ecosystem, 'Ubuntu:23.10');
});
