// Writes docs/cli.md from the command definitions: node --import tsx scripts/gen-cli-docs.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../src/cli/program.js';
import { renderCliDocs } from '../src/cli/docs.js';
import { captureIo } from '../src/cli/testio.js';

const { io } = captureIo('2026-01-01T00:00:00Z');
const target = fileURLToPath(new URL('../docs/cli.md', import.meta.url));
writeFileSync(target, renderCliDocs(await buildProgram(io)));
console.log(`wrote ${target}`);
