// Files the user points at: devices, FIFOs, links out of a policy directory and secrets in the wrong
// file end with one line and exit 2 — never a hang, a memory blow-up, a host walk or a quoted secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli } from './helpers/cli.js';
import { excerpt } from '../src/core/userfile.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-user-files-'));
const rootfs = join(dir, 'rootfs');
const POLICY = 'apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: NAME}\nspec:\n  appliesTo: {pipelines: ["*"]}\n  controls: {vulnerabilities: {failOn: critical}}\n';
const validPolicy = join(dir, 'valid.yaml');
writeFileSync(validPolicy, POLICY.replace('NAME', 'valid'));
mkdirSync(join(rootfs, 'etc'), { recursive: true });
writeFileSync(join(rootfs, 'etc', 'os-release'), 'ID=debian\nVERSION_ID=12\n');

function oneLine(r: { code: number; stderr: string }, what: string, re: RegExp): void {
  assert.equal(r.code, 2, `${what}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `${what}: one line, got\n${r.stderr}`);
  assert.match(lines[0]!, re, what);
}

test('devices and FIFOs given as --policy, --exceptions, --config, --base-catalog are refused at once', async () => {
  const fifo = join(dir, 'policy.fifo');
  const haveFifo = spawnSync('mkfifo', [fifo]).status === 0;
  const specials = ['/dev/zero', '/dev/urandom', ...(haveFifo ? [fifo] : [])];
  const db = join(dir, 'none.db');
  for (const f of specials) {
    oneLine(await cli(['scan', `dir:${rootfs}`, '--db', db, '--pipeline', 'ci', '--policy', f, '--quiet']), `--policy ${f}`, /not a regular file/);
    oneLine(await cli(['scan', `dir:${rootfs}`, '--db', db, '--pipeline', 'ci', '--policy', validPolicy, '--exceptions', f, '--quiet']), `--exceptions ${f}`, /not a regular file/);
    oneLine(await cli(['--config', f, 'sbom', `dir:${rootfs}`, '--quiet']), `--config ${f}`, /not a regular file/);
    oneLine(await cli(['scan', `dir:${rootfs}`, '--db', db, '--base-catalog', f, '--quiet']), `--base-catalog ${f}`, /not a regular file/);
  }
});

test('a policy file larger than the cap is refused without being read whole', async () => {
  const big = join(dir, 'big.yaml');
  writeFileSync(big, '# ' + 'x'.repeat(5 * 1024 * 1024) + '\n');
  oneLine(await cli(['policy', 'validate', big]), 'big policy', /big\.yaml.*limit/);
});

test('a policy directory holding a link to / is not walked out of; dangling links are skipped', async () => {
  const pdir = join(dir, 'policies');
  mkdirSync(pdir);
  symlinkSync('/', join(pdir, 'root'));
  symlinkSync(join(dir, 'nowhere.yaml'), join(pdir, 'dangling.yaml'));
  writeFileSync(join(dir, 'outside.yaml'), 'apiVersion: portcullis/v1\nkind: AssurancePolicy\nmetadata: {name: outside}\nspec: {}\n');
  symlinkSync(join(dir, 'outside.yaml'), join(pdir, 'outside.yaml'));
  const r = await cli(['policy', 'validate', pdir]);
  oneLine(r, 'policy dir with links out', /policies: directory contains no \.yaml or \.yml files/);
  assert.doesNotMatch(r.stderr, /ENOENT/);
  // a link that stays inside the directory is followed
  mkdirSync(join(pdir, 'real'));
  writeFileSync(join(pdir, 'real', 'p.yaml'), POLICY.replace('NAME', 'inside'));
  symlinkSync(join(pdir, 'real'), join(pdir, 'alias'));
  const ok = await cli(['policy', 'validate', pdir]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout + ok.stderr, /inside/);
});

test('loader errors quote at most a short, redacted excerpt of the file', async () => {
  const env = join(dir, 'app.env');
  writeFileSync(env, 'GITHUB_TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\nOTHER=1\n');
  const passwd = join(dir, 'passwd');
  writeFileSync(passwd, 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nbin:x:2:2:bin:/bin:/usr/sbin/nologin\n');
  const link = join(dir, 'policy-link.yaml');
  symlinkSync(passwd, link);
  for (const f of [env, link]) {
    const r = await cli(['policy', 'validate', f]);
    assert.equal(r.code, 2, r.stderr);
    assert.doesNotMatch(r.stderr, /ghp_0123456789abcdef/, 'the token is not quoted');
    assert.doesNotMatch(r.stderr, /daemon:x:1:1/, 'the rest of the file is not quoted');
    assert.ok(r.stderr.length < 400, `short: ${r.stderr}`);
  }
});

test('excerpt: first line, short, secrets redacted, controls removed', () => {
  assert.equal(excerpt('GITHUB_TOKEN=ghp_0123456789abcdefghij'), 'GITHUB_TOKEN=[redacted]');
  assert.equal(excerpt('password: hunter2'), 'password: [redacted]');
  assert.equal(excerpt('name: x'), 'name: x');
  assert.equal(excerpt('a\nb'), 'a…');
  assert.equal(excerpt('x'.repeat(100)), 'xxxx…[redacted]');
  assert.equal(excerpt('y '.repeat(50), 10), 'y y y y y …');
  assert.equal(excerpt('bell\x07esc\x1b'), 'bell esc ');
});
