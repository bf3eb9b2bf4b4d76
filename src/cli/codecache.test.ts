// Training code caches (codecache.ts): the bundle's CLI runs in-process on each training run, then each file
// that ran gets a cache holding what those runs compiled; a run that ends otherwise than expected fails
// the training and no cache is written. That the bundle a user runs takes its trained cache in a fresh
// process is test/startup.test.ts's.
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainCodeCaches } from './codecache.js';
import { runModule, writeCodeCache } from './launch.js';

async function withBundle(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-codecache-'));
  try {
    // a function large enough that its bytecode shows in the cache's size, called only by runCli
    const body = Array.from({ length: 300 }, (_, i) => `  total += String(n * ${i + 1}).length;`).join('\n');
    writeFileSync(
      join(dir, 'cli.cjs'),
      `function work(n) {\n  let total = 0;\n${body}\n  return total;\n}\n` +
        `exports.runCli = async (argv, io) => {\n` +
        `  if (argv[0] === 'fail') { io.stderr.write('portcullis: no such image: x.tar\\n'); return 2; }\n` +
        `  if (argv[0] === 'policy') return require('yaml').parse('a: 1').a;\n` +
        `  io.stdout.write(String(work(argv.length)) + io.env.PORTCULLIS_CACHE_DIR);\n  return 0;\n};\n`,
    );
    writeFileSync(join(dir, 'vendor-yaml.cjs'), 'exports.parse = (s) => ({ a: Number(s.split(": ")[1]) });');
    writeFileSync(join(dir, 'vendor-zod.cjs'), 'exports.never = true;');
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('each file the runs ran gets a cache holding what they compiled, that the launcher then takes', async () => {
  await withBundle(async (dir) => {
    const cli = join(dir, 'cli.cjs');
    writeCodeCache(cli);
    const untrained = statSync(`${cli}.v8`).size;
    const files = await trainCodeCaches(dir, [{ argv: ['sbom', 'x.tar'] }, { argv: ['policy'], codes: [1] }], { PORTCULLIS_CACHE_DIR: '/nowhere' });
    assert.deepEqual(files, [cli, join(dir, 'vendor-yaml.cjs')]);
    // work() was compiled by the run, so its bytecode is in the cache now
    assert.ok(statSync(`${cli}.v8`).size > untrained + 2000, `${untrained} -> ${statSync(`${cli}.v8`).size} bytes`);
    assert.ok(existsSync(join(dir, 'vendor-yaml.cjs.v8')));
    assert.ok(!existsSync(join(dir, 'vendor-zod.cjs.v8')), 'a package no run loaded gets no cache');
    const again = runModule(cli);
    assert.equal(again.use, 'accepted');
    // the cache starts with the sha256 of the text it was made from, as launch.ts checks
    assert.deepEqual(readFileSync(`${cli}.v8`).subarray(0, 32), createHash('sha256').update(readFileSync(cli)).digest());
    writeFileSync(cli, readFileSync(cli, 'utf8') + '\n// edited\n');
    assert.equal(runModule(cli).use, 'stale');
  });
});

test('a run that ends otherwise than expected fails the training with its stderr, and writes no cache', async () => {
  await withBundle(async (dir) => {
    await assert.rejects(trainCodeCaches(dir, [{ argv: ['sbom'] }, { argv: ['fail'] }], {}), /`portcullis fail` ended with 2, not 0: portcullis: no such image: x\.tar/);
    assert.ok(!existsSync(join(dir, 'cli.cjs.v8')));
    await assert.rejects(trainCodeCaches(dir, [{ argv: ['policy'] }], {}), /ended with 1, not 0/);
  });
});

test('a bundle without runCli is refused', async () => {
  await withBundle(async (dir) => {
    writeFileSync(join(dir, 'cli.cjs'), 'exports.other = 1;');
    await assert.rejects(trainCodeCaches(dir, [], {}), /exports no runCli/);
  });
});
