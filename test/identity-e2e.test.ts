// Identity from content, end to end through the CLI on images built here (src/source/testkit.ts):
//  - an Alpine image labelled (and Dockerfile-declared, and history-commented) as debian:12-slim does
//    not satisfy baseImage.approved, and `appOnly` does not hide its findings as "base";
//  - the same Alpine layer matched against the catalog by layers is approved, and appOnly applies;
//  - a digest typed in the image reference never becomes the image's digest (an allowlist pinned to it
//    is not met by typing it: the scan stops with exit 2 naming both digests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanReport } from '../src/core/report.js';
import { buildDb } from '../src/advisory/index.js';
import { fixedClock } from '../src/core/clock.js';
import { configFor, dockerArchive, makeTar, sha } from '../src/source/testkit.js';
import { cli } from './helpers/cli.js';

const NOW = '2026-03-02T00:00:00.000Z';
const DEBIAN = 'docker.io/library/debian:12-slim';

const ALPINE_LAYER = makeTar([
  { name: 'etc/', type: 'directory' },
  { name: 'etc/os-release', content: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n' },
  { name: 'lib/apk/db/installed', content: 'C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\no:musl\nF:lib\nR:ld-musl-x86_64.so.1\n' },
]);
const APP_LAYER = makeTar([{ name: 'srv/app/main.sh', content: 'echo hi\n' }]);

async function setup(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-identity-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const alpine = await ALPINE_LAYER;
  const app = await APP_LAYER;
  const diffIds = [sha(alpine), sha(app)];
  // every claim the image can make says debian:12-slim: label, history comment
  const config = configFor(diffIds, {
    config: { User: '10001', Labels: { 'org.opencontainers.image.base.name': DEBIAN } },
    history: [
      { created: '2026-01-01T00:00:00Z', created_by: '/bin/sh -c #(nop) ADD file:0123abcd in / ' },
      { created: '2026-02-01T00:00:00Z', created_by: 'COPY . /srv/app', comment: `FROM ${DEBIAN}` },
    ],
  });
  const image = join(dir, 'app.tar');
  writeFileSync(image, await dockerArchive([alpine, app], { config, repoTags: ['shop/api:1.0'] }));
  const src = join(dir, 'osv');
  mkdirSync(src);
  writeFileSync(
    join(src, 'musl.json'),
    JSON.stringify({
      id: 'CVE-2026-0001',
      modified: '2026-03-01T00:00:00Z',
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
      affected: [{ package: { ecosystem: 'Alpine:v3.19', name: 'musl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2.4-r3' }] }] }],
    }),
  );
  const db = join(dir, 'db.sqlite');
  await buildDb([`osv:${src}`], db, { clock: fixedClock(NOW) });
  const policy = join(dir, 'policy.yaml');
  writeFileSync(
    policy,
    [
      'apiVersion: portcullis/v1',
      'kind: AssurancePolicy',
      'metadata: {name: prod}',
      'spec:',
      '  controls:',
      '    vulnerabilities: {failOn: high, appOnly: true}',
      `    baseImage: {approved: ["${DEBIAN}"], unknown: fail}`,
      '',
    ].join('\n'),
  );
  // the catalog knows debian:12-slim by its real (different) layer
  const catalog = join(dir, 'catalog.yaml');
  writeFileSync(catalog, `apiVersion: portcullis/v1\nkind: BaseImageCatalog\nbases:\n  - {name: "${DEBIAN}", layers: ["${sha('a debian layer')}"]}\n`);
  const dockerfile = join(dir, 'Dockerfile');
  writeFileSync(dockerfile, `FROM ${DEBIAN}\nCOPY . /srv/app\n`);
  return { dir, image, db, policy, catalog, dockerfile, alpineDiffId: sha(alpine) };
}

async function scan(s: Awaited<ReturnType<typeof setup>>, args: string[]): Promise<{ code: number; report?: ScanReport; stderr: string }> {
  const out = join(s.dir, `r-${Math.random().toString(36).slice(2)}.json`);
  const r = await cli(['scan', ...args, '--db', s.db, '--policy', s.policy, '--quiet', '--format', 'json', '--output', out], { now: NOW });
  let report: ScanReport | undefined;
  try {
    report = JSON.parse(readFileSync(out, 'utf8')) as ScanReport;
  } catch {
    report = undefined;
  }
  return { code: r.code, report, stderr: r.stderr };
}

test('an Alpine image labelled debian:12-slim: the declared base is shown, never approved; appOnly hides nothing', async (t) => {
  const s = await setup(t);
  for (const extra of [[], ['--dockerfile', s.dockerfile]]) {
    const { code, report } = await scan(s, [s.image, '--base-catalog', s.catalog, ...extra]);
    assert.equal(code, 1);
    const lin = report!.lineage!;
    assert.equal(lin.method, 'declared', 'the claim is still shown');
    assert.equal(lin.chain[0]?.name, DEBIAN);
    const d = report!.decision!;
    const base = d.violations.find((v) => v.control === 'baseImage.unknown');
    assert.ok(base, JSON.stringify(d.violations));
    assert.match(base.message, /could not be verified: declared as docker\.io\/library\/debian:12-slim/);
    assert.equal(d.violations.some((v) => v.control === 'baseImage.approved'), false);
    // the musl finding (layer 1, "inherited" by every claim) is not base: appOnly does not suppress it
    const musl = report!.findings.find((f) => f.kind === 'vulnerability' && f.package.name === 'musl');
    assert.ok(musl);
    assert.equal(musl.origin, undefined);
    assert.ok(d.violations.some((v) => v.control === 'vulnerabilities.failOn' && v.findingId === musl.id));
    assert.equal(d.suppressed.some((x) => x.by === 'app-only'), false);
  }
});

test('the same image with its real base in the catalog: layer match approves, appOnly applies', async (t) => {
  const s = await setup(t);
  const catalog = join(s.dir, 'alpine-catalog.yaml');
  writeFileSync(catalog, `apiVersion: portcullis/v1\nkind: BaseImageCatalog\nbases:\n  - {name: "docker.io/library/alpine:3.19", layers: ["${s.alpineDiffId}"]}\n`);
  const policy = readFileSync(s.policy, 'utf8').replace(DEBIAN, 'docker.io/library/alpine:3.19');
  writeFileSync(s.policy, policy);
  const { code, report } = await scan(s, [s.image, '--base-catalog', catalog]);
  assert.equal(report!.lineage!.method, 'layer-match');
  const musl = report!.findings.find((f) => f.kind === 'vulnerability' && f.package.name === 'musl');
  assert.equal(musl?.origin, 'base');
  assert.deepEqual(report!.decision!.violations, []);
  assert.ok(report!.decision!.suppressed.some((x) => x.by === 'app-only' && x.findingId === musl!.id));
  assert.equal(code, 0);
});

test('a typed digest is checked against the computed one and never used as the image digest', async (t) => {
  const s = await setup(t);
  const forged = `sha256:${'ab'.repeat(32)}`;
  const exc = join(s.dir, 'allow.yaml');
  writeFileSync(
    exc,
    `apiVersion: portcullis/v1\nkind: Exceptions\nallowlist:\n  - {image: "docker.io/shop/api@${forged}", expires: 2026-12-31, reason: legacy, owner: sec@example.com}\n`,
  );
  const forgedRun = await scan(s, [`docker-archive:${s.image}:shop/api:1.0@${forged}`, '--exceptions', exc]);
  assert.equal(forgedRun.code, 2);
  assert.match(forgedRun.stderr, new RegExp(`pins ${forged}, but the image read has config digest \\(image id\\) sha256:[0-9a-f]{64}`));
  assert.equal(forgedRun.stderr.trim().split('\n').length, 1);

  // the right digest is accepted; the decision record carries the computed digests only
  const plain = await scan(s, [s.image]);
  const id = plain.report!.inventory.image.configDigest!;
  const record = join(s.dir, 'decision.json');
  const ok = await scan(s, [`docker-archive:${s.image}:shop/api:1.0@${id}`, '--decision', record]);
  assert.equal(ok.code, 1);
  const rec = JSON.parse(readFileSync(record, 'utf8')) as { image: { digest?: string; configDigest?: string } };
  assert.equal(rec.image.digest, undefined, 'a docker save archive has no manifest digest; the typed one is not used');
  assert.equal(rec.image.configDigest, id);
  assert.equal(ok.report!.decision!.image?.digest, undefined);
});
