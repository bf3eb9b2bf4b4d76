import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RULE_DOCS, automationId, fit, imageArtifactUri, sarifReporter, toSarif } from './index.js';
import { sampleReport } from '../testdata/sample.js';
import { assertGolden, renderToString } from '../golden.js';
import { sarifValidator } from '../schemas.js';
import type { ScanReport } from '../../core/report.js';

const testdata = fileURLToPath(new URL('./testdata/', import.meta.url));

type Sarif = {
  version: string;
  runs: {
    automationDetails?: { id?: string };
    tool: { driver: { name?: string; rules?: { id: string; shortDescription?: { text: string }; fullDescription?: { text: string }; help?: { text: string }; helpUri?: string; properties?: { 'security-severity'?: string; tags?: string[] } }[] } };
    results?: { ruleId?: string; ruleIndex?: number; level?: string; message?: { text?: string }; locations?: { physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } } }[]; partialFingerprints?: Record<string, string>; suppressions?: unknown[] }[];
  }[];
};

/**
 * GitHub code scanning's ingestion rules for third-party SARIF ("SARIF support for code scanning" and its
 * upload limits), beyond the 2.1.0 schema: what makes an upload rejected, or alerts lost or duplicated.
 */
function githubProblems(doc: Sarif): string[] {
  const p: string[] = [];
  if (doc.version !== '2.1.0') p.push('version must be 2.1.0');
  if (!Array.isArray(doc.runs) || doc.runs.length > 20) p.push('runs: 1 to 20 per file');
  const categories = new Set<string>();
  for (const [ri, run] of (doc.runs ?? []).entries()) {
    const at = `runs[${ri}]`;
    if (!run.tool?.driver?.name) p.push(`${at}.tool.driver.name is required`);
    const id = run.automationDetails?.id;
    if (!id) p.push(`${at}.automationDetails.id: needed so two pipelines' uploads for one commit do not replace each other`);
    else {
      const category = id.slice(0, id.lastIndexOf('/'));
      if (categories.has(category)) p.push(`${at}: two runs share the category ${category}`);
      categories.add(category);
    }
    const rules = run.tool.driver.rules ?? [];
    if (rules.length > 25000) p.push(`${at}: more than 25000 rules`);
    const ruleIds = new Set<string>();
    for (const rule of rules) {
      if (ruleIds.has(rule.id)) p.push(`rule ${rule.id} is listed twice`);
      ruleIds.add(rule.id);
      for (const k of ['shortDescription', 'fullDescription'] as const) {
        const t = rule[k]?.text;
        if (!t) p.push(`rule ${rule.id}: ${k}.text is required`);
        else if (t.length > 1024) p.push(`rule ${rule.id}: ${k}.text over 1024 characters`);
      }
      if (!rule.help?.text) p.push(`rule ${rule.id}: help.text is required`);
      if (!rule.helpUri || !/^https:\/\/\S+$/.test(rule.helpUri)) p.push(`rule ${rule.id}: helpUri must be an https URL, got ${rule.helpUri}`);
      const sev = rule.properties?.['security-severity'];
      if (sev === undefined || !/^\d+(\.\d+)?$/.test(sev) || Number(sev) > 10) p.push(`rule ${rule.id}: security-severity must be a number 0.0–10.0 as a string`);
      if ((rule.properties?.tags ?? []).length > 20) p.push(`rule ${rule.id}: more than 20 tags`);
    }
    const results = run.results ?? [];
    if (results.length > 25000) p.push(`${at}: more than 25000 results`);
    for (const [i, r] of results.entries()) {
      const rat = `${at}.results[${i}]`;
      if (!r.ruleId || !ruleIds.has(r.ruleId)) p.push(`${rat}: ruleId must name a rule of the driver`);
      if (r.ruleIndex !== undefined && rules[r.ruleIndex]?.id !== r.ruleId) p.push(`${rat}: ruleIndex points at another rule`);
      if (!r.message?.text) p.push(`${rat}: message.text is required`);
      if (!r.locations?.length || r.locations.length > 1000) p.push(`${rat}: 1 to 1000 locations (GitHub shows no result without one)`);
      for (const l of r.locations ?? []) {
        const uri = l.physicalLocation?.artifactLocation?.uri;
        if (!uri || uri.startsWith('/') || /^[a-z][a-z0-9+.-]*:/i.test(uri) || /\s/.test(uri)) p.push(`${rat}: artifact URI must be relative, got ${uri}`);
        if (!(Number.isInteger(l.physicalLocation?.region?.startLine) && l.physicalLocation!.region!.startLine! >= 1)) p.push(`${rat}: region.startLine >= 1 is required`);
      }
      if (!r.partialFingerprints || Object.keys(r.partialFingerprints).length === 0) p.push(`${rat}: partialFingerprints needed to avoid duplicate alerts`);
      if (!['error', 'warning', 'note', 'none', undefined].includes(r.level)) p.push(`${rat}: level ${r.level}`);
    }
  }
  return p;
}

const sarif = (r: ScanReport, opts?: { dockerfile?: string }) => JSON.parse(JSON.stringify(toSarif(r, opts))) as Sarif;

test('sarif validates against the official SARIF 2.1.0 schema and GitHub ingestion rules', () => {
  const validate = sarifValidator();
  for (const r of [sampleReport(), sampleReport(false)]) {
    const doc = sarif(r);
    assert.equal(validate(doc), true, JSON.stringify(validate.errors, null, 1));
    assert.deepEqual(githubProblems(doc), []);
  }
  // neither check is vacuous
  const doc = sarif(sampleReport()) as unknown as { runs: { results: { level: string }[] }[] };
  doc.runs[0]!.results[0]!.level = 'fatal';
  assert.equal(validate(doc), false);
  const gh = sarif(sampleReport());
  delete gh.runs[0]!.automationDetails;
  gh.runs[0]!.tool.driver.rules![0]!.helpUri = undefined;
  gh.runs[0]!.results![0]!.locations![0]!.physicalLocation!.artifactLocation!.uri = '/etc/passwd';
  assert.equal(githubProblems(gh).length, 3);
});

test('every SARIF golden file passes the schema and GitHub rules', () => {
  const validate = sarifValidator();
  const files = readdirSync(testdata).filter((f) => f.endsWith('.sarif'));
  assert.ok(files.length >= 2);
  for (const f of files) {
    const doc = JSON.parse(readFileSync(testdata + f, 'utf8')) as Sarif;
    assert.equal(validate(doc), true, `${f}: ${JSON.stringify(validate.errors, null, 1)}`);
    assert.deepEqual(githubProblems(doc), [], f);
  }
});

test('sarif golden files; GitHub needs security-severity, a location and a fingerprint per result', async () => {
  const out = await renderToString(sarifReporter, sampleReport(), { mode: 'scan', color: false });
  assertGolden(out, testdata + 'scan.golden.sarif');
  assertGolden(await renderToString(sarifReporter, sampleReport(false), { mode: 'scan', color: false, dockerfile: './build/Dockerfile' }), testdata + 'nodecision.golden.sarif');
  const run = JSON.parse(out).runs[0];
  const rule = run.tool.driver.rules.find((r: { id: string }) => r.id === 'CVE-2023-38545');
  assert.equal(rule.properties['security-severity'], '9.8');
  const suppressed = run.results.find((r: { ruleId: string }) => r.ruleId === 'CVE-2020-8203');
  assert.equal(suppressed.suppressions[0].justification, 'exception EXC-42: not reachable');
});

test('automationDetails.id: one category per pipeline and image repository, not per tag', () => {
  const dev = sampleReport();
  dev.decision!.pipeline = 'dev';
  const prod = sampleReport();
  prod.decision!.pipeline = 'prod';
  assert.equal(automationId(dev), 'portcullis/dev/docker.io/shop/orders-api/');
  assert.equal(automationId(prod), 'portcullis/prod/docker.io/shop/orders-api/');
  const next = sampleReport();
  next.decision!.pipeline = 'prod';
  next.inventory.image.repoTags = ['shop/orders-api:1.4.3'];
  assert.equal(automationId(next), automationId(prod), 'a new tag is the same analysis category');
  assert.equal(automationId(sampleReport(false)), 'portcullis/default/docker.io/shop/orders-api/');
});

test('level comes from the verdict: violation error, suppressed note, warning warning; severity only without a decision', () => {
  const r = sampleReport();
  r.findings.push({ id: 'config:warn', kind: 'config', title: 'exposes port 22', severity: 'medium', check: 'ports', detail: 'ssh' });
  r.findings.push({ id: 'vulnerability:low', kind: 'vulnerability', title: 'minor', severity: 'critical', advisoryId: 'CVE-2020-0001', aliases: [], package: r.findings[1]!.kind === 'vulnerability' ? r.findings[1]!.package : (undefined as never), installedVersion: '4.17.15', fixState: 'fixed', cvss: [], dataSource: 'x', urls: ['javascript:alert(1)'] });
  r.decision!.warnings.push({ policy: 'production', control: 'ports', findingId: 'config:warn', message: 'port 22 exposed', enforcement: 'audit' });
  const results = sarif(r).runs[0]!.results!;
  const level = (id: string) => results.find((x) => x.ruleId === id)?.level;
  assert.equal(level('CVE-2023-38545'), 'error');
  assert.equal(level('CVE-2020-8203'), 'note', 'suppressed by an exception');
  assert.equal(level('config/ports'), 'warning');
  assert.equal(level('CVE-2020-0001'), 'note', 'critical, but the policy did not fail on it');
  assert.equal(level('policy/user'), 'error', 'a violated control without a finding is a result of its own');
  const plain = sarif(sampleReport(false)).runs[0]!.results!;
  assert.equal(plain.find((x) => x.ruleId === 'CVE-2023-38545')?.level, 'error');
  // a URL from advisory data that is not http(s) is never a helpUri
  const rules = sarif(r).runs[0]!.tool.driver.rules!;
  assert.equal(rules.find((x) => x.id === 'CVE-2020-0001')!.helpUri, 'https://nvd.nist.gov/vuln/detail/CVE-2020-0001');
  assert.equal(rules.find((x) => x.id === 'policy/user')!.helpUri, `${RULE_DOCS}#policy`);
  assert.equal(rules.find((x) => x.id === 'coverage-gap/ecosystem-not-covered')!.helpUri, `${RULE_DOCS}#coverage-gap`);
});

test('image-level findings: at the Dockerfile when given, else a stable container-image/ URI', () => {
  const uriOf = (doc: Sarif, id: string) => doc.runs[0]!.results!.find((x) => x.ruleId === id)!.locations![0]!.physicalLocation!.artifactLocation!.uri;
  assert.equal(uriOf(sarif(sampleReport()), 'CVE-2023-38545'), 'container-image/docker.io/shop/orders-api');
  assert.equal(uriOf(sarif(sampleReport()), 'policy/user'), 'container-image/docker.io/shop/orders-api');
  assert.equal(uriOf(sarif(sampleReport(), { dockerfile: './Dockerfile' }), 'CVE-2023-38545'), 'Dockerfile');
  assert.equal(uriOf(sarif(sampleReport(), { dockerfile: './Dockerfile' }), 'CVE-2020-8203'), 'srv/app/node_modules/lodash/package.json', 'files in the image keep their path');
  const r = sampleReport();
  r.inventory.image.repoTags = [];
  r.inventory.image.name = 'orders api.tar';
  assert.equal(imageArtifactUri(r), 'container-image/unnamed');
});

test('descriptions: the full title up to GitHub 1024-character limit, cut at a word; the whole text stays in help', () => {
  const r = sampleReport(false);
  const long = `${'word '.repeat(400)}END`;
  r.findings[0]!.title = long;
  const rule = sarif(r).runs[0]!.tool.driver.rules!.find((x) => x.id === 'CVE-2023-38545')!;
  assert.ok(rule.fullDescription!.text.length <= 1024 && rule.fullDescription!.text.endsWith('…'));
  assert.ok(rule.help!.text.includes('END'));
  assert.equal(fit('short title'), 'short title');
  const medium = 'x'.repeat(900);
  assert.equal(sarif({ ...r, findings: [{ ...r.findings[0]!, title: medium }] }).runs[0]!.tool.driver.rules![0]!.fullDescription!.text, `CVE-2023-38545: ${medium}`);
});
