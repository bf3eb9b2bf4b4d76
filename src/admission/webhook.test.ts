// The admission webhook end to end: AdmissionReview bodies for every judged kind (testdata/, written
// from the Kubernetes API reference) POSTed over TLS to the running webhook on 127.0.0.1. The
// Kubernetes API server cannot run here, so this test stands in for it (same request, same TLS check
// against the caBundle). Images live in Debian's docker-registry on loopback; decisions in a real
// SQLite store (the server's), read by the webhook as in production.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { haveTools, startRegistry, type RegistryHandle } from '../source/registry/testregistry.js';
import { openStore, type Store } from '../server/store/db.js';
import { insertScan, latestDecision } from '../server/store/scans.js';
import { appendAudit, listAudit } from '../server/store/objects.js';
import { movableClock } from '../server/testkit.js';
import { Judge } from './judge.js';
import { DigestResolver } from './resolve.js';
import { admit, startWebhook, type Webhook, type WebhookOptions } from './webhook.js';
import { parseReview } from './review.js';
import { CRITICAL, fixture, post, pushImage, record, selfSigned, type Doc } from './testkit.js';

const missing = haveTools('docker-registry', 'skopeo', 'openssl');
const skip = missing.length ? `SKIPPED: ${missing.join(', ')} not installed` : undefined;
if (skip) console.log(skip);

const T0 = '2026-03-01T10:00:00Z';
const PIPELINE = 'prod-cluster';
const work = mkdtempSync(join(tmpdir(), 'portcullis-admission-'));
const clock = movableClock(T0);
let reg: RegistryHandle;
let store: Store;
let tls: { cert: string; key: string };
const hooks: Webhook[] = [];
let port = 0;
const img: Record<string, string> = {};
const dig: Record<string, string> = {};

async function decide(name: string, verdict: 'pass' | 'fail', extra: Partial<Parameters<typeof record>[0]> = {}): Promise<void> {
  const full = `${reg.host}/shop/${name}`;
  const r = record({ name: full, digest: dig[name]!, pipeline: PIPELINE, verdict, evaluatedAt: T0, violations: verdict === 'fail' ? [CRITICAL] : [], ...extra });
  await insertScan(store, { pipeline: PIPELINE, repository: full, tag: '1', digest: dig[name], verdict, report: {}, decision: r, by: 'ci', at: clock.now() });
}

async function hook(o: Partial<WebhookOptions> = {}): Promise<number> {
  const judge = new Judge({ pipeline: PIPELINE, clock, store: { latest: (p, d) => latestDecision(store, p, d) }, cacheMs: 0 });
  const resolver = new DigestResolver({ registry: {}, clock, tagTtlMs: 30_000 });
  const audit = async (e: Parameters<NonNullable<WebhookOptions['audit']>>[0]) =>
    appendAudit(store.db, { at: e.at, actor: { name: `kubernetes:${e.actor}`, requestId: e.requestId }, action: e.action, kind: 'admission', name: e.name, after: e.after });
  const h = await startWebhook({ judge, resolver, clock, mode: 'enforce', audit, tls, ...o });
  hooks.push(h);
  return h.port;
}

const review = (name: string, main: string, extra: { init?: string; ephemeral?: string } = {}, edit?: (r: Doc) => void) => fixture(name, { main, ...extra }, edit);

before(async () => {
  if (skip) return;
  tls = selfSigned(work);
  reg = await startRegistry();
  for (const n of ['good', 'bad', 'init', 'none', 'moving', 'expired', 'allowed']) {
    img[n] = `${reg.host}/shop/${n}:1`;
    dig[n] = await pushImage(reg, `shop/${n}:1`, `image ${n}`);
  }
  store = await openStore(join(work, 'portcullis.db'));
  await decide('good', 'pass');
  await decide('init', 'pass');
  await decide('bad', 'fail');
  await decide('moving', 'pass');
  await decide('expired', 'pass', { validUntil: '2026-03-01T09:00:00Z' });
  await decide('allowed', 'pass', { allowlisted: { image: `${reg.host}/shop/allowed@${'x'}`, reason: 'vendor image', owner: 'sec', expires: '2026-04-01' } });
  port = await hook();
});

after(async () => {
  for (const h of hooks) await h.close();
  await store?.close();
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

const KINDS = ['pod', 'deployment', 'statefulset', 'daemonset', 'replicaset', 'replicationcontroller', 'job', 'cronjob'];

test('every workload kind: passed images are admitted; a failed init container is denied with its reasons', { skip }, async () => {
  for (const k of KINDS) {
    const ok = await post(port, tls.cert, '/validate', review(k, img.good!, { init: img.init! }));
    assert.equal(ok.status, 200, k);
    assert.equal(ok.body.apiVersion, 'admission.k8s.io/v1');
    assert.equal(ok.body.response.allowed, true, `${k}: ${JSON.stringify(ok.body)}`);
    assert.match(ok.body.response.uid, /^0b7e3a52-/);
    const no = await post(port, tls.cert, '/validate', review(k, img.good!, { init: img.bad! }));
    assert.equal(no.body.response.allowed, false, k);
    assert.equal(no.body.response.status.code, 403);
    const msg = no.body.response.status.message as string;
    assert.ok(msg.includes(img.bad!), msg);
    assert.match(msg, /failed pipeline prod-cluster/);
    assert.match(msg, /vulnerabilities\.failOn: CVE-2021-44906 in minimist 1\.2\.0/);
    assert.match(msg, /fix: upgrade minimist to 1\.2\.6/);
  }
});

test('kubectl debug: an ephemeral container with a failed image is denied', { skip }, async () => {
  const r = await post(port, tls.cert, '/validate', review('pod-ephemeral', img.good!, { init: img.init!, ephemeral: img.bad! }));
  assert.equal(r.body.response.allowed, false);
  assert.ok(r.body.response.status.message.includes(img.bad!));
});

test('no decision: denied by default; --missing-decision warn admits with a warning', { skip }, async () => {
  const r = await post(port, tls.cert, '/validate', review('deployment', img.none!));
  assert.equal(r.body.response.allowed, false);
  assert.match(r.body.response.status.message, /has no valid decision for pipeline prod-cluster/);
  const warnPort = await hook({ noDecision: 'warn' });
  const w = await post(warnPort, tls.cert, '/validate', review('deployment', img.none!));
  assert.equal(w.body.response.allowed, true);
  assert.match(w.body.response.warnings[0], /no valid decision.*admitted: no-decision is warn/);
});

test('an expired decision never admits; an allowlisted digest is admitted by its entry and says so', { skip }, async () => {
  const r = await post(port, tls.cert, '/validate', review('pod', img.expired!, { init: img.good! }));
  assert.equal(r.body.response.allowed, false);
  assert.match(r.body.response.status.message, /expired: validUntil 2026-03-01T09:00:00Z/);
  const a = await post(port, tls.cert, '/validate', review('pod', img.allowed!, { init: img.good! }));
  assert.equal(a.body.response.allowed, true);
  assert.match(a.body.response.auditAnnotations.decision, /admitted by allowlist entry .* until 2026-04-01 \(owner sec\)/);
});

test('a tag whose digest moved is judged by the new digest (after the tag cache TTL)', { skip }, async () => {
  const p = await hook();
  const first = await post(p, tls.cert, '/validate', review('pod', img.moving!, { init: img.good! }));
  assert.equal(first.body.response.allowed, true);
  const moved = await pushImage(reg, 'shop/moving:1', 'image moving, rebuilt with a vulnerable package');
  assert.notEqual(moved, dig.moving);
  clock.set('2026-03-01T10:01:00Z'); // past the 30 s tag TTL
  try {
    const second = await post(p, tls.cert, '/validate', review('pod', img.moving!, { init: img.good! }));
    assert.equal(second.body.response.allowed, false);
    assert.ok(second.body.response.status.message.includes(moved.slice(0, 19)), second.body.response.status.message);
  } finally {
    clock.set(T0);
  }
});

test('break-glass admits until its expiry and is audited; dryRun never writes; a stale break-glass is refused', { skip }, async () => {
  const glass = (expires: string, dryRun = false) => (r: Doc) => {
    r.request.object.metadata.annotations['portcullis.dev/break-glass'] = 'INC-4711: hotfix while the scanner is down';
    r.request.object.metadata.annotations['portcullis.dev/break-glass-expires'] = expires;
    r.request.dryRun = dryRun;
  };
  const before = (await listAudit(store, { limit: 1000 })).length;
  const dry = await post(port, tls.cert, '/validate', review('deployment', img.bad!, {}, glass('2026-03-01T14:00:00Z', true)));
  assert.equal(dry.body.response.allowed, true);
  assert.equal((await listAudit(store, { limit: 1000 })).length, before, 'dryRun wrote to the audit log');
  const r = await post(port, tls.cert, '/validate', review('deployment', img.bad!, {}, glass('2026-03-01T14:00:00Z')));
  assert.equal(r.body.response.allowed, true);
  assert.match(r.body.response.warnings[0], /break-glass by system:serviceaccount:ci:deployer until 2026-03-01T14:00:00.000Z: INC-4711/);
  const audit = await listAudit(store, { limit: 1000 });
  assert.equal(audit.length, before + 1);
  const last = audit[audit.length - 1]!;
  assert.equal(last.action, 'admission.break-glass');
  assert.equal(last.name, 'shop/Deployment/orders');
  assert.match(last.actor, /kubernetes:system:serviceaccount:ci:deployer/);
  const stale = await post(port, tls.cert, '/validate', review('deployment', img.bad!, {}, glass('2026-03-01T09:00:00Z')));
  assert.equal(stale.body.response.allowed, false);
  assert.match(stale.body.response.status.message, /break-glass refused: break-glass expired/);
  const far = await post(port, tls.cert, '/validate', review('deployment', img.bad!, {}, glass('2026-03-09T09:00:00Z')));
  assert.equal(far.body.response.allowed, false);
});

test('modes: /validate/warn admits with warnings, audit admits and logs, namespace globs choose; kube-system is exempt', { skip }, async () => {
  const w = await post(port, tls.cert, '/validate/warn', review('deployment', img.bad!));
  assert.equal(w.body.response.allowed, true);
  assert.match(w.body.response.warnings[0], /warn mode, would deny.*CVE-2021-44906/);
  const n = (await listAudit(store, { limit: 1000 })).length;
  const a = await post(port, tls.cert, '/validate/audit', review('deployment', img.bad!));
  assert.equal(a.body.response.allowed, true);
  assert.equal(a.body.response.warnings, undefined);
  assert.equal((await listAudit(store, { limit: 1000 })).length, n + 1);
  const nsPort = await hook({ namespaceModes: [{ pattern: 'sh*', mode: 'warn' }] });
  assert.equal((await post(nsPort, tls.cert, '/validate', review('deployment', img.bad!))).body.response.allowed, true);
  assert.equal((await post(nsPort, tls.cert, '/validate/enforce', review('deployment', img.bad!))).body.response.allowed, false);
  const ks = await post(port, tls.cert, '/validate', review('deployment', img.bad!, {}, (r) => (r.request.namespace = 'kube-system')));
  assert.equal(ks.body.response.allowed, true);
  const metrics = hooks[0]!.metrics.render();
  assert.match(metrics, /portcullis_admission_requests_total\{mode="warn",result="allowed"\} [1-9]/);
  assert.match(metrics, /portcullis_admission_requests_total\{mode="default",result="denied"\} [1-9]/);
  assert.match(metrics, /portcullis_admission_duration_seconds_count [1-9]/);
});

test('internal errors fail closed by default; --on-error allow admits with a warning', { skip }, async () => {
  const unreachable = '127.0.0.1:9/shop/app:1';
  const r = await post(port, tls.cert, '/validate', review('pod', unreachable, { init: img.good! }));
  assert.equal(r.body.response.allowed, false);
  assert.equal(r.body.response.status.code, 500);
  assert.match(r.body.response.status.message, /cannot resolve its digest.*fail closed/);
  const open = await hook({ onError: 'allow' });
  const o = await post(open, tls.cert, '/validate', review('pod', unreachable, { init: img.good! }));
  assert.equal(o.body.response.allowed, true);
  assert.match(o.body.response.warnings[0], /admitted because --on-error allow/);
});

test('hostile requests get a one-line 400; bad image references are denied, never admitted', { skip }, async () => {
  const huge = await post(port, tls.cert, '/validate', Buffer.alloc(5 * 1024 * 1024, 0x20));
  assert.equal(huge.status, 413);
  const notJson = await post(port, tls.cert, '/validate', Buffer.from('{"apiVersion":'));
  assert.equal(notJson.status, 400);
  assert.match(notJson.body.error, /^AdmissionReview: body is not JSON$/);
  const v1beta1 = await post(port, tls.cert, '/validate', review('pod', img.good!, {}, (r) => (r.apiVersion = 'admission.k8s.io/v1beta1')));
  assert.equal(v1beta1.status, 400);
  const noContainers = await post(port, tls.cert, '/validate', review('pod', img.good!, {}, (r) => {
    r.request.object.spec.containers = [];
    delete r.request.object.spec.initContainers;
  }));
  assert.equal(noContainers.body.response.allowed, false);
  const noImage = await post(port, tls.cert, '/validate', review('pod', img.good!, {}, (r) => delete r.request.object.spec.containers[0].image));
  assert.equal(noImage.body.response.allowed, false);
  assert.match(noImage.body.response.status.message, /containers\[0\]: no image/);
  const badRef = await post(port, tls.cert, '/validate', review('pod', 'UPPER/Case:1', { init: img.good! }));
  assert.equal(badRef.body.response.allowed, false);
  const scale = await post(port, tls.cert, '/validate', review('deployment', img.bad!, {}, (r) => {
    r.request.subResource = 'scale';
    r.request.kind = { group: 'autoscaling', version: 'v1', kind: 'Scale' };
  }));
  assert.equal(scale.body.response.allowed, true, 'a scale subresource does not change images');
  const secret = await post(port, tls.cert, '/validate', review('pod', img.good!, {}, (r) => (r.request.kind.kind = 'Secret')));
  assert.equal(secret.body.response.allowed, false, 'a kind without a pod template is an error: fail closed');
});

test('a pinned digest with a decision needs no registry; break-glass without an audit log is refused', { skip }, async () => {
  const pinned = `127.0.0.1:9/shop/good@${dig.good}`; // nothing listens there: the digest alone decides
  const r = await post(port, tls.cert, '/validate', review('pod', pinned, { init: `${img.init!.replace(/:1$/, '')}@${dig.init}` }));
  assert.equal(r.body.response.allowed, true, JSON.stringify(r.body));
  const bad = await post(port, tls.cert, '/validate', review('pod', `127.0.0.1:9/shop/bad@${dig.bad}`));
  assert.equal(bad.body.response.allowed, false);
  assert.match(bad.body.response.status.message, /failed pipeline prod-cluster/);
  const judge = new Judge({ pipeline: PIPELINE, clock, store: { latest: (p, d) => latestDecision(store, p, d) } });
  const req = parseReview(review('deployment', img.bad!, {}, (x) => {
    x.request.object.metadata.annotations['portcullis.dev/break-glass'] = 'INC-1';
    x.request.object.metadata.annotations['portcullis.dev/break-glass-expires'] = '2026-03-01T12:00:00Z';
  }));
  const res = await admit(req, undefined, { judge, resolver: new DigestResolver({ registry: {}, clock }), clock, mode: 'enforce' });
  assert.equal(res.allowed, false);
  assert.match(res.message ?? '', /break-glass refused: no audit log is configured/);
});
