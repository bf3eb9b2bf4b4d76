import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AnalyzerContext, EntryInfo, FileInput, OsInfo } from '../../../core/types.js';
import { DEFAULT_LIMITS } from '../../../walker/types.js';
import { analyzers } from '../../registry.js';
import { LEGACY_RELEASE_PATHS, osReleaseAnalyzer, osvEcosystemFor, parseKeyValue, unquote } from './index.js';

const LAYER = { index: 0, diffId: 'sha256:' + '0'.repeat(64) };
const entry = (path: string, type: EntryInfo['type'] = 'file'): EntryInfo => ({ path, type, size: 1, mode: 0o644 });

async function run(path: string, content: string | Buffer): Promise<{ os?: OsInfo; warnings: string[] }> {
  const warnings: string[] = [];
  const ctx: AnalyzerContext = { layer: LAYER, warn: (m) => warnings.push(m), limits: DEFAULT_LIMITS };
  const buf = typeof content === 'string' ? Buffer.from(content) : content;
  const file: FileInput = { path, entry: entry(path), content: buf, layer: LAYER };
  const facts = await osReleaseAnalyzer.analyze(file, ctx);
  assert.ok(facts.length <= 1);
  const f = facts[0];
  return { os: f && f.kind === 'os' ? f.os : undefined, warnings };
}

test('registered; required() selects exactly the release files, links included', () => {
  assert.ok(analyzers.includes(osReleaseAnalyzer));
  for (const p of ['/etc/os-release', '/usr/lib/os-release', ...LEGACY_RELEASE_PATHS]) {
    assert.equal(osReleaseAnalyzer.required(p, entry(p)), true, p);
  }
  assert.equal(osReleaseAnalyzer.required('/etc/os-release', entry('/etc/os-release', 'symlink')), true);
  assert.equal(osReleaseAnalyzer.required('/etc/os-release', entry('/etc/os-release', 'dir')), false);
  for (const p of ['/etc/os-release.bak', '/x/etc/os-release', 'etc/os-release', '/etc/issue', '/usr/lib/os-release/x', '/etc/suse-release']) {
    assert.equal(osReleaseAnalyzer.required(p, entry(p)), false, p);
  }
});

const DEBIAN_12 = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
`;

test('os-release: Debian 12', async () => {
  const { os, warnings } = await run('/usr/lib/os-release', DEBIAN_12);
  assert.deepEqual(warnings, []);
  assert.deepEqual(os, {
    family: 'debian',
    name: 'Debian GNU/Linux',
    version: '12 (bookworm)',
    versionId: '12',
    codename: 'bookworm',
    prettyName: 'Debian GNU/Linux 12 (bookworm)',
    source: '/usr/lib/os-release',
  });
  assert.equal(osvEcosystemFor(os!), 'Debian:12');
});

test('os-release: Debian without VERSION_CODENAME gets the codename from VERSION or the table', async () => {
  const a = await run('/etc/os-release', 'ID=debian\nVERSION_ID="9"\nVERSION="9 (stretch)"\n');
  assert.equal(a.os?.codename, 'stretch');
  const b = await run('/etc/os-release', 'ID=debian\nVERSION_ID="8"\n');
  assert.equal(b.os?.codename, 'jessie');
  const c = await run('/etc/os-release', 'ID=debian\nVERSION_ID="11"\n');
  assert.equal(c.os?.codename, 'bullseye');
  // testing: no VERSION_ID; the codename still gives the OSV release
  const t = await run('/etc/os-release', 'PRETTY_NAME="Debian GNU/Linux trixie/sid"\nNAME="Debian GNU/Linux"\nVERSION_CODENAME=trixie\nID=debian\n');
  assert.equal(t.os?.versionId, undefined);
  assert.equal(osvEcosystemFor(t.os!), 'Debian:13');
});

test('os-release: distroless is Debian', async () => {
  const { os } = await run('/etc/os-release', 'PRETTY_NAME="Distroless"\nNAME="Debian GNU/Linux"\nID="debian"\nVERSION_ID="12"\nVERSION="Debian GNU/Linux 12 (bookworm)"\nHOME_URL="https://github.com/GoogleContainerTools/distroless"\n');
  assert.equal(os?.family, 'debian');
  assert.equal(os?.prettyName, 'Distroless');
  assert.equal(os?.codename, 'bookworm');
  assert.equal(osvEcosystemFor(os!), 'Debian:12');
});

// [file content, family, versionId, OSV ecosystem]
const CASES: [string, string, string | undefined, string | undefined][] = [
  ['NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n', 'alpine', '3.19.1', 'Alpine:v3.19'],
  ['NAME="Ubuntu"\nVERSION="22.04.3 LTS (Jammy Jellyfish)"\nID=ubuntu\nID_LIKE=debian\nVERSION_ID="22.04"\nVERSION_CODENAME=jammy\nUBUNTU_CODENAME=jammy\n', 'ubuntu', '22.04', 'Ubuntu:22.04:LTS'],
  ['NAME="Ubuntu"\nVERSION="23.10 (Mantic Minotaur)"\nID=ubuntu\nVERSION_ID="23.10"\n', 'ubuntu', '23.10', 'Ubuntu:23.10'],
  ['NAME="Red Hat Enterprise Linux"\nVERSION="9.3 (Plow)"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.3"\nCPE_NAME="cpe:/o:redhat:enterprise_linux:9::baseos"\n', 'rhel', '9.3', 'Red Hat'],
  ['NAME="CentOS Linux"\nVERSION="7 (Core)"\nID="centos"\nID_LIKE="rhel fedora"\nVERSION_ID="7"\n', 'centos', '7', undefined],
  ['NAME="Rocky Linux"\nVERSION="9.3 (Blue Onyx)"\nID="rocky"\nID_LIKE="rhel centos fedora"\nVERSION_ID="9.3"\n', 'rocky', '9.3', 'Rocky Linux:9'],
  ['NAME="AlmaLinux"\nVERSION="9.3 (Shamrock Pampas Cat)"\nID="almalinux"\nVERSION_ID="9.3"\n', 'almalinux', '9.3', 'AlmaLinux:9'],
  ['NAME="Fedora Linux"\nVERSION="39 (Container Image)"\nID=fedora\nVERSION_ID=39\n', 'fedora', '39', undefined],
  ['NAME="Oracle Linux Server"\nVERSION="8.9"\nID="ol"\nVERSION_ID="8.9"\n', 'ol', '8.9', undefined],
  ['NAME="Amazon Linux"\nVERSION="2023"\nID="amzn"\nID_LIKE="fedora"\nVERSION_ID="2023"\n', 'amzn', '2023', undefined],
  ['NAME="SLES"\nVERSION="15-SP5"\nVERSION_ID="15.5"\nPRETTY_NAME="SUSE Linux Enterprise Server 15 SP5"\nID="sles"\n', 'sles', '15.5', 'SUSE:SUSE Linux Enterprise Server 15 SP5'],
  ['NAME="openSUSE Leap"\nVERSION="15.5"\nID="opensuse-leap"\nVERSION_ID="15.5"\nPRETTY_NAME="openSUSE Leap 15.5"\n', 'opensuse-leap', '15.5', 'openSUSE:openSUSE Leap 15.5'],
  ['NAME="openSUSE Tumbleweed"\nID="opensuse-tumbleweed"\nVERSION_ID="20240101"\nPRETTY_NAME="openSUSE Tumbleweed"\n', 'opensuse-tumbleweed', '20240101', 'openSUSE:openSUSE Tumbleweed'],
  ['NAME="VMware Photon OS"\nVERSION="5.0"\nID=photon\nVERSION_ID=5.0\nPRETTY_NAME="VMware Photon OS/Linux"\n', 'photon', '5.0', 'Photon OS:5.0'],
  ['NAME="Microsoft Azure Linux"\nVERSION="3.0.20240727"\nID=azurelinux\nVERSION_ID="3.0"\n', 'azurelinux', '3.0', 'Azure Linux:3'],
  ['NAME="Common Base Linux Mariner"\nVERSION="2.0.20240123"\nID=mariner\nVERSION_ID="2.0"\n', 'mariner', '2.0', 'Azure Linux:2'],
  ['ID=wolfi\nNAME="Wolfi"\nPRETTY_NAME="Wolfi"\nVERSION_ID="20230201"\n', 'wolfi', '20230201', 'Wolfi'],
  ['ID=chainguard\nNAME="Chainguard"\nPRETTY_NAME="Chainguard"\nVERSION_ID="20230214"\n', 'chainguard', '20230214', 'Chainguard'],
];

for (const [content, family, versionId, eco] of CASES) {
  test(`os-release: ${family} ${versionId ?? ''}`, async () => {
    const { os, warnings } = await run('/etc/os-release', content);
    assert.deepEqual(warnings, []);
    assert.equal(os?.family, family);
    assert.equal(os?.versionId, versionId);
    assert.equal(os?.source, '/etc/os-release');
    assert.equal(osvEcosystemFor(os!), eco);
  });
}

test('os-release parsing: quotes, escapes, comments, CRLF, BOM, blank and bad lines', async () => {
  const text = '\uFEFF# comment\r\n\r\nNAME="My \\"Linux\\" \\$HOME \\\\ x"\r\nID=\'mylinux\'\r\nVERSION_ID=1.2 # trailing\r\nnot an assignment\r\nID_LIKE="Debian  ubuntu"\r\n';
  const { os, warnings } = await run('/etc/os-release', text);
  assert.equal(os?.name, 'My "Linux" $HOME \\ x');
  assert.equal(os?.family, 'mylinux');
  assert.equal(os?.versionId, '1.2');
  assert.deepEqual(os?.idLike, ['debian', 'ubuntu']);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /line 6: not a KEY=VALUE assignment/);
  assert.equal(unquote('"a"\'b\'c'), 'abc');
  assert.equal(unquote('"unterminated'), undefined);
  assert.equal(unquote("'also"), undefined);
  assert.deepEqual([...parseKeyValue('A=1\nA=2\n').values], [['A', '2']]);
});

test('os-release hostile: no ID, bad ID, binary, unterminated quote, huge line, empty', async () => {
  const noId = await run('/etc/os-release', 'NAME="Something"\n');
  assert.equal(noId.os?.family, 'linux');
  assert.equal(noId.os?.name, 'Something');
  const badId = await run('/etc/os-release', 'ID="../../etc; rm -rf"\nVERSION_ID="1 2"\n');
  assert.equal(badId.os?.family, 'linux');
  assert.equal(badId.os?.versionId, undefined);
  assert.equal(badId.warnings.length, 2);
  const bin = await run('/etc/os-release', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 0xff, 0xfe]));
  assert.equal(bin.os, undefined);
  assert.match(bin.warnings[0]!, /binary content/);
  const unterminated = await run('/etc/os-release', 'ID=debian\nNAME="Debian\nVERSION_ID=12\n');
  assert.equal(unterminated.os?.name, 'Linux');
  assert.equal(unterminated.os?.versionId, '12');
  assert.match(unterminated.warnings.join('\n'), /unterminated quote in NAME/);
  const huge = await run('/etc/os-release', 'ID=alpine\nVERSION_ID=3.19.0\nPRETTY_NAME="' + 'x'.repeat(10 * 1024 * 1024) + '"\n');
  // only the first 64 KiB are read: PRETTY_NAME is cut (unterminated, dropped), ID and VERSION_ID stay
  assert.deepEqual(huge.os, { family: 'alpine', name: 'Linux', versionId: '3.19.0', source: '/etc/os-release' });
  assert.match(huge.warnings.join('\n'), /larger than 64 KiB/);
  assert.match(huge.warnings.join('\n'), /unterminated quote in PRETTY_NAME/);
  const empty = await run('/etc/os-release', '');
  assert.equal(empty.os, undefined);
  assert.equal(empty.warnings.length, 1);
  const badUtf8 = await run('/etc/os-release', Buffer.concat([Buffer.from('ID=debian\nNAME="Deb'), Buffer.from([0xc3, 0x28]), Buffer.from('"\nVERSION_ID=12\n')]));
  assert.equal(badUtf8.os?.family, 'debian');
  assert.equal(badUtf8.os?.name, 'Deb\uFFFD(');
});

test('an os-release over the 64 KiB the parser reads is never buffered: a file-too-large gap, the analyzer partial', async () => {
  const { walkImage } = await import('../../../walker/index.js');
  const { memImage } = await import('../../../walker/testkit.js');
  const { makeTar } = await import('../../../source/testkit.js');
  const big = `ID=debian\nVERSION_ID="12"\n#${'x'.repeat(70 * 1024)}\n`;
  const r = await walkImage(memImage([await makeTar([{ name: 'etc/os-release', content: big }])]), [osReleaseAnalyzer]);
  assert.deepEqual(r.files.flatMap((f) => f.facts), []);
  assert.ok(r.problems.some((p) => p.reason === 'file-too-large' && p.subject === '/etc/os-release' && /65536/.test(p.detail ?? '')), JSON.stringify(r.problems));
  assert.equal(r.analyzers.find((a) => a.analyzer === 'os-release')?.state, 'partial');
});
