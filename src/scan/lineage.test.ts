// The lineage stage on real images (../shared): orders-api on debian-12-slim, alpine 3.10 vs 3.11.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../core/clock.js';
import { PortcullisError } from '../core/errors.js';
import type { Inventory, ScanReport } from '../core/report.js';
import type { VulnerabilityFinding } from '../core/types.js';
import { sharedOrSkip } from '../core/shared.js';
import { buildDb, openDb, type AdvisoryDb } from '../advisory/index.js';
import { matchInventory } from '../match/index.js';
import { evaluate, imageOf } from '../policy/evaluate.js';
import { parseDocuments } from '../policy/load.js';
import { EMPTY_EXCEPTIONS } from '../policy/schema.js';
import { emptyCatalog, entryFromInventory, saveCatalog, upsertEntry } from '../baseimage/index.js';
import { collectInventory } from './collect.js';
import { openImage } from '../source/index.js';
import { configFor, dockerArchive, makeTar, sha } from '../source/testkit.js';
import { scanInventory } from './scan.js';
import { applyLineage } from './lineage.js';

const NOW = new Date('2026-11-29T12:00:00Z');
const SCANNER = { name: 'portcullis', version: 'test' };

function tmp(t: { after(fn: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'portcullis-lineage-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

function policyDoc(baseImage: string): string {
  return `apiVersion: portcullis/v1
kind: AssurancePolicy
metadata: {name: bases}
spec:
  appliesTo: {pipelines: ["*"]}
  enforcement: block
  controls:
    baseImage: ${baseImage}
    coverage: {onGap: ignore}
`;
}

function decide(report: ScanReport, baseImage: string) {
  const { policies } = parseDocuments(policyDoc(baseImage), 'policy.yaml', 'policy');
  return evaluate(report, policies, EMPTY_EXCEPTIONS, { pipeline: 'ci', image: imageOf(report), now: NOW });
}

// one inventory per image for the whole file (reading orders-api takes seconds)
const cache = new Map<string, Promise<Inventory>>();
function inventoryOf(path: string): Promise<Inventory> {
  let p = cache.get(path);
  if (!p) cache.set(path, (p = collectInventory(path)));
  return p;
}

async function debianDb(dir: string, t: { after(fn: () => void): void }): Promise<AdvisoryDb | undefined> {
  const deb = sharedOrSkip(t as never, 'data/debian/bookworm-sample.json');
  const ghsa = sharedOrSkip(t as never, 'data/ghsa');
  if (!deb || !ghsa) return undefined;
  const out = join(dir, 'db.sqlite');
  await buildDb([deb, `osv:${ghsa}`], out, { clock: fixedClock('2026-11-29T00:00:00Z') });
  const db = openDb(out);
  t.after(() => db.close());
  return db;
}

test('orders-api on debian-12-slim: layer match, findings split between the base (layer 0, 88 packages) and the app', async (t) => {
  const basePath = sharedOrSkip(t, 'fixtures/images/debian-12-slim.oci.tar');
  const appPath = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  const tsv = sharedOrSkip(t, 'fixtures/images/debian-12-slim-dpkg.tsv');
  if (!basePath || !appPath || !tsv) return;
  const dir = tmp(t);
  const db = await debianDb(dir, t);
  if (!db) return;
  const baseInv = await inventoryOf(basePath);
  const entry = entryFromInventory(baseInv, { name: 'debian:12-slim' });
  assert.deepEqual(entry.layers, ['sha256:ce46fbb27e86838cbc21bcc0029d6bdb519eba4947416b14a2a96d45603219f4']);
  assert.equal(entry.digest, baseInv.image.manifestDigest);
  assert.deepEqual(entry.os && [entry.os.family, entry.os.versionId], ['debian', '12']);
  const catalogPath = join(dir, 'base-catalog.yaml');
  await saveCatalog(upsertEntry(emptyCatalog(), entry).catalog, catalogPath);

  const appInv = await inventoryOf(appPath);
  const report = await applyLineage(scanInventory(appInv, db, { now: NOW, scanner: SCANNER }), db, { catalog: catalogPath });
  const lin = report.lineage!;
  assert.equal(lin.method, 'layer-match');
  assert.equal(lin.confidence, 'high');
  assert.equal(lin.baseLayers, 1);
  assert.deepEqual(lin.chain, [
    { name: 'docker.io/library/debian:12-slim', digest: entry.digest, configDigest: entry.configDigest, layers: 1, created: entry.created, approved: true },
  ]);

  const expected = readFileSync(tsv, 'utf8').trim().split('\n').map((l) => l.split('\t')[0]!).sort();
  assert.equal(expected.length, 88);
  assert.deepEqual(entry.packages.map((p) => p.name).sort(), expected, 'the catalog keeps the base inventory');
  const basePkgs = appInv.packages.filter((p) => (p.layer?.index ?? -1) < lin.baseLayers);
  assert.deepEqual(basePkgs.map((p) => p.name).sort(), expected, "the app's base-layer packages are exactly the base's 88");
  assert.ok(appInv.packages.some((p) => p.layer?.index === 1 && p.name === 'curl'), 'curl comes from the app');

  const vulns = report.findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability');
  const base = vulns.filter((f) => f.origin === 'base');
  const app = vulns.filter((f) => f.origin === 'app');
  assert.ok(base.length > 0 && app.length > 0, `base ${base.length}, app ${app.length}`);
  assert.equal(base.length + app.length, vulns.length, 'every vulnerability has a layer and an origin');
  for (const f of base) assert.equal(f.layer!.index, 0);
  for (const f of app) assert.ok(f.layer!.index >= 1);
  assert.ok(base.every((f) => expected.includes(f.package.name)), 'base findings are about base packages');
  assert.ok(app.some((f) => f.package.type === 'npm'), 'the npm findings are the app\'s');

  // the policy approves the base: no base-image violation
  const d = decide(report, '{approved: ["docker.io/library/debian:12-slim"], unknown: fail}');
  assert.deepEqual(d.violations.filter((v) => v.control.startsWith('baseImage')), []);
});

test('orders-api without its base in the catalog: unknown, and `unknown: fail` fails with a clear message', async (t) => {
  const appPath = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!appPath) return;
  const dir = tmp(t);
  const db = await debianDb(dir, t);
  if (!db) return;
  const other = join(dir, 'other.yaml');
  writeFileSync(other, `apiVersion: portcullis/v1\nkind: BaseImageCatalog\nbases:\n  - {name: "alpine:3.19", layers: ["sha256:${'1'.repeat(64)}"]}\n`);
  const appInv = await inventoryOf(appPath);
  for (const opts of [{}, { catalog: other }]) {
    const report = await applyLineage(scanInventory(appInv, db, { now: NOW, scanner: SCANNER }), db, { ...opts, cwd: dir });
    const lin = report.lineage!;
    assert.equal(lin.method, 'unknown');
    assert.deepEqual(lin.chain, []);
    // buildah's `FROM localhost/debian:12-slim` history comment marks the first app layer
    assert.equal(lin.baseLayers, 1);
    assert.match(lin.detail!, /FROM localhost\/debian:12-slim/);
    const d = decide(report, '{approved: ["docker.io/library/debian:12-slim"], unknown: fail}');
    assert.equal(d.verdict, 'fail');
    const v = d.violations.find((x) => x.control === 'baseImage.unknown');
    assert.ok(v, JSON.stringify(d.violations));
    assert.match(v.message, /base image could not be identified/);
    assert.match(v.message, /approved bases: docker\.io\/library\/debian:12-slim/);
    assert.match(v.remediation ?? '', /rebuild FROM an approved base, e\.g\. docker\.io\/library\/debian:12-slim/);
  }
});

async function alpineDb(t: { after(fn: () => void): void }, dir: string, secdb: string): Promise<AdvisoryDb> {
  // The secdb snapshot in ../shared predates both images' later fixes (every package of 3.10.4 and
  // 3.11.5 is at or above its listed fix), so the DB gets a small supplement written here, modelled on
  // later secdb entries: openssl 1.1.1d-r3 fixes CVE-2019-1551 on v3.10 too (v3.11 lists it already),
  // and busybox CVE-2021-28831 is fixed only after both images (1.30.1-r5 / 1.31.1-r10).
  // The branches go into ONE source directory: records of the same CVE are merged within a source.
  const src = join(dir, 'secdb');
  for (const b of ['v3.10', 'v3.11']) {
    mkdirSync(join(src, b), { recursive: true });
    copyFileSync(join(secdb, b, 'main.yaml'), join(src, b, 'main.yaml'));
  }
  writeFileSync(join(src, 'v3.10', 'supplement.yaml'), 'distroversion: v3.10\nreponame: main\npackages:\n  - pkg:\n      name: openssl\n      secfixes:\n        1.1.1d-r3:\n          - CVE-2019-1551\n  - pkg:\n      name: busybox\n      secfixes:\n        1.30.1-r5:\n          - CVE-2021-28831\n');
  writeFileSync(join(src, 'v3.11', 'supplement.yaml'), 'distroversion: v3.11\nreponame: main\npackages:\n  - pkg:\n      name: busybox\n      secfixes:\n        1.31.1-r10:\n          - CVE-2021-28831\n');
  const dbPath = join(dir, 'alpine.db');
  await buildDb([`alpine-secdb:${src}`], dbPath, { clock: fixedClock('2026-11-29T00:00:00Z') });
  const db = openDb(dbPath);
  t.after(() => db.close());
  return db;
}

test('alpine 3.10 vs 3.11: approving only alpine:3.11 fails a 3.10 image; advice points at 3.11 with the findings it removes', async (t) => {
  const p310 = sharedOrSkip(t, 'fixtures/third-party/images/trivy/alpine-310.tar.gz');
  const p311 = sharedOrSkip(t, 'fixtures/third-party/images/trivy/alpine-311.tar.gz');
  const secdb = sharedOrSkip(t, 'data/alpine-secdb');
  if (!p310 || !p311 || !secdb) return;
  const dir = tmp(t);
  const db = await alpineDb(t, dir, secdb);

  const inv310 = await inventoryOf(p310);
  const inv311 = await inventoryOf(p311);
  const e310 = entryFromInventory(inv310, { approved: false });
  const e311 = entryFromInventory(inv311);
  assert.equal(e310.name, 'docker.io/library/alpine:3.10');
  assert.equal(e311.name, 'docker.io/library/alpine:3.11');
  assert.notEqual(e310.layers[0], e311.layers[0], '3.10 is not a prefix of 3.11');
  const catalogPath = join(dir, 'base-catalog.yaml');
  await saveCatalog(upsertEntry(upsertEntry(emptyCatalog(), e310).catalog, e311).catalog, catalogPath);

  const report = await applyLineage(scanInventory(inv310, db, { now: NOW, scanner: SCANNER }), db, { catalog: catalogPath });
  const lin = report.lineage!;
  assert.equal(lin.method, 'layer-match');
  assert.equal(lin.chain[0]!.name, 'docker.io/library/alpine:3.10');
  assert.equal(lin.chain[0]!.approved, false);
  assert.equal(lin.baseLayers, 1);
  const advice = lin.advice ?? [];
  assert.deepEqual(advice.map((a) => [a.name, a.kind]), [['docker.io/library/alpine:3.11', 'upgrade']], 'only approved bases are advice');

  const d = decide(report, '{approved: ["docker.io/library/alpine:3.11*"], unknown: fail}');
  assert.equal(d.verdict, 'fail');
  const v = d.violations.find((x) => x.control === 'baseImage.approved');
  assert.ok(v, JSON.stringify(d.violations));
  assert.match(v.message, /base image docker\.io\/library\/alpine:3\.10(@sha256:[0-9a-f]{64})? \(layer-match, high confidence\) is not approved/);
  assert.match(v.remediation ?? '', /^rebuild FROM docker\.io\/library\/alpine:3\.11/);
  // approving 3.10 passes the base control
  assert.deepEqual(decide(report, '{approved: ["docker.io/library/alpine:3.10"]}').violations.filter((x) => x.control.startsWith('baseImage')), []);

  const vulns = report.findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability');
  assert.ok(vulns.length > 0, 'alpine 3.10.4 has known vulnerabilities in the 3.10 secdb');
  assert.ok(vulns.every((f) => f.origin === 'base'), 'the image is the base: all its findings are base findings');
  // independent count: the 3.11 image's own findings, by advisory id and package name
  const theirs = new Set(
    matchInventory(inv311, db)
      .findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability')
      .map((f) => `${f.advisoryId} ${f.package.name}`),
  );
  const fixed = vulns.filter((f) => !theirs.has(`${f.advisoryId} ${f.package.name}`)).map((f) => `${f.advisoryId} ${f.package.name}`).sort();
  assert.deepEqual(fixed, ['CVE-2019-1551 libcrypto1.1', 'CVE-2019-1551 libssl1.1'], 'openssl 1.1.1d-r3 in 3.11 fixes CVE-2019-1551');
  assert.deepEqual([...theirs].sort(), ['CVE-2021-28831 busybox', 'CVE-2021-28831 ssl_client'], 'busybox is still affected on 3.11');
  assert.equal(advice[0]!.fixes, 2);
  assert.equal(advice[0]!.remaining, 2);
  assert.equal(advice[0]!.unchecked, undefined);
  console.log(`alpine 3.10 → 3.11: ${vulns.length} base findings, ${fixed.length} fixed, ${theirs.size} remain`);
});

test('applyLineage: no catalog and no Dockerfile still attributes; explicit missing files and broken catalogs are errors', async (t) => {
  const appPath = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!appPath) return;
  const dir = tmp(t);
  const db = await debianDb(dir, t);
  if (!db) return;
  const appInv = await inventoryOf(appPath);
  const scanned = scanInventory(appInv, db, { now: NOW, scanner: SCANNER });
  await assert.rejects(applyLineage(scanned, db, { catalog: join(dir, 'missing.yaml') }), (e: unknown) => e instanceof PortcullisError && e.code === 'NOT_FOUND');
  await assert.rejects(applyLineage(scanned, db, { dockerfile: join(dir, 'Dockerfile') }), (e: unknown) => e instanceof PortcullisError && e.code === 'NOT_FOUND');
  writeFileSync(join(dir, 'base-catalog.yaml'), 'apiVersion: portcullis/v1\nkind: BaseImageCatalog\nbases:\n  - {name: "debian:12", layers: []}\n');
  await assert.rejects(applyLineage(scanned, db, { cwd: dir }), /base-catalog\.yaml: bases\[0\]\.layers: a base image has at least one layer/, 'the default catalog is used when present');
  // under a policy the working directory's catalog is the gated repository's file: not read, and said so
  const gated = await applyLineage(scanned, db, { cwd: dir, gated: true });
  assert.match(gated.lineage!.detail!, /base-catalog\.yaml in the working directory was not used: under a policy only a catalog given with --base-catalog/);
  assert.notEqual(gated.lineage!.method, 'layer-match');
  writeFileSync(join(dir, 'Dockerfile'), 'ARG BASE=debian:12-slim\nFROM ${BASE}\nCOPY . /srv/app\n');
  const r = await applyLineage(scanned, db, { dockerfile: join(dir, 'Dockerfile'), cwd: tmp(t) });
  assert.equal(r.lineage!.method, 'declared');
  assert.equal(r.lineage!.confidence, 'low');
  assert.equal(r.lineage!.chain[0]!.name, 'docker.io/library/debian:12-slim');
  assert.equal(r.findings.length, scanned.findings.length, 'no finding added or dropped');
  // a Dockerfile's FROM is a claim, not evidence: no finding is attributed to the base (or the app) on it
  for (const f of r.findings) assert.equal(f.origin, undefined);
});

test('an app generated on top of the real alpine 3.10 layer: layer match, base/app split, advice and policy', async (t) => {
  const p310 = sharedOrSkip(t, 'fixtures/third-party/images/trivy/alpine-310.tar.gz');
  const p311 = sharedOrSkip(t, 'fixtures/third-party/images/trivy/alpine-311.tar.gz');
  const secdb = sharedOrSkip(t, 'data/alpine-secdb');
  if (!p310 || !p311 || !secdb) return;
  const dir = tmp(t);
  const db = await alpineDb(t, dir, secdb);
  // the real 3.10 layer (read back through the source, digest-checked) plus a small application layer
  const img = await openImage(p310);
  let baseLayer: Buffer;
  try {
    const content = await img.openLayer(img.layers[0]!.diffId);
    assert.equal(content.kind, 'tar');
    const chunks: Buffer[] = [];
    for await (const c of (content as { stream: AsyncIterable<Buffer> }).stream) chunks.push(Buffer.from(c)); // valid until the next (LayerStream)
    baseLayer = Buffer.concat(chunks);
  } finally {
    await img.close();
  }
  assert.equal(sha(baseLayer), img.layers[0]!.diffId);
  const appLayer = await makeTar([{ name: 'srv/app.sh', content: '#!/bin/sh\necho hi\n', mode: 0o755 }]);
  const app = join(dir, 'app.tar');
  writeFileSync(app, await dockerArchive([baseLayer, appLayer], { repoTags: ['registry.example.com/team/app:7'], config: configFor([sha(baseLayer), sha(appLayer)], {}, ['/bin/sh -c #(nop) ADD file:d48cac34 in / ', 'COPY app.sh /srv/']) }));

  const catalogPath = join(dir, 'base-catalog.yaml');
  const e310 = entryFromInventory(await inventoryOf(p310), { approved: false });
  const e311 = entryFromInventory(await inventoryOf(p311));
  await saveCatalog(upsertEntry(upsertEntry(emptyCatalog(), e310).catalog, e311).catalog, catalogPath);
  const inv = await collectInventory(`docker-archive:${app}`);
  const report = await applyLineage(scanInventory(inv, db, { now: NOW, scanner: SCANNER }), db, { catalog: catalogPath });
  assert.equal(report.lineage!.method, 'layer-match');
  assert.deepEqual(report.lineage!.chain.map((b) => b.name), ['docker.io/library/alpine:3.10']);
  assert.equal(report.lineage!.baseLayers, 1);
  assert.equal(report.lineage!.advice?.[0]?.name, 'docker.io/library/alpine:3.11');
  const d = decide(report, '{approved: ["docker.io/library/alpine:3.11*"], unknown: fail}');
  assert.equal(d.verdict, 'fail');
  assert.ok(d.violations.some((v) => v.control === 'baseImage.approved' && /rebuild FROM docker\.io\/library\/alpine:3\.11/.test(v.remediation ?? '')));
  const vulns = report.findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability');
  assert.ok(vulns.length > 0);
  assert.ok(vulns.every((f) => f.origin === 'base' && f.layer?.index === 0), 'the apk packages come from the base layer');
  assert.equal(report.lineage!.advice![0]!.fixes, 2);
});
