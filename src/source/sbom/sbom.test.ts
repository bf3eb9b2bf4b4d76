import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSbom } from './index.js';
import { toCycloneDx } from '../../report/cyclonedx/index.js';
import { toSpdx } from '../../report/spdx/index.js';
import { toJson } from '../../report/json/index.js';
import { sampleReport } from '../../report/testdata/sample.js';
import { isPortcullisError } from '../../core/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-sbom-test-'));
const put = (name: string, content: string) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};

for (const [name, doc] of [
  ['cyclonedx', toCycloneDx(sampleReport(false), 'sbom')],
  ['spdx', toSpdx(sampleReport(false))],
] as const) {
  test(`our ${name} SBOM reads back to the same packages, OS and layers`, async () => {
    const inv = await readSbom(put(`${name}.json`, JSON.stringify(doc)));
    const orig = sampleReport(false).inventory;
    assert.equal(inv.os?.family, 'debian');
    assert.equal(inv.os?.versionId, '12');
    assert.equal(inv.os?.codename, 'bookworm');
    assert.deepEqual(
      inv.packages.map((p) => [p.type, p.name, p.version, p.purl, p.source?.name, p.locations[0]?.path, p.layer?.diffId]),
      orig.packages.map((p) => [p.type, p.name, p.version, p.purl, p.source?.name, p.locations[0]?.path, p.layer?.diffId]),
    );
    assert.equal(inv.image.name, 'shop/orders-api:1.4.2');
    assert.deepEqual(inv.image.platform, { os: 'linux', architecture: 'amd64' });
    assert.equal(inv.image.configDigest, orig.image.configDigest);
    assert.equal(inv.image.ref.input, orig.image.ref.input);
    assert.deepEqual(inv.gaps, []);
  });
}

test('the platform survives CycloneDX and SPDX round trips, variant included', async () => {
  const r = sampleReport(false);
  r.inventory.image.platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };
  for (const [name, doc] of [['cdx-arm.json', toCycloneDx(r, 'sbom')], ['spdx-arm.json', toSpdx(r)]] as const) {
    const inv = await readSbom(put(name, JSON.stringify(doc)));
    assert.deepEqual(inv.image.platform, { os: 'linux', architecture: 'arm64', variant: 'v8' }, name);
  }
  // another tool's SBOM says nothing about the platform: unknown, never a guess
  const other = await readSbom(fileURLToPath(new URL('./testdata/trivy-style.cdx.json', import.meta.url)));
  assert.equal(other.image.platform.architecture, 'unknown');
});

test('our JSON report reads back to the same inventory, losslessly', async () => {
  const r = sampleReport();
  r.inventory.packages[0]!.files = ['/usr/bin/curl'];
  r.inventory.packages[1]!.dev = true;
  r.inventory.gaps = [{ id: 'coverage-gap:1', kind: 'coverage-gap', title: 'file-too-large: /x', severity: 'unknown', reason: 'file-too-large', subject: '/x', detail: 'over 1 MiB' }];
  const file = put('report.json', toJson(r));
  const inv = await readSbom(file);
  const { ref, ...image } = inv.image;
  const { ref: origRef, ...origImage } = r.inventory.image;
  assert.deepEqual(image, origImage);
  assert.deepEqual(ref, { input: origRef.input, transport: 'sbom', path: file, name: undefined, tag: undefined });
  assert.deepEqual(inv.os, r.inventory.os);
  assert.deepEqual(inv.packages, r.inventory.packages);
  assert.deepEqual(inv.analyzers, r.inventory.analyzers);
  assert.deepEqual(inv.gaps, r.inventory.gaps);
});

test('a hostile or damaged JSON report is refused, naming the file and the JSON path', async () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test spoils arbitrary fields of parsed JSON
  const base = () => JSON.parse(toJson(sampleReport(false))) as { schemaVersion: string; inventory: Record<string, any> };
  const cases: [string, (d: ReturnType<typeof base>) => void, RegExp][] = [
    ['schema', (d) => (d.schemaVersion = '99'), /schemaVersion: report schema "99" is not supported/],
    ['pkgs', (d) => (d.inventory.packages = 'many'), /inventory\.packages: expected a list/],
    ['type', (d) => (d.inventory.packages[0].type = 'exe'), /inventory\.packages\[0\]\.type: expected one of/],
    ['purl', (d) => (d.inventory.packages[1].purl = 'not a purl'), /inventory\.packages\[1\]\.purl: not a valid purl/],
    ['layer', (d) => (d.inventory.packages[0].locations = [{ path: '/x', layer: { index: 'zero' } }]), /locations\[0\]\.layer: expected a layer/],
    ['platform', (d) => delete d.inventory.image.platform, /inventory\.image\.platform: expected \{os, architecture\}/],
    ['labels', (d) => (d.inventory.image.config.labels = { a: 1 }), /config\.labels: expected string values/],
    ['gap', (d) => (d.inventory.gaps = [{ kind: 'vulnerability' }]), /inventory\.gaps\[0\]: expected a coverage-gap/],
    ['proto', (d) => (d.inventory.packages[0] = JSON.parse('{"__proto__": {"polluted": true}}')), /inventory\.packages\[0\]\.name: expected a string/],
  ];
  for (const [name, spoil, re] of cases) {
    const d = base();
    spoil(d);
    const p = put(`bad-${name}.json`, JSON.stringify(d));
    await assert.rejects(readSbom(p), (e: unknown) => isPortcullisError(e) && e.code === 'BAD_INPUT' && re.test(e.message) && e.message.startsWith(p) && !e.message.includes('\n'), name);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  // many bad packages: the message stays one bounded line
  const d = base();
  d.inventory.packages = Array.from({ length: 10000 }, () => ({}));
  await assert.rejects(readSbom(put('bad-many.json', JSON.stringify(d))), (e: unknown) => isPortcullisError(e) && e.message.length < 1200 && /and \d+ more/.test(e.message));
});

test("other tools' SBOMs: Trivy properties, Syft upstream qualifier, unsupported types become gaps", async () => {
  const inv = await readSbom(fileURLToPath(new URL('./testdata/trivy-style.cdx.json', import.meta.url)));
  assert.equal(inv.os?.family, 'alpine');
  assert.equal(inv.os?.versionId, '3.10.4');
  const musl = inv.packages.find((p) => p.name === 'musl')!;
  assert.equal(musl.source?.name, 'musl');
  assert.equal(musl.layer?.diffId, 'sha256:1bfeebd65323b8ddf5bd6a51cc7097b72788bc982e9ab3280d53d3c613adffa7');
  const ssh = inv.packages.find((p) => p.name === 'libssh2-1')!;
  assert.deepEqual(ssh.source, { name: 'libssh2', version: '1.10.0-3' });
  assert.equal(inv.packages.length, 2);
  assert.deepEqual(inv.gaps.map((g) => (g.kind === 'coverage-gap' ? g.reason : '')).sort(), ['analyzer-error', 'ecosystem-not-covered']);
});

test('hostile and malformed SBOMs fail with a message naming the file', async () => {
  const cases: [string, string, RegExp][] = [
    ['garbage.json', '{"bomFormat": "CycloneDX", "components": [', /not valid JSON/],
    ['array.json', '[1,2,3]', /expected a JSON object/],
    ['other.json', '{"hello": "world"}', /neither CycloneDX/],
  ];
  for (const [name, content, re] of cases) {
    const p = put(name, content);
    await assert.rejects(readSbom(p), (e: unknown) => isPortcullisError(e) && re.test(e.message) && e.message.includes(p));
  }
  await assert.rejects(readSbom(join(dir, 'missing.json')), /not found/);
});

test('deeply nested components stop at a bound; BOM prefix accepted', async () => {
  let comp: Record<string, unknown> = { type: 'library', purl: 'pkg:npm/a@1' };
  for (let i = 0; i < 100; i++) comp = { type: 'library', name: `n${i}`, components: [comp] };
  const inv = await readSbom(put('deep.json', '\uFEFF' + JSON.stringify({ bomFormat: 'CycloneDX', components: [comp] })));
  assert.equal(inv.packages.length, 0);
  assert.ok(inv.analyzers[0]!.warnings.some((w) => /nested deeper than 32/.test(w)));
});

test('SBOM input never drops what it cannot read: each is a gap naming the component', async () => {
  const cdx = await readSbom(
    put(
      'cdx-gaps.json',
      JSON.stringify({
        bomFormat: 'CycloneDX',
        components: [
          { type: 'library', name: 'left-pad', version: '1.3.0', 'bom-ref': 'ref-1' },
          { type: 'library', name: 'ok', purl: 'pkg:npm/ok@1.0.0' },
          { type: 'library', name: 'weird', purl: 42 },
          'not an object',
          { type: 'application', name: 'srv/app/package-lock.json', components: [{ type: 'library', purl: 'pkg:npm/inner@2.0.0' }] },
          { type: 'application', name: 'grouping', components: { not: 'a list' } },
        ],
      }),
    ),
  );
  assert.deepEqual(cdx.packages.map((p) => p.name).sort(), ['inner', 'ok']);
  const subjects = cdx.gaps.map((g) => (g.kind === 'coverage-gap' ? `${g.reason} ${g.detail.replace(/^.*cdx-gaps\.json: /, '')}` : '')).sort();
  assert.deepEqual(subjects, [
    'analyzer-error component "grouping": components is not a list (object); nothing in it was read',
    'analyzer-error component "weird": purl is not a string; not read',
    'analyzer-error component 3 at depth 0 is not an object; not read',
    'package-unidentified component "left-pad@1.3.0" (ref-1): no purl; it cannot be matched',
  ]);
  const notList = await readSbom(put('cdx-notlist.json', JSON.stringify({ bomFormat: 'CycloneDX', components: { a: 1 } })));
  assert.match(notList.gaps.map((g) => (g.kind === 'coverage-gap' ? g.detail : '')).join('\n'), /components is not a list \(object\); nothing in it was read/);

  const spdx = await readSbom(
    put(
      'spdx-gaps.json',
      JSON.stringify({
        spdxVersion: 'SPDX-2.3',
        packages: [
          { SPDXID: 'SPDXRef-a', name: 'zlib', versionInfo: '1.2.13', externalRefs: [{ referenceType: 'purl', referenceLocator: 7 }] },
          { SPDXID: 'SPDXRef-b', name: 'nopurl', versionInfo: '1' },
          { SPDXID: 'SPDXRef-c', name: 'badpurl', externalRefs: [{ referenceType: 'purl', referenceLocator: 'pkg:%%%' }] },
          { SPDXID: 'SPDXRef-d', name: 'good', externalRefs: [{ referenceType: 'purl', referenceLocator: 'pkg:pypi/good@1.0' }] },
        ],
      }),
    ),
  );
  assert.deepEqual(spdx.packages.map((p) => p.name), ['good']);
  const s = spdx.gaps.map((g) => (g.kind === 'coverage-gap' ? g.detail.replace(/^.*spdx-gaps\.json: /, '') : '')).sort();
  assert.equal(s.length, 3);
  assert.match(s[0]!, /^package "badpurl" \(SPDXRef-c\): invalid purl/);
  assert.match(s[1]!, /^package "nopurl@1" \(SPDXRef-b\): no purl reference; it cannot be matched/);
  assert.match(s[2]!, /^package "zlib@1.2.13" \(SPDXRef-a\): its purl reference has no usable referenceLocator/);
  const spdxNotList = await readSbom(put('spdx-notlist.json', JSON.stringify({ spdxVersion: 'SPDX-2.3', packages: 'x' })));
  assert.equal(spdxNotList.gaps.length, 1);
});
