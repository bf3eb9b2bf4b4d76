// deploy/kubernetes/: the plain manifests parse, validate against the Kubernetes OpenAPI schemas
// (kubernetes-models, maintained from the upstream OpenAPI spec; cert-manager resources are checked by
// shape only), and agree with each other and with the CLI: selectors match the pod labels, the Service
// reaches the container port, every webhook entry calls the Service on a /validate/<mode> path the
// webhook serves, covers every judged kind, and excludes kube-system and its own namespace; the
// container's flags are real flags of `portcullis admission`. No cluster runs here to apply them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ValidatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration';
import { REPO_ROOT } from '../src/core/shared.js';
import { POD_SPEC_PATHS } from '../src/admission/review.js';
import { buildProgram } from '../src/cli/program.js';
import { captureIo } from '../src/cli/testio.js';

const DIR = join(REPO_ROOT, 'deploy/kubernetes');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

function load(): Obj[] {
  const out: Obj[] = [];
  for (const f of readdirSync(DIR).filter((x) => x.endsWith('.yaml')).sort()) {
    for (const d of parseAllDocuments(readFileSync(join(DIR, f), 'utf8'))) {
      assert.deepEqual(d.errors, [], f);
      out.push({ ...(d.toJS() as Obj), __file: f });
    }
  }
  return out;
}

const MODELS: Record<string, new (o: Obj) => { validate(): void }> = {
  Deployment: Deployment as never,
  Service: Service as never,
  Namespace: Namespace as never,
  PodDisruptionBudget: PodDisruptionBudget as never,
  ValidatingWebhookConfiguration: ValidatingWebhookConfiguration as never,
};

test('every manifest validates against the Kubernetes schemas (cert-manager ones by shape)', () => {
  const docs = load();
  for (const d of docs) {
    const { __file, ...obj } = d;
    const Model = MODELS[obj.kind];
    if (Model) assert.doesNotThrow(() => new Model(obj).validate(), `${__file}: ${obj.kind}`);
    else if (obj.apiVersion === 'cert-manager.io/v1') {
      assert.ok(['Issuer', 'Certificate'].includes(obj.kind), obj.kind);
      assert.equal(obj.metadata.namespace, 'portcullis');
    } else assert.equal(obj.kind, 'Kustomization', `${__file}: unexpected ${obj.kind}`);
  }
  const kust = docs.find((d) => d.kind === 'Kustomization')!;
  assert.deepEqual([...kust.resources].sort(), readdirSync(DIR).filter((x) => x.endsWith('.yaml') && x !== 'kustomization.yaml').sort());
});

test('the manifests agree with each other and with the webhook', async () => {
  const docs = load();
  const one = (kind: string) => docs.filter((d) => d.kind === kind);
  const dep = one('Deployment')[0]!;
  assert.equal(dep.spec.replicas, 2);
  const labels = dep.spec.template.metadata.labels;
  assert.deepEqual(dep.spec.selector.matchLabels, labels);
  assert.deepEqual(one('PodDisruptionBudget')[0]!.spec.selector.matchLabels, labels);
  assert.equal(one('PodDisruptionBudget')[0]!.spec.minAvailable, 1);
  const svc = one('Service')[0]!;
  assert.deepEqual(svc.spec.selector, labels);
  const c = dep.spec.template.spec.containers[0];
  assert.ok(c.ports.some((p: Obj) => p.name === svc.spec.ports[0].targetPort));
  // the TLS secret is the cert-manager Certificate's; the webhook configuration gets its CA injected
  const cert = docs.find((d) => d.kind === 'Certificate' && d.metadata.name === 'portcullis-admission')!;
  assert.equal(dep.spec.template.spec.volumes[0].secret.secretName, cert.spec.secretName);
  assert.ok(cert.spec.dnsNames.includes(`${svc.metadata.name}.${svc.metadata.namespace}.svc`));
  const vwc = one('ValidatingWebhookConfiguration')[0]!;
  assert.equal(vwc.metadata.annotations['cert-manager.io/inject-ca-from'], `${cert.metadata.namespace}/${cert.metadata.name}`);
  const resources = new Set(Object.keys(POD_SPEC_PATHS).map((k) => `${k.toLowerCase()}s`));
  const modes = new Set<string>();
  for (const w of vwc.webhooks as Obj[]) {
    assert.equal(w.clientConfig.service.name, svc.metadata.name);
    assert.equal(w.clientConfig.service.namespace, svc.metadata.namespace);
    const m = /^\/validate\/(enforce|warn|audit)$/.exec(w.clientConfig.service.path);
    assert.ok(m, w.clientConfig.service.path);
    modes.add(m[1]!);
    assert.equal(w.failurePolicy, m[1] === 'enforce' ? 'Fail' : 'Ignore', `${w.name}: enforce never fails open`);
    assert.equal(w.sideEffects, 'NoneOnDryRun');
    assert.ok(w.timeoutSeconds <= 10);
    assert.deepEqual(w.admissionReviewVersions, ['v1']);
    const covered = new Set((w.rules as Obj[]).flatMap((r) => r.resources as string[]));
    for (const r of resources) assert.ok(covered.has(r), `${w.name}: ${r} not covered`);
    assert.ok(covered.has('pods/ephemeralcontainers'));
    const excl = (w.namespaceSelector.matchExpressions as Obj[]).find((e) => e.key === 'kubernetes.io/metadata.name');
    assert.deepEqual(excl, { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'portcullis'] });
  }
  assert.deepEqual([...modes].sort(), ['audit', 'enforce', 'warn']);
  // the container's arguments are real flags of `portcullis admission`
  const program = await buildProgram(captureIo('2026-01-01T00:00:00Z').io, ['admission']);
  const admission = program.commands.find((x) => x.name() === 'admission')!;
  assert.equal(c.args[0], 'admission');
  for (const a of c.args.slice(1) as string[]) assert.ok(admission.options.some((o) => o.long === a.split('=')[0]), a);
});
