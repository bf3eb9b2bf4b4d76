// Three-level lineage on real (generated) images: debian-like base (1 layer, OCI layout dir) →
// corp/base FROM it (+1 layer, oci-archive) → app FROM corp/base (+1 layer, docker-archive). The
// images are built here with tar-stream and node:crypto (src/source/testkit.ts): correct diff_ids,
// configs and manifests, read back through openImage/collectInventory like any other image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectInventory } from '../scan/collect.js';
import { scanInventory } from '../scan/scan.js';
import { applyLineage } from '../scan/lineage.js';
import { buildDb, openDb } from '../advisory/index.js';
import { fixedClock } from '../core/clock.js';
import type { VulnerabilityFinding } from '../core/types.js';
import { configFor, dockerArchive, makeTar, ociImage, ociLayoutFiles, sha, tarOf, tempDir, writeTree } from '../source/testkit.js';
import { entryFromInventory, saveCatalog, upsertEntry, emptyCatalog } from './catalog.js';
import { detectLineage } from './detect.js';

const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nVERSION_CODENAME=bookworm\nID=debian\n';

function status(pkgs: [string, string][]): string {
  return pkgs.map(([n, v]) => `Package: ${n}\nStatus: install ok installed\nPriority: optional\nArchitecture: amd64\nVersion: ${v}\nDescription: ${n}\n`).join('\n');
}

function osv(id: string, ecosystem: string, name: string, fixed: string): string {
  return JSON.stringify({ id, modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }] });
}

async function build(dir: string) {
  const l0 = await makeTar([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/os-release', content: OS_RELEASE },
    { name: 'var/lib/dpkg/status', content: status([['libbase1', '1.0-1']]) },
  ]);
  const l1 = await makeTar([{ name: 'var/lib/dpkg/status', content: status([['libbase1', '1.0-1'], ['libcorp1', '2.0-1']]) }]);
  const l2 = await makeTar([{ name: 'app/node_modules/left-pad/package.json', content: JSON.stringify({ name: 'left-pad', version: '1.0.0' }) }]);

  // base: an OCI layout directory
  const base = await ociImage([{ tar: l0, createdBy: 'ADD file:0123abcd in /' }]);
  const baseDir = join(dir, 'base-oci');
  mkdirSync(baseDir);
  writeTree(baseDir, ociLayoutFiles({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: base.manifestDigest, size: base.files[`blobs/sha256/${base.manifestDigest.slice(7)}`]!.length, annotations: { 'org.opencontainers.image.ref.name': '12' } }] }, [base.files]));

  // corp/base: an oci-archive tar, with the base's layer and its own
  const corp = await ociImage([{ tar: l0, createdBy: 'ADD file:0123abcd in /' }, { tar: l1, createdBy: 'RUN apt-get install -y libcorp1' }], {
    annotations: { 'org.opencontainers.image.base.name': 'docker.io/library/debian:12', 'org.opencontainers.image.base.digest': base.manifestDigest },
  });
  const corpTar = join(dir, 'corp-base.oci.tar');
  writeFileSync(corpTar, await tarOf(ociLayoutFiles({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: corp.manifestDigest, size: corp.files[`blobs/sha256/${corp.manifestDigest.slice(7)}`]!.length, annotations: { 'org.opencontainers.image.ref.name': 'registry.example.com/corp/base:1' } }] }, [corp.files])));

  // app: a docker save archive with all three layers
  const appTar = join(dir, 'app.docker.tar');
  const diffIds = [l0, l1, l2].map((l) => sha(l));
  writeFileSync(appTar, await dockerArchive([l0, l1, l2], { repoTags: ['registry.example.com/team/app:3'], config: configFor(diffIds, {}, ['ADD file:0123abcd in /', 'RUN apt-get install -y libcorp1', 'COPY app /app']) }));
  return { baseDir, corpTar, appTar, diffIds, baseDigest: base.manifestDigest, corpDigest: corp.manifestDigest };
}

test('generated images: app → corp/base → debian:12 is detected as a chain by layer match, findings split by layer', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const img = await build(dir);

  const baseInv = await collectInventory(`oci:${img.baseDir}`);
  const corpInv = await collectInventory(`oci-archive:${img.corpTar}`);
  assert.deepEqual(baseInv.packages.map((p) => p.name), ['libbase1'], 'the base is read through the real source + walker + dpkg analyzer');
  const baseEntry = entryFromInventory(baseInv, { name: 'debian:12' });
  const corpEntry = entryFromInventory(corpInv);
  assert.equal(corpEntry.name, 'registry.example.com/corp/base:1', 'the OCI ref.name is a full name here');
  assert.equal(baseEntry.digest, img.baseDigest);
  assert.equal(corpEntry.digest, img.corpDigest);
  assert.deepEqual(corpEntry.layers, img.diffIds.slice(0, 2));
  assert.equal(baseEntry.os?.family, 'debian');

  const catalogPath = join(dir, 'base-catalog.yaml');
  await saveCatalog(upsertEntry(upsertEntry(emptyCatalog(), baseEntry).catalog, corpEntry).catalog, catalogPath);

  const appInv = await collectInventory(`docker-archive:${img.appTar}`);
  const lineage = detectLineage(appInv, { entries: [baseEntry, corpEntry] });
  assert.equal(lineage.method, 'layer-match');
  assert.equal(lineage.confidence, 'high');
  assert.deepEqual(lineage.chain.map((b) => [b.name, b.layers]), [['registry.example.com/corp/base:1', 2], ['docker.io/library/debian:12', 1]]);
  assert.equal(lineage.baseLayers, 2);

  // the corp base's own lineage: debian:12 by layer match (its annotation agrees)
  const corpLineage = detectLineage(corpInv, { entries: [baseEntry] });
  assert.deepEqual(corpLineage.chain.map((b) => b.name), ['docker.io/library/debian:12']);

  // through the scan stage with a real DB: findings from layers 0-1 are base, layer 2 is app
  const src = join(dir, 'osv');
  mkdirSync(src);
  writeFileSync(join(src, '1.json'), osv('CVE-2024-1001', 'Debian:12', 'libbase1', '1.0-2'));
  writeFileSync(join(src, '2.json'), osv('CVE-2024-1002', 'Debian:12', 'libcorp1', '2.0-2'));
  writeFileSync(join(src, '3.json'), osv('GHSA-aaaa-bbbb-cccc', 'npm', 'left-pad', '1.3.0'));
  const dbPath = join(dir, 'db.sqlite');
  await buildDb([`osv:${src}`], dbPath, { clock: fixedClock('2024-06-01T00:00:00Z') });
  const db = openDb(dbPath);
  t.after(() => db.close());
  const now = new Date('2024-06-01T00:00:00Z');
  const report = await applyLineage(scanInventory(appInv, db, { now, scanner: { name: 'portcullis', version: 'test' } }), db, { catalog: catalogPath });
  const vulns = report.findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability');
  assert.deepEqual(vulns.map((f) => [f.package.name, f.layer?.index, f.origin]).sort(), [
    ['left-pad', 2, 'app'],
    ['libbase1', 0, 'base'],
    ['libcorp1', 1, 'base'],
  ]);
  assert.deepEqual(report.lineage?.chain.map((b) => b.name), ['registry.example.com/corp/base:1', 'docker.io/library/debian:12']);
  assert.deepEqual(report.lineage?.advice, undefined, 'the only other catalog entry is an ancestor: not an upgrade');

  // without corp/base in the catalog, the nearest base is debian:12 and layer 1 is the app's
  const only = detectLineage(appInv, { entries: [baseEntry] });
  assert.deepEqual(only.chain.map((b) => b.name), ['docker.io/library/debian:12']);
  assert.equal(only.baseLayers, 1);
});
