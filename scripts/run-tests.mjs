#!/usr/bin/env node
// Runs every *.test.ts under src/ and test/ with Node's built-in test runner (TypeScript via tsx).
// Usage: node scripts/run-tests.mjs [path-prefix ...]   (prefixes narrow the set, e.g. src/versioning)
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir, out) {
  let names;
  try { names = readdirSync(dir); } catch { return out; }
  for (const name of names.sort()) {
    if (name === 'node_modules' || name === 'testdata' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) collect(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const prefixes = process.argv.slice(2);
const files = [...collect('src', []), ...collect('test', [])]
  .filter((f) => prefixes.length === 0 || prefixes.some((p) => f.startsWith(p)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
