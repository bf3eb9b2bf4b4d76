// Writes docs/openapi.json from the route table: `npx tsx src/server/api/openapi-export.ts`
// (api/openapi.test.ts fails when the committed file is not current).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../core/shared.js';
import { openApiDocument } from './openapi.js';

export const OPENAPI_FILE = join(REPO_ROOT, 'docs', 'openapi.json');

export function renderOpenApi(): string {
  return JSON.stringify(openApiDocument(), null, 2) + '\n';
}

if (process.argv[1] && /openapi-export\.ts$/.test(process.argv[1])) {
  writeFileSync(OPENAPI_FILE, renderOpenApi());
  console.log(`wrote ${OPENAPI_FILE}`);
}
