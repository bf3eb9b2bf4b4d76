// Runs every bench/*.bench.ts (or the ones named on the command line), prints their results, and writes the
// sections they return into BENCHMARKS.md (bench/sections.ts): a module exports `run(): Promise<string | void>`.
import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { measuredLine, parseSections, renderSections } from './sections.js';

const dir = dirname(fileURLToPath(import.meta.url));
const target = join(dir, '..', 'BENCHMARKS.md');
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
const sections = parseSections(existsSync(target) ? readFileSync(target, 'utf8') : '');
let changed = 0;
for (const f of files) {
  const name = f.replace(/\.bench\.ts$/, '');
  console.log(`\n== ${name}`);
  const started = measuredLine(new Date());
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { run(): Promise<string | void> };
  const section = await mod.run();
  if (typeof section === 'string' && section.trim() !== '') {
    sections.set(name, `${started}\n\n${section.trim()}`);
    changed++;
  }
}
if (changed > 0) {
  writeFileSync(`${target}.tmp`, renderSections(sections));
  renameSync(`${target}.tmp`, target);
  console.log(`\nBENCHMARKS.md: ${changed} section(s) written`);
}
