import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Finding } from '../core/types.js';
import type { Catalog } from './catalog.js';
import { detectLineage } from './detect.js';
import { attributeOrigin } from './attribute.js';
import { guessInheritedLayers, looksLikeAppStep } from './inherited.js';
import { dig, entry, inv } from './testutil.js';

const [A, B, C, D, X] = ['a', 'b', 'c', 'd', 'x'].map(dig) as [string, string, string, string, string];

function cat(...entries: ReturnType<typeof entry>[]): Catalog {
  return { path: 'cat.yaml', entries };
}

test('layer match: the longest catalog prefix is the nearest base, shorter ones form the chain', () => {
  const c = cat(entry('docker.io/library/debian:12-slim', [A]), entry('docker.io/corp/base:1', [A, B]), entry('docker.io/library/alpine:3', [X]));
  const l = detectLineage(inv({ layers: [A, B, C] }), c);
  assert.equal(l.method, 'layer-match');
  assert.equal(l.confidence, 'high');
  assert.deepEqual(l.chain.map((b) => b.name), ['docker.io/corp/base:1', 'docker.io/library/debian:12-slim']);
  assert.deepEqual(l.chain.map((b) => b.layers), [2, 1]);
  assert.equal(l.baseLayers, 2);
  assert.match(l.detail!, /layers 1-2 of 3 are docker\.io\/corp\/base:1@sha256:.* built on docker\.io\/library\/debian:12-slim/);
  // the image is the base itself: every layer is base
  const self = detectLineage(inv({ layers: [A] }), c);
  assert.equal(self.baseLayers, 1);
  assert.equal(self.chain[0]!.name, 'docker.io/library/debian:12-slim');
});

test('identity from content: layer digests listed by an SBOM are a declaration, never a layer match', () => {
  const c = cat(entry('docker.io/corp/base:1', [A, B]));
  const fromSbom = inv({ layers: [A, B, C] });
  fromSbom.image.ref = { input: 'sbom:/tmp/x.cdx.json', transport: 'sbom', path: '/tmp/x.cdx.json' };
  const l = detectLineage(fromSbom, c);
  assert.equal(l.method, 'declared');
  assert.equal(l.confidence, 'medium');
  assert.equal(l.chain[0]!.name, 'docker.io/corp/base:1');
  assert.match(l.detail!, /claims, not computed/);
  // the same layers read from an image archive are a layer match
  assert.equal(detectLineage(inv({ layers: [A, B, C] }), c).method, 'layer-match');
});

test('hostile: first layer matches but the second differs: a 2-layer base does not match', () => {
  const c = cat(entry('docker.io/corp/base:1', [A, B]));
  const l = detectLineage(inv({ layers: [A, D, C] }), c);
  assert.equal(l.method, 'unknown');
  assert.deepEqual(l.chain, []);
  // with the 1-layer base also catalogued, that one is found instead
  const l2 = detectLineage(inv({ layers: [A, D, C] }), cat(entry('docker.io/corp/base:1', [A, B]), entry('docker.io/library/debian:12', [A])));
  assert.equal(l2.chain.length, 1);
  assert.equal(l2.chain[0]!.name, 'docker.io/library/debian:12');
  // a base longer than the image never matches
  assert.equal(detectLineage(inv({ layers: [A] }), c).method, 'unknown');
  // an image with no layers (an SBOM input) is unknown, no crash
  assert.equal(detectLineage(inv({ layers: [] }), c).method, 'unknown');
});

test('ties (same layers under several names or digests): newest creation time wins, then name', () => {
  const c = cat(
    entry('docker.io/library/debian:12', [A], { created: '2024-01-01T00:00:00Z' }),
    entry('docker.io/library/debian:bookworm', [A], { created: '2024-03-01T00:00:00Z' }),
    entry('docker.io/library/debian:12.5', [A]),
  );
  assert.equal(detectLineage(inv({ layers: [A, B] }), c).chain[0]!.name, 'docker.io/library/debian:bookworm');
  const c2 = cat(entry('docker.io/library/b:1', [A]), entry('docker.io/library/a:1', [A]));
  assert.equal(detectLineage(inv({ layers: [A, B] }), c2).chain[0]!.name, 'docker.io/library/a:1');
  assert.equal(detectLineage(inv({ layers: [A, B] }), c2).chain.length, 1, 'one entry per layer count in the chain');
});

test('declared by annotation, not in the catalog: low confidence, inherited layers from history', () => {
  const l = detectLineage(
    inv({
      layers: [A, B],
      annotations: { 'org.opencontainers.image.base.name': 'ghcr.io/corp/base:2', 'org.opencontainers.image.base.digest': dig('m') },
      history: [
        { createdBy: '/bin/sh -c #(nop) ADD file:0c4555f363c2672e350001f1293e689875a3760afe7b3f9146886afe67121cba in / ', emptyLayer: false },
        { createdBy: 'COPY app /app # buildkit', emptyLayer: false },
      ],
    }),
    cat(entry('docker.io/library/debian:12', [X])),
  );
  assert.equal(l.method, 'declared');
  assert.equal(l.confidence, 'low');
  assert.deepEqual(l.chain, [{ name: 'ghcr.io/corp/base:2', digest: dig('m'), layers: 1 }]);
  assert.equal(l.baseLayers, 1);
  assert.match(l.detail!, /manifest annotation declares ghcr\.io\/corp\/base:2@sha256:[0-9a-f]+: not in the base catalog; layer 2 looks like an application step/);
});

test('declared with a digest of a catalog entry: medium confidence, that entry\'s layer count and chain', () => {
  const base = entry('docker.io/corp/base:1', [A, B], { digest: dig('corp-m'), created: '2024-05-01T00:00:00Z' });
  const deb = entry('docker.io/library/debian:12', [A]);
  // the image was rebuilt with squashed layers, so the layers do not match, but the label names the base by digest
  const l = detectLineage(inv({ layers: [X, C, D], labels: { 'org.opencontainers.image.base.name': `corp/base:1@${dig('corp-m')}` } }), cat(base, deb));
  assert.equal(l.method, 'declared');
  assert.equal(l.confidence, 'medium');
  assert.equal(l.baseLayers, 2);
  assert.deepEqual(l.chain.map((b) => b.name), ['docker.io/corp/base:1', 'docker.io/library/debian:12']);
  assert.equal(l.chain[0]!.created, '2024-05-01T00:00:00Z');
  assert.match(l.detail!, /config label declares/);
  // by name only, the entry must not have more layers than the image
  assert.equal(detectLineage(inv({ layers: [X, C, D], labels: { 'org.opencontainers.image.base.name': 'corp/base:1' } }), cat(base)).confidence, 'medium');
  assert.equal(detectLineage(inv({ layers: [X], labels: { 'org.opencontainers.image.base.name': 'corp/base:1' } }), cat(base)).confidence, 'low');
});

test('layer match beats a declaration, and a disagreeing declaration is noted', () => {
  const l = detectLineage(inv({ layers: [A, B], annotations: { 'org.opencontainers.image.base.name': 'docker.io/library/ubuntu:24.04' } }), cat(entry('docker.io/library/debian:12', [A])));
  assert.equal(l.method, 'layer-match');
  assert.match(l.detail!, /the manifest annotation says docker\.io\/library\/ubuntu:24\.04/);
});

test('Dockerfile FROM: declared; FROM scratch: no base; annotations win over the Dockerfile', () => {
  const l = detectLineage(inv({ layers: [A, B] }), undefined, { dockerfile: 'ARG T=12-slim\nFROM debian:${T}\nCOPY . /app\n' });
  assert.equal(l.method, 'declared');
  assert.equal(l.chain[0]!.name, 'docker.io/library/debian:12-slim');
  assert.match(l.detail!, /Dockerfile line 2 declares/);
  const s = detectLineage(inv({ layers: [A] }), undefined, { dockerfile: 'FROM golang AS b\nFROM scratch\nCOPY --from=b /x /x\n' });
  assert.equal(s.method, 'declared');
  assert.deepEqual(s.chain, []);
  assert.equal(s.baseLayers, 0);
  assert.match(s.detail!, /built FROM scratch \(Dockerfile line 2/);
  const both = detectLineage(inv({ layers: [A], annotations: { 'org.opencontainers.image.base.name': 'alpine:3.19' } }), undefined, { dockerfile: 'FROM debian:12\n' });
  assert.equal(both.chain[0]!.name, 'docker.io/library/alpine:3.19');
  assert.match(both.detail!, /the Dockerfile line 1 says docker\.io\/library\/debian:12/);
});

test('hostile declarations are ignored with a note, never thrown', () => {
  const l = detectLineage(
    inv({ layers: [A], annotations: { 'org.opencontainers.image.base.name': 'NOT a ref!!', 'org.opencontainers.image.base.digest': 'md5:xyz' } }),
    undefined,
    { dockerfile: 'RUN nothing\n' },
  );
  assert.equal(l.method, 'unknown');
  assert.match(l.detail!, /manifest annotation org\.opencontainers\.image\.base\.name ignored/);
  assert.match(l.detail!, /base\.digest ignored/);
  assert.match(l.detail!, /Dockerfile: no FROM instruction/);
  // empty annotations (buildah writes them for FROM scratch builds) mean nothing
  assert.equal(detectLineage(inv({ layers: [A], annotations: { 'org.opencontainers.image.base.name': '', 'org.opencontainers.image.base.digest': '' } }), undefined).method, 'unknown');
  // only a digest that no catalog entry has: we cannot name the base
  const d = detectLineage(inv({ layers: [A], annotations: { 'org.opencontainers.image.base.digest': dig('zzz') } }), undefined);
  assert.equal(d.method, 'unknown');
  assert.match(d.detail!, /gives only a digest/);
  // only a digest that a catalog entry has: named by the catalog
  const e = detectLineage(inv({ layers: [X, C] }), cat(entry('docker.io/library/debian:12', [A], { digest: dig('deb') })), {});
  assert.equal(e.method, 'unknown');
  const f = detectLineage(inv({ layers: [X, C], annotations: { 'org.opencontainers.image.base.digest': dig('deb') } }), cat(entry('docker.io/library/debian:12', [A], { digest: dig('deb') })));
  assert.equal(f.method, 'declared');
  assert.equal(f.chain[0]!.name, 'docker.io/library/debian:12');
  assert.equal(f.confidence, 'medium');
});

test('unknown: inherited layers from a FROM comment, an app step or a time gap', () => {
  const h = (createdBy: string, created?: string, extra: object = {}) => ({ createdBy, created, emptyLayer: false, ...extra });
  // buildah marks the first step of a build with a `FROM` comment
  assert.equal(guessInheritedLayers(inv({ layers: [A, B, C], history: [h('debootstrap'), h('apt-get install curl', undefined, { comment: 'FROM localhost/debian:12-slim' }), h('COPY x')] }).image).layers, 1);
  // first application step
  const g = guessInheritedLayers(inv({ layers: [A, B, C], history: [h('/bin/sh -c #(nop) ADD file:abc123 in / '), h('/bin/sh -c apt-get install -y curl'), h('/bin/sh -c #(nop) COPY dir:123 in /srv/app/ ')] }).image);
  assert.equal(g.layers, 2);
  assert.match(g.reason, /layer 3 looks like an application step/);
  // a gap of hours between the base and the application
  const t = guessInheritedLayers(
    inv({ layers: [A, B, C], history: [h('ADD file:abc in /', '2024-01-01T00:00:00Z'), h('RUN apt-get install x', '2024-03-01T10:00:00Z'), h('RUN y', '2024-03-01T10:01:00Z')] }).image,
  );
  assert.equal(t.layers, 1);
  assert.match(t.reason, /created 1450 hour\(s\) after/);
  // empty history entries are skipped; history that does not line up counts nothing
  assert.equal(guessInheritedLayers(inv({ layers: [A, B], history: [h('ADD file:a in /'), { createdBy: 'ENV x', emptyLayer: true }, h('RUN pip install flask')] }).image).layers, 1);
  assert.equal(guessInheritedLayers(inv({ layers: [A, B], history: [h('x')] }).image).layers, 0);
  assert.equal(guessInheritedLayers(inv({ layers: [A, B], history: [h('RUN a'), h('RUN b')] }).image).layers, 0);
  assert.equal(guessInheritedLayers(inv({ layers: [A], history: [h('COPY . /')] }).image).layers, 0);
  assert.equal(looksLikeAppStep('/bin/sh -c #(nop) ADD file:d48cac34fac385cbc1de6adfdd88300f76f9bbe346cd17e64fd834d042a98326 in / '), false);
  assert.equal(looksLikeAppStep('ADD https://example.com/app.tgz /opt/'), true);
  assert.equal(looksLikeAppStep('RUN /bin/sh -c npm ci --omit=dev # buildkit'), true);
  assert.equal(looksLikeAppStep(undefined), false);
  const u = detectLineage(inv({ layers: [A, B], history: [h('ADD file:a in /'), h('COPY . /app')] }), undefined);
  assert.equal(u.method, 'unknown');
  assert.equal(u.baseLayers, 1);
  assert.match(u.detail!, /no base catalog given/);
});

test('attributeOrigin marks findings base or app by layer; findings without a layer keep no origin', () => {
  const f = (id: string, layer?: number, origin?: 'base' | 'app'): Finding =>
    ({ id, kind: 'secret', title: id, severity: 'high', rule: 'r', path: '/x', match: '***', layer: layer === undefined ? undefined : { index: layer, diffId: A }, origin }) as Finding;
  const out = attributeOrigin([f('a', 0), f('b', 1), f('c', 2), f('d'), f('e', 3, 'base')], { method: 'layer-match', confidence: 'high', chain: [], baseLayers: 2 });
  assert.deepEqual(out.map((x) => x.origin), ['base', 'base', 'app', undefined, 'app']);
  const none = attributeOrigin([f('a', 0)], { method: 'unknown', confidence: 'low', chain: [], baseLayers: 0 });
  assert.equal(none[0]!.origin, undefined);
  const bad = attributeOrigin([f('a', 0)], { method: 'layer-match', confidence: 'high', chain: [], baseLayers: NaN });
  assert.equal(bad[0]!.origin, 'app');
});

test('attributeOrigin: a declared base or a history guess never makes a finding base (only a layer match does)', () => {
  const f = (id: string, layer: number, origin?: 'base' | 'app'): Finding =>
    ({ id, kind: 'secret', title: id, severity: 'high', rule: 'r', path: '/x', match: '***', layer: { index: layer, diffId: A }, origin }) as Finding;
  const declared = attributeOrigin([f('a', 0), f('b', 1), f('c', 2, 'base')], {
    method: 'declared',
    confidence: 'medium',
    chain: [{ name: 'docker.io/library/debian:12-slim', layers: 2 }],
    baseLayers: 2,
  });
  assert.deepEqual(declared.map((x) => x.origin), [undefined, undefined, undefined]);
  const guessed = attributeOrigin([f('a', 0), f('b', 3)], { method: 'unknown', confidence: 'low', chain: [], baseLayers: 3 });
  assert.deepEqual(guessed.map((x) => x.origin), [undefined, undefined]);
});

test('declared by name only: the catalogued build\'s digest and age are not claimed for the image', () => {
  const base = entry('docker.io/corp/base:1', [A, B], { digest: dig('corp-m'), configDigest: dig('corp-c'), created: '2024-05-01T00:00:00Z', approved: false });
  const l = detectLineage(inv({ layers: [X, C, D], annotations: { 'org.opencontainers.image.base.name': 'corp/base:1' } }), cat(base));
  assert.equal(l.confidence, 'medium');
  assert.deepEqual(l.chain[0], { name: 'docker.io/corp/base:1', layers: 2, approved: false });
  const withDigest = detectLineage(inv({ layers: [X, C, D], annotations: { 'org.opencontainers.image.base.name': 'corp/base:1', 'org.opencontainers.image.base.digest': dig('other') } }), cat(base));
  assert.equal(withDigest.chain[0]!.digest, dig('other'), 'the declared digest is reported as declared');
  assert.equal(withDigest.chain[0]!.created, undefined);
});

test('history text in the heuristic reason is escaped: an image cannot forge lines through it', () => {
  const h = (createdBy: string, comment?: string) => ({ created: '2024-01-01T00:00:00Z', createdBy, emptyLayer: false, ...(comment ? { comment } : {}) });
  const g1 = guessInheritedLayers(inv({ layers: [A, B], history: [h('debootstrap'), h('x', 'FROM debian:12\nportcullis: PASS \u001b[32mok')] }).image);
  assert.ok(!g1.reason.includes('\n') && !g1.reason.includes('\u001b'), g1.reason);
  assert.match(g1.reason, /FROM debian:12\\u000aportcullis: PASS \\u001b\[32mok/);
  const g2 = guessInheritedLayers(inv({ layers: [A, B], history: [h('debootstrap'), h('COPY x /\r\nverdict: pass')] }).image);
  assert.ok(!/[\r\n]/.test(g2.reason), g2.reason);
});
