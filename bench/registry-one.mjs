// One scan collection (inventory + content checks) of a registry image in this process, for
// registry.bench.ts's fresh-process measurement: node bench/registry-one.mjs DIST REF CACHE_DIR
// Prints the collection's wall time in ms (start-up and module loading excluded). Plain JavaScript on
// tsc's output, so nothing but Node sits between the measurement and the code.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dist, ref, cacheDir] = process.argv.slice(2);
const load = (rel) => import(pathToFileURL(join(dist, rel)).href);
const { prepareChecks } = await load('checks/index.js');
const { collectWithChecks } = await load('scan/collect.js');
const { LayerCache } = await load('walker/index.js');
const checks = await prepareChecks({ env: { PORTCULLIS_CACHE_DIR: '/nonexistent-portcullis-cache' } });
const cache = { store: new LayerCache(cacheDir), salt: ['bench'] };
const t0 = process.hrtime.bigint();
await collectWithChecks(ref, { checks, cache });
console.log(String(Number(process.hrtime.bigint() - t0) / 1e6));
for (const c of checks) await c.close?.();
