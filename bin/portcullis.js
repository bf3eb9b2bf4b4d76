#!/usr/bin/env node
// Entry point: runs the bundled CLI when built (dist/bundle, scripts/bundle.mjs), else tsc's output
// (dist/cli), else the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const built = [join(root, 'dist', 'bundle', 'main.js'), join(root, 'dist', 'cli', 'main.js')].find((p) => existsSync(p));
if (built) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
}
