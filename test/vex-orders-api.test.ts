// VEX on the real orders-api image: OpenVEX, CycloneDX VEX and CSAF VEX documents written here (modelled
// on each specification's examples) suppress exactly the statements that match this image and its
// packages; an untrusted author is ignored with a notice; the CSAF VEX profile's official examples
// (../shared/schemas) validate against the CSAF schema and match nothing here (their products carry no
// purl); our --format openvex validates against the OpenVEX schema and reads back to the same suppressions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { sharedOrSkip, sharedPath } from '../src/core/shared.js';
import type { Decision, ScanReport } from '../src/core/report.js';
import type { VulnerabilityFinding } from '../src/core/types.js';
import { cli } from './helpers/cli.js';
import { sharedDb, SCAN_NOW } from './helpers/shared-db.js';

const IMAGE = 'fixtures/images/orders-api-1.4.2.docker.tar.gz';
const dir = mkdtempSync(join(tmpdir(), 'portcullis-vex-e2e-'));
const POLICY = join(dir, 'policy.yaml');
writeFileSync(
  POLICY,
  'apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: prod}\nspec:\n  vex: {trust: ["Shop Security*", "https://psirt.shop.example", "Portcullis*"]}\n  controls:\n    vulnerabilities: {failOn: high}\n',
);

let scanned: Promise<{ report: string; digest: string; vulns: VulnerabilityFinding[] }> | undefined;
function scanOnce(image: string) {
  scanned ??= (async () => {
    const out = join(dir, 'report.json');
    const r = await cli(['scan', image, '--db', await sharedDb(), '--quiet', '--format', 'json', '--output', out], { now: SCAN_NOW });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(readFileSync(out, 'utf8')) as ScanReport;
    const digest = report.inventory.image.manifestDigest ?? report.inventory.image.configDigest!;
    return { report: out, digest, vulns: report.findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability') };
  })();
  return scanned;
}

async function decide(report: string, vex: string[]): Promise<Decision> {
  const r = await cli(['policy', 'test', report, '--policy', POLICY, '--pipeline', 'release', '--format', 'json', ...vex.flatMap((v) => ['--vex', v])], { now: SCAN_NOW });
  assert.equal(r.stderr, '');
  return JSON.parse(r.stdout) as Decision;
}

const vexSuppressed = (d: Decision, vulns: VulnerabilityFinding[]) =>
  d.suppressed
    .filter((s) => s.by === 'vex')
    .map((s) => {
      const v = vulns.find((f) => f.id === s.findingId)!;
      return `${v.advisoryId} ${v.package.name} ${s.ruleId}`;
    })
    .sort();

const ociPurl = (digest: string) => `pkg:oci/orders-api@${encodeURIComponent(digest)}?repository_url=docker.io/shop/orders-api`;

function writeDocs(sub: string, digest: string): string {
  const d = join(dir, sub);
  mkdirSync(d, { recursive: true });
  const other = 'sha256:' + '0'.repeat(64);
  writeFileSync(
    join(d, 'openvex.json'),
    JSON.stringify({
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://vex.shop.example/orders-api/2026-08-01',
      author: 'Shop Security <security@shop.example>',
      timestamp: '2026-08-01T00:00:00Z',
      version: 1,
      statements: [
        // matches: this image by digest, minimist at any version
        { vulnerability: { name: 'CVE-2021-44906' }, products: [{ '@id': ociPurl(digest), subcomponents: [{ '@id': 'pkg:npm/minimist' }] }], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' },
        // another image: no
        { vulnerability: { name: 'CVE-2022-24999' }, products: [{ '@id': ociPurl(other), subcomponents: [{ '@id': 'pkg:npm/qs' }] }], status: 'not_affected', justification: 'vulnerable_code_not_present' },
        // the right image, a version of jsonwebtoken the image does not have: no
        { vulnerability: { name: 'CVE-2022-23529' }, products: [{ '@id': ociPurl(digest), subcomponents: [{ '@id': 'pkg:npm/jsonwebtoken@0.0.1' }] }], status: 'not_affected', justification: 'component_not_present' },
        // affected never suppresses
        { vulnerability: { name: 'CVE-2024-45590' }, products: [{ '@id': ociPurl(digest), subcomponents: [{ '@id': 'pkg:npm/body-parser' }] }], status: 'affected', action_statement: 'upgrade' },
      ],
    }),
  );
  writeFileSync(
    join(d, 'cyclonedx.json'),
    JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      serialNumber: 'urn:uuid:6f0c1b1e-8a0a-4d0e-9f57-5b1a2f3c4d5e',
      version: 1,
      metadata: { authors: [{ name: 'Shop Security Dependency-Track' }], component: { 'bom-ref': 'image', type: 'container', name: 'orders-api', hashes: [{ alg: 'SHA-256', content: digest.slice(7) }] } },
      components: [{ 'bom-ref': 'qs@6.7.0', type: 'library', name: 'qs', version: '6.7.0', purl: 'pkg:npm/qs@6.7.0' }],
      vulnerabilities: [{ id: 'CVE-2022-24999', analysis: { state: 'not_affected', justification: 'code_not_reachable', detail: 'query strings are parsed by a gateway first' }, affects: [{ ref: 'qs@6.7.0' }] }],
    }),
  );
  writeFileSync(
    join(d, 'csaf.json'),
    JSON.stringify({
      document: {
        category: 'csaf_vex',
        csaf_version: '2.0',
        publisher: { category: 'vendor', name: 'Shop PSIRT', namespace: 'https://psirt.shop.example' },
        title: 'orders-api VEX',
        tracking: { id: 'SHOP-VEX-2026-0001', current_release_date: '2026-08-01T00:00:00.000Z', initial_release_date: '2026-08-01T00:00:00.000Z', revision_history: [{ date: '2026-08-01T00:00:00.000Z', number: '1', summary: 'Initial version.' }], status: 'final', version: '1' },
      },
      product_tree: {
        full_product_names: [
          { name: 'orders-api 1.4.2', product_id: 'ORDERS', product_identification_helper: { purl: ociPurl(digest) } },
          { name: 'lodash', product_id: 'LODASH', product_identification_helper: { purl: 'pkg:npm/lodash' } },
        ],
        relationships: [{ category: 'default_component_of', product_reference: 'LODASH', relates_to_product_reference: 'ORDERS', full_product_name: { name: 'lodash in orders-api', product_id: 'ORDERS:LODASH' } }],
      },
      vulnerabilities: [{ cve: 'CVE-2020-8203', product_status: { known_not_affected: ['ORDERS:LODASH'] }, flags: [{ label: 'vulnerable_code_cannot_be_controlled_by_adversary', product_ids: ['ORDERS:LODASH'] }] }],
    }),
  );
  writeFileSync(
    join(d, 'untrusted.json'),
    JSON.stringify({
      '@context': 'https://openvex.dev/ns/v0.2.0',
      '@id': 'https://mallory.example/vex',
      author: 'Mallory',
      timestamp: '2026-08-02T00:00:00Z',
      version: 1,
      statements: [{ vulnerability: { name: 'CVE-2024-45296' }, products: [{ '@id': ociPurl(digest), subcomponents: [{ '@id': 'pkg:npm/path-to-regexp' }] }], status: 'not_affected', justification: 'component_not_present' }],
    }),
  );
  return d;
}

test('orders-api: OpenVEX, CycloneDX VEX and CSAF VEX suppress exactly the matching statements; an untrusted author is ignored with a notice', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const { report, digest, vulns } = await scanOnce(image);
  const before = await decide(report, []);
  assert.equal(before.verdict, 'fail');
  const docs = writeDocs('docs', digest);
  const d = await decide(report, [docs]);
  assert.deepEqual(vexSuppressed(d, vulns), [
    'CVE-2020-8203 lodash SHOP-VEX-2026-0001',
    'CVE-2021-44906 minimist https://vex.shop.example/orders-api/2026-08-01',
    'CVE-2022-24999 qs urn:uuid:6f0c1b1e-8a0a-4d0e-9f57-5b1a2f3c4d5e/1',
  ]);
  const s = d.suppressed.find((x) => x.ruleId === 'SHOP-VEX-2026-0001')!;
  assert.equal(s.reason, 'not affected per VEX SHOP-VEX-2026-0001: vulnerable_code_cannot_be_controlled_by_adversary (Shop PSIRT)');
  // the violations left are the ones before, minus the suppressed findings
  const gone = new Set(d.suppressed.filter((x) => x.by === 'vex').map((x) => x.findingId));
  assert.deepEqual(d.violations.map((v) => v.findingId), before.violations.map((v) => v.findingId).filter((id) => id === undefined || !gone.has(id)));
  assert.ok(d.violations.some((v) => vulns.find((f) => f.id === v.findingId)?.package.name === 'path-to-regexp'), "Mallory's statement does not apply");
  assert.ok(d.notices.some((n) => /^VEX https:\/\/mallory\.example\/vex by Mallory .* is not trusted by policy prod \(spec\.vex\.trust\)/.test(n)));
});

test('the CSAF VEX profile examples validate against the CSAF 2.0 schema, read without error, and match nothing in orders-api', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const csafDir = sharedPath('schemas/csaf-2.0');
  // the FIRST CVSS schemas the CSAF schema refers to are draft-04: used as they are, not meta-validated
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateSchema: false });
  addFormats.default(ajv);
  for (const v of ['2.0', '3.0', '3.1']) {
    // draft-04 names itself with `id`, which a 2020-12 validator refuses: dropped, the URL is the key
    const { id: _id, $schema: _meta, ...schema } = JSON.parse(readFileSync(join(csafDir, `cvss-v${v}.json`), 'utf8')) as Record<string, unknown>;
    ajv.addSchema(schema, `https://www.first.org/cvss/cvss-v${v}.json`);
  }
  const validate = ajv.compile(JSON.parse(readFileSync(join(csafDir, 'csaf_json_schema.json'), 'utf8')) as object);
  const examples = join(csafDir, 'examples-vex');
  for (const f of readdirSync(examples)) assert.ok(validate(JSON.parse(readFileSync(join(examples, f), 'utf8'))), `${f}: ${ajv.errorsText(validate.errors)}`);
  const { report } = await scanOnce(image);
  const d = await decide(report, [examples]);
  assert.deepEqual(d.suppressed.filter((s) => s.by === 'vex'), []);
  assert.ok(d.notices.some((n) => /carry no purl or sha256 hash/.test(n)));
});

test('--format openvex: valid OpenVEX 0.2; VEX-suppressed as not_affected with the justification; read back, the same suppressions', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const { digest, vulns } = await scanOnce(image);
  const docs = writeDocs('docs-out', digest);
  const out = join(dir, 'ours.openvex.json');
  const r = await cli(['scan', image, '--db', await sharedDb(), '--policy', POLICY, '--pipeline', 'release', '--vex', docs, '--quiet', '--format', 'openvex', '--output', out], { now: SCAN_NOW });
  assert.equal(r.code, 1, r.stderr);
  const doc = JSON.parse(readFileSync(out, 'utf8')) as { statements: { vulnerability: { name: string }; status: string; justification?: string; products: { '@id': string; subcomponents: { '@id': string }[] }[] }[] };
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  ajv.addFormat('iri', /^[a-z][a-z0-9+.-]*:\S+$/i); // OpenVEX's @id: an absolute IRI
  const validate = ajv.compile(JSON.parse(readFileSync(sharedPath('schemas/openvex-0.2.schema.json'), 'utf8')) as object);
  assert.ok(validate(doc), ajv.errorsText(validate.errors));
  const minimist = doc.statements.find((s) => s.vulnerability.name === 'CVE-2021-44906')!;
  assert.equal(minimist.status, 'not_affected');
  assert.equal(minimist.justification, 'vulnerable_code_not_in_execute_path');
  assert.equal(minimist.products[0]!['@id'], `pkg:oci/orders-api@${encodeURIComponent(digest)}?repository_url=docker.io%2Fshop%2Forders-api`);
  assert.ok(doc.statements.filter((s) => s.status === 'affected').length > 5);
  // our document in (trusted as Portcullis*), the same VEX suppressions out
  const again = join(dir, 'ours');
  mkdirSync(again);
  writeFileSync(join(again, 'ours.json'), readFileSync(out));
  const { report } = await scanOnce(image);
  const d = await decide(report, [again]);
  assert.deepEqual(
    vexSuppressed(d, vulns).map((s) => s.split(' ').slice(0, 2).join(' ')),
    ['CVE-2020-8203 lodash', 'CVE-2021-44906 minimist', 'CVE-2022-24999 qs'],
  );
});

test("other scanners' ignore files on orders-api: .trivyignore and .grype.yaml suppress what Trivy and Grype would; policy convert writes valid exceptions", async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const { report, vulns } = await scanOnce(image);
  const d = join(dir, 'ignore');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, '.trivyignore'), '# argv parsing of trusted input only\nCVE-2021-44906 exp:2026-10-01\n');
  writeFileSync(join(d, '.grype.yaml'), 'ignore:\n  - vulnerability: CVE-2022-24999\n    reason: gateway parses query strings\n  - package: {name: lodash, type: npm}\n');
  const r = await cli(['policy', 'test', report, '--policy', POLICY, '--pipeline', 'release', '--format', 'json', '--exceptions', join(d, '.trivyignore'), '--exceptions', join(d, '.grype.yaml')], { now: SCAN_NOW });
  assert.equal(r.stderr, '');
  const dec = JSON.parse(r.stdout) as Decision;
  const byRule = dec.suppressed.filter((s) => s.by === 'exception').map((s) => `${vulns.find((f) => f.id === s.findingId)?.package.name} ${s.ruleId.split('/').pop()}`);
  // every lodash finding the policy would fail on (Grype ignores the package whatever the finding)
  const before = await decide(report, []);
  const lodash = before.violations.filter((v) => vulns.find((f) => f.id === v.findingId)?.package.name === 'lodash').length;
  assert.ok(lodash >= 2);
  assert.ok(!dec.violations.some((v) => vulns.find((f) => f.id === v.findingId)?.package.name === 'lodash'));
  assert.deepEqual(byRule.filter((x) => x.startsWith('minimist')), ['minimist .trivyignore:2']);
  assert.deepEqual([...new Set(byRule.filter((x) => x.startsWith('qs')))], ['qs .grype.yaml:ignore[0]']);
  assert.equal(byRule.filter((x) => x === 'lodash .grype.yaml:ignore[1]').length, lodash);
  assert.ok(byRule.every((x) => /^(minimist|qs|lodash) /.test(x)), byRule.join('\n'));
  assert.ok(dec.notices.some((n) => /\.grype\.yaml: ignore\[1\]: no reason given/.test(n)));
  // policy convert: the YAML validates as our own Exceptions document and gives the same suppressions
  const out = join(d, 'converted.yaml');
  const c = await cli(['policy', 'convert', join(d, '.grype.yaml'), '--output', out], { now: SCAN_NOW });
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stderr, /warning: .*ignore\[1\]: no reason given/);
  assert.equal((await cli(['policy', 'validate', out], { now: SCAN_NOW })).code, 0);
  const again = JSON.parse((await cli(['policy', 'test', report, '--policy', POLICY, '--pipeline', 'release', '--format', 'json', '--exceptions', out], { now: SCAN_NOW })).stdout) as Decision;
  assert.equal(again.suppressed.filter((s) => s.by === 'exception').length, dec.suppressed.filter((s) => s.by === 'exception' && !s.ruleId.includes('trivyignore')).length);
});
