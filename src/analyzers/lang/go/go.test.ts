import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedOrSkip } from '../../../core/shared.js';
import type { EntryInfo, Package } from '../../../core/types.js';
import { extractFromImage } from '../binfmt/testdata/image.js';
import { inlineBuildInfo, makeElf, makeMacho, makePe, pointerBuildInfo } from '../binfmt/testdata/synth.js';
import { runOn } from '../testimage.js';
import { readGoBuildInfo } from './buildinfo.js';
import { goBinaryAnalyzer, goModAnalyzer, golangPurl, stdlibVersion } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const layer = { index: 0, diffId: 'sha256:' + '0'.repeat(64) };

async function run(an: typeof goBinaryAnalyzer, path: string, content: Buffer): Promise<{ pkgs: Package[]; warnings: string[] }> {
  const { pkgs, warnings } = await runOn(an, path, content, layer, 0o755);
  return { pkgs, warnings };
}

const brief = (ps: Package[]): string[] => ps.map((p) => `${p.name}@${p.version}`);

const MOD = [
  'path\texample.com/app/cmd/app',
  'mod\texample.com/app\tv1.2.3\th1:abc=',
  'dep\tgithub.com/pkg/errors\tv0.9.1\th1:x=',
  'dep\tgolang.org/x/net\tv0.0.1\th1:y=',
  '=>\tgithub.com/fork/net\tv0.7.0\th1:z=',
  'dep\texample.com/local\tv1.0.0',
  '=>\t../local\t',
  'build\t-ldflags="-s -w -X main.version=9.9.9"',
  'build\tGOOS=linux',
  '',
].join('\n');

test('purls and stdlib versions', () => {
  assert.equal(golangPurl('github.com/tianon/gosu', 'v1.14'), 'pkg:golang/github.com/tianon/gosu@v1.14');
  assert.equal(golangPurl('stdlib', 'go1.19.8'), 'pkg:golang/stdlib@go1.19.8');
  assert.equal(golangPurl('github.com/a/b/v2', 'v2.0.1'), 'pkg:golang/github.com/a/b/v2@v2.0.1');
  assert.equal(stdlibVersion('go1.22.1 X:boringcrypto'), 'go1.22.1');
  assert.equal(stdlibVersion('go1.21rc2'), 'go1.21rc2');
});

test('required: executables of plausible size and .exe files only', () => {
  const e = (mode: number, size: number, type: EntryInfo['type'] = 'file'): EntryInfo => ({ path: '/x', type, size, mode });
  assert.equal(goBinaryAnalyzer.required('/usr/bin/x', e(0o755, 5000)), true);
  assert.equal(goBinaryAnalyzer.required('/usr/bin/x', e(0o644, 5000)), false);
  assert.equal(goBinaryAnalyzer.required('/app/x.exe', e(0o644, 5000)), true);
  assert.equal(goBinaryAnalyzer.required('/usr/bin/x', e(0o755, 100)), false);
  // selected by path and mode only: a huge executable is the walker's file-too-large gap, never silently skipped
  assert.equal(goBinaryAnalyzer.required('/usr/bin/x', e(0o755, 300 * 1024 * 1024)), true);
  assert.equal(goBinaryAnalyzer.maxFileBytes, 256 * 1024 * 1024);
  assert.equal(goModAnalyzer.required('/src/go.mod', e(0o644, 300 * 1024 * 1024)), true);
  assert.equal(goModAnalyzer.maxFileBytes, 4 * 1024 * 1024);
  assert.equal(goBinaryAnalyzer.required('/usr/bin/x', e(0o777, 5000, 'symlink')), false);
  assert.equal(goModAnalyzer.required('/src/go.mod', e(0o644, 100)), true);
  assert.equal(goModAnalyzer.required('/root/go/pkg/mod/github.com/a/b@v1.0.0/go.mod', e(0o644, 100)), false);
  assert.equal(goModAnalyzer.required('/src/vendor/github.com/a/b/go.mod', e(0o644, 100)), false);
  assert.equal(goModAnalyzer.required('/usr/local/go/src/cmd/go/testdata/x/go.mod', e(0o644, 100)), false);
  assert.equal(goModAnalyzer.required('/src/go.mod.orig', e(0o644, 100)), false);
});

test('inline format in ELF, PE and Mach-O: main module, deps, replacements, stdlib', async () => {
  const info = inlineBuildInfo('go1.21.5', MOD);
  const bins = {
    elf: makeElf([{ name: '.go.buildinfo', vaddr: 0x500000, data: info, writable: true }]),
    pe: makePe([{ name: '.data', vaddr: 0x500000, data: info, writable: true }]),
    macho: makeMacho([{ name: '__go_buildinfo', segname: '__DATA', vaddr: 0x500000, data: info, writable: true }]),
  };
  for (const [fmt, bin] of Object.entries(bins)) {
    const { pkgs, warnings } = await run(goBinaryAnalyzer, `/app/${fmt}`, bin);
    assert.deepEqual(brief(pkgs), ['example.com/app@v1.2.3', 'github.com/fork/net@v0.7.0', 'github.com/pkg/errors@v0.9.1', 'stdlib@go1.21.5'], fmt);
    const fork = pkgs.find((p) => p.name === 'github.com/fork/net');
    assert.equal(fork?.metadata?.replaces, 'golang.org/x/net@v0.0.1');
    assert.equal(fork?.purl, 'pkg:golang/github.com/fork/net@v0.7.0');
    assert.ok(pkgs.every((p) => p.metadata?.goVersion === 'go1.21.5' && p.type === 'golang' && p.foundBy === 'go-binary'));
    assert.equal(pkgs[0]?.confidence, 'high', 'a real mod version beats ldflags');
    assert.deepEqual(pkgs[0]?.locations, [{ path: `/app/${fmt}`, layer }]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /example\.com\/local@v1\.0\.0 is replaced by the local directory \.\.\/local/);
  }
});

test('pointer format (Go < 1.18): 32/64-bit, both byte orders, without section headers', async () => {
  for (const bits of [32, 64] as const) {
    for (const le of [true, false]) {
      const vaddr = 0x80000;
      const info = pointerBuildInfo(vaddr, 'go1.16.15', MOD, (bits / 8) as 4 | 8, le);
      const bin = makeElf(
        [
          { name: '.text', vaddr: 0x10000, data: Buffer.alloc(64, 0x90), executable: true },
          { name: '.data', vaddr, data: info, writable: true },
        ],
        { bits, le, sections: false },
      );
      const r = readGoBuildInfo(bin);
      assert.equal(r.kind, 'found', `${bits} ${le}`);
      if (r.kind === 'found') assert.equal(r.info.format, 'pointer');
      const { pkgs } = await run(goBinaryAnalyzer, '/b', bin);
      assert.deepEqual(brief(pkgs), ['example.com/app@v1.2.3', 'github.com/fork/net@v0.7.0', 'github.com/pkg/errors@v0.9.1', 'stdlib@go1.16.15']);
    }
  }
});

test('(devel) main module: version from -ldflags -X main.version at medium confidence, else a metadata note', async () => {
  const devel = MOD.replace('v1.2.3\th1:abc=', '(devel)\t');
  const { pkgs } = await run(goBinaryAnalyzer, '/b', makeElf([{ name: '.go.buildinfo', vaddr: 0x1000, data: inlineBuildInfo('go1.22.0', devel), writable: true }]));
  const main = pkgs.find((p) => p.name === 'example.com/app');
  assert.equal(main?.version, 'v9.9.9');
  assert.equal(main?.confidence, 'medium');
  assert.equal(main?.metadata?.versionSource, 'ldflags -X main.version');
  const noLd = devel.replace(/build\t-ldflags.*\n/, '');
  const r2 = await run(goBinaryAnalyzer, '/b', makeElf([{ name: '.go.buildinfo', vaddr: 0x1000, data: inlineBuildInfo('go1.22.0', noLd), writable: true }]));
  assert.equal(r2.pkgs.find((p) => p.name === 'example.com/app'), undefined);
  assert.equal(r2.pkgs.find((p) => p.name === 'stdlib')?.metadata?.mainModuleVersion, '(devel)');
});

test('real: test.elf (go1.15.2, pointer format)', async (t) => {
  const p = sharedOrSkip(t, 'fixtures/third-party/packages/go/test.elf');
  if (!p) return;
  const { pkgs, warnings } = await run(goBinaryAnalyzer, '/test.elf', readFileSync(p));
  // strings test.elf | grep -A3 '^mod' — the main module is (devel), no -ldflags
  assert.deepEqual(brief(pkgs), [
    'github.com/aquasecurity/go-pep440-version@v0.0.0-20210121094942-22b2f8951d46',
    'github.com/aquasecurity/go-version@v0.0.0-20210121072130-637058cfe492',
    'golang.org/x/xerrors@v0.0.0-20200804184101-5ec99f83aff1',
    'stdlib@go1.15.2',
  ]);
  assert.deepEqual(warnings, []);
  assert.equal(pkgs[3]?.metadata?.mainModule, 'github.com/aquasecurity/test');
});

test('real: main-version-via-ldflags.elf (go1.22.1)', async (t) => {
  const p = sharedOrSkip(t, 'fixtures/third-party/packages/go/main-version-via-ldflags.elf');
  if (!p) return;
  const { pkgs } = await run(goBinaryAnalyzer, '/m', readFileSync(p));
  assert.deepEqual(brief(pkgs), ['github.com/aquasecurity/test@v1.0.0', 'stdlib@go1.22.1']);
  assert.equal(pkgs[0]?.confidence, 'medium');
  assert.equal(pkgs[0]?.purl, 'pkg:golang/github.com/aquasecurity/test@v1.0.0');
});

test('real: stdlib_pack (arm64 cmd/pack, no module) reports only stdlib', async (t) => {
  const p = sharedOrSkip(t, 'fixtures/third-party/packages/go/stdlib_pack');
  if (!p) return;
  const { pkgs, warnings } = await run(goBinaryAnalyzer, '/pack', readFileSync(p));
  assert.deepEqual(brief(pkgs), ['stdlib@go1.19.1']);
  assert.deepEqual(warnings, [], 'a standard-library command has no third-party code');
  assert.equal(pkgs[0]?.metadata?.mainPath, 'cmd/pack');
});

let gosu: Buffer | undefined;
function gosuBinary(t: { skip(m?: string): void }): Buffer | undefined {
  const img = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!img) return undefined;
  gosu ??= extractFromImage(img, 'usr/sbin/gosu');
  assert.ok(gosu, 'usr/sbin/gosu not found in any layer');
  return gosu;
}

test('real: /usr/sbin/gosu from orders-api (go1.19.8, stripped, built without module info)', async (t) => {
  const bin = gosuBinary(t);
  if (!bin) return;
  // Debian builds gosu in GOPATH mode: the build info has `path github.com/tianon/gosu` and build
  // settings but no `mod`/`dep` lines (xxd of .go.buildinfo), so only stdlib can be reported.
  const { pkgs, warnings } = await run(goBinaryAnalyzer, '/usr/sbin/gosu', bin);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /github\.com\/tianon\/gosu was built without Go module information; its dependencies/);
  assert.deepEqual(brief(pkgs), ['stdlib@go1.19.8']);
  assert.equal(pkgs[0]?.purl, 'pkg:golang/stdlib@go1.19.8');
  assert.equal(pkgs[0]?.metadata?.mainPath, 'github.com/tianon/gosu');
  assert.match(pkgs[0]?.metadata?.mainModuleNote ?? '', /without module information/);
});

test('hostile: truncated build info section → warning, no packages, no throw', async (t) => {
  const bin = gosuBinary(t);
  if (!bin) return;
  // .go.buildinfo is at file offset 0x206000 (readelf -S); cut the file inside the module info string
  for (const cut of [0x206000 + 20, 0x206000 + 40, 0x206000 + 0x60]) {
    const { pkgs, warnings } = await run(goBinaryAnalyzer, '/gosu', bin.subarray(0, cut));
    assert.deepEqual(pkgs, []);
    assert.equal(warnings.length, 1, `cut at ${cut}`);
  }
});

test('hostile: varint length pointing past the end, implausible version, pointer into nowhere', async () => {
  const info = inlineBuildInfo('go1.21.0', MOD);
  const bad = Buffer.from(info);
  bad[32] = 0xff; // version length varint continues…
  bad[33] = 0xff;
  bad[34] = 0x7f; // …to ~2 MB
  let r = await run(goBinaryAnalyzer, '/b', makeElf([{ name: '.go.buildinfo', vaddr: 0x1000, data: bad, writable: true }]));
  assert.deepEqual(r.pkgs, []);
  assert.match(r.warnings[0] ?? '', /truncated/);
  r = await run(goBinaryAnalyzer, '/b', makeElf([{ name: '.go.buildinfo', vaddr: 0x1000, data: inlineBuildInfo('\x01\x02junk', MOD), writable: true }]));
  assert.match(r.warnings[0] ?? '', /implausible/);
  const ptr = pointerBuildInfo(0x9000, 'go1.10', MOD, 8, true);
  ptr.writeBigUInt64LE(0xdead0000n, 16);
  r = await run(goBinaryAnalyzer, '/b', makeElf([{ name: '.go.buildinfo', vaddr: 0x9000, data: ptr, writable: true }]));
  assert.deepEqual(r.pkgs, []);
  assert.match(r.warnings[0] ?? '', /not mapped/);
});

test('hostile: random bytes with ELF magic, section headers out of range, plain non-Go ELF', async () => {
  for (let i = 0; i < 200; i++) {
    const b = Buffer.concat([Buffer.from('7f454c460201', 'hex'), randomBytes(2000 + i)]);
    const { pkgs } = await run(goBinaryAnalyzer, '/r', b);
    assert.deepEqual(pkgs, []);
  }
  const info = inlineBuildInfo('go1.21.0', MOD);
  const bin = makeElf([{ name: '.go.buildinfo', vaddr: 0x1000, data: info, writable: true }]);
  bin.writeBigUInt64LE(0xffff_ffffn, 0x28);
  const { pkgs } = await run(goBinaryAnalyzer, '/r', bin);
  assert.equal(pkgs.length, 4, 'falls back to the data segment when section headers are unusable');
  const plain = makeElf([{ name: '.data', vaddr: 0x1000, data: Buffer.alloc(4096, 7), writable: true }]);
  assert.deepEqual(await run(goBinaryAnalyzer, '/r', plain), { pkgs: [], warnings: [] });
  assert.deepEqual(await run(goBinaryAnalyzer, '/r', Buffer.from('#!/bin/sh\necho hi\n'.repeat(100))), { pkgs: [], warnings: [] });
});

test('go.mod: require blocks, single requires, indirect, replace directives', async () => {
  const content = readFileSync(join(here, 'testdata', 'go.mod'));
  const { pkgs, warnings } = await run(goModAnalyzer, '/src/go.mod', content);
  assert.deepEqual(brief(pkgs), [
    'github.com/fork/yaml@v3.1.0',
    'github.com/google/uuid@v1.6.0',
    'github.com/sirupsen/logrus@v1.9.3',
    'golang.org/x/net@v0.23.0',
    'golang.org/x/sys@v0.18.0',
    'golang.org/x/text@v0.14.0',
  ]);
  const by = (n: string): Package | undefined => pkgs.find((p) => p.name === n);
  assert.equal(by('golang.org/x/sys')?.metadata?.indirect, 'true');
  assert.equal(by('github.com/google/uuid')?.metadata?.indirect, 'false');
  assert.equal(by('github.com/fork/yaml')?.metadata?.replaces, 'gopkg.in/yaml.v3@v3.0.1');
  assert.equal(by('golang.org/x/net')?.metadata?.replaces, 'golang.org/x/net@v0.17.0');
  assert.equal(by('golang.org/x/text')?.metadata?.replaces, undefined, 'versioned replace of another version does not apply');
  assert.equal(by('golang.org/x/text')?.metadata?.mainModule, 'example.com/shop/orders');
  assert.ok(pkgs.every((p) => p.foundBy === 'go-mod' && p.confidence === 'medium'));
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /unparsable/);
  assert.match(warnings[1]!, /example\.com\/internal\/lib@v0\.0\.0 is replaced by the local directory \.\.\/lib/);
});

test('go.mod hostile: binary content, unterminated quotes, empty', async () => {
  assert.deepEqual((await run(goModAnalyzer, '/go.mod', Buffer.from([0, 1, 2, 3]))).pkgs, []);
  const r = await run(goModAnalyzer, '/go.mod', Buffer.from('module x\nrequire "github.com/a/b v1.0.0\nrequire github.com/c/d v1.2.3\n'));
  assert.deepEqual(brief(r.pkgs), ['github.com/c/d@v1.2.3']);
  assert.equal(r.warnings.length, 1);
  assert.deepEqual(await run(goModAnalyzer, '/go.mod', Buffer.alloc(0)), { pkgs: [], warnings: [] });
});

test('UPX-packed executable: warning instead of silence', async () => {
  const packed = makeElf([{ name: '.data', vaddr: 0x1000, data: Buffer.alloc(2048) }]);
  packed.write('UPX!', 0xec, 'latin1');
  const r = await run(goBinaryAnalyzer, '/app/server', packed);
  assert.deepEqual(r.pkgs, []);
  assert.match(r.warnings[0] ?? '', /packed with UPX/);
});
