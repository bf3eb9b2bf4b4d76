import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AnalyzerContext, EntryInfo, Fact, FileInput, Package } from '../../../core/types.js';
import { sharedOrSkip } from '../../../core/shared.js';
import { DEFAULT_LIMITS } from '../../../walker/types.js';
import { analyzers } from '../../registry.js';
import { extractLayerFiles } from './testdata/image.js';
import { dpkgAnalyzer, MAX_WARNINGS_PER_FILE, parseSourceField, parseStanzas, readStatus } from './index.js';

const LAYER = { index: 0, diffId: 'sha256:' + '0'.repeat(64) };
const entry = (path: string, type: EntryInfo['type'] = 'file'): EntryInfo => ({ path, type, size: 1, mode: 0o644 });

async function run(path: string, content: string | Buffer): Promise<{ facts: Fact[]; pkgs: Package[]; warnings: string[] }> {
  const warnings: string[] = [];
  const ctx: AnalyzerContext = { layer: LAYER, warn: (m) => warnings.push(m), limits: DEFAULT_LIMITS };
  const buf = typeof content === 'string' ? Buffer.from(content) : content;
  const file: FileInput = { path, entry: entry(path), content: buf, layer: LAYER };
  const facts = await dpkgAnalyzer.analyze(file, ctx);
  const pkgs = facts.flatMap((f) => (f.kind === 'package' ? [f.pkg] : []));
  return { facts, pkgs, warnings };
}

/** Pseudo-random but reproducible bytes (SHA-256 in counter mode). */
function deterministicBytes(n: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; parts.length * 32 < n; i++) parts.push(createHash('sha256').update(`garbage-${i}`).digest());
  return Buffer.concat(parts).subarray(0, n);
}

const row = (p: Package): string => [p.name, p.version, p.source?.name, p.source?.version, p.arch].join('\t');

/** `dpkg-query -W` rows (package, version, source, source version, arch), sorted as we sort. */
function expectedRows(tsv: string): string[] {
  return tsv
    .split('\n')
    .filter((l) => l !== '')
    .sort((a, b) => {
      const [an, , , , aa] = a.split('\t');
      const [bn, , , , ba] = b.split('\t');
      return an! < bn! ? -1 : an! > bn! ? 1 : aa! < ba! ? -1 : aa! > ba! ? 1 : 0;
    });
}

test('registered; required() selects status, status.d entries and info/*.list only', () => {
  assert.ok(analyzers.includes(dpkgAnalyzer));
  for (const p of ['/var/lib/dpkg/status', '/var/lib/dpkg/status.d/base-files', '/var/lib/dpkg/status.d/libc6.md5sums', '/var/lib/dpkg/info/bash.list', '/var/lib/dpkg/info/libc6:amd64.list']) {
    assert.equal(dpkgAnalyzer.required(p, entry(p)), true, p);
  }
  assert.equal(dpkgAnalyzer.required('/var/lib/dpkg/status', entry('/var/lib/dpkg/status', 'symlink')), true);
  for (const p of [
    '/var/lib/dpkg/status-old',
    '/var/lib/dpkg/status.d/',
    '/var/lib/dpkg/status.d/x/y',
    '/var/lib/dpkg/info/bash.md5sums',
    '/var/lib/dpkg/info/bash.postinst',
    '/var/lib/dpkg/info/sub/bash.list',
    '/var/lib/dpkg/available',
    '/x/var/lib/dpkg/status',
    'var/lib/dpkg/status',
  ]) {
    assert.equal(dpkgAnalyzer.required(p, entry(p)), false, p);
  }
  assert.equal(dpkgAnalyzer.required('/var/lib/dpkg/status', entry('/var/lib/dpkg/status', 'dir')), false);
});

for (const [image, tsv, count] of [
  ['fixtures/images/orders-api-1.4.2.docker.tar.gz', 'fixtures/images/orders-api-dpkg.tsv', 131],
  ['fixtures/images/debian-12-slim.oci.tar', 'fixtures/images/debian-12-slim-dpkg.tsv', 88],
] as const) {
  test(`real image ${image.split('/').pop()}: exactly dpkg-query -W (${count} packages, source packages)`, async (t) => {
    const archive = sharedOrSkip(t, image);
    const expected = sharedOrSkip(t, tsv);
    if (!archive || !expected) return;
    const files = await extractLayerFiles(archive, (p) => p === '/var/lib/dpkg/status' || (p.startsWith('/var/lib/dpkg/info/') && p.endsWith('.list')));
    const status = files.filter((f) => f.path === '/var/lib/dpkg/status').at(-1)!;
    const { pkgs, warnings } = await run(status.path, status.content);
    assert.deepEqual(warnings, []);
    assert.equal(pkgs.length, count);
    assert.deepEqual(pkgs.map(row), expectedRows(readFileSync(expected, 'utf8')));
    // binNMU: binary version differs from the source version
    const ssh = pkgs.find((p) => p.name === 'libssh2-1');
    if (count === 131) {
      assert.deepEqual(ssh?.source, { name: 'libssh2', version: '1.10.0-3' });
      assert.equal(ssh?.version, '1.10.0-3+b1');
      assert.equal(pkgs.find((p) => p.name === 'gosu')?.version, '1.14-1+b10');
    }
    const bash = pkgs.find((p) => p.name === 'bash')!;
    assert.deepEqual(bash, {
      name: 'bash',
      version: '5.2.15-2+b13',
      type: 'deb',
      purl: 'pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64',
      arch: 'amd64',
      source: { name: 'bash', version: '5.2.15-2' },
      licenses: [],
      locations: [{ path: '/var/lib/dpkg/status', layer: LAYER }],
      foundBy: 'dpkg',
      confidence: 'high',
    });
    // epoch kept in the version, and in the purl (percent-encoded)
    const bsd = pkgs.find((p) => p.name === 'bsdutils')!;
    assert.equal(bsd.version, '1:2.38.1-5+deb12u3');
    assert.equal(bsd.purl, 'pkg:deb/debian/bsdutils@1%3A2.38.1-5%2Bdeb12u3?arch=amd64');
    // owned files from info/*.list, multi-arch names stripped of `:arch`
    const lists = files.filter((f) => f.path.endsWith('.list'));
    assert.ok(lists.length >= 50);
    const owners = new Map<string, string[]>();
    for (const l of lists) {
      const r = await run(l.path, l.content);
      assert.deepEqual(r.warnings, [], l.path);
      for (const f of r.facts) if (f.kind === 'owned-files') owners.set(f.owner.name, f.files);
    }
    assert.ok(owners.get('bash')?.includes('/bin/bash'));
    assert.ok(!owners.get('bash')?.includes('/.'));
    assert.ok(owners.get('libc6')?.includes('/lib/x86_64-linux-gnu/libc.so.6'));
    for (const name of owners.keys()) assert.ok(pkgs.some((p) => p.name === name), `owner ${name} is an installed package`);
  });
}

test('third-party ubuntu-10.04-status: 140 installed packages', async (t) => {
  const path = sharedOrSkip(t, 'fixtures/third-party/packages/dpkg/ubuntu-10.04-status');
  if (!path) return;
  const { pkgs, warnings } = await run('/var/lib/dpkg/status', readFileSync(path));
  assert.deepEqual(warnings, []);
  assert.equal(pkgs.length, 140);
  const libc6 = pkgs.find((p) => p.name === 'libc6')!;
  assert.equal(libc6.version, '2.11.1-0ubuntu7');
  assert.deepEqual(libc6.source, { name: 'eglibc', version: '2.11.1-0ubuntu7' });
  assert.equal(pkgs.find((p) => p.name === 'bash')?.version, '4.1-2ubuntu3');
  assert.equal(pkgs.find((p) => p.name === 'coreutils')?.arch, 'amd64');
  assert.equal(pkgs.find((p) => p.name === 'python2.6')?.version, '2.6.5-1ubuntu6');
});

/** txtar (golang.org/x/tools/txtar): a comment, then `-- name --` lines each starting a file. */
function parseTxtar(text: string): Map<string, string> {
  const files = new Map<string, string>();
  let name: string | undefined;
  let body: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^-- (.+) --$/.exec(line);
    if (m) {
      if (name !== undefined) files.set(name, body.join('\n'));
      name = m[1]!;
      body = [];
    } else if (name !== undefined) body.push(line);
  }
  if (name !== undefined) files.set(name, body.join('\n'));
  return files;
}

test('third-party valid.txtar: 91 stanzas, the config-files one (git) not reported', async (t) => {
  const path = sharedOrSkip(t, 'fixtures/third-party/packages/dpkg/valid.txtar');
  if (!path) return;
  const files = parseTxtar(readFileSync(path, 'utf8'));
  assert.deepEqual([...files.keys()], ['var/lib/dpkg/status']);
  const content = Buffer.from(files.get('var/lib/dpkg/status')!);
  const warnings: string[] = [];
  const r = readStatus(content, '/var/lib/dpkg/status', LAYER, (m) => warnings.push(m), { statusRequired: true });
  assert.deepEqual(warnings, []);
  assert.equal(r.stanzas, 91);
  assert.equal(r.notInstalled, 1);
  assert.equal(r.packages.length, 90);
  assert.equal(r.packages.find((p) => p.name === 'git'), undefined);
  const fdisk = r.packages.find((p) => p.name === 'fdisk')!;
  assert.deepEqual([fdisk.version, fdisk.arch, fdisk.source], ['2.31.1-0.4ubuntu3.1', 'amd64', { name: 'util-linux', version: '2.31.1-0.4ubuntu3.1' }]);
  const xz = r.packages.find((p) => p.source?.name === 'xz-utils')!;
  assert.equal(xz.source?.version, '5.1.1alpha+20120614-2');
});

test('Source field: name only, name (version), malformed', () => {
  assert.deepEqual(parseSourceField('util-linux', '1:2.38'), { name: 'util-linux', version: '1:2.38' });
  assert.deepEqual(parseSourceField('glibc (2.36-9+deb12u4)', '2.36-9+deb12u4'), { name: 'glibc', version: '2.36-9+deb12u4' });
  assert.deepEqual(parseSourceField('  libcap2 ( 1:2.66-4 ) ', 'x'), { name: 'libcap2', version: '1:2.66-4' });
  assert.equal(parseSourceField('glibc (2.36', 'x'), undefined);
  assert.equal(parseSourceField('two words', 'x'), undefined);
  assert.equal(parseSourceField('(x)', 'x'), undefined);
});

const STANZA = (name: string, version = '1.0-1', status = 'install ok installed'): string =>
  `Package: ${name}\nStatus: ${status}\nArchitecture: amd64\nVersion: ${version}\nDescription: a package\n multi-line\n .\n description\n`;

test('Status: what counts as installed', async () => {
  const text = [
    STANZA('a-installed'),
    STANZA('b-hold', '1', 'hold ok installed'),
    STANZA('c-deinstall-still-on-disk', '1', 'deinstall ok installed'),
    STANZA('d-unpacked', '1', 'install ok unpacked'),
    STANZA('e-half-configured', '1', 'install reinstreq half-configured'),
    STANZA('f-triggers', '1', 'install ok triggers-pending'),
    STANZA('g-config-files', '1', 'deinstall ok config-files'),
    STANZA('h-not-installed', '1', 'purge ok not-installed'),
    STANZA('i-half-installed', '1', 'install reinstreq half-installed'),
    STANZA('j-weird', '1', 'install ok sideways'),
  ].join('\n');
  const { pkgs, warnings } = await run('/var/lib/dpkg/status', text);
  assert.deepEqual(
    pkgs.map((p) => p.name),
    ['a-installed', 'b-hold', 'c-deinstall-still-on-disk', 'd-unpacked', 'e-half-configured', 'f-triggers', 'j-weird'],
  );
  assert.equal(pkgs[0]!.metadata, undefined);
  assert.deepEqual(pkgs[1]!.metadata, { status: 'hold ok installed' });
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /i-half-installed.*not reported/);
  assert.match(warnings[1]!, /j-weird.*unrecognised Status.*reported as installed/);
});

test('distroless status.d: stanza files without Status, md5sums as owned files', async () => {
  const libc = await run('/var/lib/dpkg/status.d/libc6', 'Package: libc6\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\nSource: glibc\nMaintainer: x\n');
  assert.deepEqual(libc.warnings, []);
  assert.deepEqual(libc.pkgs.map(row), ['libc6\t2.36-9+deb12u4\tglibc\t2.36-9+deb12u4\tamd64']);
  assert.equal(libc.pkgs[0]!.locations[0]!.path, '/var/lib/dpkg/status.d/libc6');
  const two = await run('/var/lib/dpkg/status.d/base', 'Package: base-files\nVersion: 12.4\nArchitecture: amd64\n\nPackage: netbase\nVersion: 6.4\nArchitecture: all\n');
  assert.deepEqual(two.pkgs.map((p) => p.name), ['base-files', 'netbase']);
  const md5 = await run(
    '/var/lib/dpkg/status.d/libc6.md5sums',
    'd41d8cd98f00b204e9800998ecf8427e  lib/x86_64-linux-gnu/libc.so.6\r\n0123456789abcdef0123456789abcdef  usr/share/doc/libc6/copyright\nnot a line\n',
  );
  assert.deepEqual(md5.facts, [{ kind: 'owned-files', owner: { name: 'libc6', type: 'deb' }, files: ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/share/doc/libc6/copyright'] }]);
  assert.equal(md5.warnings.length, 1);
});

test('info/*.list: paths, `/.` dropped, relative lines rejected, bad names ignored', async () => {
  const r = await run('/var/lib/dpkg/info/libssl3:amd64.list', '/.\n/usr\n/usr/lib/x86_64-linux-gnu/libssl.so.3\nrelative/path\n/usr\n\n');
  assert.deepEqual(r.facts, [{ kind: 'owned-files', owner: { name: 'libssl3', type: 'deb' }, files: ['/usr', '/usr/lib/x86_64-linux-gnu/libssl.so.3'] }]);
  assert.equal(r.warnings.length, 1);
  const bad = await run('/var/lib/dpkg/info/..list', '/usr/bin/x\n');
  assert.deepEqual(bad.facts, []);
  assert.match(bad.warnings[0]!, /not <package>/);
  const empty = await run('/var/lib/dpkg/info/x11-common.list', '');
  assert.deepEqual(empty.facts, []);
});

test('hostile: missing Package / Version, truncated stanza, CRLF, duplicates', async () => {
  const text = [
    'Status: install ok installed\nVersion: 1\n', // no Package
    'Package: no-version\nStatus: install ok installed\nArchitecture: amd64\n',
    'Package: Bad Name!\nVersion: 1\n',
    'Package: ok\r\nStatus: install ok installed\r\nArchitecture: amd64\r\nSource: okay-src (2.0)\r\nVersion: 1.0\r\nDescription: crlf\r\n more\r\n',
    STANZA('dup', '1.0'),
    STANZA('dup', '1.0'),
    STANZA('dup', '2.0'),
    'Package: truncated\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.0\nDescr', // cut mid-field
  ].join('\n');
  const { pkgs, warnings } = await run('/var/lib/dpkg/status', text);
  assert.deepEqual(pkgs.map(row), ['dup\t1.0\tdup\t1.0\tamd64', 'dup\t2.0\tdup\t2.0\tamd64', 'ok\t1.0\tokay-src\t2.0\tamd64', 'truncated\t3.0\ttruncated\t3.0\tamd64']);
  const w = warnings.join('\n');
  assert.match(w, /no Package field; skipped/);
  assert.match(w, /no-version\): no Version field; skipped/);
  assert.match(w, /invalid package name "Bad Name!"/);
  assert.match(w, /dup \(amd64\) listed twice; merged/);
  assert.match(w, /listed twice with versions 1.0 and 2.0; both reported/);
  assert.match(w, /not a "Field: value" line/); // the cut `Descr`
});

test('hostile: 10 MB single line, binary garbage, invalid UTF-8, NUL bytes, warning cap', async () => {
  const huge = STANZA('before') + '\nX-Huge: ' + 'a'.repeat(10 * 1024 * 1024) + '\n\n' + STANZA('after');
  const h = await run('/var/lib/dpkg/status', huge);
  assert.deepEqual(h.pkgs.map((p) => p.name), ['after', 'before']);
  const hugeNoColon = await run('/var/lib/dpkg/status', 'b'.repeat(10 * 1024 * 1024));
  assert.deepEqual(hugeNoColon.pkgs, []);
  assert.equal(hugeNoColon.warnings.length, 2);
  assert.ok(hugeNoColon.warnings.every((w) => w.length < 200), 'warnings never echo the content');
  assert.match(hugeNoColon.warnings[1]!, /package database present \(10485760 bytes\) but no package could be read/);

  const garbage = deterministicBytes(256 * 1024);
  const g = await run('/var/lib/dpkg/status', garbage);
  assert.deepEqual(g.pkgs, []);
  assert.ok(g.warnings.length <= MAX_WARNINGS_PER_FILE + 1);
  assert.match(g.warnings.at(-1)!, /more warnings not shown/);

  const utf8 = Buffer.concat([Buffer.from('Package: latin\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0\nMaintainer: Jos'), Buffer.from([0xe9, 0xff]), Buffer.from(' <j@x>\n')]);
  const u = await run('/var/lib/dpkg/status', utf8);
  assert.deepEqual(u.pkgs.map((p) => p.name), ['latin']);
  assert.match(u.warnings[0]!, /invalid UTF-8/);
  const badVersion = await run('/var/lib/dpkg/status', 'Package: nul\nVersion: 1.0\u0000evil\nArchitecture: amd64\nStatus: install ok installed\n');
  assert.deepEqual(badVersion.pkgs, []);
  assert.match(badVersion.warnings[0]!, /not printable ASCII/);
  const badArch = await run('/var/lib/dpkg/status', 'Package: arch\nVersion: 1.0\nArchitecture: AMD 64\nStatus: install ok installed\n');
  assert.equal(badArch.pkgs[0]!.arch, undefined);
  assert.equal(badArch.pkgs[0]!.purl, 'pkg:deb/debian/arch@1.0');
});

test('stanza parser: continuation outside a field, repeated fields, comments, no trailing newline', () => {
  const warnings: string[] = [];
  const st = parseStanzas(' orphan continuation\n# comment\nPackage: a\nPackage: b\n more of b\nVersion: 1\n\n\n\nPackage: c', (m) => warnings.push(m));
  assert.equal(st.length, 2);
  assert.equal(st[0]!.fields.get('package'), 'a');
  assert.equal(st[0]!.fields.get('version'), '1');
  assert.equal(st[0]!.line, 3);
  assert.equal(st[1]!.fields.get('package'), 'c');
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /line 1: continuation line outside a field/);
  assert.match(warnings[1]!, /line 4: field Package repeated/);
  assert.deepEqual(parseStanzas('', () => assert.fail()), []);
  assert.deepEqual(parseStanzas('\n\n\r\n', () => assert.fail()), []);
});

test('a kept field with a million continuation lines stops growing at the cap with a warning', async () => {
  const { forEachStanza, MAX_FIELD_CHARS } = await import('./control.js');
  const text = 'Package: x\nVersion: 1\n' + ' y'.repeat(1).concat('\n').repeat(1) + 'Depends: a\n' + ' ,b\n'.repeat(400_000) + '\nPackage: z\nVersion: 2\n';
  const warnings: string[] = [];
  const seen: string[] = [];
  forEachStanza(text, (w) => warnings.push(w), undefined, (st) => seen.push(`${st.fields.get('package')} ${st.fields.get('depends')?.length ?? 0}`));
  assert.equal(seen.length, 2);
  assert.ok(Number(seen[0]!.split(' ')[1]) <= MAX_FIELD_CHARS + 8);
  assert.equal(seen[1], 'z 0');
  assert.ok(warnings.some((w) => /longer than 1048576 characters/.test(w)));
});

test('stanza parser on bytes: BOM, CRLF, invalid UTF-8, Unicode blank lines, non-ASCII field names, values decoded whole', () => {
  const warnings: string[] = [];
  const bytes = Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from('Package: caf\u00e9\r\nVersion:  1.0 \t\r\nDescription: x\r\n \u00a0\r\n'),
    Buffer.from('Package: b\xff\n', 'latin1'),
    Buffer.from('Versi\u00f6n: 2\n\u00a0\nPackage: c\nVersion: 3\n'),
  ]);
  const st = parseStanzas(bytes, (m) => warnings.push(m), new Set(['package', 'version']));
  // " \u00a0" (a continuation line of nothing but spaces, as String#trim sees them) is blank and ends the
  // first stanza; "\u00a0" at the start of a line is neither blank nor a field (as dpkg: only ASCII space
  // and tab begin a continuation), so the second stanza runs on: its repeated Package keeps the first value
  assert.deepEqual(st.map((s) => [s.line, s.fields.get('package'), s.fields.get('version')]), [[1, 'café', '1.0'], [5, 'b\ufffd', '3']]);
  assert.ok(warnings.some((w) => /line 7: not a "Field: value" line/.test(w)), warnings.join('\n'));
  assert.ok(warnings.some((w) => /line 8: field Package repeated/.test(w)), warnings.join('\n'));
  assert.match(warnings[0]!, /invalid UTF-8/);
  assert.ok(warnings.some((w) => /line 6: not a "Field: value" line/.test(w)), warnings.join('\n'));
  // a string and its bytes parse alike
  const text = 'Package: a\nVersion: 1\nDepends: x,\n y\n\nPackage: b\n';
  assert.deepEqual(parseStanzas(text, () => {}), parseStanzas(Buffer.from(text), () => {}));
});
