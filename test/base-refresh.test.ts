// `portcullis base refresh` against Debian's docker-registry on 127.0.0.1: a base recorded from the
// registry, then its tag moved to a rebuilt image (here: an image built on that base, pushed under
// the same tag); refresh records the new digest and layers beside the old entry, and a second
// refresh changes nothing. CI installs docker-registry and skopeo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedOrSkip } from '../src/core/shared.js';
import { loadCatalog } from '../src/baseimage/index.js';
import { haveTools, push, startRegistry, type RegistryHandle } from '../src/source/registry/testregistry.js';
import { cli } from './helpers/cli.js';

const missing = haveTools('docker-registry', 'skopeo');
const skipMsg = missing.length > 0 ? `SKIPPED: ${missing.join(', ')} not installed (apt-get install docker-registry skopeo; .ci/run does)` : undefined;
if (skipMsg) console.log(skipMsg);
const work = mkdtempSync(join(tmpdir(), 'portcullis-base-refresh-'));
let reg: RegistryHandle | undefined;

before(async () => {
  if (!skipMsg) reg = await startRegistry({});
});
after(async () => {
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('base refresh records a moved tag\'s new digest beside the old one; then it is up to date', async (t) => {
  if (skipMsg) return t.skip(skipMsg);
  const slim = sharedOrSkip(t, 'fixtures/images/debian-12-slim.oci.tar');
  const orders = sharedOrSkip(t, 'fixtures/images/orders-api-1.4.2.docker.tar.gz');
  if (!slim || !orders) return;
  const catalog = join(work, 'base-catalog.yaml');
  const name = `${reg!.host}/base/debian:12-slim`;
  await push(`oci-archive:${slim}`, reg!, 'base/debian:12-slim');
  const add = await cli(['base', 'add', name, '--catalog', catalog, '--quiet']);
  assert.equal(add.code, 0, add.stderr);
  const first = await loadCatalog(catalog);
  assert.equal(first.entries.length, 1);
  const oldDigest = first.entries[0]!.digest;
  assert.match(oldDigest ?? '', /^sha256:/);

  const same = await cli(['base', 'refresh', '--catalog', catalog, '--quiet']);
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stdout, /12-slim: up to date/);

  // the tag moves to a rebuilt image that keeps the old base layer
  await push(`docker-archive:${orders}`, reg!, 'base/debian:12-slim');
  const r = await cli(['base', 'refresh', name, '--catalog', catalog, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /new digest [0-9a-f]{12} \(3 layer\(s\), \d+ package\(s\)\) recorded beside 1 earlier one/);
  const after = await loadCatalog(catalog);
  assert.equal(after.entries.length, 2);
  const digests = after.entries.map((e) => e.digest);
  assert.ok(digests.includes(oldDigest));
  const fresh = after.entries.find((e) => e.digest !== oldDigest)!;
  assert.equal(fresh.name, name);
  assert.equal(fresh.layers.length, 3);
  assert.equal(fresh.layers[0], first.entries[0]!.layers[0]);
  assert.equal(fresh.approved, true);
  const again = await cli(['base', 'refresh', '--catalog', catalog, '--quiet']);
  assert.match(again.stdout, /up to date/);
  assert.equal((await loadCatalog(catalog)).entries.length, 2);
  const unknown = await cli(['base', 'refresh', 'debian:13', '--catalog', catalog, '--quiet']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no base docker\.io\/library\/debian:13 with a tag in the catalog/);
});
