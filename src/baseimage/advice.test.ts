import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock } from '../core/clock.js';
import { buildDb, openDb } from '../advisory/index.js';
import { matchInventory } from '../match/index.js';
import { adviseBases, fromLine, isDescendant } from './advice.js';
import { adviceLine } from '../report/describe.js';
import { imageMatchesAny, parseImageRef } from '../policy/imageref.js';
import { attributeOrigin } from './attribute.js';
import { entryFromInventory, type Catalog } from './catalog.js';
import { detectLineage } from './detect.js';
import { debPkg, dig, inv } from './testutil.js';

const [A, B, C, D] = ['a', 'b', 'c', 'd'].map(dig) as [string, string, string, string];

function osv(id: string, pkg: string, fixed: string, ecosystem = 'Debian:12'): string {
  return JSON.stringify({
    id,
    modified: '2024-01-01T00:00:00Z',
    summary: `${id} in ${pkg}`,
    affected: [{ package: { ecosystem, name: pkg }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
  });
}

/**
 * Bases (Debian 12): old debian:12 (zlib 1.0 + openssl 1.0 → 3 vulns), a newer build of debian:12
 * (zlib 2.0, openssl 1.0 → 1 vuln), debian:13-ish other tag (zlib 2.0, openssl 3.0 → 0 vulns), an
 * unapproved one with no vulns, and an alpine base (other family, never suggested).
 */
async function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-advice-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'osv');
  mkdirSync(src);
  writeFileSync(join(src, 'a.json'), osv('CVE-2024-0001', 'zlib', '2.0'));
  writeFileSync(join(src, 'b.json'), osv('CVE-2024-0002', 'zlib', '1.5'));
  writeFileSync(join(src, 'c.json'), osv('CVE-2024-0003', 'openssl', '3.0'));
  writeFileSync(join(src, 'd.json'), osv('CVE-2024-0004', 'musl', '9.0', 'Alpine:v3.19'));
  const out = join(dir, 'db.sqlite');
  await buildDb([`osv:${src}`], out, { clock: fixedClock('2024-06-01T00:00:00Z') });
  const db = openDb(out);
  t.after(() => db.close());
  const deb = { family: 'debian', versionId: '12' };
  const pk = (zlib: string, ssl: string, layer = 0) => [
    debPkg('zlib1g', zlib, layer, { name: 'zlib', version: zlib }),
    debPkg('libssl3', ssl, layer, { name: 'openssl', version: ssl }),
  ];
  const mk = (name: string, layers: string[], packages: ReturnType<typeof pk>, created: string, approved = true, os = deb) => {
    const i = inv({ layers, name, os, packages, manifestDigest: dig(`m-${name}-${created}`) });
    i.image.config.created = created;
    return entryFromInventory(i, { approved });
  };
  const catalog: Catalog = {
    path: 'cat.yaml',
    entries: [
      mk('debian:12', [A], pk('1.0', '1.0'), '2024-01-01T00:00:00Z'),
      mk('debian:12', [B], pk('2.0', '1.0'), '2024-04-01T00:00:00Z'),
      mk('debian:12.9', [C], pk('2.0', '3.0'), '2024-05-01T00:00:00Z'),
      mk('debian:12-unapproved', [D], pk('2.0', '3.0'), '2024-05-01T00:00:00Z', false),
      mk('alpine:3.19', [dig('alp')], [], '2024-05-01T00:00:00Z', true, { family: 'alpine', versionId: '3.19.1' }),
    ],
  };
  return { db, catalog, pk, deb };
}

test('advice: approved same-family bases, fixes counted per advisory+package, rebuild vs upgrade, sorted', async (t) => {
  const { db, catalog, pk, deb } = await setup(t);
  // the app image: on the OLD debian:12 build (layer A), plus its own layer with an old zlib copy
  const image = inv({ layers: [A, dig('app')], os: deb, packages: [...pk('1.0', '1.0', 0), debPkg('zlib-app', '1.0', 1, { name: 'zlib', version: '1.0' })] });
  const matched = matchInventory(image, db);
  const lineage = detectLineage(image, catalog);
  assert.equal(lineage.method, 'layer-match');
  const findings = attributeOrigin(matched.findings, lineage);
  const base = findings.filter((f) => f.kind === 'vulnerability' && f.origin === 'base');
  assert.equal(base.length, 3, 'zlib ×2 + openssl in the base layer');
  assert.equal(findings.filter((f) => f.kind === 'vulnerability' && f.origin === 'app').length, 2);
  const advice = adviseBases({ inventory: image, findings, lineage, catalog, db });
  const d12_9 = catalog.entries[2]!.digest!;
  const d12 = catalog.entries[1]!.digest!;
  assert.deepEqual(advice, [
    { name: 'docker.io/library/debian:12.9', digest: d12_9, kind: 'upgrade', fixes: 3, remaining: 0, from: `FROM docker.io/library/debian:12.9@${d12_9}`, approvedBy: [] },
    { name: 'docker.io/library/debian:12', digest: d12, kind: 'rebuild', fixes: 2, remaining: 1, from: `FROM docker.io/library/debian:12@${d12}`, approvedBy: [] },
  ]);
});

test('advice: an older build of the same tag, the current base, unapproved and other-family bases are never suggested', async (t) => {
  const { db, catalog, pk, deb } = await setup(t);
  // on the NEWER debian:12 build: the old build is not advice, 12.9 fixes the openssl one
  const image = inv({ layers: [B, dig('app')], os: deb, packages: pk('2.0', '1.0', 0) });
  const lineage = detectLineage(image, catalog);
  const findings = attributeOrigin(matchInventory(image, db).findings, lineage);
  const advice = adviseBases({ inventory: image, findings, lineage, catalog, db });
  assert.deepEqual(advice.map((a) => [a.name, a.kind, a.fixes]), [['docker.io/library/debian:12.9', 'upgrade', 1]]);
  // no catalog, or an unknown base with no base-layer vulnerabilities: no advice
  assert.deepEqual(adviseBases({ inventory: image, findings, lineage, catalog: undefined, db }), []);
  const unknown = detectLineage(inv({ layers: [dig('zz')], os: deb }), catalog);
  assert.deepEqual(adviseBases({ inventory: inv({ layers: [dig('zz')], os: deb }), findings: [], lineage: unknown, catalog, db }), []);
});

test('advice: a candidate whose ecosystem the DB does not cover says how many packages were unchecked', async (t) => {
  const { db, catalog, pk } = await setup(t);
  const ubuntu = { family: 'debian', versionId: '11' }; // Debian:11 has no records in this DB
  const i = inv({ layers: [dig('u')], name: 'debian:11', os: ubuntu, packages: pk('1.0', '1.0') });
  i.image.config.created = '2024-05-01T00:00:00Z';
  const c: Catalog = { ...catalog, entries: [...catalog.entries, entryFromInventory(i)] };
  const image = inv({ layers: [A, dig('app')], os: { family: 'debian', versionId: '12' }, packages: pk('1.0', '1.0', 0) });
  const lineage = detectLineage(image, c);
  const findings = attributeOrigin(matchInventory(image, db).findings, lineage);
  const a = adviseBases({ inventory: image, findings, lineage, catalog: c, db }).find((x) => x.name === 'docker.io/library/debian:11');
  assert.ok(a);
  assert.equal(a.unchecked, 2);
  assert.equal(a.fixes, 3, 'nothing matched (not covered): the count is an upper bound, flagged by unchecked');
});

test('advice: bases known only by config digest (docker save archives) still get rebuild advice', async (t) => {
  const { db, catalog, pk, deb } = await setup(t);
  const noManifest: Catalog = {
    ...catalog,
    entries: catalog.entries.map((e, i) => {
      const { digest: _d, ...rest } = e;
      return { ...rest, configDigest: dig(`cfg${i}`) };
    }),
  };
  const image = inv({ layers: [A, dig('app')], os: deb, packages: pk('1.0', '1.0', 0) });
  const lineage = detectLineage(image, noManifest);
  assert.equal(lineage.chain[0]!.digest, undefined);
  assert.equal(lineage.chain[0]!.configDigest, dig('cfg0'));
  const findings = attributeOrigin(matchInventory(image, db).findings, lineage);
  const advice = adviseBases({ inventory: image, findings, lineage, catalog: noManifest, db });
  assert.deepEqual(advice.map((a) => [a.name, a.kind, a.fixes, a.digest, a.from]), [
    ['docker.io/library/debian:12.9', 'upgrade', 3, undefined, 'FROM docker.io/library/debian:12.9'],
    ['docker.io/library/debian:12', 'rebuild', 2, undefined, 'FROM docker.io/library/debian:12'],
  ], 'a config digest cannot be pulled by: the FROM line names the tag');
});

/** What a policy's `baseImage.approved` globs accept, as scan/decide's baseApproval builds it (no globs: no policy restricts). */
function approvalOf(policies: string[], globs: string[]) {
  return {
    policies,
    approves: (e: { name: string; digest?: string }) => globs.length === 0 || imageMatchesAny(globs, { ...parseImageRef(e.name), digest: e.digest }),
  };
}

test('advice: only bases every policy in force approves are offered, with the policies named', async (t) => {
  const { db, catalog, pk, deb } = await setup(t);
  const image = inv({ layers: [A, dig('app')], os: deb, packages: pk('1.0', '1.0', 0) });
  const lineage = detectLineage(image, catalog);
  const findings = attributeOrigin(matchInventory(image, db).findings, lineage);
  // the catalog approves debian:12.9 (the best candidate), but the policy approves only debian:12 builds
  const advice = adviseBases({ inventory: image, findings, lineage, catalog, db, approval: approvalOf(['production'], ['debian:12']) });
  assert.deepEqual(advice.map((a) => [a.name, a.kind, a.approvedBy]), [['docker.io/library/debian:12', 'rebuild', ['production']]]);
  assert.doesNotMatch(adviceLine(advice[0]!), /catalog only/);
  // a digest-pinned approval: only that build; an approval nothing in the catalog meets: no advice
  const pinned = adviseBases({ inventory: image, findings, lineage, catalog, db, approval: approvalOf(['production'], [`debian@${catalog.entries[2]!.digest}`]) });
  assert.deepEqual(pinned.map((a) => a.name), ['docker.io/library/debian:12.9']);
  assert.deepEqual(adviseBases({ inventory: image, findings, lineage, catalog, db, approval: approvalOf(['production'], ['corp/*']) }), []);
  // the policy approving a base the catalog does not approve does not make it advice (both must hold)
  const unapproved = adviseBases({ inventory: image, findings, lineage, catalog, db, approval: approvalOf(['production'], ['debian:*']) });
  assert.ok(!unapproved.some((a) => a.name.endsWith('debian:12-unapproved')));
});

test('advice: without a policy the line says the base catalog alone approved it, with the digest-pinned FROM line', async (t) => {
  const { db, catalog, pk, deb } = await setup(t);
  const image = inv({ layers: [A, dig('app')], os: deb, packages: pk('1.0', '1.0', 0) });
  const lineage = detectLineage(image, catalog);
  const findings = attributeOrigin(matchInventory(image, db).findings, lineage);
  const [first, second] = adviseBases({ inventory: image, findings, lineage, catalog, db });
  const d = catalog.entries[2]!.digest!;
  assert.match(d, /^sha256:[0-9a-f]{64}$/);
  assert.equal(
    adviceLine(first!),
    `move to docker.io/library/debian:12.9: fixes 3 of the base's findings, 0 remain (approved by the base catalog only: no policy in force names approved bases) — FROM docker.io/library/debian:12.9@${d}`,
  );
  assert.match(adviceLine(second!), /^rebuild on the current tag docker\.io\/library\/debian:12 \(it moved to a newer build\): .* — FROM docker\.io\/library\/debian:12@sha256:[0-9a-f]{64}$/);
  // a policy in force that names no approved bases: the catalog's approval, said the same way
  const none = adviseBases({ inventory: image, findings, lineage, catalog, db, approval: approvalOf([], []) });
  assert.equal(none.length, 2);
  assert.match(adviceLine(none[0]!), /approved by the base catalog only/);
  assert.equal(fromLine('docker.io/library/debian:12.9', d), `FROM docker.io/library/debian:12.9@${d}`);
  assert.equal(fromLine('docker.io/library/debian:12.9', undefined), 'FROM docker.io/library/debian:12.9');
});

test('advice: a base built on the current base (a descendant) is never offered, even when it would fix more', async (t) => {
  const { db, catalog, pk, deb } = await setup(t);
  // corp/base: debian:12 (old build, layer A) + a layer that upgrades zlib and openssl: by its inventory it fixes all 3
  const corpInv = inv({ layers: [A, dig('corp')], name: 'corp/base:1.0', os: deb, packages: pk('2.0', '3.0', 1), manifestDigest: dig('m-corp') });
  corpInv.image.config.created = '2024-05-02T00:00:00Z';
  const corp = entryFromInventory(corpInv, { approved: true });
  const c: Catalog = { ...catalog, entries: [...catalog.entries, corp] };
  const image = inv({ layers: [A, dig('app')], os: deb, packages: pk('1.0', '1.0', 0) });
  const lineage = detectLineage(image, c);
  assert.equal(lineage.chain[0]!.name, 'docker.io/library/debian:12');
  const current = c.entries[0]!;
  assert.ok(isDescendant(corp, current));
  assert.ok(!isDescendant(current, corp) && !isDescendant(current, current));
  const findings = attributeOrigin(matchInventory(image, db).findings, lineage);
  const advice = adviseBases({ inventory: image, findings, lineage, catalog: c, db });
  assert.ok(advice.length > 0);
  assert.ok(!advice.some((a) => a.name === 'docker.io/corp/base:1.0'), advice.map((a) => a.name).join(', '));
  // approved by a policy too: still never offered
  const withPolicy = adviseBases({ inventory: image, findings, lineage, catalog: c, db, approval: approvalOf(['production'], ['corp/*', 'debian:*']) });
  assert.ok(!withPolicy.some((a) => a.name === 'docker.io/corp/base:1.0'));
});
