import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { sharedOrSkip } from '../../../core/shared.js';
import type { Analyzer, EntryInfo, Package } from '../../../core/types.js';
import { makeElf, makeMacho, makePe } from '../binfmt/testdata/synth.js';
import { runOn } from '../testimage.js';
import { cargoLockAnalyzer, rustBinaryAnalyzer } from './index.js';

const here = dirname(fileURLToPath(import.meta.url));
const layer = { index: 1, diffId: 'sha256:' + '1'.repeat(64) };
const LOCKS = 'fixtures/third-party/packages/lockfiles/rust/cargo';

async function run(an: Analyzer, path: string, content: Buffer): Promise<{ pkgs: Package[]; warnings: string[] }> {
  const { pkgs, warnings } = await runOn(an, path, content, layer, 0o755);
  return { pkgs, warnings };
}
const brief = (ps: Package[]): string[] => ps.map((p) => `${p.name}@${p.version}`);

const NORMAL = [
  'idna@0.1.5',
  'libc@0.2.54',
  'matches@0.1.8',
  'normal@0.1.0',
  'percent-encoding@1.0.1',
  'typemap@0.3.3',
  'unsafe-any@0.4.2',
  'url@1.7.2',
];

test('required: Cargo.lock by name; binaries by execute bit', () => {
  const e: EntryInfo = { path: '/x', type: 'file', size: 5000, mode: 0o644 };
  assert.equal(cargoLockAnalyzer.required('/src/app/Cargo.lock', e), true);
  assert.equal(cargoLockAnalyzer.required('/src/app/Cargo.lock.bak', e), false);
  assert.equal(cargoLockAnalyzer.required('/src/app/NotCargo.lock', e), false);
  assert.equal(cargoLockAnalyzer.required('/root/.cargo/registry/src/index.crates.io-6f17d22bba15001f/serde-1.0.0/Cargo.lock', e), false);
  assert.equal(cargoLockAnalyzer.required('/root/.cargo/git/checkouts/x-123/abc/Cargo.lock', e), false);
  assert.equal(rustBinaryAnalyzer.required('/usr/bin/app', { ...e, mode: 0o755 }), true);
  assert.equal(rustBinaryAnalyzer.required('/usr/bin/app', e), false);
});

test('real: cargo_normal.lock (v1 with [metadata] checksums) and cargo_mixed.lock (reordered, """ strings)', async (t) => {
  for (const f of ['cargo_normal.lock', 'cargo_mixed.lock']) {
    const p = sharedOrSkip(t, `${LOCKS}/${f}`);
    if (!p) return;
    const { pkgs, warnings } = await run(cargoLockAnalyzer, '/src/Cargo.lock', readFileSync(p));
    assert.deepEqual(brief(pkgs), NORMAL, f);
    assert.deepEqual(warnings, []);
    const normal = pkgs.find((x) => x.name === 'normal');
    assert.equal(normal?.metadata?.source, 'local', 'the workspace root has no source');
    assert.equal(pkgs.find((x) => x.name === 'libc')?.metadata?.source, 'registry+https://github.com/rust-lang/crates.io-index');
    assert.equal(pkgs.find((x) => x.name === 'url')?.purl, 'pkg:cargo/url@1.7.2');
    assert.equal(normal?.metadata?.lockVersion, '1');
  }
});

test('real: cargo_v3.lock (two versions of memchr and regex-syntax)', async (t) => {
  const p = sharedOrSkip(t, `${LOCKS}/cargo_v3.lock`);
  if (!p) return;
  const { pkgs } = await run(cargoLockAnalyzer, '/Cargo.lock', readFileSync(p));
  assert.deepEqual(brief(pkgs), [
    'aho-corasick@0.7.20',
    'app@0.1.0',
    'libc@0.2.140',
    'memchr@1.0.2',
    'memchr@2.5.0',
    'regex@1.7.3',
    'regex-syntax@0.5.6',
    'regex-syntax@0.6.29',
    'ucd-util@0.1.10',
  ]);
  assert.ok(pkgs.every((x) => x.metadata?.lockVersion === '3' && x.foundBy === 'cargo-lock' && x.type === 'cargo'));
});

test('real: cargo_invalid.lock (`version =` with no value) → one warning, no packages', async (t) => {
  const p = sharedOrSkip(t, `${LOCKS}/cargo_invalid.lock`);
  if (!p) return;
  const { pkgs, warnings } = await run(cargoLockAnalyzer, '/Cargo.lock', readFileSync(p));
  assert.deepEqual(pkgs, []);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /not valid TOML: line 10/);
});

test('v4 lock with sparse registry, git source and path dependency; v1 [root]', async () => {
  const { pkgs, warnings } = await run(cargoLockAnalyzer, '/Cargo.lock', readFileSync(join(here, 'testdata', 'v4.Cargo.lock')));
  assert.deepEqual(warnings, []);
  assert.deepEqual(brief(pkgs), ['app@0.3.0', 'local-helper@0.1.0', 'serde@1.0.203', 'tokio@1.38.0']);
  const by = (n: string): Package | undefined => pkgs.find((x) => x.name === n);
  assert.equal(by('tokio')?.metadata?.source, 'git+https://github.com/tokio-rs/tokio?tag=tokio-1.38.0#abc123');
  assert.equal(by('serde')?.metadata?.source, 'sparse+https://index.crates.io/');
  assert.equal(by('local-helper')?.metadata?.source, 'local');
  assert.equal(by('app')?.metadata?.lockVersion, '4');
  const old = await run(cargoLockAnalyzer, '/Cargo.lock', Buffer.from('[root]\nname = "oldapp"\nversion = "0.0.1"\n\n[[package]]\nname = "x"\n'));
  assert.deepEqual(brief(old.pkgs), ['oldapp@0.0.1']);
  assert.match(old.warnings[0] ?? '', /1 \[\[package\]\] entry without name or version/);
});

test('hostile Cargo.lock: binary junk, wrong types, empty', async () => {
  assert.equal((await run(cargoLockAnalyzer, '/Cargo.lock', Buffer.from([0xff, 0, 0x5b, 0x5b]))).warnings.length, 1);
  const r = await run(cargoLockAnalyzer, '/Cargo.lock', Buffer.from('package = 3\n'));
  assert.deepEqual(r, { pkgs: [], warnings: [] });
  assert.deepEqual(await run(cargoLockAnalyzer, '/Cargo.lock', Buffer.alloc(0)), { pkgs: [], warnings: [] });
});

test('real: cargo-auditable.elf .dep-v0', async (t) => {
  const p = sharedOrSkip(t, 'fixtures/third-party/packages/rust/cargo-auditable.elf');
  if (!p) return;
  // python3 -c 'zlib.decompress(section .dep-v0)': crate_with_features 0.1.0 (root, local) → library_crate 0.1.0 (local)
  const { pkgs, warnings } = await run(rustBinaryAnalyzer, '/usr/bin/crate_with_features', readFileSync(p));
  assert.deepEqual(warnings, []);
  assert.deepEqual(brief(pkgs), ['crate_with_features@0.1.0', 'library_crate@0.1.0']);
  assert.equal(pkgs[0]?.metadata?.root, 'true');
  assert.equal(pkgs[0]?.metadata?.source, 'local');
  assert.equal(pkgs[1]?.purl, 'pkg:cargo/library_crate@0.1.0');
  assert.equal(pkgs[1]?.foundBy, 'rust-binary');
});

const DEPS = {
  packages: [
    { name: 'app', version: '1.0.0', source: 'local', dependencies: [1, 2], root: true },
    { name: 'serde', version: '1.0.203', source: 'crates.io' },
    { name: 'cc', version: '1.0.99', source: 'crates.io', kind: 'build' },
    { name: 'noversion', source: 'crates.io' },
  ],
};

test('.dep-v0 in ELF, PE and Mach-O; build dependencies are marked dev', async () => {
  const z = deflateSync(Buffer.from(JSON.stringify(DEPS)));
  const bins = {
    elf: makeElf([{ name: '.dep-v0', vaddr: 0x9000, data: z }]),
    pe: makePe([{ name: '.dep-v0', vaddr: 0x409000, data: z }]),
    macho: makeMacho([{ name: '__dep_v0', segname: '__DATA', vaddr: 0x9000, data: z }]),
  };
  for (const [fmt, bin] of Object.entries(bins)) {
    const { pkgs, warnings } = await run(rustBinaryAnalyzer, '/b', bin);
    assert.deepEqual(brief(pkgs), ['app@1.0.0', 'cc@1.0.99', 'serde@1.0.203'], fmt);
    assert.equal(pkgs[1]?.dev, true);
    assert.equal(pkgs[1]?.metadata?.kind, 'build');
    assert.equal(pkgs[2]?.dev, undefined);
    assert.equal(warnings.length, 1, 'the entry without a version is reported');
  }
});

test('hostile .dep-v0: inflates past the limit, not zlib, not JSON, no packages array', async () => {
  // 64 MiB of JSON whitespace compresses to ~64 KiB; the reader stops at 8 MiB
  const bomb = deflateSync(Buffer.concat([Buffer.from('{"packages":['), Buffer.alloc(64 * 1024 * 1024, 0x20), Buffer.from(']}')]), { level: 9 });
  assert.ok(bomb.length < 100 * 1024);
  const cases: [Buffer, RegExp][] = [
    [bomb, /inflates to more than 8388608 bytes/],
    [Buffer.from('definitely not zlib'), /not valid zlib/],
    [deflateSync(Buffer.from('{"packages": [')), /not valid JSON/],
    [deflateSync(Buffer.from('{"crates": []}')), /no "packages" array/],
    [deflateSync(Buffer.from('null')), /no "packages" array/],
  ];
  for (const [data, re] of cases) {
    const { pkgs, warnings } = await run(rustBinaryAnalyzer, '/b', makeElf([{ name: '.dep-v0', vaddr: 0x9000, data }]));
    assert.deepEqual(pkgs, []);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, re);
  }
  // a binary without the section is just not auditable: no warning
  assert.deepEqual(await run(rustBinaryAnalyzer, '/b', makeElf([{ name: '.data', vaddr: 0x9000, data: Buffer.alloc(64) }])), { pkgs: [], warnings: [] });
  assert.deepEqual(await run(rustBinaryAnalyzer, '/b', Buffer.from('#!/bin/sh\n'.repeat(200))), { pkgs: [], warnings: [] });
});

test('a Rust binary without .dep-v0 gets a warning; a non-Rust binary does not', async () => {
  const rust = makeElf([{ name: '.rodata', vaddr: 0x9000, data: Buffer.from('called `Option::unwrap()`/rustc/9b00956e56009bab2aa15d7bff10916599e3d6d6/library/core/src/option.rs\0') }]);
  const r = await run(rustBinaryAnalyzer, '/usr/bin/rg', rust);
  assert.deepEqual(r.pkgs, []);
  assert.match(r.warnings[0] ?? '', /Rust binary without cargo-auditable dependency data/);
  const other = makeElf([{ name: '.rodata', vaddr: 0x9000, data: Buffer.from('see /rustc/ for details\0') }]);
  assert.deepEqual(await run(rustBinaryAnalyzer, '/usr/bin/x', other), { pkgs: [], warnings: [] });
});
