#!/usr/bin/env node
// Entry point: runs the bundled CLI when built (dist/bundle, scripts/bundle.mjs), else tsc's output
// (dist/cli), else the TypeScript sources through tsx. CommonJS (bin/package.json), as is the bundle's
// launcher: Node starts a CommonJS entry ~10 ms sooner than an ES module, and `--version` is little more.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const bundled = join(root, 'dist', 'bundle', 'main.cjs');
if (existsSync(bundled)) {
  require(bundled);
} else {
  const { pathToFileURL } = require('node:url');
  const compiled = join(root, 'dist', 'cli', 'main.js');
  // a failure to load is an unhandled rejection: Node prints it and exits 1, as a failed top-level await did
  if (existsSync(compiled)) import(pathToFileURL(compiled).href);
  else
    import('tsx/esm/api').then(({ register }) => {
      register();
      return import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
    });
}
