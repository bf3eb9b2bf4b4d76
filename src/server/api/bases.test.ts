// Recording a base from an uploaded scan: the entry `base add` would write, appended to the stored
// catalog as a new revision (created when missing), readable by the CLI's catalog parser; refused for
// an image without layers, an unknown scan, or a role that may not edit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCatalog } from '../../baseimage/catalog.js';
import { report, pkg, DIGEST } from '../../policy/testdata/synthetic.js';
import { client, freshStore, movableClock, serverOn, tokenFor, T0 } from '../testkit.js';

const LAYER = 'sha256:' + 'd'.repeat(64);

test('record a base from a scan into a catalog', async (t) => {
  const store = (await freshStore('sqlite', 'bases'))!;
  const srv = await serverOn(store, movableClock(T0), { rateLimit: 0 });
  t.after(() => srv.close());
  const sec = client(srv, await tokenFor(store, 'security', [], 'alice'));
  const ci = client(srv, await tokenFor(store, 'ci', ['prod-*'], 'ci'));
  const viewer = client(srv, await tokenFor(store, 'viewer', [], 'vic'));
  const withLayers = report({ packages: [pkg({ name: 'curl' })] });
  withLayers.inventory.image.config.diffIds = [LAYER];
  const id = (await ci('POST', '/api/v1/reports', { pipeline: 'prod-base', report: withLayers })).json.id as string;
  const noLayers = (await ci('POST', '/api/v1/reports', { pipeline: 'prod-base', report: report() })).json.id as string;

  const first = await sec('POST', '/api/v1/catalogs/base-catalog/bases', { scanId: id });
  assert.equal(first.status, 201, first.text);
  assert.equal(first.json.revision, 1);
  assert.equal(first.json.base, `registry.example.com/shop/orders-api:1.4.2@${DIGEST}`);
  assert.equal(first.json.replaced, false);
  assert.equal(first.json.file, 'catalogs/base-catalog.yaml');
  const second = await sec('POST', '/api/v1/catalogs/base-catalog/bases', { scanId: id, base: 'corp/base:1', approved: false, note: 'internal base' });
  assert.equal(second.json.revision, 2);
  const bases = second.json.document.bases as { name: string; approved: boolean; layers: string[]; note?: string; addedAt: string }[];
  assert.deepEqual(
    bases.map((b) => [b.name, b.approved, b.layers, b.note, b.addedAt]),
    [
      ['docker.io/corp/base:1', false, [LAYER], 'internal base', '2026-03-01T10:00:00.000Z'],
      ['registry.example.com/shop/orders-api:1.4.2', true, [LAYER], undefined, '2026-03-01T10:00:00.000Z'],
    ],
  );
  assert.equal((await sec('POST', '/api/v1/catalogs/base-catalog/bases', { scanId: id, base: 'corp/base:1', approved: false, note: 'internal base' })).json.replaced, true);
  // what `policy pull` writes is a catalog the CLI reads
  const raw = ((await sec('GET', '/api/v1/documents')).json.documents as { kind: string; raw: string }[]).find((d) => d.kind === 'BaseImageCatalog')!.raw;
  assert.deepEqual(parseCatalog(raw, 'pulled').entries.map((e) => e.name), ['docker.io/corp/base:1', 'registry.example.com/shop/orders-api:1.4.2']);
  assert.equal((await sec('GET', '/api/v1/audit?kind=BaseImageCatalog')).json.items.length, 2, 'an unchanged save is not a revision');

  const bad = await sec('POST', '/api/v1/catalogs/base-catalog/bases', { scanId: noLayers });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error, /no layers/);
  assert.equal((await sec('POST', '/api/v1/catalogs/base-catalog/bases', { scanId: '999' })).status, 404);
  assert.equal((await sec('POST', '/api/v1/catalogs/base-catalog/bases', { scanId: id, base: 'not a ref!' })).status, 400);
  assert.equal((await viewer('POST', '/api/v1/catalogs/base-catalog/bases', { scanId: id })).status, 403);
});
