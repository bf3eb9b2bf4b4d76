// `admission --missing-decision scan`: a digest without a decision is scanned on admission (real image in
// Debian's docker-registry, real advisory DB built here, the policy file), judged, and its decision
// stored so the next request (and every replica) finds it; a scan past the deadline denies meanwhile and
// stores its decision in the background. The AdmissionReview is POSTed over TLS as the API server would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDb } from '../../advisory/index.js';
import { fixedClock } from '../../core/clock.js';
import { dockerArchive, makeTar } from '../../source/testkit.js';
import { haveTools, push, startRegistry, type RegistryHandle } from '../../source/registry/testregistry.js';
import { openStore, type Store } from '../../server/store/db.js';
import { latestDecision } from '../../server/store/scans.js';
import { Judge } from '../../admission/judge.js';
import { DigestResolver } from '../../admission/resolve.js';
import { startWebhook } from '../../admission/webhook.js';
import { fixture, post, selfSigned } from '../../admission/testkit.js';
import { captureIo } from '../testio.js';
import { scanOnAdmission } from './admission-scan.js';

const missing = haveTools('docker-registry', 'skopeo', 'openssl');
const skip = missing.length ? `SKIPPED: ${missing.join(', ')} not installed` : undefined;
const NOW = '2026-03-02T00:00:00.000Z';
const work = mkdtempSync(join(tmpdir(), 'portcullis-scan-on-admission-'));
let reg: RegistryHandle;
let store: Store;

async function image(repo: string, musl: string): Promise<string> {
  const layer = await makeTar([
    { name: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.1\n' },
    { name: 'lib/apk/db/installed', content: `P:musl\nV:${musl}\nA:x86_64\no:musl\n` },
    { name: 'srv/id', content: repo },
  ]);
  const file = join(work, `${repo.replace('/', '-')}.tar`);
  writeFileSync(file, await dockerArchive([layer], { repoTags: [`${repo}:1`] }));
  await push(`docker-archive:${file}`, reg, `${repo}:1`);
  return `${reg.host}/${repo}:1`;
}

before(async () => {
  if (skip) return;
  reg = await startRegistry();
  mkdirSync(join(work, 'osv'));
  writeFileSync(join(work, 'osv', 'musl.json'), JSON.stringify({ id: 'CVE-2026-0001', modified: '2026-03-01T00:00:00Z', severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }], affected: [{ package: { ecosystem: 'Alpine:v3.19', name: 'musl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2.4-r3' }] }] }] }));
  await buildDb([`osv:${join(work, 'osv')}`], join(work, 'db.sqlite'), { clock: fixedClock(NOW) });
  writeFileSync(join(work, 'policy.yaml'), 'apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: prod-cluster}\nspec:\n  decisionMaxAgeHours: 24\n  controls:\n    vulnerabilities: {failOn: critical}\n');
  store = await openStore(join(work, 'portcullis.db'));
});
after(async () => {
  await store?.close();
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('scan on admission: judged now, stored for the next request; past the deadline it denies and finishes in the background', { skip }, async () => {
  const fixed = await image('shop/fixed', '1.2.4-r3');
  const vulnerable = await image('shop/vulnerable', '1.2.4-r2');
  const slow = await image('shop/slow', '1.2.4-r3');
  const tls = selfSigned(work);
  const clock = fixedClock('2026-03-02T01:00:00Z');
  const { io } = captureIo('2026-03-02T01:00:00Z');
  const judge = new Judge({ pipeline: 'prod-cluster', clock, store: { latest: (p, d) => latestDecision(store, p, d) }, cacheMs: 0 });
  const scanner = await scanOnAdmission({ pipeline: 'prod-cluster', policies: [join(work, 'policy.yaml')], exceptions: [], db: join(work, 'db.sqlite'), registry: {}, io, store, deadlineMs: 20_000 });
  const hook = await startWebhook({ judge, resolver: new DigestResolver({ registry: {}, clock }), clock, mode: 'enforce', noDecision: 'scan', scanner, timeoutMs: 25_000, tls });
  const impatient = await scanOnAdmission({ pipeline: 'prod-cluster', policies: [join(work, 'policy.yaml')], exceptions: [], db: join(work, 'db.sqlite'), registry: {}, io, store, deadlineMs: 1 });
  const hook2 = await startWebhook({ judge, resolver: new DigestResolver({ registry: {}, clock }), clock, mode: 'enforce', noDecision: 'scan', scanner: impatient, timeoutMs: 25_000, tls });
  try {
    const ok = await post(hook.port, tls.cert, '/validate', fixture('deployment', { main: fixed }));
    assert.equal(ok.body.response.allowed, true, JSON.stringify(ok.body));
    const digest = /sha256:[0-9a-f]{12}/.exec(ok.body.response.auditAnnotations.decision)![0];
    const stored = (await store.db.selectFrom('scans').select(['digest', 'verdict', 'uploaded_by']).execute()).find((r) => r.digest?.startsWith(digest));
    assert.equal(stored?.verdict, 'pass');
    assert.equal(stored?.uploaded_by, 'portcullis admission (scan on admission)');
    const no = await post(hook.port, tls.cert, '/validate', fixture('pod', { main: vulnerable }));
    assert.equal(no.body.response.allowed, false);
    assert.match(no.body.response.status.message, /failed pipeline prod-cluster .*vulnerabilities\.failOn: CVE-2026-0001 in musl 1\.2\.4-r2/);
    const first = await post(hook2.port, tls.cert, '/validate', fixture('pod', { main: slow }));
    assert.equal(first.body.response.allowed, false);
    assert.match(first.body.response.status.message, /a scan on admission started and did not finish within 1 ms: it goes on, retry shortly/);
    let again = first;
    for (let i = 0; i < 100 && !again.body.response.allowed; i++) {
      await new Promise((r) => setTimeout(r, 200));
      again = await post(hook2.port, tls.cert, '/validate', fixture('pod', { main: slow }));
    }
    assert.equal(again.body.response.allowed, true, 'the retry finds the decision the background scan stored');
  } finally {
    await hook.close();
    await hook2.close();
  }
});
