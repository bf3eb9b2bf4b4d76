// Filesystem checks on images whose layers the test writes: each check positive and negative, the
// layer that added the file, and nothing reported for what a later layer removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configFor, dockerArchive, makeTar, sha, tempDir, type TarEntry } from '../../source/testkit.js';
import { collectWithChecks } from '../../scan/collect.js';
import type { ConfigFinding } from '../../core/types.js';
import { configCheckFactory } from './index.js';

async function scan(layers: TarEntry[][], config: Record<string, unknown> = {}): Promise<{ findings: ConfigFinding[]; state: string; reasons: string[] }> {
  const tars = await Promise.all(layers.map((l) => makeTar(l)));
  const dir = tempDir();
  const archive = join(dir, 'img.tar');
  writeFileSync(archive, await dockerArchive(tars, { config: configFor(tars.map((t) => sha(t)), { config: { User: '10001', Healthcheck: { Test: ['CMD', 'true'] }, ...config } }) }));
  const check = await configCheckFactory.prepare({ env: {} });
  const { checkResults } = await collectWithChecks(`docker-archive:${archive}`, { checks: [check] });
  const r = checkResults[0]!;
  return { findings: r.findings as ConfigFinding[], state: r.status.state, reasons: r.status.reasons };
}

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\napp:x:10001:10001::/srv:/bin/sh\n';

test('setuid/setgid files: reported with the layer that added them; removed or chmod-ed later ones are not', async () => {
  const { findings } = await scan([
    [{ name: 'etc/passwd', content: PASSWD }, { name: 'usr/bin/su', content: 'su', mode: 0o4755 }, { name: 'usr/bin/gone', content: 'x', mode: 0o4755 }, { name: 'usr/bin/fixed', content: 'x', mode: 0o2755 }],
    [{ name: 'usr/bin/.wh.gone' }, { name: 'usr/bin/fixed', content: 'x', mode: 0o755 }, { name: 'srv/helper', content: 'h', mode: 0o6755 }],
  ]);
  assert.deepEqual(
    findings.filter((f) => f.check === 'CIS-DI-0008').map((f) => [f.path, f.layer?.index, f.detail]),
    [
      ['/srv/helper', 1, '/srv/helper is setuid and setgid (mode 6755)'],
      ['/usr/bin/su', 0, '/usr/bin/su is setuid (mode 4755)'],
    ],
  );
});

test('world-writable files and directories; sticky directories and symlinks pass', async () => {
  const { findings } = await scan([[
    { name: 'etc/passwd', content: PASSWD },
    { name: 'tmp/', type: 'directory', mode: 0o1777 },
    { name: 'srv/shared/', type: 'directory', mode: 0o777 },
    { name: 'srv/open.txt', content: 'x', mode: 0o666 },
    { name: 'srv/ok.txt', content: 'x', mode: 0o644 },
    { name: 'srv/link', type: 'symlink', linkname: 'ok.txt', mode: 0o777 },
  ]]);
  assert.deepEqual(findings.filter((f) => f.check === 'PCL-FS-0001').map((f) => f.path), ['/srv/open.txt', '/srv/shared']);
});

test('file capabilities from PAX xattrs', async () => {
  const { findings } = await scan([[{ name: 'etc/passwd', content: PASSWD }, { name: 'usr/bin/ping', content: 'p', pax: { 'SCHILY.xattr.security.capability': '\u0001\u0000\u0000\u0002' } }, { name: 'usr/bin/ls', content: 'l' }]]);
  assert.deepEqual(findings.filter((f) => f.check === 'PCL-FS-0002').map((f) => f.path), ['/usr/bin/ping']);
});

test('files owned by a UID without a user; owners with accounts pass', async () => {
  const { findings } = await scan([[{ name: 'etc/passwd', content: PASSWD }, { name: 'srv/a', content: 'a', uid: 10001 }, { name: 'srv/b', content: 'b', uid: 4242 }, { name: 'srv/c', content: 'c', uid: 4242 }]]);
  assert.deepEqual(findings.filter((f) => f.check === 'PCL-LI-0004').map((f) => f.detail), ['2 file(s) owned by UID 4242, which has no user, e.g. /srv/b, /srv/c']);
});

test('.git directories, credential files by name (not under /usr, not .env.example), caches with their size, an sshd', async () => {
  const { findings } = await scan([
    [
      { name: 'etc/passwd', content: PASSWD },
      { name: 'srv/app/.git/', type: 'directory' },
      { name: 'srv/app/.git/HEAD', content: 'ref: refs/heads/main' },
      { name: 'srv/app/.env', content: 'A=1' },
      { name: 'srv/app/.env.example', content: 'A=' },
      { name: 'root/.ssh/id_ed25519', content: 'k' },
      { name: 'root/.docker/config.json', content: '{}' },
      { name: 'usr/share/doc/x/.env', content: 'A=1' },
      { name: 'var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease', content: 'x'.repeat(100) },
      { name: 'var/lib/apt/lists/lock', content: '' },
      { name: 'root/.npm/_cacache/index-v5/aa', content: 'y'.repeat(50) },
      { name: 'usr/sbin/sshd', content: 'sshd' },
    ],
  ]);
  const by = (id: string) => findings.filter((f) => f.check === id).map((f) => f.detail);
  assert.deepEqual(by('DKL-LI-0003'), ['/srv/app/.git (a git repository) is in the image']);
  assert.deepEqual(by('PCL-FS-0003'), [
    '/root/.docker/config.json: Docker client config (registry credentials)',
    '/root/.ssh/id_ed25519: SSH private key',
    '/srv/app/.env: dotenv file',
  ]);
  assert.deepEqual(by('DKL-DI-0005').sort(), ['apt package lists (/var/lib/apt/lists): 1 file(s), 100 bytes', 'npm cache (~/.npm/_cacache): 1 file(s), 50 bytes']);
  assert.deepEqual(by('PCL-NET-0002'), ['/usr/sbin/sshd is in the image']);
});

test('a clean image gives no file findings; the root user needs /etc/passwd to be judged by name', async () => {
  const clean = await scan([[{ name: 'etc/passwd', content: PASSWD }, { name: 'srv/app/index.js', content: 'x' }]]);
  assert.deepEqual(clean.findings.map((f) => f.check), []);
  assert.equal(clean.state, 'complete');
  const named = await scan([[{ name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\nadmin:x:0:0::/root:/bin/sh\n' }]], { User: 'admin' });
  assert.deepEqual(named.findings.map((f) => f.check).sort(), ['CIS-DI-0001', 'PCL-LI-0003']);
  const missing = await scan([[{ name: 'etc/passwd', content: PASSWD }]], { User: 'nobody' });
  assert.deepEqual(missing.findings.map((f) => f.check), ['PCL-USER-001']);
});

test('an /etc/shadow replaced in a later layer is judged in its final version', async () => {
  const { findings } = await scan([
    [{ name: 'etc/passwd', content: PASSWD }, { name: 'etc/shadow', content: 'root::19000::::::\n' }],
    [{ name: 'etc/shadow', content: 'root:*:19000::::::\n' }],
  ]);
  assert.deepEqual(findings.map((f) => f.check), []);
});
