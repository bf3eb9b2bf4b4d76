// The OpenAPI 3.1 document, generated from the route table's schemas (docs/openapi.json is this,
// committed; a test checks it is current and valid).
import { ROUTES } from './routes.js';
import { PUBLIC_ROUTES } from '../oidc/routes.js';
import type { JsonSchema } from './route.js';

const errorSchema = { type: 'object', required: ['error'], properties: { error: { type: 'string' }, requestId: { type: 'string' } } };

function parameters(where: 'path' | 'query', s: JsonSchema | undefined): unknown[] {
  if (!s) return [];
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((s.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, schema]) => ({ name, in: where, required: where === 'path' || required.has(name), schema }));
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const path = r.url.replace(/:([A-Za-z]+)/g, '{$1}');
    const ok = String(r.status ?? 200);
    const responses: Record<string, unknown> = {
      [ok]: { description: 'success', content: { 'application/json': { schema: { type: 'object' } } } },
      '400': { description: 'invalid request', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      '401': { description: 'no token, or an unknown, expired or revoked one', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      '403': { description: `the token's role or pipeline scope does not allow this (allowed roles: ${r.roles.join(', ')})`, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      '429': { description: 'rate limit exceeded', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    };
    if (r.params) responses['404'] = { description: 'not found', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    const op: Record<string, unknown> = {
      operationId: `${r.method.toLowerCase()}${path.replace(/^\/api\/v1/, '').replace(/[{}]/g, '').split(/[/_-]/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')}`,
      summary: r.summary,
      tags: [r.tag],
      'x-roles': [...r.roles],
      security: [{ bearer: [] }],
      parameters: [...parameters('path', r.params), ...parameters('query', r.query)],
      responses,
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: r.body } } };
    (paths[path] ??= {})[r.method.toLowerCase()] = op;
  }
  // the login routes need no token and give no data (a redirect, or whether SSO is on)
  for (const r of PUBLIC_ROUTES) {
    const responses = Object.fromEntries(
      Object.entries(r.responses).map(([status, description]) => [
        status,
        status === '200'
          ? { description, content: { 'application/json': { schema: { type: 'object' } } } }
          : status === '302' || status === '303'
            ? { description, headers: { location: { schema: { type: 'string' } } } }
            : { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } }, 'text/html': { schema: { type: 'string' } } } },
      ]),
    );
    const query = r.url.endsWith('/callback')
      ? ['code', 'state', 'error', 'error_description'].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } }))
      : [];
    (paths[r.url] ??= {}).get = {
      operationId: `get${r.url.replace(/^\/api\/v1/, '').split(/[/_-]/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')}`,
      summary: r.summary,
      tags: ['auth'],
      security: [],
      parameters: query,
      responses,
    };
  }
  const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    openapi: '3.1.0',
    info: { title: 'Portcullis assurance server', version: '1', description: 'Policies, exceptions, allowlist, base catalog, pipelines, scan reports and decisions. Authenticate with `Authorization: Bearer <token>`.' },
    paths: sorted,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API token (portcullis server token create)' } },
      schemas: { Error: errorSchema },
    },
  };
}
