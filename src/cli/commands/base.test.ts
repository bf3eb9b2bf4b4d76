import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fixedClock } from '../../core/clock.js';
import type { CliIo } from '../io.js';
import { runCli } from '../main.js';
import { configFor, dockerArchive, makeTar, sha, tempDir } from '../../source/testkit.js';
import { parseCatalog } from '../../baseimage/index.js';
import { sharedOrSkip } from '../../core/shared.js';

function io() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const cio: CliIo = { stdout, stderr, env: {}, clock: fixedClock('2025-03-01T00:00:00Z') };
  return {
    run: async (...argv: string[]) => {
      out = '';
      err = '';
      const code = await runCli([...argv, '--quiet'], cio);
      return { code, out, err };
    },
  };
}

const OS = 'ID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\nNAME="Alpine Linux"\n';

async function images(dir: string) {
  const l0 = await makeTar([{ name: 'etc/os-release', content: OS }]);
  const l1 = await makeTar([{ name: 'app/x', content: 'x' }]);
  const base = join(dir, 'base.tar');
  writeFileSync(base, await dockerArchive([l0], { repoTags: ['example.com/base:1'], config: configFor([sha(l0)], { created: '2024-02-01T00:00:00Z' }) }));
  const rebuilt = join(dir, 'base2.tar');
  writeFileSync(rebuilt, await dockerArchive([l0], { repoTags: ['example.com/base:1'], config: configFor([sha(l0)], { created: '2024-03-01T00:00:00Z' }) }));
  const untagged = join(dir, 'untagged.tar');
  writeFileSync(untagged, await dockerArchive([l0, l1], { repoTags: [] }));
  return { base, rebuilt, untagged };
}

test('base add | list | remove through the CLI', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const img = await images(dir);
  const cat = join(dir, 'cat', 'base-catalog.yaml');
  const c = io();

  let r = await c.run('base', 'add', img.base, '--catalog', cat);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^added example\.com\/base:1@sha256:[0-9a-f]{64} \(suggested in upgrade advice, 1 layer\(s\), alpine 3\.19\.1, 0 package\(s\)\) in .*base-catalog\.yaml\n$/);
  // the same image again replaces its entry; a rebuild of the tag is a second entry
  r = await c.run('base', 'add', img.base, '--catalog', cat, '--note', 'mirror');
  assert.match(r.out, /^updated /);
  r = await c.run('base', 'add', img.rebuilt, '--base-catalog', cat, '--not-approved');
  assert.match(r.out, /^added example\.com\/base:1@.*not suggested in upgrade advice/);
  r = await c.run('base', 'add', img.untagged, '--catalog', cat);
  assert.equal(r.code, 2);
  assert.match(r.err, /does not name itself with a repository and tag .* give one with --name/);
  r = await c.run('base', 'add', img.untagged, '--catalog', cat, '--name', 'corp/app-base:2');
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(readdirSync(join(dir, 'cat')), ['base-catalog.yaml'], 'no temp files left behind');

  const parsed = parseCatalog(readFileSync(cat, 'utf8'), cat);
  assert.deepEqual(
    parsed.entries.map((e) => [e.name, e.approved, e.created, e.note, e.addedAt]),
    [
      ['docker.io/corp/app-base:2', true, '2024-01-01T00:00:00Z', undefined, '2025-03-01T00:00:00.000Z'],
      ['example.com/base:1', true, '2024-02-01T00:00:00Z', 'mirror', '2025-03-01T00:00:00.000Z'],
      ['example.com/base:1', false, '2024-03-01T00:00:00Z', undefined, '2025-03-01T00:00:00.000Z'],
    ],
  );

  r = await c.run('base', 'list', '--catalog', cat);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split('\n');
  // the catalog does not approve: SUGGESTED is its upgrade-advice flag; approval is the policies' (below)
  assert.match(lines[0]!, /^NAME\s+DIGEST\s+SUGGESTED\s+OS\s+LAYERS\s+PACKAGES\s+CREATED$/);
  assert.match(lines[1]!, /^docker\.io\/corp\/app-base:2\s+[0-9a-f]{12}\s+yes\s+alpine 3\.19\.1\s+2\s+0\s+2024-01-01T00:00:00Z$/);
  assert.match(lines[3]!, /^example\.com\/base:1\s+[0-9a-f]{12}\s+no\s+/);
  r = await c.run('base', 'list', '--catalog', cat, '--format', 'json');
  const j = JSON.parse(r.out) as { bases: { name: string; packageCount: number; packages?: unknown }[] };
  assert.equal(j.bases.length, 3);
  assert.equal(j.bases[0]!.packageCount, 0);
  assert.equal(j.bases[0]!.packages, undefined);
  assert.equal((await c.run('base', 'list', '--catalog', cat, '--format', 'xml')).code, 2);
  // with --policy: which policies approve each entry (anchored globs over name:tag, as baseImage.approved is judged)
  const pol = join(dir, 'policies.yaml');
  const p = (name: string, approved: string[]) => `apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: ${name}}\nspec:\n  controls:\n    baseImage: {approved: ${JSON.stringify(approved)}}\n`;
  writeFileSync(pol, [p('strict', ['docker.io/corp/app-base:2']), p('lenient', ['example.com/**', 'docker.io/corp/*']), 'apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: other}\nspec: {controls: {}}\n'].join('---\n'));
  r = await c.run('base', 'list', '--catalog', cat, '--policy', pol);
  assert.equal(r.code, 0, r.err);
  const rows = r.out.trimEnd().split('\n');
  assert.match(rows[0]!, /^NAME\s+DIGEST\s+APPROVED BY\s+SUGGESTED\s+/);
  assert.match(rows[1]!, /^docker\.io\/corp\/app-base:2\s+[0-9a-f]{12}\s+lenient, strict\s+yes/);
  assert.match(rows[2]!, /^example\.com\/base:1\s+[0-9a-f]{12}\s+lenient\s+yes/);
  assert.match(rows[3]!, /^example\.com\/base:1\s+[0-9a-f]{12}\s+lenient\s+no/);
  const pj = JSON.parse((await c.run('base', 'list', '--catalog', cat, '--policy', pol, '--format', 'JSON')).out) as { policies: string[]; bases: { approvedBy: string[] }[] };
  assert.deepEqual(pj.policies, ['strict', 'lenient', 'other']);
  assert.deepEqual(pj.bases.map((b) => b.approvedBy), [['lenient', 'strict'], ['lenient'], ['lenient']]);
  assert.equal((await c.run('base', 'list', '--catalog', cat, '--policy', join(dir, 'missing.yaml'))).code, 2);

  const digest = parsed.entries[2]!.digest ?? parsed.entries[2]!.configDigest;
  r = await c.run('base', 'remove', `example.com/base:1@${digest}`, '--catalog', cat);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^removed example\.com\/base:1@sha256:/);
  r = await c.run('base', 'remove', 'example.com/base:1', '--catalog', cat);
  assert.equal(r.out.split('\n').filter(Boolean).length, 1);
  r = await c.run('base', 'remove', 'example.com/base:1', '--catalog', cat);
  assert.equal(r.code, 2);
  assert.match(r.err, /no base example\.com\/base:1 in the catalog/);
  assert.deepEqual(parseCatalog(readFileSync(cat, 'utf8'), cat).entries.map((e) => e.name), ['docker.io/corp/app-base:2']);
});

test('base commands: default catalog in the working directory, broken catalogs and missing files are exit 2', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const img = await images(dir);
  const c = io();
  const cwd = process.cwd();
  process.chdir(dir);
  t.after(() => process.chdir(cwd));
  let r = await c.run('base', 'list');
  assert.equal(r.code, 2);
  assert.match(r.err, /base catalog not found: base-catalog\.yaml/);
  r = await c.run('base', 'add', img.base);
  assert.equal(r.code, 0, r.err);
  assert.match(readFileSync(join(dir, 'base-catalog.yaml'), 'utf8'), /name: example\.com\/base:1/);
  writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: portcullis/v1\nkind: BaseImageCatalog\nbases:\n  - {name: x:1, layers: []}\n');
  for (const argv of [['base', 'list', '--catalog', 'bad.yaml'], ['base', 'add', img.base, '--catalog', 'bad.yaml'], ['base', 'remove', 'x:1', '--catalog', 'bad.yaml']]) {
    r = await c.run(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.match(r.err, /bad\.yaml: bases\[0\]\.layers: a base image has at least one layer/);
  }
  assert.equal((await c.run('base', 'add', img.base, '--catalog', 'a.yaml', '--base-catalog', 'b.yaml')).code, 2);
  assert.equal((await c.run('base', 'add', join(dir, 'nope.tar'))).code, 2);
  assert.equal((await c.run('base', 'add', img.base, '--name', 'NOT VALID')).code, 2);
  // portcullis.yaml `base-catalog:` is the default; a flag beats it
  writeFileSync(join(dir, 'portcullis.yaml'), 'base-catalog: from-config.yaml\n');
  r = await c.run('base', 'add', img.base);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, / in from-config\.yaml\n$/);
  r = await c.run('base', 'list', '--catalog', 'base-catalog.yaml');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /example\.com\/base:1/);
});

test('base add of the real debian-12-slim records 88 packages and its one layer', async (t) => {
  const p = sharedOrSkip(t, 'fixtures/images/debian-12-slim.oci.tar');
  if (!p) return;
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cat = join(dir, 'c.yaml');
  const r = await io().run('base', 'add', p, '--name', 'debian:12-slim', '--catalog', cat);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /added docker\.io\/library\/debian:12-slim@sha256:[0-9a-f]{64} \(suggested in upgrade advice, 1 layer\(s\), debian 12, 88 package\(s\)\)/);
  const e = parseCatalog(readFileSync(cat, 'utf8'), cat).entries[0]!;
  assert.deepEqual(e.layers, ['sha256:ce46fbb27e86838cbc21bcc0029d6bdb519eba4947416b14a2a96d45603219f4']);
  assert.equal(e.packages.length, 88);
  assert.ok(e.packages.every((x) => x.type === 'deb' && x.purl.startsWith('pkg:deb/debian/')));
});

test('scan --base-catalog / --dockerfile / --only-app end to end: lineage in the JSON report, the policy gates on the base', async (t) => {
  const dir = tempDir();
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { mkdirSync } = await import('node:fs');
  const { buildDb } = await import('../../advisory/index.js');
  const l0 = await makeTar([{ name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' }, { name: 'var/lib/dpkg/status', content: 'Package: libbase1\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0-1\n' }]);
  const l1 = await makeTar([{ name: 'app/node_modules/left-pad/package.json', content: JSON.stringify({ name: 'left-pad', version: '1.0.0' }) }]);
  const base = join(dir, 'base.tar');
  writeFileSync(base, await dockerArchive([l0], { repoTags: ['example.com/debian:12'] }));
  const app = join(dir, 'app.tar');
  writeFileSync(app, await dockerArchive([l0, l1], { repoTags: ['example.com/team/app:1'], config: configFor([sha(l0), sha(l1)], {}, ['ADD file:01ab in /', 'COPY app /app']) }));
  const src = join(dir, 'osv');
  mkdirSync(src);
  const rec = (id: string, eco: string, name: string, fixed: string) =>
    JSON.stringify({ id, modified: '2025-02-01T00:00:00Z', affected: [{ package: { ecosystem: eco, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }] });
  writeFileSync(join(src, '1.json'), rec('CVE-2025-0001', 'Debian:12', 'libbase1', '1.0-2'));
  writeFileSync(join(src, '2.json'), rec('GHSA-xxxx-yyyy-zzzz', 'npm', 'left-pad', '1.3.0'));
  const db = join(dir, 'db.sqlite');
  await buildDb([`osv:${src}`], db, { clock: fixedClock('2025-03-01T00:00:00Z') });
  const cat = join(dir, 'cat.yaml');
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, 'apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: p}\nspec:\n  appliesTo: {pipelines: ["*"]}\n  controls:\n    baseImage: {approved: ["example.com/debian:12"], unknown: fail}\n    coverage: {onGap: ignore}\n');
  const c = io();
  assert.equal((await c.run('base', 'add', base, '--catalog', cat)).code, 0);

  let r = await c.run('scan', app, '--db', db, '--base-catalog', cat, '--format', 'json', '--policy', policy, '--pipeline', 'ci');
  assert.equal(r.code, 0, r.err);
  let rep = JSON.parse(r.out) as { lineage: { method: string; baseLayers: number; chain: { name: string }[] }; findings: { kind: string; origin?: string; advisoryId?: string }[] };
  assert.equal(rep.lineage.method, 'layer-match');
  assert.deepEqual(rep.lineage.chain.map((b) => b.name), ['example.com/debian:12']);
  assert.deepEqual(rep.findings.filter((f) => f.kind === 'vulnerability').map((f) => [f.advisoryId, f.origin]).sort(), [['CVE-2025-0001', 'base'], ['GHSA-xxxx-yyyy-zzzz', 'app']]);
  r = await c.run('scan', app, '--db', db, '--base-catalog', cat, '--format', 'json', '--only-app');
  rep = JSON.parse(r.out);
  assert.deepEqual(rep.findings.filter((f) => f.kind === 'vulnerability').map((f) => f.advisoryId), ['GHSA-xxxx-yyyy-zzzz']);

  // without the catalog the base is unknown and the policy fails (exit 1); a Dockerfile declares it
  // (low confidence), which is shown but approves nothing: still exit 1
  r = await c.run('scan', app, '--db', db, '--format', 'json', '--policy', policy, '--pipeline', 'ci');
  assert.equal(r.code, 1);
  assert.equal(JSON.parse(r.out).lineage.method, 'unknown');
  writeFileSync(join(dir, 'Dockerfile'), 'FROM example.com/debian:12\nCOPY app /app\n');
  r = await c.run('scan', app, '--db', db, '--format', 'json', '--dockerfile', join(dir, 'Dockerfile'), '--policy', policy, '--pipeline', 'ci');
  assert.equal(r.code, 1, r.err);
  const declared = JSON.parse(r.out) as { lineage: { method: string; confidence: string; baseLayers: number }; decision: { violations: { control: string }[] } };
  const lin = declared.lineage;
  assert.deepEqual([lin.method, lin.confidence, lin.baseLayers], ['declared', 'low', 1]);
  assert.deepEqual(declared.decision.violations.map((v) => v.control), ['baseImage.unknown']);
  // a broken catalog or a missing Dockerfile cannot decide: exit 2
  assert.equal((await c.run('scan', app, '--db', db, '--base-catalog', join(dir, 'nope.yaml'))).code, 2);
  assert.equal((await c.run('scan', app, '--db', db, '--dockerfile', join(dir, 'nope'))).code, 2);
});
