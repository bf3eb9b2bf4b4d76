// The secrets check riding a real walk: a secret in a file a later layer deletes ("removed in layer N"),
// config Env/Labels/history, binaries and oversized files (sparse 2 GB) skipped and named, the scan paths
// that override allowlisted ones, and stable fingerprints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFor, dockerArchive, makeTar, tempDir } from '../../source/testkit.js';
import { collectWithChecks } from '../../scan/collect.js';
import type { CoverageGapFinding, SecretFinding } from '../../core/types.js';
import { defaultRules } from './config.js';
import { makeSecretsCheck, secretsCheck } from './index.js';

const GHP = 'ghp_' + 'R8mK2pXv7QwT4nLz9sYb3cHd6fJg1aUe5iOk';
const AWS = 'AKIA' + 'ZQ3RT7WX2LMP4VHN';
const PEM = `-----BEGIN OPENSSH PRIVATE KEY-----\n${'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW'.repeat(3)}\n-----END OPENSSH PRIVATE KEY-----\n`;

function check(extra: Partial<Parameters<typeof makeSecretsCheck>[0]> = {}) {
  return makeSecretsCheck({ rules: defaultRules(), maxFileBytes: 1 << 20, skipPaths: [], scanPaths: [], ...extra });
}

async function image(): Promise<string> {
  const dir = tempDir();
  const l0 = await makeTar([
    { name: 'etc/ssl/private/test.key', content: PEM },
    { name: 'usr/bin/tool', content: Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0]), Buffer.from(GHP)]) },
  ]);
  const l1 = await makeTar([
    { name: 'root/.config/gh/hosts.yml', content: `github.com:\n  user: ci\n  oauth_token: ${GHP}\n` },
    { name: 'srv/app/node_modules/pkg/test.js', content: `const t = "${GHP}";\n` },
    { name: 'srv/app/big.log', content: 'x'.repeat(2 << 20) },
    { name: 'home/dev/.aws/credentials', content: `[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n` },
  ]);
  const l2 = await makeTar([{ name: 'root/.config/gh/.wh.hosts.yml' }]);
  const config = configFor([0, 1, 2].map(() => ''), {}, []);
  const cfg = JSON.parse(config.toString());
  cfg.config.Env = ['PATH=/usr/bin', `AWS_ACCESS_KEY_ID=${AWS}`, 'DB_PASSWORD=hunter2'];
  cfg.config.Labels = { 'ci.token': GHP };
  cfg.history[3] = { created_by: `/bin/sh -c #(nop) ENV AWS_ACCESS_KEY_ID=${AWS}`, empty_layer: true };
  const archive = join(dir, 'img.tar');
  const layers = [l0, l1, l2];
  const { createHash } = await import('node:crypto');
  cfg.rootfs.diff_ids = layers.map((l) => `sha256:${createHash('sha256').update(l).digest('hex')}`);
  writeFileSync(archive, await dockerArchive(layers, { config: Buffer.from(JSON.stringify(cfg)) }));
  return `docker-archive:${archive}`;
}

test('files of every layer, removed ones too, config Env/Labels/history; binaries, big files, allowlisted paths skipped', async () => {
  const ref = await image();
  const { inventory, checkResults } = await collectWithChecks(ref, { checks: [check()] });
  const [r] = checkResults;
  const secrets = r!.findings.filter((f): f is SecretFinding => f.kind === 'secret');
  const got = secrets.map((f) => [f.rule, f.path, f.line, f.layer?.index, f.removedIn?.index]).sort();
  assert.deepEqual(got, [
    ['aws-access-token', 'config:env/AWS_ACCESS_KEY_ID', undefined, 1, undefined],
    ['aws-access-token', 'config:history/3', undefined, 1, undefined],
    ['github-pat', '/root/.config/gh/hosts.yml', 3, 1, 2],
    ['github-pat', 'config:labels/ci.token', undefined, 2, undefined],
    ['private-key', '/etc/ssl/private/test.key', 1, 0, undefined],
  ]);
  const removed = secrets.find((f) => f.path === '/root/.config/gh/hosts.yml')!;
  assert.match(removed.title, /removed in layer 3, still in layer 2/);
  for (const f of secrets) {
    assert.ok(!JSON.stringify(f).includes(GHP) && !JSON.stringify(f).includes(AWS), `${f.path} leaks`);
    assert.match(f.match, /…\(\d+ chars\)$/);
  }
  const gap = r!.findings.find((f): f is CoverageGapFinding => f.kind === 'coverage-gap')!;
  assert.equal(gap.reason, 'file-too-large');
  assert.equal(gap.subject, '/srv/app/big.log');
  assert.equal(r!.status.state, 'partial');
  assert.match(r!.status.reasons[0]!, /^\/srv\/app\/big\.log \(layer 2\): 2097152 bytes, over the secret scan cap/);
  assert.equal(r!.status.stats?.binarySkipped, 1);
  assert.equal(r!.status.stats?.allowlistedPaths, 1);
  // nothing secret in the inventory's copy of the config
  const inv = JSON.stringify(inventory);
  assert.ok(!inv.includes(GHP) && !inv.includes(AWS) && !inv.includes('hunter2'), 'inventory leaks');
  assert.ok(inventory.image.config.env.includes('DB_PASSWORD=***REDACTED***'));
  // fingerprints are stable across rescans
  const again = (await collectWithChecks(ref, { checks: [check()] })).checkResults[0]!;
  assert.deepEqual(again.findings.map((f) => f.id), r!.findings.map((f) => f.id));
});

test('--secret-scan-path scans an allowlisted path; --secret-skip-path skips one', async () => {
  const ref = await image();
  const scanned = (await collectWithChecks(ref, { checks: [check({ scanPaths: ['/srv/app/node_modules/**'], skipPaths: ['/etc/ssl/**'] })] })).checkResults[0]!;
  const paths = scanned.findings.filter((f): f is SecretFinding => f.kind === 'secret').map((f) => f.path);
  assert.ok(paths.includes('/srv/app/node_modules/pkg/test.js'));
  assert.ok(!paths.includes('/etc/ssl/private/test.key'));
  assert.equal(scanned.status.stats?.skippedPaths, 1);
});

test('a sparse 2 GB file and invalid UTF-8 names in a root filesystem: skipped and named, no crash', async () => {
  const root = tempDir();
  mkdirSync(join(root, 'data'));
  writeFileSync(join(root, 'data', 'disk.img'), '');
  truncateSync(join(root, 'data', 'disk.img'), 2 * 1024 ** 3);
  writeFileSync(join(root, 'data', 'app.env'), `TOKEN=${GHP}\n`);
  const c = await secretsCheck.prepare({ env: {} });
  const { checkResults } = await collectWithChecks(`dir:${root}`, { checks: [c] });
  const r = checkResults[0]!;
  assert.equal(r.status.state, 'partial');
  assert.ok(r.status.reasons.some((x) => x.startsWith('/data/disk.img (layer 1): 2147483648 bytes')));
  assert.ok(r.findings.some((f) => f.kind === 'secret' && f.path === '/data/app.env' && f.line === 1));
});

test('many small files: each scanned, nothing retained but hits', async () => {
  const root = tempDir();
  for (let d = 0; d < 20; d++) {
    mkdirSync(join(root, `d${d}`));
    for (let i = 0; i < 250; i++) writeFileSync(join(root, `d${d}`, `f${i}.txt`), `name = file ${i}\n`);
  }
  writeFileSync(join(root, 'd7', 'f99.txt'), `token: ${GHP}\n`);
  const { checkResults } = await collectWithChecks(`dir:${root}`, { checks: [check()] });
  const r = checkResults[0]!;
  assert.equal(r.status.state, 'complete');
  assert.equal(r.status.stats?.filesScanned, 5000);
  assert.deepEqual(r.findings.map((f) => (f as SecretFinding).path), ['/d7/f99.txt']);
});
