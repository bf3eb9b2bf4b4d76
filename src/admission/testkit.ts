// Test support (not shipped): small images pushed to Debian's docker-registry, decision records made
// by hand with a correct recordDigest, a self-signed TLS certificate made with openssl, and a client
// that POSTs AdmissionReview bodies over TLS the way the Kubernetes API server does (the API server
// itself cannot run here: the tests stand in for it).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { canonicalJson } from '../policy/load.js';
import type { DecisionRecord } from '../policy/record.js';
import type { Violation } from '../core/report.js';
import { makeTar, ociImage, ociLayoutFiles, tempDir, writeTree } from '../source/testkit.js';
import { push, type RegistryHandle } from '../source/registry/testregistry.js';

export const TESTDATA = join(import.meta.dirname, 'testdata');

/** Push a one-layer image with `content` as registry/repo:tag; returns its manifest digest. */
export async function pushImage(reg: RegistryHandle, repoTag: string, content: string): Promise<string> {
  const layer = await makeTar([{ name: 'srv/app.txt', content }]);
  const img = await ociImage([{ tar: layer }]);
  const dir = tempDir();
  const index = { schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: img.manifestDigest, size: img.files[`blobs/sha256/${img.manifestDigest.slice(7)}`]!.length, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] };
  writeTree(dir, ociLayoutFiles(index, [img.files]));
  await push(`oci:${dir}:latest`, reg, repoTag);
  return img.manifestDigest;
}

export const POLICY_DIGEST = `sha256:${'a'.repeat(64)}`;

/** A decision record as `scan --decision` writes it (fields the webhook reads), with its recordDigest. */
export function record(o: { name: string; digest: string; pipeline: string; verdict: 'pass' | 'fail'; evaluatedAt: string; validUntil?: string; violations?: Violation[]; policyDigest?: string; allowlisted?: DecisionRecord['allowlisted'] }): DecisionRecord {
  const body = JSON.parse(JSON.stringify({
    recordVersion: 1,
    kind: 'portcullis/decision',
    image: { name: o.name, tag: '1', digest: o.digest, input: `${o.name}:1` },
    pipeline: o.pipeline,
    verdict: o.verdict,
    evaluatedAt: o.evaluatedAt,
    validUntil: o.validUntil,
    policies: { names: ['production'], digest: o.policyDigest ?? POLICY_DIGEST },
    exceptions: { digest: `sha256:${'b'.repeat(64)}`, applied: [] },
    allowlisted: o.allowlisted,
    scanner: { name: 'portcullis', version: '0.1.0' },
    summary: { findings: 0, bySeverity: {}, violations: (o.violations ?? []).length, warnings: 0, suppressed: 0 },
    violations: o.violations ?? [],
    warnings: [],
    suppressed: [],
    notices: [],
  })) as Omit<DecisionRecord, 'recordDigest'>;
  return { ...body, recordDigest: 'sha256:' + createHash('sha256').update(canonicalJson(body)).digest('hex') };
}

export const CRITICAL: Violation = {
  policy: 'production',
  control: 'vulnerabilities.failOn',
  enforcement: 'block',
  subject: 'CVE-2021-44906 in minimist 1.2.0 (pkg:npm/minimist@1.2.0)',
  message: 'critical vulnerability CVE-2021-44906',
  remediation: 'upgrade minimist to 1.2.6',
};

/** A self-signed certificate for 127.0.0.1 (the caBundle the API server would be given). */
export function selfSigned(dir: string): { cert: string; key: string } {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=portcullis-admission.portcullis.svc',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:portcullis-admission.portcullis.svc', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')], { stdio: 'ignore' });
  return { cert: readFileSync(join(dir, 'tls.crt'), 'utf8'), key: readFileSync(join(dir, 'tls.key'), 'utf8') };
}

/** A fixture body with its image placeholders replaced (and optional edits to the parsed review). */
export function fixture(name: string, images: { main: string; init?: string; ephemeral?: string }, edit?: (review: Doc) => void): Buffer {
  const text = readFileSync(join(TESTDATA, `${name}.json`), 'utf8')
    .replaceAll('__IMAGE__', images.main)
    .replaceAll('__INIT_IMAGE__', images.init ?? images.main)
    .replaceAll('__EPHEMERAL_IMAGE__', images.ephemeral ?? images.main);
  const review = JSON.parse(text) as Doc;
  edit?.(review);
  return Buffer.from(JSON.stringify(review));
}

/** A parsed JSON document as tests poke at it (fixtures, replies). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Doc = any;

export interface Reply {
  status: number;
  body: Doc;
}

/** POST like the API server: HTTPS, verifying the webhook's certificate against the caBundle. */
export function post(port: number, ca: string, path: string, body: Buffer): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const r = https.request({ host: '127.0.0.1', port, path, method: 'POST', ca, headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') }));
    });
    r.on('error', reject);
    r.end(body);
  });
}
