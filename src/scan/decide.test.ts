// baseApproval: what base-image advice may offer under the policies in force for the scanned image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ScanReport } from '../core/report.js';
import type { CatalogEntry } from '../baseimage/index.js';
import { parseDocuments } from '../policy/load.js';
import { EMPTY_EXCEPTIONS } from '../policy/schema.js';
import { sampleReport } from '../report/testdata/sample.js';
import { baseApproval, type Gate } from './decide.js';

function policy(name: string, opts: { pipelines?: string; approved?: string[] }): string {
  return `---
apiVersion: portcullis/v1
kind: AssurancePolicy
metadata: {name: ${name}}
spec:
  appliesTo: {pipelines: ["${opts.pipelines ?? '*'}"]}
  controls:
${opts.approved ? `    baseImage: {approved: ${JSON.stringify(opts.approved)}}` : '    vulnerabilities: {failOn: critical}'}
`;
}

function gate(pipeline: string, ...docs: string[]): Gate {
  const { policies } = parseDocuments(docs.join(''), 'policies.yaml', 'policy');
  return { pipeline, policies: { policies, digest: 'sha256:x', files: [] }, exceptions: { ...EMPTY_EXCEPTIONS, digest: undefined, files: [] } };
}

const D = `sha256:${'5'.repeat(64)}`;
const entry = (name: string, digest?: string) => ({ name, digest }) as CatalogEntry;

test('baseApproval: every selected policy naming approved bases must accept the candidate; the others add nothing', () => {
  const report: ScanReport = sampleReport(false);
  const g = gate('release', policy('production', { pipelines: 'release', approved: ['debian:12*'] }), policy('hardening', { approved: ['docker.io/library/debian:*-slim'] }), policy('dev', { pipelines: 'dev', approved: ['*'] }), policy('vulns', {}));
  const a = baseApproval(report, g)!;
  assert.deepEqual(a.policies, ['hardening', 'production'], 'dev does not apply to release; vulns names no bases');
  assert.equal(a.approves(entry('docker.io/library/debian:12.9-slim', D)), true);
  assert.equal(a.approves(entry('docker.io/library/debian:12.9', D)), false, 'hardening wants -slim');
  assert.equal(a.approves(entry('docker.io/library/debian:13-slim', D)), false, 'production wants 12');
  // pinned by digest
  const pinned = baseApproval(report, gate('release', policy('production', { approved: [`debian@${D}`] })))!;
  assert.equal(pinned.approves(entry('docker.io/library/debian:12-slim', D)), true);
  assert.equal(pinned.approves(entry('docker.io/library/debian:12-slim', `sha256:${'6'.repeat(64)}`)), false);
});

test('baseApproval: no gate → undefined; policies without approved lists → no restriction and no policy named', () => {
  const report = sampleReport(false);
  assert.equal(baseApproval(report, undefined), undefined);
  const a = baseApproval(report, gate('release', policy('vulns', {})))!;
  assert.deepEqual(a.policies, []);
  assert.equal(a.approves(entry('docker.io/library/alpine:3.20')), true);
  // no policy applies to the pipeline: decide reports it; the advice is not where that fails
  assert.equal(baseApproval(report, gate('other', policy('production', { pipelines: 'release', approved: ['debian:*'] }))), undefined);
});
