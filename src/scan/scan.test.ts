// scanInventory: content-check results join the findings; every report lists every check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CHECK_NAMES } from '../core/types.js';
import type { CheckResult } from '../checks/types.js';
import { inventory, pkg, tempFiles, testDb } from '../match/testutil.js';
import { secret } from '../policy/testdata/synthetic.js';
import { scanInventory } from './scan.js';

const rec = { id: 'GHSA-scan-0001-0001', modified: '2026-11-28T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'victim' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '2.0.0' }] }] }] };
const opts = { now: new Date('2026-11-29T00:00:00Z'), scanner: { name: 'portcullis', version: 'test' } };
const ran: CheckResult = { findings: [secret()], status: { check: 'secrets', state: 'complete', detail: '3 files scanned', reasons: [] } };

test('checkResults: findings merged into findings, statuses into checks; the rest not-run', async () => {
  const db = await testDb([tempFiles({ 'r.json': JSON.stringify(rec) })]);
  try {
    const inv = inventory([pkg({ type: 'npm', name: 'victim', version: '1.0.0' })]);
    const r = scanInventory(inv, db, { ...opts, checkResults: [ran] });
    assert.deepEqual(r.checks?.map((c) => `${c.check} ${c.state}`), ['vulnerabilities complete', 'secrets complete', 'malware not-run', 'config not-run', 'licenses partial']);
    assert.ok(r.findings.some((f) => f.kind === 'secret' && f.id === secret().id));
    assert.ok(r.findings.some((f) => f.kind === 'vulnerability'));
    // without results: every content check is not-run, and the report still lists all of CHECK_NAMES
    const none = scanInventory(inv, db, opts);
    assert.deepEqual(none.checks?.map((c) => c.check), [...CHECK_NAMES]);
    assert.ok(!none.findings.some((f) => f.kind === 'secret'));
  } finally {
    db.close();
  }
});

test('an SBOM input: content checks are not-run and content findings are not taken', async () => {
  const db = await testDb([tempFiles({ 'r.json': JSON.stringify(rec) })]);
  try {
    const inv = inventory([pkg({ type: 'npm', name: 'victim', version: '1.0.0' })]);
    inv.image.ref = { input: 'sbom:x.json', transport: 'sbom', path: 'x.json' };
    const r = scanInventory(inv, db, { ...opts, checkResults: [ran] });
    const secrets = r.checks?.find((c) => c.check === 'secrets');
    assert.equal(secrets?.state, 'not-run');
    assert.match(secrets?.detail ?? '', /an SBOM carries no file contents/);
    assert.ok(!r.findings.some((f) => f.kind === 'secret'));
  } finally {
    db.close();
  }
});

test('scan --sbom with secrets: {failOn: any} exits 1: not evaluated, an SBOM carries no file contents', async () => {
  const { runCli } = await import('../cli/main.js');
  const { captureIo } = await import('../cli/testio.js');
  const { testDbPath } = await import('../match/testutil.js');
  const { writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const dbPath = await testDbPath([tempFiles({ 'r.json': JSON.stringify(rec) })]);
  const dir = tempFiles({});
  const sbom = join(dir, 'bom.json');
  writeFileSync(sbom, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, components: [{ type: 'library', name: 'left-pad', version: '1.3.0', purl: 'pkg:npm/left-pad@1.3.0', licenses: [{ license: { id: 'MIT' } }] }] }));
  const pol = join(dir, 'p.yaml');
  writeFileSync(pol, 'apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: p}\nspec:\n  controls:\n    secrets: {failOn: any}\n    coverage: {onGap: ignore}\n');
  const { io, out } = captureIo('2026-11-29T00:00:00Z');
  const code = await runCli(['scan', '--sbom', sbom, '--db', dbPath, '--policy', pol, '--no-color', '--quiet'], io);
  assert.equal(code, 1);
  assert.match(out(), /\[p\/secrets\] not evaluated: the secrets check did not run: no secrets scanner ran: an SBOM carries no file contents/);
});
