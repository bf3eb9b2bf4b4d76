import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageMatchesAny, normaliseImageName, normaliseImagePattern, parseImageRef } from './imageref.js';

const D = 'sha256:' + 'a'.repeat(64);

test('normaliseImageName: Docker Hub, registries with dots/ports, localhost', () => {
  const cases: [string, string][] = [
    ['alpine', 'docker.io/library/alpine'],
    ['library/alpine', 'docker.io/library/alpine'],
    ['bitnami/redis', 'docker.io/bitnami/redis'],
    ['docker.io/alpine', 'docker.io/library/alpine'],
    ['index.docker.io/library/alpine', 'docker.io/library/alpine'],
    ['registry-1.docker.io/bitnami/redis', 'docker.io/bitnami/redis'],
    ['registry.example.com/shop/orders-api', 'registry.example.com/shop/orders-api'],
    ['localhost/app', 'localhost/app'],
    ['myreg:5000/app', 'myreg:5000/app'],
    ['ghcr.io/org/team/app', 'ghcr.io/org/team/app'],
  ];
  for (const [i, o] of cases) assert.equal(normaliseImageName(i), o, i);
});

test('parseImageRef: tags, digests, ports, malformed input', () => {
  assert.deepEqual(parseImageRef('alpine:3.19'), { name: 'docker.io/library/alpine', tag: '3.19', digest: undefined });
  assert.deepEqual(parseImageRef(`myreg:5000/app@${D}`), { name: 'myreg:5000/app', tag: undefined, digest: D });
  assert.deepEqual(parseImageRef(`myreg:5000/app:1.0@${D}`), { name: 'myreg:5000/app', tag: '1.0', digest: D });
  assert.deepEqual(parseImageRef(D), { digest: D });
  assert.deepEqual(parseImageRef(`@${D}`), { digest: D });
  assert.deepEqual(parseImageRef(D.toUpperCase().replace('SHA256', 'sha256')), { digest: D }, 'digests compare lower-case');
  for (const bad of ['', '  ', 'a b', 'app@notadigest', 'app:bad tag', '/abs', 'a//b', 'app:', 'app:-x']) {
    assert.equal(parseImageRef(bad), undefined, JSON.stringify(bad));
  }
});

test('patterns normalise like names, wildcard-led patterns stay as they are', () => {
  assert.equal(normaliseImagePattern('alpine:3.19*'), 'docker.io/library/alpine:3.19*');
  assert.equal(normaliseImagePattern('registry.example.com/shop/**'), 'registry.example.com/shop/**');
  assert.equal(normaliseImagePattern('**/orders-api'), '**/orders-api');
});

test('imageMatchesAny: anchored over name, name:tag and name@digest', () => {
  const img = { name: 'registry.example.com/shop/orders-api', tag: '1.4.2', digest: D };
  assert.ok(imageMatchesAny(['registry.example.com/shop/**'], img));
  assert.ok(imageMatchesAny(['registry.example.com/shop/orders-api'], img));
  assert.ok(imageMatchesAny(['registry.example.com/shop/orders-api:1.*'], img));
  assert.ok(imageMatchesAny([`registry.example.com/shop/orders-api@${D}`], img));
  assert.ok(!imageMatchesAny(['registry.example.com/shop/orders-api:2.*'], img));
  assert.ok(!imageMatchesAny(['orders-api'], img));
  assert.ok(!imageMatchesAny(['registry.example.com/shop/orders'], img), 'no prefix match');
  assert.ok(!imageMatchesAny(['registry.example.com/shop/*'], { name: 'registry.example.com/shop/team/x', tag: '1' }), '* does not cross /');
  const evil = { name: 'registry.example.com/shop/evil-orders-api', tag: '1' };
  assert.ok(!imageMatchesAny(['registry.example.com/shop/orders-api*'], evil));
  assert.ok(!imageMatchesAny(['*/orders-api'], evil));
  assert.ok(!imageMatchesAny(['x'], {}), 'an unnamed image matches no pattern');
});

test('parseImageRef follows the Docker reference grammar of src/source/ref.ts', () => {
  for (const bad of ['UPPER/case', 'alpine@sha256:xyz', `app@sha256:${'a'.repeat(31)}`, '-x', '../etc', `@sha256:${'g'.repeat(64)}`]) {
    assert.equal(parseImageRef(bad), undefined, JSON.stringify(bad));
  }
  assert.deepEqual(parseImageRef(`[::1]:5000/app:2@${D}`), { name: '[::1]:5000/app', tag: '2', digest: D });
  assert.deepEqual(parseImageRef('index.docker.io/alpine'), { name: 'docker.io/library/alpine', tag: undefined, digest: undefined });
});

test('one normaliser: policy names and source references normalise identically (source/ref.ts splitRepository)', async () => {
  const { normaliseImageName: sourceNormalise } = await import('../source/ref.js');
  for (const n of ['alpine', 'library/alpine', 'shop/orders-api', 'docker.io/alpine', 'index.docker.io/library/alpine', 'registry-1.docker.io/x/y', 'ghcr.io/org/app', 'localhost/app', 'localhost:5000/team/app', 'registry.example.com:443/a/b/c', '[::1]:5000/app']) {
    assert.equal(normaliseImageName(n), sourceNormalise(n).name, n);
    assert.deepEqual(parseImageRef(`${n}:1.2@sha256:${'a'.repeat(64)}`), { ...sourceNormalise(`${n}:1.2@sha256:${'a'.repeat(64)}`) }, n);
  }
});
