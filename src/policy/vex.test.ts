import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from './evaluate.js';
import { purlMatches, productIsImage } from './vex.js';
import type { Policy } from './schema.js';
import type { VexDocument, VexStatement } from '../vex/types.js';
import { CTX, CURL, DIGEST, OTHER_DIGEST, exc, policy, report, set, vuln } from './testdata/synthetic.js';

const IMG = { id: DIGEST, purl: `pkg:oci/orders-api@${encodeURIComponent(DIGEST)}?repository_url=registry.example.com/shop/orders-api`, digests: [] };
const CURL_BARE = { id: 'curl', purl: 'pkg:deb/debian/curl', digests: [] };

function doc(statements: Partial<VexStatement>[], o: Partial<VexDocument> = {}): VexDocument {
  return {
    format: 'openvex',
    id: o.id ?? 'VEX-1',
    author: o.author ?? 'Shop Security',
    identities: o.identities ?? [o.author ?? 'Shop Security'],
    source: 'vex.json',
    notices: [],
    statements: statements.map((s) => ({ vulnerability: 'CVE-2023-38545', aliases: [], products: [IMG], subcomponents: [CURL_BARE], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path', ...s })),
    ...o,
  };
}

const trusting = (trust: string[] | undefined): Policy => {
  const p = policy('prod', { vulnerabilities: { failOn: 'high' } });
  return trust === undefined ? p : { ...p, spec: { ...p.spec, vex: { trust } } };
};

function judge(docs: VexDocument[], trust: string[] | null = ['Shop Security'], findings = [vuln()]) {
  return evaluate(report({ findings }), [trusting(trust ?? undefined)], { ...set(), vex: docs }, CTX);
}

test('a trusted not_affected statement for this image and package suppresses the finding, naming the document and justification', () => {
  const d = judge([doc([{}])]);
  assert.equal(d.verdict, 'pass');
  const s = d.suppressed[0]!;
  assert.equal(s.by, 'vex');
  assert.equal(s.ruleId, 'VEX-1');
  assert.equal(s.reason, 'not affected per VEX VEX-1: vulnerable_code_not_in_execute_path (Shop Security)');
  assert.deepEqual(s.vex, { document: 'VEX-1', author: 'Shop Security', status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' });
  assert.match(judge([doc([{ status: 'fixed', justification: undefined }])]).suppressed[0]!.reason!, /^fixed per VEX VEX-1/);
});

test('trust: nobody by default (notice), anchored globs over the author/publisher identities', () => {
  const none = judge([doc([{}])], null);
  assert.equal(none.verdict, 'fail');
  assert.ok(none.notices.some((n) => /^VEX VEX-1 by Shop Security \(vex\.json\) is not trusted by policy prod \(spec\.vex\.trust\): its 1 statement\(s\) are ignored there$/.test(n)));
  assert.equal(judge([doc([{}])], ['Shop*']).verdict, 'pass');
  assert.equal(judge([doc([{}])], ['Shop']).verdict, 'fail', 'anchored: Shop does not match Shop Security');
  assert.equal(judge([doc([{}], { author: 'Mallory', identities: ['Mallory', 'https://psirt.shop.example'] })], ['https://psirt.shop.example']).verdict, 'pass');
});

test('affected and under_investigation never suppress; the latest statement wins (then the later one in file order)', () => {
  assert.equal(judge([doc([{ status: 'affected', justification: undefined, action: 'upgrade' }])]).verdict, 'fail');
  assert.equal(judge([doc([{ status: 'under_investigation', justification: undefined }])]).verdict, 'fail');
  const older = { timestamp: '2026-10-01T00:00:00Z' };
  const newer = { timestamp: '2026-11-01T00:00:00Z' };
  assert.equal(judge([doc([{ ...older }, { ...newer, status: 'affected' }])]).verdict, 'fail', 'a later affected revokes an earlier not_affected');
  assert.equal(judge([doc([{ ...newer }, { ...older, status: 'affected' }])]).verdict, 'pass');
  assert.equal(judge([doc([{ status: 'affected' }, {}])]).verdict, 'pass', 'same time: the later statement');
  // documents from an untrusted author cannot revoke a trusted statement either
  assert.equal(judge([doc([{}]), doc([{ ...newer, status: 'affected' }], { id: 'VEX-2', author: 'Mallory' })]).verdict, 'pass');
});

test('matching is as strict as exceptions: exact id or alias, this image by digest, this package by purl', () => {
  assert.equal(judge([doc([{ vulnerability: 'CVE-2023-3854' }])]).verdict, 'fail', 'no prefix matching');
  assert.equal(judge([doc([{ vulnerability: 'DSA-5520-1' }])]).verdict, 'pass', 'an alias of the finding');
  assert.equal(judge([doc([{ vulnerability: 'GHSA-zzzz', aliases: ['cve-2023-38545'] }])]).verdict, 'pass', "the statement's alias, case-insensitive");
  const other = { ...IMG, purl: `pkg:oci/orders-api@${encodeURIComponent(OTHER_DIGEST)}` };
  assert.equal(judge([doc([{ products: [other] }])]).verdict, 'fail', 'another image');
  assert.equal(judge([doc([{ products: [{ id: 'registry.example.com/shop/orders-api:1.4.2', digests: [] }] }])]).verdict, 'fail', 'a tag is not an identity');
  assert.equal(judge([doc([{ products: [{ id: `registry.example.com/shop/orders-api@${DIGEST}`, digests: [] }] }])]).verdict, 'pass', 'a digest reference');
  assert.equal(judge([doc([{ products: [{ id: 'x', digests: [DIGEST] }] }])]).verdict, 'pass', 'a product hash equal to the image digest');
  assert.equal(judge([doc([{ subcomponents: [{ id: 'c', purl: 'pkg:deb/debian/curl-dev', digests: [] }] }])]).verdict, 'fail', 'another package');
  assert.equal(judge([doc([{ subcomponents: [] }])]).verdict, 'fail', 'the image without a subcomponent says nothing about a package');
  // a statement about the package itself (a supplier's VEX for its own package)
  assert.equal(judge([doc([{ products: [{ id: 'curl', purl: CURL.purl, digests: [] }], subcomponents: [] }])]).verdict, 'pass');
  // an exception is judged first and names itself
  const both = evaluate(report({ findings: [vuln()] }), [trusting(['*'])], { ...set([exc({ finding: 'CVE-2023-38545' })]), vex: [doc([{}])] }, CTX);
  assert.equal(both.suppressed[0]!.by, 'exception');
});

test('purl rules: version, qualifiers and subpath of the statement must be present and equal; type/name normalised', () => {
  assert.ok(purlMatches('pkg:deb/debian/curl', CURL.purl));
  assert.ok(purlMatches('pkg:deb/debian/curl@7.88.1-10%2Bdeb12u4', CURL.purl));
  assert.ok(purlMatches('pkg:deb/debian/curl?distro=debian-12', CURL.purl));
  assert.ok(!purlMatches('pkg:deb/debian/curl?distro=debian-11', CURL.purl));
  assert.ok(!purlMatches('pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5', CURL.purl));
  assert.ok(!purlMatches('pkg:deb/ubuntu/curl', CURL.purl));
  assert.ok(purlMatches('pkg:PyPI/Django_Rest', 'pkg:pypi/django-rest@3.0'));
  assert.ok(!purlMatches('pkg:npm/a#lib', 'pkg:npm/a@1'));
  assert.ok(!purlMatches('not a purl', CURL.purl));
  assert.ok(!purlMatches('pkg:npm/%zz', 'pkg:npm/a@1'));
  // oci purls: the version is the digest; repository_url and tag qualifiers must agree when given
  const img = { name: 'registry.example.com/shop/orders-api', tag: '1.4.2', digest: DIGEST };
  assert.ok(productIsImage(IMG, img));
  assert.ok(!productIsImage({ ...IMG, purl: `pkg:oci/x@${encodeURIComponent(DIGEST)}?repository_url=docker.io/evil/orders-api` }, img));
  assert.ok(!productIsImage({ ...IMG, purl: `pkg:oci/x@${encodeURIComponent(DIGEST)}?tag=1.4.3` }, img));
  assert.ok(productIsImage({ ...IMG, purl: `pkg:oci/x@${encodeURIComponent(DIGEST)}?tag=1.4.2` }, img));
  assert.ok(!productIsImage(IMG, { name: img.name, tag: img.tag }), 'an image without a computed digest matches no product');
});
