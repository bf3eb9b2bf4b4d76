// The bundle's launcher (launch.ts): a CommonJS file runs as the module it is, with its code cache when
// the cache was made from that very text and V8 takes it, and from source otherwise (absent, stale,
// truncated or garbage cache); vendored packages run from their own file, once, on first require.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runModule, writeCodeCache, type CodeCacheUse } from './launch.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-launch-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const MAIN = `exports.answer = function answer() { return 6 * 7; };
exports.where = [__filename, __dirname, module.id];
exports.vendor = () => require('vendored-thing');
exports.builtin = require('node:path').sep;`;

test('a file runs as a CommonJS module, with its code cache when made from the same text', () => {
  withDir((dir) => {
    const file = join(dir, 'cli.cjs');
    writeFileSync(file, MAIN);
    const absent = runModule(file);
    assert.equal(absent.use, 'absent');
    const m = absent.exports as { answer: () => number; where: string[]; builtin: string };
    assert.equal(m.answer(), 42);
    assert.deepEqual(m.where, [file, dir, file]);
    assert.equal(m.builtin, '/');
    writeCodeCache(file);
    // (in this process V8 reuses what writeCodeCache compiled; that a fresh process takes the bundle's
    // cache is test/startup.test.ts's)
    const cached = runModule(file);
    assert.equal(cached.use, 'accepted');
    assert.equal((cached.exports as { answer: () => number }).answer(), 42);
  });
});

test('ASCII text (what esbuild writes) and UTF-8 text both run as written, with and without their cache', () => {
  withDir((dir) => {
    for (const [name, body] of [['ascii.cjs', 'exports.s = "caf\\u00e9 \\u{1F600}";'], ['utf8.cjs', 'exports.s = "café 😀";']] as const) {
      const file = join(dir, name);
      writeFileSync(file, body);
      assert.equal((runModule(file).exports as { s: string }).s, 'café 😀', name);
      writeCodeCache(file);
      const cached = runModule(file);
      assert.equal(cached.use, 'accepted', name);
      assert.equal((cached.exports as { s: string }).s, 'café 😀', name);
    }
  });
});

test('a cache made from other text, truncated or garbage is not used, and the file still runs from source', () => {
  withDir((dir) => {
    const file = join(dir, 'cli.cjs');
    writeFileSync(file, MAIN);
    writeCodeCache(file);
    const good = readFileSync(`${file}.v8`);
    // same length, other text: V8 alone would take the old code (it checks the length)
    writeFileSync(file, MAIN.replace('6 * 7', '7 * 7'));
    const stale = runModule(file);
    assert.equal(stale.use, 'stale');
    assert.equal((stale.exports as { answer: () => number }).answer(), 49);
    // each case its own text, never compiled before in this process: V8 keeps what it compiled and would
    // not look at a cache for the same text again (so these caches are made by hand: digest, then bytes)
    const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
    const cases: [(text: string) => Buffer, CodeCacheUse][] = [
      [(text) => digest(text).subarray(0, 20), 'stale'],
      [() => Buffer.alloc(0), 'stale'],
      [(text) => Buffer.concat([digest(`${text} `), Buffer.from('the right length is not enough')]), 'stale'],
      [(text) => Buffer.concat([digest(text), Buffer.from('not a V8 code cache')]), 'rejected'],
      [(text) => Buffer.concat([digest(text), good.subarray(32, 60)]), 'rejected'],
      [(text) => Buffer.concat([digest(text), good.subarray(32)]), 'rejected'],
    ];
    cases.forEach(([spoil, want], i) => {
      const text = `${MAIN}\n// case ${i}`;
      writeFileSync(file, text);
      writeFileSync(`${file}.v8`, spoil(text));
      const r = runModule(file);
      assert.equal(r.use, want, `case ${i}`);
      assert.equal((r.exports as { answer: () => number }).answer(), 42);
    });
  });
});

test('a vendored package runs from its own file on first require, once, and is reported', () => {
  withDir((dir) => {
    const file = join(dir, 'cli.cjs');
    const vendor = join(dir, 'vendor-thing.cjs');
    writeFileSync(file, MAIN);
    writeFileSync(vendor, 'globalThis.__portcullisVendorRuns = (globalThis.__portcullisVendorRuns ?? 0) + 1; module.exports = { name: "thing" };');
    writeCodeCache(vendor);
    const seen: string[] = [];
    const r = runModule(file, new Map([['vendored-thing', vendor]]), (f, use) => seen.push(`${f.slice(dir.length + 1)} ${use}`));
    assert.deepEqual(seen, ['cli.cjs absent'], 'nothing vendored runs before it is required');
    const m = r.exports as { vendor: () => { name: string } };
    assert.equal(m.vendor().name, 'thing');
    assert.equal(m.vendor(), m.vendor());
    assert.deepEqual(seen, ['cli.cjs absent', 'vendor-thing.cjs accepted']);
    assert.equal((globalThis as { __portcullisVendorRuns?: number }).__portcullisVendorRuns, 1);
  });
});

test('a require of a package that is not vendored is Node\'s own', () => {
  withDir((dir) => {
    const file = join(dir, 'cli.cjs');
    writeFileSync(file, 'module.exports = () => require("no-such-package-here");');
    const r = runModule(file);
    assert.throws(() => (r.exports as () => unknown)(), /Cannot find module 'no-such-package-here'/);
  });
});
