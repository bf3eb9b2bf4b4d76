// Official JSON Schemas, as shipped in npm packages (dev dependencies), for validating our output in tests.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { sharedPath } from '../core/shared.js';

const require = createRequire(import.meta.url);

function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

export function sarifSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(packageDir('@microsoft/jest-sarif'), 'lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
}

export function cyclonedxSchemaDir(): string {
  return join(packageDir('@cyclonedx/cyclonedx-library'), 'res/schema');
}

export interface Validator {
  (doc: unknown): boolean;
  errors?: unknown[] | null;
}

/** A validator for SARIF 2.1.0 (a draft-04 schema; formats checked with ajv-formats). */
export function sarifValidator(): Validator {
  type AjvCtor = new (opts: Record<string, unknown>) => { compile(schema: unknown): Validator };
  const mod = require('ajv-draft-04') as AjvCtor | { default: AjvCtor };
  const Ajv04 = 'default' in mod ? mod.default : mod;
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  const formats = require('ajv-formats') as ((a: unknown) => void) | { default: (a: unknown) => void };
  ('default' in formats ? formats.default : formats)(ajv);
  return ajv.compile(sarifSchema());
}

/** A validator for CycloneDX 1.6 JSON (draft-07 schema with its SPDX and JSF companions). */
export function cyclonedxValidator(): Validator {
  type AjvCtor = new (opts: Record<string, unknown>) => { addSchema(s: unknown, key?: string): unknown; compile(schema: unknown): Validator };
  const mod = require('ajv') as AjvCtor | { default: AjvCtor };
  const Ajv = 'default' in mod ? mod.default : mod;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const formats = require('ajv-formats') as ((a: unknown) => void) | { default: (a: unknown) => void };
  ('default' in formats ? formats.default : formats)(ajv);
  const dir = cyclonedxSchemaDir();
  const load = (n: string) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as Record<string, unknown>;
  // bom-1.6 refers to its companions by these relative names
  for (const n of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json', 'cryptography-defs.SNAPSHOT.schema.json']) {
    const schema = load(n);
    delete schema.$id;
    ajv.addSchema(schema, `http://cyclonedx.org/schema/${n}`);
  }
  return ajv.compile(load('bom-1.6.SNAPSHOT.schema.json'));
}

/** The official SPDX 2.3 JSON Schema (draft-07), from ../shared/schemas (spdx/spdx-spec `support/2.3`). */
export const SPDX_SCHEMA = 'schemas/spdx-2.3.schema.json';

/** A validator for SPDX 2.3 JSON documents; `schemaPath` defaults to the shared copy of the official schema. */
export function spdxValidator(schemaPath = sharedPath(SPDX_SCHEMA)): Validator {
  type AjvCtor = new (opts: Record<string, unknown>) => { compile(schema: unknown): Validator };
  const mod = require('ajv') as AjvCtor | { default: AjvCtor };
  const Ajv = 'default' in mod ? mod.default : mod;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const formats = require('ajv-formats') as ((a: unknown) => void) | { default: (a: unknown) => void };
  ('default' in formats ? formats.default : formats)(ajv);
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
  return ajv.compile(schema);
}

/** A validator for GitLab's container scanning report (draft-07), from the schema copy in report/gitlab/testdata. */
export function gitlabValidator(): Validator {
  type AjvCtor = new (opts: Record<string, unknown>) => { compile(schema: unknown): Validator };
  const mod = require('ajv') as AjvCtor | { default: AjvCtor };
  const Ajv = 'default' in mod ? mod.default : mod;
  const ajv = new Ajv({ allErrors: true, strict: false });
  const file = new URL('./gitlab/testdata/container-scanning-report-format-15.0.7.json', import.meta.url);
  return ajv.compile(JSON.parse(readFileSync(file, 'utf8')));
}
