// `portcullis compare` on the real orders-api report: Trivy and Grype reports written here in their
// JSON formats from our own findings (Trivy under the CVE ids, Grype under our advisory ids with the CVEs
// as related vulnerabilities), one of ours left out of each and one added: the command finds exactly
// those differences, with the reasons it can give from our inventory and advisory DB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedOrSkip } from '../src/core/shared.js';
import type { ScanReport } from '../src/core/report.js';
import type { VulnerabilityFinding } from '../src/core/types.js';
import type { CompareResult } from '../src/compare/compare.js';
import { cli } from './helpers/cli.js';
import { sharedDb, SCAN_NOW } from './helpers/shared-db.js';

test('orders-api: compare finds exactly the findings left out of and added to Trivy and Grype reports, with reasons', async (t) => {
  const image = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!image) return;
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-compare-'));
  const db = await sharedDb();
  const ours = join(dir, 'ours.json');
  const scan = await cli(['scan', `docker-archive:${image}`, '--db', db, '--quiet', '--format', 'json', '--output', ours], { now: SCAN_NOW });
  assert.equal(scan.code, 0, scan.stderr);
  const report = JSON.parse(readFileSync(ours, 'utf8')) as ScanReport;
  const vulns = report.findings.filter((f): f is VulnerabilityFinding => f.kind === 'vulnerability');
  assert.ok(vulns.length > 10, `orders-api has vulnerabilities (${vulns.length})`);
  const cve = (f: VulnerabilityFinding) => [f.advisoryId, ...f.aliases].find((i) => i.startsWith('CVE-'));
  const withCve = vulns.filter((f) => cve(f) !== undefined);
  const dropTrivy = withCve.find((f) => f.fixState === 'fixed')!;
  const dropGrype = withCve.find((f) => f !== dropTrivy && f.package.type !== dropTrivy.package.type) ?? withCve.find((f) => f !== dropTrivy)!;
  const trivy = {
    SchemaVersion: 2,
    ArtifactName: 'orders-api-1.4.2.docker.tar.gz',
    ArtifactType: 'container_image',
    Results: [
      {
        Target: 'orders-api',
        Class: 'os-pkgs',
        Vulnerabilities: [
          ...withCve.filter((f) => f !== dropTrivy).map((f) => ({ VulnerabilityID: cve(f), PkgName: f.package.name, InstalledVersion: f.installedVersion, FixedVersion: f.fixedVersion, Status: f.fixState === 'fixed' ? 'fixed' : 'affected' })),
          { VulnerabilityID: 'CVE-2099-0001', PkgName: 'not-in-this-image', InstalledVersion: '1.0.0', Status: 'affected', PkgPath: 'app/node_modules/not-in-this-image/package.json' },
        ],
      },
    ],
  };
  const grype = {
    descriptor: { name: 'grype', version: '0.74.0' },
    matches: [
      ...vulns.filter((f) => f !== dropGrype).map((f) => ({ vulnerability: { id: f.advisoryId, fix: { state: f.fixState === 'fixed' ? 'fixed' : 'not-fixed', versions: f.fixedVersion ? [f.fixedVersion] : [] } }, relatedVulnerabilities: f.aliases.map((id) => ({ id })), artifact: { name: f.package.name, version: f.installedVersion, purl: f.package.purl } })),
      { vulnerability: { id: 'CVE-2099-0002', fix: { state: 'fixed', versions: ['9'] } }, artifact: { name: dropTrivy.package.name, version: dropTrivy.installedVersion } },
    ],
  };
  writeFileSync(join(dir, 'trivy.json'), JSON.stringify(trivy));
  writeFileSync(join(dir, 'grype.json'), JSON.stringify(grype));
  const r = await cli(['compare', join(dir, 'trivy.json'), join(dir, 'grype.json'), '--ours', ours, '--db', db, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const result = JSON.parse(r.stdout) as CompareResult;
  assert.deepEqual(result.tools.map((x) => [x.name, x.findings]), [['Portcullis', vulns.length], ['Trivy', withCve.length], ['Grype', vulns.length]]);
  const rowOf = (id: string) => result.rows.filter((x) => x.ids.includes(id));
  // ours without a CVE id: Trivy (reporting CVEs only here) lacks them, and we say why
  for (const f of vulns.filter((x) => cve(x) === undefined)) assert.match(rowOf(f.advisoryId)[0]!.why.Trivy!, /no CVE id is known/);
  const trivyMissing = rowOf(cve(dropTrivy)!).find((x) => x.package === dropTrivy.package.name)!;
  assert.deepEqual(trivyMissing.found, { Portcullis: true, Trivy: false, Grype: true });
  assert.match(trivyMissing.why.Trivy!, /did not report/);
  const grypeMissing = rowOf(dropGrype.advisoryId).find((x) => x.package === dropGrype.package.name)!;
  assert.equal(grypeMissing.found.Grype, false);
  assert.equal(grypeMissing.found.Trivy, true);
  assert.deepEqual(rowOf('CVE-2099-0001')[0]!.why.Portcullis, "not in Portcullis's inventory (reported in app/node_modules/not-in-this-image/package.json)");
  assert.match(rowOf('CVE-2099-0002')[0]!.why.Portcullis!, /^CVE-2099-0002: not in Portcullis's advisory DB/);
  const noCve = vulns.filter((x) => cve(x) === undefined).length;
  assert.equal(result.rows.length, noCve + 4);
  // the table says the same in lines a person reads
  const table = await cli(['compare', join(dir, 'trivy.json'), '--ours', ours]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^Portcullis, \d+ finding\(s\), of .*\nTrivy, \d+ finding\(s\), of orders-api-1\.4\.2\.docker\.tar\.gz/);
  assert.match(table.stdout, /not by Portcullis: not in Portcullis's inventory/);
  // a report of another format is refused in one line naming the file
  const bad = await cli(['compare', ours, '--ours', ours]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /ours\.json: neither a Trivy JSON report/);
});
