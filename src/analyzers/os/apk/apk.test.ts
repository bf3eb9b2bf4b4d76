import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AnalyzerContext, EntryInfo, FileInput, Package } from '../../../core/types.js';
import { sharedOrSkip } from '../../../core/shared.js';
import { DEFAULT_LIMITS } from '../../../walker/types.js';
import { analyzers } from '../../registry.js';
import { extractLayerFiles } from '../dpkg/testdata/image.js';
import { apkAnalyzer, APK_INSTALLED_PATHS, MAX_WARNINGS_PER_FILE, splitApkLicense } from './index.js';

const LAYER = { index: 0, diffId: 'sha256:' + '0'.repeat(64) };
const DB = '/lib/apk/db/installed';
const entry = (path: string, type: EntryInfo['type'] = 'file'): EntryInfo => ({ path, type, size: 1, mode: 0o644 });

async function run(content: string | Buffer, path = DB): Promise<{ pkgs: Package[]; warnings: string[] }> {
  const warnings: string[] = [];
  const ctx: AnalyzerContext = { layer: LAYER, warn: (m) => warnings.push(m), limits: DEFAULT_LIMITS };
  const buf = typeof content === 'string' ? Buffer.from(content) : content;
  const file: FileInput = { path, entry: entry(path), content: buf, layer: LAYER };
  const facts = await apkAnalyzer.analyze(file, ctx);
  return { pkgs: facts.map((f) => (f.kind === 'package' ? f.pkg : assert.fail(f.kind))), warnings };
}

const nv = (p: Package): string => `${p.name}@${p.version}`;

test('registered; required() selects the installed database only', () => {
  assert.ok(analyzers.includes(apkAnalyzer));
  for (const p of APK_INSTALLED_PATHS) assert.equal(apkAnalyzer.required(p, entry(p)), true, p);
  assert.equal(apkAnalyzer.required(DB, entry(DB, 'symlink')), true);
  assert.equal(apkAnalyzer.required(DB, entry(DB, 'dir')), false);
  for (const p of ['/lib/apk/db/installed.new', '/lib/apk/db/triggers', '/x/lib/apk/db/installed', 'lib/apk/db/installed', '/etc/apk/world']) {
    assert.equal(apkAnalyzer.required(p, entry(p)), false, p);
  }
});

test('third-party installed (trivy): 15 packages, the record without a version skipped with a warning', async (t) => {
  const path = sharedOrSkip(t, 'fixtures/third-party/packages/apk/installed');
  if (!path) return;
  const { pkgs, warnings } = await run(readFileSync(path));
  assert.equal(pkgs.length, 15);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /invalidPackageWithoutAVersion\): no V \(version\) field; skipped/);
  const musl = pkgs.find((p) => p.name === 'musl')!;
  assert.deepEqual(musl, {
    name: 'musl',
    version: '1.1.14-r10',
    type: 'apk',
    purl: 'pkg:apk/alpine/musl@1.1.14-r10?arch=x86_64',
    arch: 'x86_64',
    source: { name: 'musl', version: '1.1.14-r10' },
    licenses: ['MIT'],
    locations: [{ path: DB, layer: LAYER }],
    foundBy: 'apk',
    confidence: 'high',
    files: ['/lib/libc.musl-x86_64.so.1', '/lib/ld-musl-x86_64.so.1'],
    metadata: { buildTime: '1466181580', commit: 'e6c226fbe17bb8f856dce5f0d9bc088b333e6225' },
  });
  // origin differs from the binary name
  assert.deepEqual(pkgs.find((p) => p.name === 'libcrypto1.0')?.source, { name: 'openssl', version: '1.0.2h-r1' });
  assert.deepEqual(pkgs.find((p) => p.name === 'test')?.source, { name: 'test-parent', version: '2.9.11_pre20061021-r2' });
  // licenses: space-separated list split, SPDX expression with OR kept whole
  assert.deepEqual(pkgs.find((p) => p.name === 'musl-utils')?.licenses, ['MIT', 'BSD', 'GPL2+']);
  assert.deepEqual(pkgs.find((p) => p.name === 'ada-libs')?.licenses, ['( Apache-2.0 OR MIT ) AND MPL-2.0']);
  // files: F sets the directory, R names files in it
  const busybox = pkgs.find((p) => p.name === 'busybox')!;
  assert.ok(busybox.files!.includes('/bin/busybox'));
  assert.ok(busybox.files!.includes('/etc/logrotate.d/acpid'));
  assert.deepEqual(pkgs.find((p) => p.name === 'test')?.files, ['/usr/lib/libsqlite3.so', '/usr/lib/pkgconfig/sqlite3.pc', '/usr/include/sqlite3ext.h', '/usr/include/sqlite3.h']);
  assert.deepEqual(pkgs.map((p) => p.name), [...pkgs.map((p) => p.name)].sort());
});

test('third-party alpine-3.7.0-installed: 11 packages', async (t) => {
  const path = sharedOrSkip(t, 'fixtures/third-party/packages/apk/alpine-3.7.0-installed');
  if (!path) return;
  const { pkgs, warnings } = await run(readFileSync(path), '/usr/lib/apk/db/installed');
  assert.deepEqual(warnings, []);
  assert.equal(pkgs.length, 11);
  assert.deepEqual(pkgs.find((p) => p.name === 'libressl2.6-libssl')?.source, { name: 'libressl', version: '2.6.3-r0' });
  assert.deepEqual(pkgs.find((p) => p.name === 'libressl2.6-libssl')?.licenses, ['custom']);
  assert.equal(pkgs.find((p) => p.name === 'musl')?.version, '1.1.18-r2');
  assert.equal(pkgs[0]!.locations[0]!.path, '/usr/lib/apk/db/installed');
});

test('real image alpine-310 (trivy fixture): 14 packages of Alpine 3.10.4', async (t) => {
  const archive = sharedOrSkip(t, 'fixtures/third-party/images/trivy/alpine-310.tar.gz');
  if (!archive) return;
  const files = await extractLayerFiles(archive, (p) => p === DB);
  assert.equal(files.length, 1);
  const { pkgs, warnings } = await run(files[0]!.content);
  assert.deepEqual(warnings, []);
  assert.deepEqual(pkgs.map(nv), [
    'alpine-baselayout@3.1.2-r0',
    'alpine-keys@2.1-r2',
    'apk-tools@2.10.4-r2',
    'busybox@1.30.1-r3',
    'ca-certificates-cacert@20190108-r0',
    'libc-utils@0.7.1-r0',
    'libcrypto1.1@1.1.1d-r2',
    'libssl1.1@1.1.1d-r2',
    'libtls-standalone@2.9.1-r0',
    'musl@1.1.22-r3',
    'musl-utils@1.1.22-r3',
    'scanelf@1.2.3-r0',
    'ssl_client@1.30.1-r3',
    'zlib@1.2.11-r1',
  ]);
  assert.deepEqual(pkgs.find((p) => p.name === 'ssl_client')?.source, { name: 'busybox', version: '1.30.1-r3' });
  assert.deepEqual(pkgs.find((p) => p.name === 'ca-certificates-cacert')?.licenses, ['MPL-2.0', 'GPL-2.0-or-later']);
  assert.deepEqual(pkgs.find((p) => p.name === 'musl')?.files, ['/lib/libc.musl-x86_64.so.1', '/lib/ld-musl-x86_64.so.1']);
  for (const p of pkgs) assert.equal(p.arch, 'x86_64');
});

test('license splitting', () => {
  assert.deepEqual(splitApkLicense(''), []);
  assert.deepEqual(splitApkLicense('MIT'), ['MIT']);
  assert.deepEqual(splitApkLicense('GPL-2.0-or-later AND MIT'), ['GPL-2.0-or-later', 'MIT']);
  assert.deepEqual(splitApkLicense('MIT  BSD'), ['MIT', 'BSD']);
  assert.deepEqual(splitApkLicense('MIT OR Apache-2.0'), ['MIT OR Apache-2.0']);
  assert.deepEqual(splitApkLicense('(MIT AND BSD)'), ['(MIT AND BSD)']);
  assert.deepEqual(splitApkLicense('GPL-2.0-or-later WITH Classpath-exception-2.0 AND MIT'), ['GPL-2.0-or-later WITH Classpath-exception-2.0', 'MIT']);
});

const REC = (name: string, version = '1.0-r0', extra = ''): string => `C:Q1abc=\nP:${name}\nV:${version}\nA:x86_64\nL:MIT\no:${name}\n${extra}F:usr/bin\nR:${name}\n`;

test('hostile: missing P/V, truncated record, CRLF, duplicates, no blank line between records', async () => {
  const text = [
    'V:1.0\nA:x86_64\n', // no name
    REC('ok'),
    REC('dup', '1.0-r0'),
    REC('dup', '1.0-r0'),
    REC('dup', '2.0-r0'),
    'P:Bad Name\nV:1\n',
    'P:crlf\r\nV:3.0-r1\r\nA:aarch64\r\nF:etc\r\nR:crlf.conf\r\n',
    REC('a').trimEnd() + '\n' + REC('b'), // missing blank line
    'P:truncated\nV:9.9-r9\nA:x86_64\nF:usr/li', // cut mid-record
  ].join('\n');
  const { pkgs, warnings } = await run(text);
  assert.deepEqual(pkgs.map(nv), ['a@1.0-r0', 'b@1.0-r0', 'crlf@3.0-r1', 'dup@1.0-r0', 'dup@2.0-r0', 'ok@1.0-r0', 'truncated@9.9-r9']);
  assert.deepEqual(pkgs.find((p) => p.name === 'crlf')?.files, ['/etc/crlf.conf']);
  assert.equal(pkgs.find((p) => p.name === 'crlf')?.arch, 'aarch64');
  assert.deepEqual(pkgs.find((p) => p.name === 'truncated')?.files, []);
  const w = warnings.join('\n');
  assert.match(w, /no P \(name\) field; skipped/);
  assert.match(w, /invalid package name "Bad Name"/);
  assert.match(w, /dup listed twice; merged/);
  assert.match(w, /dup listed twice with versions 1.0-r0 and 2.0-r0; both reported/);
  assert.match(w, /P field without a blank line before it/);
});

test('hostile: 10 MB single line, binary garbage, invalid UTF-8, NUL in version, bad arch, warning cap', async () => {
  const huge = await run(REC('before') + '\nT:' + 'x'.repeat(10 * 1024 * 1024) + '\n\n' + REC('after'));
  assert.deepEqual(huge.pkgs.map((p) => p.name), ['after', 'before']);
  const hugeJunk = await run('z'.repeat(10 * 1024 * 1024));
  assert.deepEqual(hugeJunk.pkgs, []);
  assert.equal(hugeJunk.warnings.length, 2);
  assert.ok(hugeJunk.warnings.every((w) => w.length < 200));
  assert.match(hugeJunk.warnings[1]!, /package database present \(10485760 bytes\) but no package could be read/);

  const garbage = Buffer.concat(Array.from({ length: 8192 }, (_, i) => Buffer.from(`${i}\u0000\uFFFF\n`, 'utf16le')));
  const g = await run(garbage);
  assert.deepEqual(g.pkgs, []);
  assert.ok(g.warnings.length >= 1 && g.warnings.length <= MAX_WARNINGS_PER_FILE + 1);

  const utf8 = await run(Buffer.concat([Buffer.from('P:utf\nV:1.0-r0\nA:x86_64\nm:Jos'), Buffer.from([0xe9, 0xff]), Buffer.from('\n')]));
  assert.deepEqual(utf8.pkgs.map(nv), ['utf@1.0-r0']);
  assert.match(utf8.warnings[0]!, /invalid UTF-8/);
  const nul = await run('P:nul\nV:1.0\u0000-r0\n');
  assert.deepEqual(nul.pkgs, []);
  assert.match(nul.warnings[0]!, /not printable ASCII/);
  const arch = await run('P:arch\nV:1.0-r0\nA:x86 64\no:bad origin\n');
  assert.equal(arch.pkgs[0]!.arch, undefined);
  assert.equal(arch.pkgs[0]!.purl, 'pkg:apk/alpine/arch@1.0-r0');
  assert.deepEqual(arch.pkgs[0]!.source, { name: 'arch', version: '1.0-r0' });
  assert.equal(arch.warnings.length, 2);

  const many = Array.from({ length: 200 }, (_, i) => `P:p${i}\n`).join('\n');
  const capped = await run(many);
  assert.equal(capped.warnings.length, MAX_WARNINGS_PER_FILE + 1);
  assert.match(capped.warnings.at(-1)!, /151 more warnings not shown/); // 200 skipped records, then "no package could be read"
  assert.deepEqual((await run('')).pkgs, []);
});
