import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { REPO_ROOT } from '../core/shared.js';
import { SCHEMA_DIR, jsonSchemas } from './schema-export.js';

test('committed JSON Schemas are up to date (regenerate: npx tsx src/policy/schema-export.ts)', () => {
  for (const [name, text] of Object.entries(jsonSchemas())) {
    const committed = readFileSync(join(SCHEMA_DIR, name), 'utf8');
    assert.equal(committed, text, `${name} is stale`);
  }
});

test('the examples validate against the JSON Schemas; bad documents do not', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  const schemas = jsonSchemas();
  const policy = ajv.compile(JSON.parse(schemas['assurance-policy.schema.json']!));
  const exceptions = ajv.compile(JSON.parse(schemas['exceptions.schema.json']!));
  for (const f of ['examples/policies/production.yaml', 'examples/policies/dev.yaml']) {
    for (const d of parseAllDocuments(readFileSync(join(REPO_ROOT, f), 'utf8'))) {
      assert.ok(policy(d.toJS()), `${f}: ${JSON.stringify(policy.errors)}`);
    }
  }
  const exc = parseAllDocuments(readFileSync(join(REPO_ROOT, 'examples/exceptions/orders-api.yaml'), 'utf8'));
  for (const d of exc) assert.ok(exceptions(d.toJS()), JSON.stringify(exceptions.errors));
  const bad = { apiVersion: 'portcullis/v1', kind: 'AssurancePolicy', metadata: { name: 'x' }, spec: { controls: { vulnerabilities: { failOn: 'hihg' }, firewall: {} } } };
  assert.equal(policy(bad), false);
  assert.equal(exceptions({ apiVersion: 'portcullis/v1', kind: 'Exceptions', exceptions: [{ id: 'a', finding: 'b', scope: { all: true }, expires: '31/12/2026', reason: 'r', owner: 'o' }] }), false);
});
