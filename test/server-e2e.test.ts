// The seed's flows end to end through the server's API and the CLI, on the real orders-api image with a
// DB built from ../shared/data: a production and a dev policy per pipeline pushed as files (pulled back
// byte for byte); an exception for one CVE on one image, then a repository, then all images (30 days);
// the expiry passes (injected clock) and the next scan fails; an allowlisted image passes; an unapproved
// base fails; every change in the audit log with its author; the server unreachable → cached bundle
// within --server-max-staleness (said in the verdict), else exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedOrSkip } from '../src/core/shared.js';
import type { ScanReport } from '../src/core/report.js';
import type { DecisionRecord } from '../src/policy/record.js';
import { fixedClock } from '../src/core/clock.js';
import { client, freshStore, serverOn, tokenFor } from '../src/server/testkit.js';
import { cli } from './helpers/cli.js';
import { sharedDb, SCAN_NOW } from './helpers/shared-db.js';

const IMAGE = 'fixtures/images/orders-api-1.4.2.docker.tar.gz';
const dir = mkdtempSync(join(tmpdir(), 'portcullis-server-e2e-'));
const CVE = 'CVE-2021-44906'; // minimist, in the image's npm packages
const DAY = 86_400_000;
const at = (days: number) => new Date(Date.parse(SCAN_NOW) + days * DAY).toISOString();

const policyFile = (name: string, pipelines: string, approved: string, enforcement = 'block') =>
  [
    `# ${name}: owned by the security team`,
    'apiVersion: portcullis/v1',
    'kind: AssurancePolicy',
    `metadata: {name: ${name}}`,
    'spec:',
    `  appliesTo: {pipelines: ["${pipelines}"]}`,
    `  enforcement: ${enforcement}`,
    '  controls:',
    `    vulnerabilities: {deny: [${CVE}]}`,
    `    baseImage: {approved: ["${approved}"], unknown: fail}`,
    '    coverage: {onGap: ignore}',
    '',
  ].join('\n');

test('seed flows through the server and the CLI', async (t) => {
  const image = sharedOrSkip(t, IMAGE);
  if (!image) return;
  const db = await sharedDb();
  const store = (await freshStore('sqlite', 'e2e'))!;
  const clock = fixedClock(SCAN_NOW);
  const srv = await serverOn(store, clock, { rateLimit: 0 });
  await srv.app.listen({ host: '127.0.0.1', port: 0 });
  t.after(() => srv.close());
  const addr = srv.app.server.address() as { port: number };
  const url = `http://127.0.0.1:${addr.port}`;
  const admin = client(srv, await tokenFor(store, 'admin', [], 'root', clock));
  const secToken = await tokenFor(store, 'security', [], 'alice', clock);
  const sec = client(srv, secToken);
  const ciToken = await tokenFor(store, 'ci', ['prod-*', 'dev-*'], 'ci-shop', clock);
  const ciProdOnly = await tokenFor(store, 'ci', ['prod-*'], 'ci-prod', clock);
  for (const p of ['prod-shop', 'dev-shop']) assert.equal((await admin('PUT', `/api/v1/pipelines/${p}`, {})).status, 201);

  // policy as code: push a folder, pull it back byte for byte
  const src = join(dir, 'policies-src');
  mkdirSync(join(src, 'policies'), { recursive: true });
  writeFileSync(join(src, 'policies', 'production.yaml'), policyFile('production', 'prod-*', 'docker.io/library/debian:12-slim'));
  writeFileSync(join(src, 'policies', 'dev.yaml'), policyFile('dev', 'dev-*', 'docker.io/library/*', 'audit'));
  copyFileSync('examples/base-catalog.yaml', join(src, 'base-catalog.yaml'));
  const cacheDir = join(dir, 'cache');
  const envSec = { PORTCULLIS_TOKEN: secToken, PORTCULLIS_CACHE_DIR: cacheDir };
  const push = await cli(['policy', 'push', '--server', url, src], { env: envSec });
  assert.equal(push.code, 0, push.stderr);
  assert.match(push.stdout, /^created {3}AssurancePolicy\/production@1$/m);
  const pulled = join(dir, 'policies-pulled');
  assert.equal((await cli(['policy', 'pull', '--server', url, pulled], { env: envSec })).code, 0);
  for (const f of ['policies/production.yaml', 'policies/dev.yaml', 'base-catalog.yaml']) {
    assert.equal(readFileSync(join(pulled, f), 'utf8'), readFileSync(join(src, f), 'utf8'), `${f} round-trips losslessly`);
  }
  assert.match((await cli(['policy', 'push', '--server', url, pulled], { env: envSec })).stdout, /^unchanged AssurancePolicy\/production@1$/m);

  let n = 0;
  async function scan(pipeline: string, now = SCAN_NOW, token = ciToken, extra: string[] = []) {
    n++;
    const out = join(dir, `report-${n}.json`);
    const rec = join(dir, `decision-${n}.json`);
    const r = await cli(['scan', image!, '--db', db, '--server', url, '--pipeline', pipeline, '--format', 'json', '--output', `json=${out}`, '--decision', rec, ...extra], {
      now,
      env: { PORTCULLIS_TOKEN: token, PORTCULLIS_CACHE_DIR: cacheDir },
    });
    const read = <T>(f: string): T | undefined => {
      try {
        return JSON.parse(readFileSync(f, 'utf8')) as T;
      } catch {
        return undefined;
      }
    };
    return { code: r.code, stderr: r.stderr, report: read<ScanReport>(out), record: read<DecisionRecord>(rec) };
  }

  // production fails on the denied CVE; dev (audit) passes with the same findings
  const prod = await scan('prod-shop');
  assert.equal(prod.code, 1, prod.stderr);
  assert.deepEqual(prod.report!.decision!.violations.map((v) => v.control), ['vulnerabilities.deny']);
  assert.deepEqual(prod.record!.server!.policies, [{ name: 'production', revision: 1, digest: prod.record!.server!.policies[0]!.digest }]);
  assert.match(prod.stderr, /report and decision uploaded/);
  const dev = await scan('dev-shop');
  assert.equal(dev.code, 0, dev.stderr);
  assert.deepEqual(dev.report!.decision!.policies, ['dev']);
  const imageId = prod.report!.inventory.image.configDigest;
  const repo = prod.record!.image.name!;
  assert.equal(repo, 'docker.io/shop/orders-api');

  // exceptions: one image, then the repository, then all images; 30 days each
  const exc = (id: string, scope: object) => ({ id, finding: CVE, scope, ttl: '30d', created: SCAN_NOW.slice(0, 10), owner: 'alice@example.com', reason: 'argv parsing of trusted input only' });
  for (const [id, scope] of [['one-image', { image: imageId }], ['one-repo', { repository: repo }], ['all-images', { all: true }]] as const) {
    assert.equal((await sec('POST', '/api/v1/exceptions', exc(id, scope))).status, 201);
    const r = await scan('prod-shop');
    assert.equal(r.code, 0, `${id}: ${r.stderr}`);
    assert.ok(r.report!.decision!.suppressed.some((s) => s.ruleId === id && s.by === 'exception'));
    assert.deepEqual(r.record!.exceptions.applied, [id]);
    assert.deepEqual(r.record!.server!.exceptions.map((e) => `${e.document}@${e.revision}`), [`${id}@1`]);
    if (id !== 'all-images') assert.equal((await sec('DELETE', `/api/v1/exceptions/${id}`)).status, 200);
  }
  // 31 days later the exception has expired: the next scan fails
  const expired = await scan('prod-shop', at(31));
  assert.equal(expired.code, 1);
  assert.ok(expired.report!.decision!.notices.some((x) => /all-images/.test(x) && /expired/.test(x)));
  assert.equal((await sec('DELETE', '/api/v1/exceptions/all-images')).status, 200);

  // an allowlisted image (by digest) passes
  const allow = await sec('POST', '/api/v1/allowlist', { image: `${repo}@${imageId}`, expires: at(10).slice(0, 10), owner: 'alice@example.com', reason: 'legacy release' });
  assert.equal(allow.status, 201);
  const allowed = await scan('prod-shop');
  assert.equal(allowed.code, 0, allowed.stderr);
  assert.equal(allowed.report!.decision!.allowlisted?.owner, 'alice@example.com');
  assert.equal((await sec('DELETE', `/api/v1/allowlist/${allow.json.name}`)).status, 200);

  // an unapproved base fails: production now approves only alpine
  writeFileSync(join(src, 'policies', 'production.yaml'), policyFile('production', 'prod-*', 'docker.io/library/alpine:*'));
  assert.match((await cli(['policy', 'push', '--server', url, src], { env: envSec })).stdout, /^updated {3}AssurancePolicy\/production@2$/m);
  const base = await scan('prod-shop');
  assert.equal(base.code, 1);
  assert.ok(base.report!.decision!.violations.some((v) => v.control.startsWith('baseImage')), JSON.stringify(base.report!.decision!.violations.map((v) => v.control)));
  assert.equal(base.record!.server!.policies[0]!.revision, 2);

  // a ci token of one pipeline cannot use another's bundle
  const other = await scan('dev-shop', SCAN_NOW, ciProdOnly);
  assert.equal(other.code, 2);
  assert.match(other.stderr, /403 this token is not scoped to pipeline dev-shop/);

  // every change is in the audit log with its author
  const audit = (await sec('GET', '/api/v1/audit?limit=1000')).json.items as { actor: string; action: string; kind: string; name: string }[];
  const changes = audit.filter((a) => a.kind !== 'Token').map((a) => `${a.action} ${a.kind}/${a.name} ${a.actor.split(' ')[0]}`);
  for (const want of ['create Pipeline/prod-shop root', 'create AssurancePolicy/production alice', 'create BaseImageCatalog/base-catalog alice', 'create Exceptions/one-image alice', 'revoke Exceptions/one-image alice', 'create Exceptions/all-images alice', 'update AssurancePolicy/production alice']) {
    assert.ok(changes.includes(want), `audit: ${want}\n${changes.join('\n')}`);
  }
  // the uploaded decisions are on the server, newest first
  const decisions = (await admin('GET', "/api/v1/decisions?pipeline=prod-shop")).json.items as { decision: DecisionRecord }[];
  assert.equal(decisions.length, 7);
  assert.equal(decisions[0]!.decision.server!.policies[0]!.revision, 2);

  // the server goes away: the cached bundle decides (said in the verdict) within 24 h; after that, exit 2
  await srv.close();
  const cached = await scan('prod-shop', at(0.5));
  assert.equal(cached.code, 1);
  assert.ok(cached.report!.decision!.notices.some((x) => /decided with the bundle cached at/.test(x)), cached.stderr);
  assert.ok(cached.record!.server!.cachedAt);
  assert.match(cached.stderr, /could not upload the report/);
  const stale = await scan('prod-shop', at(1.5));
  assert.equal(stale.code, 2);
  assert.match(stale.stderr, /older than --server-max-staleness/);
  const longer = await scan('prod-shop', at(1.5), ciToken, ['--server-max-staleness', '48h']);
  assert.equal(longer.code, 1);
  assert.ok(readdirSync(join(cacheDir, 'server')).length >= 1);
});
