import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PortcullisError } from '../core/errors.js';
import { REPO_ROOT } from '../core/shared.js';
import {
  entryFromInventory,
  entryInventory,
  entryKey,
  loadCatalog,
  parseCatalog,
  removeEntries,
  renderCatalog,
  saveCatalog,
  updateCatalog,
  upsertEntry,
  type Catalog,
} from './catalog.js';
import { debPkg, dig, entry, inv } from './testutil.js';

const L1 = dig('layer1');
const L2 = dig('layer2');

function doc(bases: string): string {
  return `apiVersion: portcullis/v1\nkind: BaseImageCatalog\nbases:\n${bases}`;
}

function rejects(text: string, re: RegExp): void {
  assert.throws(
    () => parseCatalog(text, 'cat.yaml'),
    (e: unknown) => e instanceof PortcullisError && e.code === 'BAD_INPUT' && re.test(e.message),
  );
}

test('a valid catalog parses, names are normalised and approved defaults to true', () => {
  const c = parseCatalog(doc(`  - name: debian:12-slim\n    layers: [${L1}]\n  - name: ghcr.io/corp/base:1\n    approved: false\n    layers: [${L1}, ${L2}]\n`), 'cat.yaml');
  assert.equal(c.entries.length, 2);
  assert.equal(c.entries[0]!.name, 'docker.io/library/debian:12-slim');
  assert.equal(c.entries[0]!.approved, true);
  assert.deepEqual(c.entries[0]!.packages, []);
  assert.equal(c.entries[1]!.name, 'ghcr.io/corp/base:1');
  assert.equal(c.entries[1]!.approved, false);
  assert.deepEqual(parseCatalog(doc(' []\n'), 'x').entries, []);
});

test('hostile: an entry with zero layers is rejected naming the file and field', () => {
  rejects(doc(`  - name: debian:12-slim\n    layers: []\n`), /^cat\.yaml: bases\[0\]\.layers: a base image has at least one layer/);
  rejects(doc(`  - name: debian:12-slim\n`), /^cat\.yaml: bases\[0\]\.layers:/);
});

test('hostile: duplicate entries (same name and digest) are rejected; same name with another digest is a rebuild', () => {
  const d1 = dig('m1');
  rejects(doc(`  - {name: debian:12-slim, digest: ${d1}, layers: [${L1}]}\n  - {name: docker.io/library/debian:12-slim, digest: ${d1}, layers: [${L2}]}\n`), /bases\[1\]: duplicate entry docker\.io\/library\/debian:12-slim@sha256:[0-9a-f]+ \(also bases\[0\]\)/);
  rejects(doc(`  - {name: debian:12-slim, layers: [${L1}]}\n  - {name: debian:12-slim, layers: [${L2}]}\n`), /duplicate entry docker\.io\/library\/debian:12-slim /);
  const ok = parseCatalog(doc(`  - {name: debian:12-slim, digest: ${d1}, layers: [${L1}]}\n  - {name: debian:12-slim, digest: ${dig('m2')}, layers: [${L2}]}\n`), 'cat.yaml');
  assert.equal(ok.entries.length, 2);
});

test('hostile: bad digests, names, fields and documents', () => {
  rejects(doc(`  - {name: debian:12-slim, layers: [sha256:abc]}\n`), /bases\[0\]\.layers\[0\]: expected sha256: followed by 64/);
  rejects(doc(`  - {name: debian:12-slim, layers: ["${L1.toUpperCase()}"]}\n`), /bases\[0\]\.layers\[0\]/);
  rejects(doc(`  - {name: debian:12-slim, digest: md5:1234, layers: [${L1}]}\n`), /bases\[0\]\.digest/);
  rejects(doc(`  - {name: "Debian:12", layers: [${L1}]}\n`), /bases\[0\]\.name: not a valid image reference/);
  rejects(doc(`  - {name: "debian@${L1}", layers: [${L1}]}\n`), /bases\[0\]\.name: put the digest in `digest`/);
  rejects(doc(`  - {name: "", layers: [${L1}]}\n`), /bases\[0\]\.name/);
  rejects(doc(`  - {name: debian:12, layers: [${L1}], aproved: true}\n`), /bases\[0\]: .*aproved/i);
  rejects(doc(`  - {name: debian:12, layers: [${L1}], created: yesterday}\n`), /bases\[0\]\.created: expected an RFC 3339/);
  rejects(doc(`  - {name: debian:12, layers: [${L1}], packages: [{type: exe, name: a, version: "1", purl: p}]}\n`), /bases\[0\]\.packages\[0\]: type: /);
  rejects(doc(`  - {name: debian:12, layers: [${L1}], packages: ["deb zlib1g 1.0 arch=amd64"]}\n`), /bases\[0\]\.packages\[0\]: the last token must be the purl/);
  rejects(doc(`  - {name: debian:12, layers: [${L1}], packages: ["deb zlib1g 1.0 epoch=x pkg:deb/debian/zlib1g@1.0"]}\n`), /packages\[0\]: epoch must be a non-negative integer/);
  rejects(doc(`  - {name: debian:12, layers: [${L1}], packages: ["deb zlib1g 1.0 src=zlib pkg:deb/debian/zlib1g@1.0"]}\n`), /packages\[0\]: src= and srcv= go together/);
  rejects(doc(`  - {name: debian:12, layers: [${L1}], packages: ["deb zlib1g 1.0 colour=red pkg:deb/debian/zlib1g@1.0"]}\n`), /packages\[0\]: unknown key "colour"/);
  rejects(doc(`  - {name: debian:12, layers: [${L1}], packages: ["exe zlib1g 1.0 pkg:deb/debian/zlib1g@1.0"]}\n`), /packages\[0\]: unknown package type "exe"/);
  rejects(doc(`  - {name: debian:12, layers: [${L1}], packages: [42]}\n`), /packages\[0\]: /);
  rejects(`apiVersion: portcullis/v1\nkind: AssurancePolicy\nbases: []\n`, /^cat\.yaml: kind:/);
  rejects(`kind: BaseImageCatalog\n`, /apiVersion/);
  rejects(``, /empty base catalog/);
  rejects(`{{{ not yaml`, /^cat\.yaml: invalid YAML/);
  rejects(`- a\n- b\n`, /cat\.yaml: \(document\)/);
  // a billion-laughs style alias bomb is refused by the YAML parser limit, not expanded
  const bomb = 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\n' + Array.from({ length: 12 }, (_v, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`).join('\n');
  rejects(bomb, /invalid YAML|kind|apiVersion/);
});

test('render → parse round trip keeps every field, sorted by name then creation time', () => {
  const pkg = debPkg('zlib1g', '1:1.2.13.dfsg-1', 0, { name: 'zlib', version: '1:1.2.13.dfsg-1' });
  const a = entryFromInventory(inv({ layers: [L1], name: 'debian:12-slim', os: { family: 'debian', versionId: '12' }, packages: [{ ...pkg, arch: 'amd64', epoch: 1 }], manifestDigest: dig('m') }), {
    addedAt: '2024-01-01T00:00:00Z',
    note: 'from the mirror',
  });
  const b = entry('docker.io/library/alpine:3.19', [L2], { approved: false, created: '2024-02-02T00:00:00Z' });
  const text = renderCatalog({ entries: [a, b] });
  const back = parseCatalog(text, 'rt.yaml');
  assert.deepEqual(back.entries.map((e) => e.name), ['docker.io/library/alpine:3.19', 'docker.io/library/debian:12-slim']);
  assert.deepEqual(back.entries[1], a);
  assert.deepEqual(back.entries[0], b);
  assert.match(text, /^ {6}- deb zlib1g 1:1\.2\.13\.dfsg-1 arch=amd64 epoch=1 src=zlib srcv=1:1\.2\.13\.dfsg-1 distro=debian:12 pkg:deb\/debian\/zlib1g@/m, 'one line per package');
});

test('entryFromInventory: needs a full name, refuses zero layers, records what the issue asks for', () => {
  assert.throws(() => entryFromInventory(inv({ layers: [L1] })), /give one with --name/);
  assert.throws(() => entryFromInventory(inv({ layers: [L1], name: '12-slim' })), /give one with --name/, 'a bare OCI ref.name tag is not a name');
  assert.throws(() => entryFromInventory(inv({ layers: [], name: 'x:1' })), /has no layers/);
  assert.throws(() => entryFromInventory(inv({ layers: ['sha256:short'], name: 'x:1' })), /not a sha256 digest/);
  const i = inv({ layers: [L1, L2], name: 'shop/base:1', os: { family: 'debian', versionId: '12' }, packages: [debPkg('b', '1', 1), debPkg('a', '1', 0)], manifestDigest: dig('m') });
  i.image.config.created = '2024-05-05T10:00:00Z';
  const e = entryFromInventory(i, { approved: false });
  assert.equal(e.name, 'docker.io/shop/base:1');
  assert.equal(e.digest, dig('m'));
  assert.deepEqual(e.layers, [L1, L2]);
  assert.equal(e.approved, false);
  assert.equal(e.created, '2024-05-05T10:00:00Z');
  assert.deepEqual(e.os, { family: 'debian', versionId: '12', name: 'debian' });
  assert.deepEqual(e.packages.map((p) => p.name), ['a', 'b']);
  assert.equal(entryFromInventory(i, { name: 'debian:12-slim' }).name, 'docker.io/library/debian:12-slim');
  assert.throws(() => entryFromInventory(i, { name: 'NOT VALID' }), PortcullisError);
});

test('upsert replaces the same name+digest, remove by NAME or NAME@DIGEST', () => {
  const a1 = entry('docker.io/library/debian:12', [L1], { digest: dig('a1') });
  const a2 = entry('docker.io/library/debian:12', [L2], { digest: dig('a2') });
  const b = entry('docker.io/library/alpine:3', [L1], { digest: undefined, configDigest: dig('cfg') });
  let c: Catalog = { path: 'c.yaml', entries: [] };
  c = upsertEntry(c, a1).catalog;
  c = upsertEntry(c, a2).catalog;
  c = upsertEntry(c, b).catalog;
  const r = upsertEntry(c, { ...a1, approved: false });
  assert.equal(r.replaced, true);
  assert.equal(r.catalog.entries.length, 3);
  assert.equal(removeEntries(c, `debian:12@${dig('a2')}`).catalog.entries.length, 2);
  assert.equal(removeEntries(c, 'debian:12').removed.length, 2);
  assert.equal(removeEntries(c, `alpine:3@${dig('cfg')}`).removed.length, 1, 'config digest identifies an entry without a manifest digest');
  assert.throws(() => removeEntries(c, 'debian:13'), (e: unknown) => e instanceof PortcullisError && e.code === 'NOT_FOUND' && /c\.yaml: no base docker\.io\/library\/debian:13/.test(e.message));
  assert.throws(() => removeEntries(c, 'debian:12@sha256:nothex'), /not a sha256 digest/);
  assert.equal(entryKey(b), `docker.io/library/alpine:3@${dig('cfg')}`);
});

test('save is atomic (no temp files left) and load reads it back; a missing file is NOT_FOUND unless missingOk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-cat-'));
  try {
    const p = join(dir, 'sub', 'base-catalog.yaml');
    await assert.rejects(loadCatalog(p), (e: unknown) => e instanceof PortcullisError && e.code === 'NOT_FOUND');
    assert.deepEqual((await loadCatalog(p, { missingOk: true })).entries, []);
    const c: Catalog = { entries: [entry('docker.io/library/debian:12', [L1])] };
    await saveCatalog(c, p);
    await saveCatalog(upsertEntry(c, entry('docker.io/library/debian:13', [L2])).catalog, p);
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['base-catalog.yaml']);
    const back = await loadCatalog(p);
    assert.deepEqual(back.entries.map((e) => e.name), ['docker.io/library/debian:12', 'docker.io/library/debian:13']);
    writeFileSync(p, readFileSync(p, 'utf8').replace(/layers:\n(\s+- sha256:[0-9a-f]+\n)/, 'layers: []\n'));
    await assert.rejects(loadCatalog(p), new RegExp(`^PortcullisError: ${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: bases\\[0\\]\\.layers`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('entryInventory turns stored packages back into a matchable inventory', () => {
  const e = entryFromInventory(inv({ layers: [L1], name: 'debian:12', os: { family: 'debian', versionId: '12' }, packages: [debPkg('libssh2-1', '1.10.0-3+b1', 0, { name: 'libssh2', version: '1.10.0-3' })] }));
  const i = entryInventory(e);
  assert.equal(i.os?.family, 'debian');
  assert.equal(i.os?.versionId, '12');
  assert.equal(i.packages[0]!.source?.name, 'libssh2');
  assert.equal(i.packages[0]!.type, 'deb');
  assert.deepEqual(i.image.config.diffIds, [L1]);
});

test('examples/base-catalog.yaml is a valid catalog', async () => {
  const c = await loadCatalog(join(REPO_ROOT, 'examples', 'base-catalog.yaml'));
  assert.deepEqual(
    c.entries.map((e) => [e.name, e.approved, e.layers.length]),
    [
      ['docker.io/library/alpine:3.10', false, 1],
      ['docker.io/library/alpine:3.11', true, 1],
      ['docker.io/library/debian:12-slim', true, 1],
    ],
  );
});

test('concurrent updates under the lock file lose nothing; a failed mutation leaves the file as it was', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-cat-'));
  try {
    const p = join(dir, 'base-catalog.yaml');
    await Promise.all(
      Array.from({ length: 12 }, (_v, i) => updateCatalog(p, (c) => ({ catalog: upsertEntry(c, entry(`docker.io/library/img${String(i).padStart(2, '0')}:1`, [dig(`l${i}`)])).catalog, result: i }))),
    );
    const c = await loadCatalog(p);
    assert.equal(c.entries.length, 12);
    assert.deepEqual(readdirSync(dir), ['base-catalog.yaml'], 'lock and temp files are gone');
    const before = readFileSync(p, 'utf8');
    await assert.rejects(updateCatalog(p, (cur) => removeEntries(cur, 'docker.io/library/nope:1') as never), /no base docker\.io\/library\/nope:1/);
    assert.equal(readFileSync(p, 'utf8'), before);
    assert.deepEqual(readdirSync(dir), ['base-catalog.yaml']);
    // a lock held by a live process that never lets go: a clear error after the timeout
    writeFileSync(`${p}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), time: Date.now() }));
    await assert.rejects(updateCatalog(p, (cur) => ({ catalog: cur, result: 0 }), { timeoutMs: 300 }), /being changed by another process \(lock file .*base-catalog\.yaml\.lock\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
