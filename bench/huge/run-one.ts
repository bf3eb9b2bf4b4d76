// Child of bench/huge-inventory.bench.ts: inventory IMAGE and write the JSON report to OUT, then print
// peak RSS. Run in its own process so the measured peak is this case's alone.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { collectInventory } from '../../src/scan/collect.js';
import { jsonReporter } from '../../src/report/json/index.js';
import type { ScanReport } from '../../src/core/report.js';

const [image, out] = process.argv.slice(2) as [string, string];
const t0 = process.hrtime.bigint();
const inventory = await collectInventory(image);
const t1 = process.hrtime.bigint();
const report: ScanReport = { schemaVersion: '1', scanner: { name: 'portcullis', version: 'bench' }, createdAt: '2026-01-01T00:00:00.000Z', inventory, findings: inventory.gaps };
const stream = createWriteStream(out);
await jsonReporter.render(report, stream, { mode: 'sbom', color: false });
stream.end();
await once(stream, 'finish');
const t2 = process.hrtime.bigint();
process.stdout.write(
  JSON.stringify({
    packages: inventory.packages.length,
    gaps: inventory.gaps.map((g) => (g.kind === 'coverage-gap' ? `${g.reason}: ${g.subject}` : g.title)),
    inventoryMs: Number(t1 - t0) / 1e6,
    reportMs: Number(t2 - t1) / 1e6,
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  }) + '\n',
);
