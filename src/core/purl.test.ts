import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPurl, parsePurl, purlQualifiers } from './purl.js';

test('deb purl encodes + and sorts qualifiers', () => {
  assert.equal(
    buildPurl({ type: 'deb', namespace: 'debian', name: 'curl', version: '7.88.1-10+deb12u15', qualifiers: { distro: 'debian-12', arch: 'amd64' } }),
    'pkg:deb/debian/curl@7.88.1-10%2Bdeb12u15?arch=amd64&distro=debian-12',
  );
});

test('npm scope is encoded, pypi name normalised, epoch in rpm qualifier', () => {
  assert.equal(buildPurl({ type: 'npm', namespace: '@babel', name: 'core', version: '7.0.0' }), 'pkg:npm/%40babel/core@7.0.0');
  assert.equal(buildPurl({ type: 'pypi', name: 'Charset_Normalizer', version: '3.0.1' }), 'pkg:pypi/charset-normalizer@3.0.1');
  assert.equal(
    buildPurl({ type: 'rpm', namespace: 'almalinux', name: 'openssl-libs', version: '3.0.7-27.el9', qualifiers: { epoch: '1', arch: 'x86_64' } }),
    'pkg:rpm/almalinux/openssl-libs@3.0.7-27.el9?arch=x86_64&epoch=1',
  );
  assert.equal(buildPurl({ type: 'golang', namespace: 'github.com/tianon', name: 'gosu', version: 'v1.14' }), 'pkg:golang/github.com/tianon/gosu@v1.14');
});

test('parse round-trips', () => {
  const p = parsePurl('pkg:deb/debian/curl@7.88.1-10%2Bdeb12u15?arch=amd64&distro=debian-12');
  assert.equal(p.name, 'curl');
  assert.equal(p.version, '7.88.1-10+deb12u15');
  assert.equal(p.qualifiers?.distro, 'debian-12');
  assert.throws(() => parsePurl('not a purl'));
});

test('purlQualifiers reads what buildPurl wrote, and what parsePurl reads', () => {
  const purls = [
    buildPurl({ type: 'deb', namespace: 'debian', name: 'curl', version: '7.88.1-10+deb12u15', qualifiers: { distro: 'debian-12', arch: 'amd64' } }),
    buildPurl({ type: 'rpm', namespace: 'redhat', name: 'a', version: '1', qualifiers: { epoch: '1', arch: 'x86_64', repository_url: 'a&b=c#e é' } }),
    buildPurl({ type: 'apk', namespace: 'alpine', name: 'musl', version: '1.2.4-r2', subpath: 'x/y' }),
    buildPurl({ type: 'apk', namespace: 'alpine', name: 'musl', version: '1.2.4-r2', qualifiers: { arch: 'x86_64' }, subpath: 'x/y' }),
  ];
  for (const p of purls) assert.deepEqual(purlQualifiers(p), parsePurl(p).qualifiers, p);
  assert.equal(purlQualifiers('pkg:deb/debian/a@1?arch'), undefined);
  assert.equal(purlQualifiers('pkg:deb/debian/a@1?arch=%E0%A4%A'), undefined);
});

test('buildPurl keeps the shape of odd namespaces and subpaths', () => {
  assert.equal(buildPurl({ type: 'golang', namespace: '/', name: 'x', version: '1' }), 'pkg:golang//x@1');
  assert.equal(buildPurl({ type: 'golang', namespace: 'a//b/', name: 'x', subpath: '/p//q/' }), 'pkg:golang/a/b/x#p/q');
});
