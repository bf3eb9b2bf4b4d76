import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { OsInfo } from '../../../core/types.js';
import { sharedOrSkip } from '../../../core/shared.js';
import { extractLayerFiles } from '../dpkg/testdata/image.js';
import { fromLegacy, fromOsRelease, LEGACY_RELEASE_PATHS, OS_RELEASE_PATHS, osvEcosystemFor, pickOs } from './index.js';

const legacy = (path: string, text: string): OsInfo | undefined => fromLegacy(Buffer.from(text), path).os;

// [path, content, family, versionId, codename]
const LEGACY: [string, string, string, string | undefined, string | undefined][] = [
  ['/etc/alpine-release', '3.10.4\n', 'alpine', '3.10.4', undefined],
  ['/etc/alpine-release', '3.20.0_alpha20240329\n', 'alpine', '3.20.0_alpha20240329', undefined],
  ['/etc/debian_version', '12.5\n', 'debian', '12', 'bookworm'],
  ['/etc/debian_version', '10.13\n', 'debian', '10', 'buster'],
  ['/etc/debian_version', '8.11', 'debian', '8', 'jessie'],
  ['/etc/debian_version', 'trixie/sid\n', 'debian', undefined, 'trixie'],
  ['/etc/redhat-release', 'Red Hat Enterprise Linux release 9.3 (Plow)\n', 'rhel', '9.3', 'Plow'],
  ['/etc/redhat-release', 'Red Hat Enterprise Linux Server release 7.9 (Maipo)\n', 'rhel', '7.9', 'Maipo'],
  ['/etc/centos-release', 'CentOS Linux release 7.9.2009 (Core)\n', 'centos', '7', 'Core'],
  ['/etc/centos-release', 'CentOS Stream release 9\n', 'centos', '9', undefined],
  ['/etc/rocky-release', 'Rocky Linux release 9.3 (Blue Onyx)\n', 'rocky', '9.3', 'Blue Onyx'],
  ['/etc/almalinux-release', 'AlmaLinux release 8.9 (Midnight Oncilla)\n', 'almalinux', '8.9', 'Midnight Oncilla'],
  ['/etc/oracle-release', 'Oracle Linux Server release 8.9\n', 'ol', '8.9', undefined],
  ['/etc/fedora-release', 'Fedora release 39 (Thirty Nine)\n', 'fedora', '39', 'Thirty Nine'],
  ['/etc/system-release', 'Amazon Linux release 2 (Karoo)\n', 'amzn', '2', 'Karoo'],
  ['/etc/system-release', 'Amazon Linux release 2023.3.20240219 (Amazon Linux)\n', 'amzn', '2023', 'Amazon Linux'],
  ['/etc/system-release', 'Amazon Linux AMI release 2018.03\n', 'amzn', '2018.03', undefined],
  ['/etc/lsb-release', 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION="Ubuntu 22.04.3 LTS"\n', 'ubuntu', '22.04', 'jammy'],
  ['/etc/SuSE-release', 'SUSE Linux Enterprise Server 12 (x86_64)\nVERSION = 12\nPATCHLEVEL = 5\n', 'sles', '12.5', undefined],
  ['/etc/SuSE-release', 'SUSE Linux Enterprise Server 11 (x86_64)\nVERSION = 11\nPATCHLEVEL = 0\n', 'sles', '11', undefined],
  ['/etc/SuSE-release', 'openSUSE Leap 42.3 (x86_64)\nVERSION = 42.3\nCODENAME = Malachite\n', 'opensuse-leap', '42.3', undefined],
  ['/etc/SuSE-release', 'openSUSE 13.2 (x86_64)\nVERSION = 13.2\nCODENAME = Harlequin\n', 'opensuse', '13.2', undefined],
  ['/etc/photon-release', 'VMware Photon OS 4.0\nPHOTON_BUILD_NUMBER=ca7c9e933\n', 'photon', '4.0', undefined],
  ['/etc/photon-release', 'VMware Photon Linux 1.0\nPHOTON_BUILD_NUMBER=62c543d\n', 'photon', '1.0', undefined],
  ['/etc/mariner-release', 'CBL-Mariner 2.0.20240123\nMARINER_BUILD_NUMBER=rolling\n', 'mariner', '2.0', undefined],
  ['/etc/azurelinux-release', 'Azure Linux 3.0.20240727\nAZURELINUX_BUILD_NUMBER=rolling\n', 'azurelinux', '3.0', undefined],
];

for (const [path, text, family, versionId, codename] of LEGACY) {
  test(`legacy ${path}: ${JSON.stringify(text.split('\n')[0])}`, () => {
    const d = fromLegacy(Buffer.from(text), path);
    assert.deepEqual(d.problems, []);
    assert.equal(d.os?.family, family);
    assert.equal(d.os?.versionId, versionId);
    assert.equal(d.os?.codename, codename);
    assert.equal(d.os?.source, path);
  });
}

test('legacy hostile: garbage, binary, empty, unknown vendor, CRLF, huge', () => {
  for (const [path, content] of [
    ['/etc/alpine-release', 'not a version'],
    ['/etc/alpine-release', ''],
    ['/etc/debian_version', 'bookworm'],
    ['/etc/redhat-release', 'Acme Linux release 1.0'],
    ['/etc/redhat-release', 'no release word here'],
    ['/etc/SuSE-release', 'SUSE Linux Enterprise Server 12\nPATCHLEVEL = 1\n'],
    ['/etc/SuSE-release', 'Acme 1\nVERSION = 1\n'],
    ['/etc/photon-release', 'Photon'],
    ['/etc/mariner-release', 'CBL-Mariner'],
    ['/etc/lsb-release', 'DISTRIB_RELEASE=1\n'],
    ['/etc/system-release', '\u0000\u0001binary'],
  ] as const) {
    const d = fromLegacy(Buffer.from(content), path);
    assert.equal(d.os, undefined, `${path}: ${content}`);
    assert.equal(d.problems.length >= 1, true, `${path}: ${content}`);
  }
  assert.equal(legacy('/etc/alpine-release', '3.18.4\r\n')?.versionId, '3.18.4');
  assert.equal(legacy('/etc/debian_version', '12.5\r\n')?.versionId, '12');
  const huge = fromLegacy(Buffer.from('3.18.4' + '9'.repeat(10 * 1024 * 1024)), '/etc/alpine-release');
  assert.equal(huge.os, undefined);
  assert.match(huge.problems.join('\n'), /larger than 64 KiB/);
  const bad = fromLegacy(Buffer.from([0xff, 0xfe, 0xfd, 0x0a]), '/etc/debian_version');
  assert.equal(bad.os, undefined);
});

const os = (path: string, text: string): { os: OsInfo; path: string } => {
  const d = OS_RELEASE_PATHS.includes(path) ? fromOsRelease(Buffer.from(text), path) : fromLegacy(Buffer.from(text), path);
  assert.ok(d.os, path);
  return { os: d.os, path };
};

test('pickOs: os-release beats every legacy file; Ubuntu is not taken for Debian', () => {
  assert.equal(pickOs([]), undefined);
  const ubuntu = pickOs([
    os('/etc/debian_version', 'bookworm/sid\n'),
    os('/etc/os-release', 'NAME="Ubuntu"\nID=ubuntu\nVERSION_ID="24.04"\nVERSION="24.04 LTS (Noble Numbat)"\nVERSION_CODENAME=noble\n'),
    os('/etc/lsb-release', 'DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=24.04\n'),
  ]);
  assert.equal(ubuntu?.family, 'ubuntu');
  assert.equal(ubuntu?.versionId, '24.04');
  assert.equal(ubuntu?.codename, 'noble');
  assert.equal(ubuntu?.source, '/etc/os-release');
  // the order of the candidates does not matter
  const a = [os('/usr/lib/os-release', 'ID=rocky\nVERSION_ID=9.3\n'), os('/etc/os-release', 'ID=almalinux\nVERSION_ID=9.2\n'), os('/etc/redhat-release', 'Red Hat Enterprise Linux release 9.1 (Plow)')];
  assert.equal(pickOs(a)?.family, 'almalinux');
  assert.deepEqual(pickOs([...a].reverse()), pickOs(a));
  // without os-release: the distro-specific file beats redhat-release / system-release
  assert.equal(pickOs([os('/etc/redhat-release', 'CentOS Linux release 7.9.2009 (Core)'), os('/etc/system-release', 'CentOS Linux release 7.9.2009 (Core)'), os('/etc/rocky-release', 'Rocky Linux release 8.9 (Green Obsidian)')])?.family, 'rocky');
  // an os-release without ID ranks last
  assert.equal(pickOs([os('/etc/os-release', 'NAME=Something\n'), os('/etc/debian_version', '11.9')])?.family, 'debian');
});

test('pickOs: Alpine patch release from /etc/alpine-release; missing fields filled from the same family only', () => {
  const alpine = pickOs([os('/etc/os-release', 'ID=alpine\nVERSION_ID=3.19\nNAME="Alpine Linux"\n'), os('/etc/alpine-release', '3.19.1\n')]);
  assert.equal(alpine?.versionId, '3.19.1');
  assert.equal(alpine?.source, '/etc/os-release');
  assert.equal(osvEcosystemFor(alpine!), 'Alpine:v3.19');
  // a different minor is not merged
  assert.equal(pickOs([os('/etc/os-release', 'ID=alpine\nVERSION_ID=3.18\n'), os('/etc/alpine-release', '3.19.1\n')])?.versionId, '3.18');
  // Debian testing: os-release without VERSION_ID keeps it absent; debian_version gives the same codename
  const testing = pickOs([os('/etc/os-release', 'ID=debian\nVERSION_CODENAME=trixie\n'), os('/etc/debian_version', 'trixie/sid')]);
  assert.equal(testing?.versionId, undefined);
  assert.equal(testing?.codename, 'trixie');
  // os-release without VERSION_ID, debian_version with a number: filled
  assert.equal(pickOs([os('/etc/os-release', 'ID=debian\n'), os('/etc/debian_version', '12.5')])?.versionId, '12');
  // another family's file does not leak in
  assert.equal(pickOs([os('/etc/os-release', 'ID=ubuntu\n'), os('/etc/debian_version', '12.5')])?.versionId, undefined);
});

test('osvEcosystemFor: unknown releases and distros without an OSV ecosystem give undefined', () => {
  const o = (family: string, versionId?: string, extra: Partial<OsInfo> = {}): OsInfo => ({ family, name: family, versionId, source: '/etc/os-release', ...extra });
  assert.equal(osvEcosystemFor(o('debian')), undefined);
  assert.equal(osvEcosystemFor(o('debian', '12.5')), 'Debian:12');
  assert.equal(osvEcosystemFor(o('debian', undefined, { codename: 'bookworm' })), 'Debian:12');
  assert.equal(osvEcosystemFor(o('debian', undefined, { codename: 'sid' })), undefined);
  assert.equal(osvEcosystemFor(o('alpine')), undefined);
  assert.equal(osvEcosystemFor(o('alpine', 'edge')), undefined);
  assert.equal(osvEcosystemFor(o('ubuntu', '20.04')), 'Ubuntu:20.04:LTS');
  assert.equal(osvEcosystemFor(o('ubuntu', '21.04')), 'Ubuntu:21.04');
  assert.equal(osvEcosystemFor(o('ubuntu')), undefined);
  assert.equal(osvEcosystemFor(o('sles', '15.5')), 'SUSE');
  assert.equal(osvEcosystemFor(o('amzn', '2')), undefined);
  assert.equal(osvEcosystemFor(o('ol', '9')), undefined);
  assert.equal(osvEcosystemFor(o('linux')), undefined);
  assert.equal(osvEcosystemFor(o('rocky')), undefined);
  assert.equal(osvEcosystemFor(o('mageia', '9')), 'Mageia:9');
});

test('real images: Debian 12 base and orders-api, Alpine 3.10 (trivy fixture)', async (t) => {
  const want = (p: string): boolean => OS_RELEASE_PATHS.includes(p) || LEGACY_RELEASE_PATHS.includes(p);
  for (const [rel, family, versionId, eco] of [
    ['fixtures/images/debian-12-slim.oci.tar', 'debian', '12', 'Debian:12'],
    ['fixtures/images/orders-api-1.4.2.docker.tar.gz', 'debian', '12', 'Debian:12'],
    ['fixtures/third-party/images/trivy/alpine-310.tar.gz', 'alpine', '3.10.4', 'Alpine:v3.10'],
  ] as const) {
    const archive = sharedOrSkip(t, rel);
    if (!archive) return;
    const files = await extractLayerFiles(archive, want);
    assert.ok(files.length >= 2, rel);
    const cands = files.map((f) => {
      const d = OS_RELEASE_PATHS.includes(f.path) ? fromOsRelease(f.content, f.path) : fromLegacy(f.content, f.path);
      assert.deepEqual(d.problems, [], f.path);
      return { os: d.os!, path: f.path };
    });
    const picked = pickOs(cands);
    assert.equal(picked?.family, family, rel);
    assert.equal(picked?.versionId, versionId, rel);
    assert.equal(osvEcosystemFor(picked!), eco);
    if (family === 'debian') {
      assert.equal(picked?.codename, 'bookworm');
      // the base has /usr/lib/os-release (with /etc/os-release a link to it) and /etc/debian_version
      assert.equal(picked?.source, '/usr/lib/os-release');
      const dv = cands.find((c) => c.path === '/etc/debian_version');
      assert.match(dv!.os.version!, /^12\.\d+$/);
    }
  }
});
