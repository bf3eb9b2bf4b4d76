// Real images from ../shared: every one is resolved and walked (or fails with the expected error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Analyzer, FileInput } from '../core/types.js';
import { isPortcullisError, type ErrorCode } from '../core/errors.js';
import { sharedOrSkip } from '../core/shared.js';
import { openImage, type OpenOptions } from '../source/index.js';
import { dockerArchive, tempDir } from '../source/testkit.js';
import { walkImage, type WalkOptions, type WalkResult } from './index.js';

/** The test analyzer: OS release files and package DBs; records what it read. */
function releaseProbe(extra?: RegExp): Analyzer & { seen: FileInput[] } {
  const seen: FileInput[] = [];
  const wanted = /^\/(etc\/os-release|usr\/lib\/os-release|lib\/apk\/db\/installed|var\/lib\/dpkg\/status)$/;
  return {
    name: 'release-probe',
    version: 1,
    seen,
    required: (p) => wanted.test(p) || (extra?.test(p) ?? false),
    async analyze(f) {
      seen.push(f);
      const text = f.content.toString('utf8');
      const id = /^ID=(.*)$/m.exec(text)?.[1];
      const ver = /^VERSION_ID="?([^"\n]*)"?$/m.exec(text)?.[1];
      if (id) return [{ kind: 'os', os: { family: id.replace(/"/g, ''), name: id, versionId: ver, source: f.path } }];
      return [{ kind: 'config', issue: { check: 'seen', title: text.slice(0, 60), severity: 'low', detail: String(f.content.length) } }];
    },
  };
}

async function walkFixture(rel: string, t: { skip(m?: string): void }, analyzers: Analyzer[], opts: OpenOptions & WalkOptions = {}, prefix = '') {
  const p = sharedOrSkip(t, rel);
  if (!p) return undefined;
  const img = await openImage(`${prefix}${p}`, opts);
  try {
    const walk = await walkImage(img, analyzers, opts);
    return { img, walk };
  } finally {
    await img.close();
  }
}

function eff(w: WalkResult): string[] {
  return w.files.map((f) => `${f.layer.index}:${f.path}:${f.effective ? 'E' : 'x'}`);
}

function osOf(w: WalkResult): string[] {
  return w.files.filter((f) => f.effective).flatMap((f) => f.facts.flatMap((x) => (x.kind === 'os' ? [`${f.path}=${x.os.family} ${x.os.versionId}`] : [])));
}

test('orders-api (gzip-compressed docker save): 3 layers, diff_ids, config, os-release via symlink, dpkg status effective in layer 2', async (t) => {
  const a = releaseProbe();
  const r = await walkFixture('fixtures/images/orders-api-1.4.2.docker.tar.gz', t, [a]);
  if (!r) return;
  const { img, walk } = r;
  assert.deepEqual(img.layers.map((l) => l.diffId), [
    'sha256:ce46fbb27e86838cbc21bcc0029d6bdb519eba4947416b14a2a96d45603219f4',
    'sha256:1fafd689d892c2211579bee343e2fe72ebf20179f809d9ae139e85aece8f7d4d',
    'sha256:b31c1b887f9680e3faf27a0b0b4983896b25d475b8152f43a30f957da5dbd4ad',
  ]);
  assert.deepEqual(img.repoTags, ['docker.io/shop/orders-api:1.4.2']);
  assert.equal(img.ref.transport, 'docker-archive');
  assert.match(img.layers[1]!.createdBy!, /apt-get install -y --no-install-recommends curl ca-certificates gosu python3-requests/);
  assert.match(img.layers[2]!.createdBy!, /COPY dir:.* in \/srv\/app/);
  assert.equal(img.layers[0]!.createdBy, 'debootstrap --variant=minbase bookworm');
  assert.deepEqual(img.config.exposedPorts, ['22/tcp', '8080/tcp']);
  assert.ok(img.config.env.includes('AWS_ACCESS_KEY_ID=AKIALMPWHM7GWI4AH6Z4'));
  assert.equal(img.config.user, undefined);
  assert.equal(img.config.healthcheck, undefined);
  assert.equal(img.config.labels['org.opencontainers.image.source'], 'https://example.com/shop/orders-api');
  assert.deepEqual(img.config.cmd, ['node', 'server.js']);
  assert.equal(img.config.workingDir, '/srv/app');
  assert.equal(img.config.history.length, 8);
  assert.equal(img.configDigest, 'sha256:e669cc4abb77fbbe00d65a9137dcf60818e583af5f2706b7200cc6bdfb6f7cc3');
  assert.deepEqual(eff(walk), ['0:/etc/os-release:E', '0:/usr/lib/os-release:E', '0:/var/lib/dpkg/status:x', '1:/var/lib/dpkg/status:E']);
  assert.deepEqual(osOf(walk), ['/etc/os-release=debian 12', '/usr/lib/os-release=debian 12']);
  assert.equal(a.seen.find((s) => s.path === '/etc/os-release')!.entry.linkTarget, '/usr/lib/os-release');
  const status = a.seen.find((s) => s.path === '/var/lib/dpkg/status' && s.layer.index === 1)!;
  assert.equal((status.content.toString().match(/^Package: /gm) ?? []).length, 131);
  assert.deepEqual(walk.problems, []);
  assert.equal(walk.stats.layers, 3);
});

test('debian-12-slim (oci-archive): one gzip layer with the documented diff_id', async (t) => {
  const a = releaseProbe();
  const r = await walkFixture('fixtures/images/debian-12-slim.oci.tar', t, [a]);
  if (!r) return;
  assert.equal(r.img.ref.transport, 'oci-archive');
  assert.deepEqual(r.img.layers.map((l) => l.diffId), ['sha256:ce46fbb27e86838cbc21bcc0029d6bdb519eba4947416b14a2a96d45603219f4']);
  assert.match(r.img.layers[0]!.digest!, /^sha256:[a-f0-9]{64}$/);
  assert.ok(r.img.manifestDigest);
  assert.deepEqual(r.img.repoTags, ['12-slim']);
  const status = a.seen.find((s) => s.path === '/var/lib/dpkg/status')!;
  assert.equal((status.content.toString().match(/^Package: /gm) ?? []).length, 88);
});

for (const [name, extra] of [
  ['test-docker-image.tar', ''],
  ['test-kaniko-image.tar', ' (kaniko)'],
] as const) {
  test(`dive 14-layer image${extra}: real whiteouts take effect`, async (t) => {
    const a = releaseProbe(/^\/(root|tmp)\/.*\.txt$|^\/somefile\.txt$/);
    const r = await walkFixture(`fixtures/third-party/images/dive/${name}`, t, [a]);
    if (!r) return;
    assert.equal(r.img.layers.length, 14);
    const effective = new Map<string, boolean[]>();
    for (const f of r.walk.files) effective.set(f.path, [...(effective.get(f.path) ?? []), f.effective]);
    // RUN rm -rf /root/example/ (a whiteout of the directory) removes every earlier copy below it
    assert.deepEqual(effective.get('/root/example/somefile1.txt'), [false, false]);
    assert.deepEqual(effective.get('/root/example/somefile2.txt'), [false]);
    // RUN mv .../somefile3.txt /root/saved.txt (a file whiteout), later chmod overwrites saved.txt
    assert.deepEqual(effective.get('/root/example/somefile3.txt'), [false]);
    assert.deepEqual(effective.get('/root/saved.txt'), [false, true]);
    assert.deepEqual(effective.get('/somefile.txt'), [true]);
    assert.deepEqual(effective.get('/root/.saved.txt'), [true]);
    assert.deepEqual(effective.get('/tmp/saved.again1.txt'), [true]);
    assert.deepEqual(effective.get('/root/.data/saved.again2.txt'), [true]);
    assert.deepEqual(r.walk.problems, []);
  });
}

for (const v of ['310', '311']) {
  test(`trivy alpine-${v} (gzip docker save): apk installed and os-release`, async (t) => {
    const a = releaseProbe();
    const r = await walkFixture(`fixtures/third-party/images/trivy/alpine-${v}.tar.gz`, t, [a]);
    if (!r) return;
    assert.deepEqual(r.img.repoTags, [`alpine:3.${v.slice(1)}`]);
    assert.deepEqual(eff(r.walk), ['0:/etc/os-release:E', '0:/lib/apk/db/installed:E', '0:/usr/lib/os-release:E'].filter((x) => r.walk.files.some((f) => x.includes(f.path))));
    assert.ok(osOf(r.walk).some((s) => s.startsWith(`/etc/os-release=alpine 3.${v.slice(1)}.`)), osOf(r.walk).join());
    assert.match(a.seen.find((s) => s.path === '/lib/apk/db/installed')!.content.toString(), /^P:musl$/m);
  });
}

const SNYK_OK: [string, string, string][] = [
  ['pnpm/pnpmlockv9.tar', 'oci-archive', 'linux/arm64'],
  ['containerd-archives/busybox-single-arch-with-attestation-manifest.tar', 'oci-archive', 'linux/arm64'],
  ['containerd-archives/alpine.tar', 'oci-archive', 'linux/amd64'],
  ['kaniko-archives/kaniko-busybox.tar', 'docker-archive', 'linux/amd64'],
  ['npm/npm-without-lockfiles/yarn-with-lock-file.tar', 'oci-archive', 'linux/amd64'],
  ['npm/npm-without-lockfiles/npm7-with-node-modules-only.tar', 'oci-archive', 'linux/amd64'],
  ['npm/npm-without-lockfiles/npm7-with-package-lock-file.tar', 'oci-archive', 'linux/amd64'],
  ['oci-archives/busybox-1.31.1.tar', 'oci-archive', 'linux/amd64'],
  ['docker-archives/docker-save/3-level-jar.tar', 'docker-archive', 'linux/amd64'],
  ['docker-archives/docker-save/hello-world.tar', 'oci-archive', 'linux/amd64'],
  ['docker-archives/docker-save/gemfile.tar', 'docker-archive', 'linux/amd64'],
  ['docker-archives/docker-save/poetry.tar', 'docker-archive', 'linux/amd64'],
  ['docker-archives/docker-save/war-with-3-level-jar.tar', 'docker-archive', 'linux/amd64'],
  ['docker-archives/skopeo-copy/nodes-fake-multi.tar', 'docker-archive', 'linux/amd64'],
  ['docker-archives/skopeo-copy/node-removed.tar', 'oci-archive', 'linux/amd64'],
  ['docker-archives/skopeo-copy/busybox.tar', 'docker-archive', 'linux/amd64'],
  ['docker-oci-archives/busybox.armv7.tar', 'oci-archive', 'linux/arm/v7'],
];

test('snyk fixtures: every layout resolves and walks', async (t) => {
  for (const [rel, transport, platform] of SNYK_OK) {
    const a = releaseProbe();
    const r = await walkFixture(`fixtures/third-party/images/snyk/${rel}`, t, [a]);
    if (!r) return;
    assert.equal(r.img.ref.transport, transport, rel);
    const p = r.img.platform;
    assert.equal([p.os, p.architecture, p.variant].filter(Boolean).join('/'), platform, rel);
    assert.equal(r.walk.stats.layers, r.img.layers.length, rel);
    assert.ok(r.walk.stats.entries > 0, rel);
  }
});

test('snyk: alpine 3.14 containerd archive and the attestation image carry names and OS', async (t) => {
  const a = releaseProbe();
  const r = await walkFixture('fixtures/third-party/images/snyk/containerd-archives/alpine.tar', t, [a]);
  if (!r) return;
  assert.deepEqual(r.img.repoTags, ['docker.io/library/alpine:3.14', 'alpine:3.14']);
  assert.ok(osOf(r.walk).some((s) => s.startsWith('/etc/os-release=alpine 3.14')), osOf(r.walk).join());
  const b = await walkFixture('fixtures/third-party/images/snyk/containerd-archives/busybox-single-arch-with-attestation-manifest.tar', t, []);
  assert.deepEqual(b!.img.repoTags, ['docker.io/foo/bar:v3', 'foo/bar:v3']);
  assert.equal(b!.img.layers.length, 1, 'the attestation manifest is not taken as the image');
});

const BROKEN: [string, ErrorCode, RegExp][] = [
  ['snyk/oci-archives/oci-with-manifest.tar', 'NOT_FOUND', /layer 2 blob sha256:bc38caa0.* is missing/],
  ['snyk/oci-archives/alpine-3.12.0.tar', 'DIGEST_MISMATCH', /layer 1 .*blob .*digest mismatch/],
  ['snyk/docker-archives/docker-save/nginx.tar', 'IMAGE_UNREADABLE', /lists 1 layers but the config has 3 diff_ids/],
  ['snyk/docker-archives/docker-save/nginx-os-release-link.tar', 'IMAGE_UNREADABLE', /lists 1 layers but the config has 3 diff_ids/],
  ['snyk/docker-archives/docker-save/dockergoof.tar', 'IMAGE_UNREADABLE', /lists 4 layers but the config has 9 diff_ids/],
  ['snyk/docker-archives/docker-save/java.tar', 'DIGEST_MISMATCH', /layer 1 .*diff_id: digest mismatch/],
  ['snyk/docker-archives/skopeo-copy/nginx-compressed-layers.tar', 'IMAGE_UNREADABLE', /lists 1 layers but the config has 3 diff_ids/],
  ['snyk/docker-oci-archives/unsupported-image.tar', 'IMAGE_UNREADABLE', /neither an OCI layout .* nor a docker save archive/],
  ['go-containerregistry/null_manifest.tar', 'IMAGE_UNREADABLE', /manifest.json: lists no images/],
  ['go-containerregistry/no_manifest.tar', 'IMAGE_UNREADABLE', /neither an OCI layout/],
  ['go-containerregistry/test_bundle.tar', 'BAD_INPUT', /holds 2 images \(test_image_2, test_image_1\); choose one/],
  ['trivy/test_bad_index_json.oci', 'IMAGE_UNREADABLE', /index.json: not valid JSON/],
  ['trivy/test_no_valid_manifests.oci', 'IMAGE_UNREADABLE', /index.json lists no image manifests/],
  ['trivy/test_invalid_oci_image.oci', 'IMAGE_UNREADABLE', /index.json lists no image manifests/],
];

test('broken third-party images fail with the expected one-line error (stripped-down or tampered test fixtures)', async (t) => {
  for (const [rel, code, re] of BROKEN) {
    await assert.rejects(walkFixture(`fixtures/third-party/images/${rel}`, t, [releaseProbe()]), (e: unknown) => {
      assert.ok(isPortcullisError(e), `${rel}: ${String(e)}`);
      assert.equal(e.code, code, `${rel}: ${e.message}`);
      assert.match(e.message, re, rel);
      assert.ok(e.message.includes(rel.split('/').pop()!), `${rel}: message names the file`);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  }
});

test('trivy OCI layouts: test.oci and a tag selector', async (t) => {
  const r = await walkFixture('fixtures/third-party/images/trivy/test.oci', t, []);
  if (!r) return;
  assert.equal(r.img.ref.transport, 'oci');
  const tagged = await walkFixture('fixtures/third-party/images/trivy/test_image_tag.oci', t, [], {}, 'oci:');
  assert.deepEqual(tagged!.img.repoTags, ['0.0.1']);
  const p = sharedOrSkip(t, 'fixtures/third-party/images/trivy/test_image_tag.oci')!;
  const sel = await openImage(`oci:${p}:0.0.1`);
  assert.equal(sel.manifestDigest, tagged!.img.manifestDigest);
  await sel.close();
  await assert.rejects(openImage(`oci:${p}:9.9`), /no image tagged 9.9 \(tags: 0.0.1\)/);
});

test('go-containerregistry: images selected by tag from multi-image archives', async (t) => {
  const p = sharedOrSkip(t, 'fixtures/third-party/images/go-containerregistry/test_link.tar');
  if (!p) return;
  const img = await openImage(`docker-archive:${p}:bazel/v1/tarball:test_image_3`);
  try {
    assert.deepEqual(img.repoTags, ['bazel/v1/tarball:test_image_3']);
    const w = await walkImage(img, [releaseProbe(/^\/(foo|bar|test)$/)]);
    assert.deepEqual(eff(w), ['0:/bar:E', '0:/foo:E', '1:/test:E'], 'layer 1 is a symlink to another image layer in the archive');
  } finally {
    await img.close();
  }
  const b = sharedOrSkip(t, 'fixtures/third-party/images/go-containerregistry/test_bundle.tar')!;
  const one = await openImage(`docker-archive:${b}:test_image_1`);
  assert.deepEqual(one.repoTags, ['test_image_1']);
  await walkImage(one, []);
  await one.close();
  const v25 = sharedOrSkip(t, 'fixtures/third-party/images/go-containerregistry/hello-world-v25.tar')!;
  const h = await openImage(v25);
  assert.equal(h.ref.transport, 'docker-archive', 'index.json with null manifests: manifest.json decides');
  assert.equal(h.layers[0]!.mediaType, 'application/vnd.oci.image.layer.v1.tar');
  const hw = await walkImage(h, [releaseProbe(/^\/hello$/)]);
  assert.deepEqual(eff(hw), ['0:/hello:E']);
  await h.close();
});

test('go-containerregistry whiteout and overwrite cases (effective)', async (t) => {
  const wi = await walkFixture('fixtures/third-party/images/go-containerregistry/whiteout_image.tar', t, [releaseProbe(/^\/(foo|bar)\.txt$/)]);
  if (!wi) return;
  assert.deepEqual(eff(wi.walk), ['0:/bar.txt:E', '0:/foo.txt:x']);
  const ow = await walkFixture('fixtures/third-party/images/go-containerregistry/overwritten_file.tar', t, [releaseProbe(/^\/(foo|bar)\.txt$/)]);
  assert.deepEqual(eff(ow!.walk), ['0:/foo.txt:x', '1:/bar.txt:E', '1:/foo.txt:E']);
  const viaLink = ow!.walk.files.find((f) => f.layer.index === 1 && f.path === '/foo.txt')!;
  const bar = ow!.walk.files.find((f) => f.path === '/bar.txt')!;
  assert.deepEqual(viaLink.facts, bar.facts, 'the symlink /foo.txt -> bar.txt reads bar.txt');
  const wd = await walkFixture('fixtures/third-party/images/go-containerregistry/whiteout_dir.tar', t, [releaseProbe(/^\/(a|b)\//)]);
  assert.deepEqual(eff(wd!.walk), ['0:/a/foo:x', '1:/b/bar:E', '3:/a/baz:E']);
});

test('hostile layerscanning images: symlinks resolve in the root, cycles and depth bounded, attacks go nowhere', async (t) => {
  const root = 'fixtures/third-party/hostile/layerscanning';
  const all = /^\/(dir\d)\/|^\/[^/]+\.txt$/;
  const basic = releaseProbe(all);
  const rb = await walkFixture(`${root}/symlink-basic.tar`, t, [basic]);
  if (!rb) return;
  assert.deepEqual(
    basic.seen.map((s) => `${s.path}=${s.content.toString().trim()}`).sort(),
    ['/dir1/absolute-symlink.txt', '/dir1/chain-symlink.txt', '/dir1/relative-dot-symlink.txt', '/dir1/relative-symlink.txt', '/dir1/sample.txt'].map((p) => `${p}=sample text`),
  );
  const cyc = releaseProbe(all);
  const rc = await walkFixture(`${root}/symlink-cycle.tar`, t, [cyc], { limits: { maxLinkDepth: 10 } });
  assert.equal(cyc.seen.length, 0);
  assert.equal(rc!.walk.problems.filter((p) => /cycle/.test(p.detail)).length, 3);
  assert.equal(rc!.walk.files.length, 0);
  const att = releaseProbe(all);
  const ra = await walkFixture(`${root}/symlink-attack.tar`, t, [att]);
  assert.equal(att.seen.length, 0, 'targets outside the root resolve to /secret.txt inside it, which does not exist');
  // the links the probe required lead nowhere: it failed on them, and says so (never a silent skip)
  assert.deepEqual(ra!.walk.problems.map((p) => `${p.reason}:${p.subject}`), ['analyzer-error:/dir1/attack-symlink-absolute.txt', 'analyzer-error:/dir1/attack-symlink.txt']);
  assert.ok(ra!.walk.problems.every((p) => /dangling link/.test(p.detail)));
  const dang = releaseProbe(all);
  const rdang = await walkFixture(`${root}/symlink-dangling.tar`, t, [dang]);
  assert.equal(dang.seen.length, 0);
  assert.ok(rdang!.walk.problems.length > 0 && rdang!.walk.problems.every((p) => p.reason === 'analyzer-error' && /dangling link/.test(p.detail)));
  assert.equal(rdang!.walk.analyzers[0]!.state, 'failed');
  const deep = releaseProbe(all);
  const rd = await walkFixture(`${root}/symlink-depth-exceeded.tar`, t, [deep], { limits: { maxLinkDepth: 5 } });
  // symlink7 -> symlink6 -> ... -> symlink1 -> sample.txt: six links to follow after the first
  assert.deepEqual(rd!.walk.problems.map((p) => p.subject), ['/dir1/symlink7.txt']);
  assert.match(rd!.walk.problems[0]!.detail, /more than 5 symbolic links/);
  assert.ok(deep.seen.some((s) => s.path === '/dir1/symlink6.txt'));
  const ow = await walkFixture(`${root}/overwrite-file.tar`, t, [releaseProbe(all)]);
  assert.deepEqual(eff(ow!.walk), ['0:/sample.txt:x', '1:/sample.txt:E']);
  for (const name of ['single-file', 'multiple-files', 'two-files', 'basic']) {
    const r = await walkFixture(`${root}/${name}.tar`, t, [releaseProbe(all)]);
    assert.ok(r!.walk.files.length > 0 && r!.walk.files.every((f) => f.effective || f.path === '/sample.txt'), name);
  }
  await assert.rejects(walkFixture(`${root}/empty.tar`, t, []), /not an image archive/);
});

test('hostile unpack images, and escape.tar wrapped as a layer: nothing escapes the root', async (t) => {
  const all = /^\/(dir\d|usr|escape|trampoline|tmp)\/|^\/[^/]+\.txt$/;
  for (const name of ['symlinks', 'dangling-symlinks', 'permissions', 'basic']) {
    const a = releaseProbe(all);
    const r = await walkFixture(`fixtures/third-party/hostile/unpack/${name}.tar`, t, [a]);
    if (!r) return;
    for (const s of a.seen) assert.match(s.content.toString(), /^sample text/, `${name}: ${s.path}`);
    if (name === 'symlinks') assert.deepEqual(a.seen.map((s) => s.path).sort(), [
      '/dir1/absolute-symlink.txt', '/dir1/chain-symlink.txt', '/dir1/relative-dot-symlink.txt', '/dir1/relative-symlink.txt', '/dir1/sample.txt',
      '/dir2/dir3/absolute-chain-symlink.txt', '/dir2/dir3/absolute-subfolder-symlink.txt', '/dir2/dir3/absolute-symlink-inside-root.txt', '/dir2/dir3/relative-subfolder-symlink.txt',
    ]);
  }
  const esc = sharedOrSkip(t, 'fixtures/third-party/hostile/unpack/escape.tar');
  if (!esc) return;
  const dir = tempDir();
  try {
    const file = join(dir, 'escape-image.tar');
    writeFileSync(file, await dockerArchive([await readFile(esc)]));
    const img = await openImage(file);
    const a = releaseProbe(/^\/(usr\/share\/doc\/.*|escape\/poc\.txt)$/);
    const w = await walkImage(img, [a]);
    await img.close();
    // /escape/poc.txt is hidden once /escape becomes a symlink; the copyright links resolve to /, /tmp and /tmp/poc.txt inside the image
    assert.deepEqual(eff(w), ['0:/escape/poc.txt:x']);
    assert.deepEqual(a.seen.map((s) => s.path), ['/escape/poc.txt']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
