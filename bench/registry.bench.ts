// Registry pulls: inventory time of orders-api from the local docker-registry vs from its archive
// (target ≤ 1.2×), and bytes downloaded when scanning it after its base (target: only the new layers;
// there is no layer cache yet, so every layer is downloaded again and the line says so).
import { existsSync } from 'node:fs';
import { collectInventory } from '../src/scan/collect.js';
import { sharedPath } from '../src/core/shared.js';
import { transferStats } from '../src/source/registry/client.js';
import { haveTools, push, startRegistry } from '../src/source/registry/testregistry.js';

const ORDERS = sharedPath('fixtures/images/orders-api-1.4.2.docker.tar.gz');
const SLIM = sharedPath('fixtures/images/debian-12-slim.oci.tar');

async function timed(f: () => Promise<unknown>, runs: number): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    await f();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return t.sort((a, b) => a - b)[Math.floor(t.length / 2)]!;
}

export async function run(): Promise<void> {
  const missing = haveTools('docker-registry', 'skopeo');
  if (missing.length > 0 || !existsSync(ORDERS) || !existsSync(SLIM)) {
    console.log(`SKIPPED: needs ${missing.join(', ') || '../shared fixtures'}`);
    return;
  }
  const reg = await startRegistry({});
  try {
    await push(`oci-archive:${SLIM}`, reg, 'base/debian:12-slim');
    await push(`docker-archive:${ORDERS}`, reg, 'shop/orders-api:1.4.2');
    const ref = `${reg.host}/shop/orders-api:1.4.2`;
    await collectInventory(ORDERS); // warm up
    const archiveMs = await timed(() => collectInventory(ORDERS), 3);
    const registryMs = await timed(() => collectInventory(ref), 3);
    console.log(`orders-api inventory: archive ${archiveMs.toFixed(0)} ms, registry ${registryMs.toFixed(0)} ms (median of 3) → ${(registryMs / archiveMs).toFixed(2)}× (target ≤ 1.2×)`);
    const b0 = transferStats.bytes;
    const base = await collectInventory(`${reg.host}/base/debian:12-slim`);
    const b1 = transferStats.bytes;
    const app = await collectInventory(ref);
    const b2 = transferStats.bytes;
    const baseBlobs = new Set(base.image.layers.map((l) => l.digest));
    const newBytes = app.image.layers.filter((l) => !baseBlobs.has(l.digest)).reduce((n, l) => n + (l.size ?? 0), 0);
    console.log(`bytes: base scan ${b1 - b0}; orders-api after it ${b2 - b1}, of which its own layers ${newBytes} (no layer cache yet: shared layers are downloaded again)`);
  } finally {
    await reg.stop();
  }
}
