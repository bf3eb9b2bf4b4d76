// Identity from content in the policy stage: the image's digest is the one computed from its bytes,
// never the digest typed in the reference or claimed by an SBOM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, imageOf } from './evaluate.js';
import { decisionRecord } from './record.js';
import { DIGEST, NOW, allowEntry, policy, report, vuln } from './testdata/synthetic.js';

const ID = 'sha256:' + 'e'.repeat(64);

test('imageOf: a digest in the reference is never the image digest', () => {
  const r = report();
  r.inventory.image.ref = { input: `docker-archive:x.tar:shop/api:1@${DIGEST}`, transport: 'docker-archive', name: 'docker.io/shop/api', tag: '1', digest: DIGEST };
  delete r.inventory.image.manifestDigest;
  r.inventory.image.configDigest = ID;
  assert.deepEqual(imageOf(r), { name: 'docker.io/shop/api', tag: '1', digest: undefined, id: ID });
  // an allowlist entry pinned to the typed digest is not met
  const d = evaluate({ ...r, findings: [vuln()] }, [policy('p', { vulnerabilities: { failOn: 'high' } })], { exceptions: [], allowlist: [allowEntry({ image: `docker.io/shop/api@${DIGEST}` })] }, { pipeline: 'x', image: imageOf(r), now: NOW });
  assert.equal(d.verdict, 'fail');
  assert.equal(d.allowlisted, undefined);
  const rec = decisionRecord({ ...r, decision: d }, { policyDigest: 'sha256:0' });
  assert.equal(rec.image.digest, undefined);
  assert.equal(rec.image.configDigest, ID);
});

test('imageOf: an SBOM scan has no digest identity (the SBOM claims it, nobody hashed it)', () => {
  const r = report();
  r.inventory.image.ref = { input: 'sbom:x.json', transport: 'sbom', path: 'x.json' };
  r.inventory.image.manifestDigest = DIGEST;
  r.inventory.image.configDigest = ID;
  const id = imageOf(r);
  assert.equal(id.digest, undefined);
  assert.equal(id.id, undefined);
  const d = evaluate({ ...r, findings: [vuln()] }, [policy('p', { vulnerabilities: { failOn: 'high' } })], { exceptions: [], allowlist: [allowEntry()] }, { pipeline: 'x', image: id, now: NOW });
  assert.equal(d.verdict, 'fail');
  assert.equal(decisionRecord({ ...r, decision: d }, { policyDigest: 'sha256:0' }).image.configDigest, undefined);
});
