#!/usr/bin/env node
// Removes from an installed package tree (DIR/node_modules) every package not reachable from DIR's
// package.json dependencies at run time: install-time tooling (better-sqlite3's prebuild-install and its
// dependency tree, used only to fetch or build the native binding) does not belong in the image.
// Usage: node scripts/prune-runtime.mjs DIR   (prints what it removed)
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const INSTALL_ONLY = new Set(['prebuild-install']);
const root = process.argv[2];
if (!root || !existsSync(join(root, 'package.json'))) {
  console.error('prune-runtime: usage: node scripts/prune-runtime.mjs DIR (with DIR/package.json)');
  process.exit(2);
}
const deps = (dir) => {
  const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return Object.keys({ ...p.dependencies, ...p.optionalDependencies }).filter((d) => !INSTALL_ONLY.has(d));
};
/** Node's resolution: DIR/node_modules/NAME, then each parent's node_modules up to the root. */
function resolve(from, name) {
  for (let dir = from; ; dir = dirname(dir)) {
    const c = join(dir, 'node_modules', name);
    if (existsSync(join(c, 'package.json'))) return c;
    if (dir === root || relative(root, dir).startsWith('..')) return undefined;
  }
}
const reached = new Set();
const queue = [root];
while (queue.length > 0) {
  const dir = queue.pop();
  for (const d of deps(dir)) {
    const at = resolve(dir, d);
    if (at && !reached.has(at)) {
      reached.add(at);
      queue.push(at);
    }
  }
}
function packages(nm) {
  if (!existsSync(nm)) return [];
  return readdirSync(nm).filter((n) => !n.startsWith('.')).flatMap((n) => (n.startsWith('@') ? readdirSync(join(nm, n)).map((s) => join(nm, n, s)) : [join(nm, n)]));
}
function sweep(nm) {
  for (const p of packages(nm)) {
    if (!reached.has(p)) {
      rmSync(p, { recursive: true, force: true });
      console.log(`removed ${relative(root, p)}`);
    } else sweep(join(p, 'node_modules'));
  }
}
sweep(join(root, 'node_modules'));
