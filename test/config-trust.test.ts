// Who may weaken the gate: a portcullis.yaml found in the working directory is the gated repository's.
// Security-relevant settings from it are refused (exit 2, naming file:line, the key and how to allow it);
// its exceptions apply only when the policy says `spec.exceptions.fromRepository: allow`, never its
// allowlist; a config passed with --config is the pipeline's and trusted. The verdict names the file
// of every exception applied. Also: config values that one command offers do not break another.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScanReport } from '../src/core/report.js';
import { buildDb } from '../src/advisory/index.js';
import { fixedClock } from '../src/core/clock.js';
import { dockerArchive, makeTar } from '../src/source/testkit.js';
import { cli } from './helpers/cli.js';

const NOW = '2026-03-02T00:00:00.000Z';
const cwd = process.cwd();

async function repo(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-trust-'));
  t.after(() => {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  });
  const layer = await makeTar([
    { name: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.1\n' },
    { name: 'lib/apk/db/installed', content: 'P:musl\nV:1.2.4-r2\nA:x86_64\no:musl\n' },
  ]);
  writeFileSync(join(dir, 'app.tar'), await dockerArchive([layer], { repoTags: ['shop/api:1.0'] }));
  mkdirSync(join(dir, 'osv'));
  writeFileSync(
    join(dir, 'osv', 'musl.json'),
    JSON.stringify({ id: 'CVE-2026-0001', modified: '2026-03-01T00:00:00Z', severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }], affected: [{ package: { ecosystem: 'Alpine:v3.19', name: 'musl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.2.4-r3' }] }] }] }),
  );
  await buildDb([`osv:${join(dir, 'osv')}`], join(dir, 'db.sqlite'), { clock: fixedClock(NOW) });
  const policy = (name: string, from?: 'allow' | 'deny') =>
    `apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: ${name}}\nspec:\n${from ? `  exceptions: {fromRepository: ${from}}\n` : ''}  controls:\n    vulnerabilities: {failOn: high}\n`;
  mkdirSync(join(dir, 'pipeline'));
  writeFileSync(join(dir, 'pipeline', 'strict.yaml'), policy('strict'));
  writeFileSync(join(dir, 'pipeline', 'allowing.yaml'), policy('allowing', 'allow'));
  writeFileSync(join(dir, 'lenient.yaml'), 'apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: lenient}\nspec:\n  controls: {}\n');
  writeFileSync(
    join(dir, 'repo-exceptions.yaml'),
    'apiVersion: portcullis/v1\nkind: Exceptions\nexceptions:\n  - {id: REPO-1, finding: CVE-2026-0001, scope: {all: true}, expires: 2026-04-01, reason: "we say so", owner: dev@example.com}\n',
  );
  writeFileSync(join(dir, 'repo-allow.yaml'), 'apiVersion: portcullis/v1\nkind: Exceptions\nallowlist:\n  - {image: "shop/api:1.0", expires: 2026-04-01, reason: "we say so", owner: dev@example.com}\n');
  process.chdir(dir);
  return dir;
}

const scan = (policy: string, extra: string[] = []) => cli(['scan', 'app.tar', '--db', 'db.sqlite', '--policy', policy, '--quiet', '--format', 'json', ...extra], { now: NOW });

test('an implicit portcullis.yaml may not set policies, DB age, the DB, the pipeline, the platform or the base catalog', async (t) => {
  const dir = await repo(t);
  for (const [line, key] of [
    ['policy: lenient.yaml', 'policy'],
    ['max-db-age: 100000', 'max-db-age'],
    ['db: other.sqlite', 'db'],
    ['pipeline: dev-1', 'pipeline'],
    ['platform: linux/arm64', 'platform'],
    ['base-catalog: mine.yaml', 'base-catalog'],
  ] as const) {
    writeFileSync(join(dir, 'portcullis.yaml'), `format: json\n${line}\n`);
    const args = ['scan', 'app.tar', '--quiet', ...(key === 'policy' ? [] : ['--policy', 'pipeline/strict.yaml']), ...(key === 'db' ? [] : ['--db', 'db.sqlite'])];
    const r = await cli(args, { now: NOW });
    assert.equal(r.code, 2, `${key}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`portcullis\\.yaml:2: ${key}: refused: .*belongs to the repository being gated.*--config FILE`));
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
  // the same file passed by the pipeline with --config is trusted
  writeFileSync(join(dir, 'portcullis.yaml'), 'policy: lenient.yaml\ndb: db.sqlite\n');
  const trusted = await cli(['--config', 'portcullis.yaml', 'scan', 'app.tar', '--quiet', '--format', 'json'], { now: NOW });
  assert.equal(trusted.code, 0, trusted.stderr);
  assert.deepEqual((JSON.parse(trusted.stdout) as ScanReport).decision?.policies, ['lenient']);
  // a flag given on the command line is the pipeline's own choice: the file's value is not used
  writeFileSync(join(dir, 'portcullis.yaml'), 'policy: lenient.yaml\n');
  const flag = await scan('pipeline/strict.yaml');
  assert.equal(flag.code, 1, flag.stderr);
});

test('repository exceptions: refused unless the policy allows them; applied ones name their file', async (t) => {
  const dir = await repo(t);
  writeFileSync(join(dir, 'portcullis.yaml'), 'exceptions: repo-exceptions.yaml\nseverity: [critical]\n');
  const denied = await scan('pipeline/strict.yaml');
  assert.equal(denied.code, 2, denied.stderr);
  assert.match(denied.stderr, /portcullis\.yaml:1: exceptions: refused: .*policy strict does not accept them \(set spec\.exceptions\.fromRepository: allow/);

  const record = join(dir, 'decision.json');
  const allowed = await scan('pipeline/allowing.yaml', ['--decision', record]);
  assert.equal(allowed.code, 0, allowed.stderr);
  const sup = (JSON.parse(allowed.stdout) as ScanReport).decision!.suppressed.find((s) => s.ruleId === 'REPO-1');
  assert.equal(sup?.by, 'exception');
  assert.equal(sup?.source, 'repo-exceptions.yaml:4');
  const rec = JSON.parse(readFileSync(record, 'utf8')) as { suppressed: { ruleId: string; source?: string }[]; exceptions: { files: string[]; applied: string[] } };
  assert.deepEqual(rec.exceptions.applied, ['REPO-1']);
  assert.deepEqual(rec.exceptions.files, ['repo-exceptions.yaml']);
  assert.equal(rec.suppressed.find((s) => s.ruleId === 'REPO-1')?.source, 'repo-exceptions.yaml:4');

  // a policy in force that does not allow them refuses them, even next to one that does
  const both = await scan('pipeline');
  assert.equal(both.code, 2);
  assert.match(both.stderr, /policy strict does not accept them/);

  // policy test does not apply them silently: refused, naming the key
  const report = join(dir, 'report.json');
  writeFileSync(report, allowed.stdout);
  const pt = await cli(['policy', 'test', report, '--policy', 'pipeline/allowing.yaml'], { now: NOW });
  assert.equal(pt.code, 2);
  assert.match(pt.stderr, /portcullis\.yaml:1: exceptions: refused: .*only `portcullis scan` accepts its exceptions/);

  // never an allowlist from the repository
  writeFileSync(join(dir, 'portcullis.yaml'), 'exceptions: repo-allow.yaml\n');
  const allow = await scan('pipeline/allowing.yaml');
  assert.equal(allow.code, 2);
  assert.match(allow.stderr, /exceptions: refused: repo-allow\.yaml:4 is an allowlist entry/);
});

test('config values are per command: a scan format does not break db status; severity lists work', async (t) => {
  const dir = await repo(t);
  writeFileSync(join(dir, 'portcullis.yaml'), 'format: sarif\nseverity: [critical]\nonly-app: false\n');
  const status = await cli(['db', 'status', '--db', 'db.sqlite'], { now: NOW });
  assert.equal(status.code, 0, status.stderr);
  const s = await cli(['scan', 'app.tar', '--db', 'db.sqlite', '--quiet'], { now: NOW });
  assert.equal(s.code, 0, s.stderr);
  assert.match(s.stdout, /"\$schema":\s*"https:\/\/json\.schemastore\.org\/sarif/);
  writeFileSync(join(dir, 'portcullis.yaml'), 'policies: pipeline/\n');
  const typo = await cli(['scan', 'app.tar', '--db', 'db.sqlite', '--quiet'], { now: NOW });
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /portcullis\.yaml:1: policies: unknown key; did you mean "policy"\?/);
});
