// Image-config and history checks: each with a positive and a negative case, on image configs as data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageConfig, LayerInfo } from '../../core/types.js';
import { imageChecks, looksSecretName, userChecks } from './image.js';

function cfg(extra: Partial<ImageConfig> = {}): ImageConfig {
  return { env: [], labels: {}, exposedPorts: [], history: [], diffIds: [], healthcheck: { test: ['CMD', 'true'] }, user: '10001', ...extra };
}
const ids = (c: ImageConfig, ann: Record<string, string> = {}, layers: LayerInfo[] = []) => imageChecks(c, layers, ann).map((f) => f.check).sort();

test('root user: unset, root, 0, 0:0 and a name with UID 0 in /etc/passwd; a non-root user passes', () => {
  for (const user of [undefined, '', 'root', '0', '0:0', 'root:root']) {
    assert.deepEqual(userChecks(cfg({ user }), new Map()).map((f) => f.check), ['CIS-DI-0001'], String(user));
  }
  assert.deepEqual(userChecks(cfg({ user: 'toor' }), new Map([['toor', 0]])).map((f) => [f.check, f.path]), [['CIS-DI-0001', '/etc/passwd']]);
  assert.deepEqual(userChecks(cfg({ user: 'app' }), new Map([['app', 1000]])), []);
  assert.deepEqual(userChecks(cfg({ user: '10001' }), undefined), [], 'a numeric USER needs no passwd entry');
});

test('a USER that does not exist in the image', () => {
  const f = userChecks(cfg({ user: 'ghost' }), new Map([['app', 1000]]));
  assert.deepEqual(f.map((x) => [x.check, x.detail]), [['PCL-USER-001', 'USER ghost: /etc/passwd has no such user']]);
  assert.match(userChecks(cfg({ user: 'ghost:ghost' }), undefined)[0]!.detail, /no \/etc\/passwd/);
});

test('HEALTHCHECK missing or NONE; present passes', () => {
  assert.deepEqual(ids(cfg({ healthcheck: undefined })), ['CIS-DI-0006']);
  assert.deepEqual(ids(cfg({ healthcheck: { test: ['NONE'] } })), ['CIS-DI-0006']);
  assert.deepEqual(ids(cfg()), []);
});

test('ports: 22 is SSH, other ports below 1024 are privileged, 8080 passes', () => {
  assert.deepEqual(ids(cfg({ exposedPorts: ['22/tcp', '80/tcp', '8080/tcp', '443/udp'] })), ['PCL-NET-0001', 'PCL-NET-0003', 'PCL-NET-0003']);
  assert.deepEqual(ids(cfg({ exposedPorts: ['8080/tcp', '1024/tcp'] })), []);
});

test('sensitive VOLUMEs', () => {
  assert.deepEqual(ids(cfg({ volumes: ['/proc', '/sys/fs/', '/data'] })), ['DKL-DI-0002', 'DKL-DI-0002']);
  assert.deepEqual(ids(cfg({ volumes: ['/var/lib/data', '/devices'] })), []);
});

test('secrets in ENV by name, never showing the value; references, placeholders and public key ids pass', () => {
  const f = imageChecks(cfg({ env: ['AWS_ACCESS_KEY_ID=AKIAZZZZZZZZZZZZZZZZ', 'DB_PASSWORD=hunter2', 'GITHUB_TOKEN=ghp_x', 'PATH=/usr/bin'] }), [], {});
  assert.deepEqual(f.map((x) => x.check), ['CIS-DI-0010', 'CIS-DI-0010', 'CIS-DI-0010']);
  for (const x of f) assert.ok(!/AKIA|hunter2|ghp_/.test(JSON.stringify(x)), 'no value in the finding');
  assert.deepEqual(ids(cfg({ env: ['DB_PASSWORD_FILE=/run/secrets/db', 'API_TOKEN=', 'SECRET_KEY=${SECRET_KEY}', 'GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D', 'TOKEN_URL=https://x'] })), []);
  assert.ok(looksSecretName('STRIPE_SECRET_KEY') && looksSecretName('PASSWORD') && !looksSecretName('KEYBOARD') && !looksSecretName('MONKEY'));
});

test('history: build args with secret names; apt-get update alone; upgrades; sudo; apk without --no-cache; curl | sh; ADD of a URL', () => {
  const step = (createdBy: string, emptyLayer = false) => ({ createdBy, emptyLayer });
  const c = cfg({
    history: [
      step('/bin/sh -c #(nop) ADD file:abc in / '),
      step('|2 NPM_TOKEN=abc HTTP_PROXY= /bin/sh -c npm ci'),
      step('/bin/sh -c apt-get update'),
      step('/bin/sh -c apt-get update && apt-get install -y curl'),
      step('/bin/sh -c apt-get -y dist-upgrade'),
      step('/bin/sh -c sudo make install'),
      step('/bin/sh -c apk add curl'),
      step('/bin/sh -c apk add --no-cache curl'),
      step('/bin/sh -c curl -fsSL https://get.example.com | sh'),
      step('/bin/sh -c #(nop) ADD https://example.com/tool.tar.gz /opt/'),
      step('/bin/sh -c #(nop)  ENV A=b', true),
    ],
  });
  const layers: LayerInfo[] = Array.from({ length: 10 }, (_, i) => ({ index: i, diffId: `sha256:${String(i).repeat(64)}` }));
  const f = imageChecks(c, layers, {});
  assert.deepEqual(
    f.map((x) => [x.check, x.evidence?.line, x.layer?.index]),
    [
      ['CIS-DI-0010', 1, 1],
      ['CIS-DI-0007', 2, 2],
      ['DKL-DI-0003', 4, 4],
      ['DKL-DI-0001', 5, 5],
      ['DKL-DI-0004', 6, 6],
      ['PCL-DF-0003', 8, 8],
      ['CIS-DI-0009', 9, 9],
    ],
  );
  assert.ok(!JSON.stringify(f).includes('abc '), 'build-arg values are not repeated');
});

test('a declared base on :latest or without a tag; a pinned one passes', () => {
  assert.deepEqual(ids(cfg(), { 'org.opencontainers.image.base.name': 'docker.io/library/debian' }), ['DKL-DI-0006']);
  assert.deepEqual(ids(cfg({ labels: { 'org.opencontainers.image.base.name': 'debian:latest' } })), ['DKL-DI-0006']);
  assert.deepEqual(ids(cfg(), { 'org.opencontainers.image.base.name': 'debian:12-slim' }), []);
});
