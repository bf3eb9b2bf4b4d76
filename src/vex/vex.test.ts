import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadVex, parseVex } from './load.js';

const IMG = 'sha256:' + 'a'.repeat(64);

export function openvexDoc(statements: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { '@context': 'https://openvex.dev/ns/v0.2.0', '@id': 'https://vex.example.com/doc-1', author: 'Shop Security <security@example.com>', timestamp: '2026-11-01T00:00:00Z', version: 1, statements, ...extra };
}

test('OpenVEX 0.2: products with nested subcomponents, aliases, hashes; the statement time overrides the document time', () => {
  const d = parseVex(
    JSON.stringify(
      openvexDoc([
        {
          vulnerability: { name: 'CVE-2021-44906', aliases: ['GHSA-xvch-5gv4-984h'] },
          products: [{ '@id': `pkg:oci/orders-api@${encodeURIComponent(IMG)}`, subcomponents: [{ '@id': 'pkg:npm/minimist@1.2.0' }], hashes: { 'sha-256': 'b'.repeat(64) } }],
          status: 'not_affected',
          justification: 'vulnerable_code_not_in_execute_path',
          timestamp: '2026-11-02T00:00:00Z',
        },
      ]),
    ),
    'a.json',
  );
  assert.equal(d.format, 'openvex');
  assert.equal(d.id, 'https://vex.example.com/doc-1');
  assert.deepEqual(d.identities, ['Shop Security <security@example.com>']);
  const s = d.statements[0]!;
  assert.equal(s.vulnerability, 'CVE-2021-44906');
  assert.deepEqual(s.aliases, ['GHSA-xvch-5gv4-984h']);
  assert.equal(s.products[0]!.purl, `pkg:oci/orders-api@${encodeURIComponent(IMG)}`);
  assert.deepEqual(s.products[0]!.digests, ['sha256:' + 'b'.repeat(64)]);
  assert.equal(s.subcomponents[0]!.purl, 'pkg:npm/minimist@1.2.0');
  assert.equal(s.timestamp, '2026-11-02T00:00:00Z');
});

test('OpenVEX: not_affected without justification or impact statement is skipped with a notice (the spec requires one)', () => {
  const d = parseVex(JSON.stringify(openvexDoc([{ vulnerability: { name: 'CVE-1' }, products: [{ '@id': 'pkg:npm/a@1' }], status: 'not_affected' }])), 'b.json');
  assert.equal(d.statements.length, 0);
  assert.match(d.notices[0]!, /^b\.json: statements\[0\]: not_affected for CVE-1 without a justification/);
});

test('CycloneDX VEX: metadata.component is the product, affected components are subcomponents; states map to VEX statuses', () => {
  const bom = {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79',
    version: 2,
    metadata: { authors: [{ name: 'Dependency-Track', email: 'dt@example.com' }], component: { 'bom-ref': 'img', type: 'container', name: 'orders-api', hashes: [{ alg: 'SHA-256', content: 'a'.repeat(64) }] } },
    components: [{ 'bom-ref': 'qs', type: 'library', name: 'qs', purl: 'pkg:npm/qs@6.7.0', components: [{ 'bom-ref': 'deep', name: 'x', purl: 'pkg:npm/x@1' }] }],
    vulnerabilities: [
      { id: 'CVE-2022-24999', analysis: { state: 'not_affected', justification: 'code_not_reachable' }, affects: [{ ref: 'urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/2#qs' }] },
      { id: 'CVE-2', analysis: { state: 'resolved' }, affects: [{ ref: 'deep' }] },
      { id: 'CVE-3', analysis: { state: 'exploitable', response: ['update'] }, affects: [{ ref: 'pkg:npm/y@2' }] },
      { id: 'CVE-4', affects: [{ ref: 'qs' }] },
      { id: 'CVE-5', analysis: { state: 'in_triage' }, affects: [{ ref: 'nowhere' }] },
    ],
  };
  const d = parseVex(JSON.stringify(bom), 'c.json');
  assert.equal(d.format, 'cyclonedx');
  assert.equal(d.id, 'urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79/2');
  assert.deepEqual(d.identities, ['Dependency-Track', 'dt@example.com']);
  assert.deepEqual(
    d.statements.map((s) => [s.vulnerability, s.status, s.products.map((p) => p.id).join(','), s.subcomponents.map((p) => p.purl).join(',')]),
    [
      ['CVE-2022-24999', 'not_affected', 'img', 'pkg:npm/qs@6.7.0'],
      ['CVE-2', 'fixed', 'img', 'pkg:npm/x@1'],
      ['CVE-3', 'affected', 'img', 'pkg:npm/y@2'],
    ],
  );
  assert.deepEqual(d.statements[0]!.products[0]!.digests, ['sha256:' + 'a'.repeat(64)]);
  assert.match(d.notices.join('\n'), /vulnerabilities\[4\]\.affects\[0\]: nowhere names no component/);
});

test('CSAF VEX: relationships place a component in a product; flags and impact threats justify; products without purl are named', () => {
  const csaf = {
    document: {
      category: 'csaf_vex',
      csaf_version: '2.0',
      publisher: { category: 'vendor', name: 'Shop PSIRT', namespace: 'https://psirt.shop.example' },
      title: 't',
      tracking: { id: 'SHOP-VEX-1', current_release_date: '2026-11-01T00:00:00Z', initial_release_date: '2026-11-01T00:00:00Z', revision_history: [], status: 'final', version: '1' },
    },
    product_tree: {
      branches: [{ category: 'vendor', name: 'Shop', branches: [{ category: 'product_name', name: 'orders-api', product: { name: 'orders-api', product_id: 'IMG', product_identification_helper: { hashes: [{ file_hashes: [{ algorithm: 'sha256', value: 'a'.repeat(64) }], filename: 'x' }] } } }] }],
      full_product_names: [
        { name: 'minimist', product_id: 'MINIMIST', product_identification_helper: { purl: 'pkg:npm/minimist@1.2.0' } },
        { name: 'thing', product_id: 'NOPURL' },
      ],
      relationships: [{ category: 'default_component_of', product_reference: 'MINIMIST', relates_to_product_reference: 'IMG', full_product_name: { name: 'minimist in orders-api', product_id: 'IMG:MINIMIST' } }],
    },
    vulnerabilities: [
      { cve: 'CVE-2021-44906', ids: [{ system_name: 'GHSA', text: 'GHSA-xvch-5gv4-984h' }], product_status: { known_not_affected: ['IMG:MINIMIST'], known_affected: ['NOPURL'] }, flags: [{ label: 'vulnerable_code_not_in_execute_path', product_ids: ['IMG:MINIMIST'] }] },
      { cve: 'CVE-9', product_status: { known_not_affected: ['MINIMIST'] } },
    ],
  };
  const d = parseVex(JSON.stringify(csaf), 'd.json');
  assert.equal(d.format, 'csaf');
  assert.deepEqual(d.identities, ['Shop PSIRT', 'https://psirt.shop.example']);
  const [s, affected] = d.statements;
  assert.equal(s!.status, 'not_affected');
  assert.equal(s!.justification, 'vulnerable_code_not_in_execute_path');
  assert.deepEqual(s!.aliases, ['GHSA-xvch-5gv4-984h']);
  assert.deepEqual(s!.products[0]!.digests, ['sha256:' + 'a'.repeat(64)]);
  assert.equal(s!.subcomponents[0]!.purl, 'pkg:npm/minimist@1.2.0');
  assert.equal(affected!.status, 'affected');
  assert.equal(d.statements.length, 2, 'CVE-9 has no flag or impact threat: skipped');
  assert.match(d.notices.join('\n'), /CVE-9 known_not_affected for MINIMIST without a flag/);
  assert.match(d.notices.join('\n'), /products NOPURL carry no purl or sha256 hash/);
});

test('hostile and malformed documents: one line naming the file and the JSON path, never a crash', () => {
  const bad: [string, RegExp][] = [
    ['{', /^x\.json: not JSON: /],
    ['[]', /^x\.json: expected a JSON object/],
    ['{"hello":1}', /^x\.json: not a VEX document/],
    [JSON.stringify(openvexDoc([{ vulnerability: { name: 'C' }, products: [{ '@id': 'pkg:npm/a@1' }], status: 'maybe' }])), /^x\.json: statements\[0\]\.status: expected one of not_affected/],
    [JSON.stringify(openvexDoc([{ vulnerability: 7, products: [], status: 'fixed' }])), /^x\.json: statements\[0\]\.vulnerability: expected an object/],
    [JSON.stringify(openvexDoc([], { author: 'x'.repeat(10_000) })), /^x\.json: author: longer than 8192 characters/],
    [JSON.stringify(openvexDoc(Array.from({ length: 100_001 }, () => 0))), /^x\.json: statements: more than 100000 entries/],
    [JSON.stringify({ bomFormat: 'CycloneDX', vulnerabilities: [{ id: 'C', analysis: { state: 'nope' }, affects: [] }] }), /analysis\.state: unknown state "nope"/],
    [JSON.stringify({ document: { csaf_version: '2.0', category: 'csaf_security_advisory' } }), /document\.category: expected csaf_vex/],
  ];
  for (const [text, re] of bad) assert.throws(() => parseVex(text, 'x.json'), (e: Error) => re.test(e.message) && !e.message.includes('\n'), text.slice(0, 60));
  // components nested 40 deep, CSAF branches nested 40 deep: refused, not a stack overflow
  let comp: Record<string, unknown> = { name: 'leaf' };
  for (let i = 0; i < 40; i++) comp = { name: `c${i}`, components: [comp] };
  assert.throws(() => parseVex(JSON.stringify({ bomFormat: 'CycloneDX', components: [comp] }), 'x.json'), /nested deeper than 32/);
  let br: Record<string, unknown> = { category: 'vendor', name: 'v' };
  for (let i = 0; i < 40; i++) br = { category: 'vendor', name: `b${i}`, branches: [br] };
  const csaf = { document: { category: 'csaf_vex', csaf_version: '2.0', publisher: { name: 'p' }, tracking: { id: 't' } }, product_tree: { branches: [br] } };
  assert.throws(() => parseVex(JSON.stringify(csaf), 'x.json'), /nested deeper than 32/);
});

test('loadVex: directories give their *.json files (links out of the directory are not followed), one digest over the bytes, a document given twice is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-vex-'));
  mkdirSync(join(dir, 'vex'));
  writeFileSync(join(dir, 'vex', 'a.json'), JSON.stringify(openvexDoc([])));
  writeFileSync(join(dir, 'vex', 'notes.txt'), 'not vex');
  writeFileSync(join(dir, 'outside.json'), JSON.stringify(openvexDoc([], { '@id': 'other' })));
  symlinkSync(join(dir, 'outside.json'), join(dir, 'vex', 'link.json'));
  const l = await loadVex([join(dir, 'vex')]);
  assert.deepEqual(l.files, [join(dir, 'vex', 'a.json')]);
  assert.match(l.digest, /^sha256:[0-9a-f]{64}$/);
  await assert.rejects(loadVex([join(dir, 'vex', 'a.json'), join(dir, 'vex')]).then(() => loadVex([join(dir, 'vex', 'a.json'), join(dir, 'copy.json')])), /no such file/);
  writeFileSync(join(dir, 'copy.json'), JSON.stringify(openvexDoc([])));
  await assert.rejects(loadVex([join(dir, 'vex', 'a.json'), join(dir, 'copy.json')]), /VEX document https:\/\/vex\.example\.com\/doc-1 is also read from/);
  await assert.rejects(loadVex(['/dev/zero']), /not a regular file/);
});
