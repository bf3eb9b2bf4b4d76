// Generates the published JSON Schemas (docs/schemas/*.schema.json) from the zod schemas, for editor
// completion (yaml-language-server: `# yaml-language-server: $schema=...`) and other tools.
// Regenerate: npx tsx src/policy/schema-export.ts   (a test fails when the committed files are stale)
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { REPO_ROOT } from '../core/shared.js';
import { exceptionsSchema, policySchema } from './schema.js';

export const SCHEMA_DIR = join(REPO_ROOT, 'docs', 'schemas');
const BASE = 'https://portcullis.dev/schemas/v1/';

function generate(schema: z.ZodType, file: string, title: string): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const out = { $schema: json.$schema, $id: BASE + file, title, ...json };
  return JSON.stringify(out, null, 2) + '\n';
}

/** file name → content of every published schema. */
export function jsonSchemas(): Record<string, string> {
  return {
    'assurance-policy.schema.json': generate(policySchema, 'assurance-policy.schema.json', 'Portcullis AssurancePolicy (portcullis/v1)'),
    'exceptions.schema.json': generate(exceptionsSchema, 'exceptions.schema.json', 'Portcullis Exceptions and allowlist (portcullis/v1)'),
  };
}

export function writeJsonSchemas(dir = SCHEMA_DIR): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const [name, text] of Object.entries(jsonSchemas())) {
    writeFileSync(join(dir, name), text);
    files.push(join(dir, name));
  }
  return files;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const f of writeJsonSchemas()) console.log(`wrote ${f}`);
}
