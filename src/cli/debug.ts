// --debug: what each stage did, on stderr (analyzer file counts and warnings, gaps, timings).
import type { Inventory } from '../core/report.js';
import type { CliIo } from './io.js';

export function debugInventory(io: CliIo, inv: Inventory, ms: number): void {
  io.stderr.write(`debug: inventory of ${inv.image.name} in ${ms.toFixed(0)} ms: ${inv.packages.length} packages, OS ${inv.os ? `${inv.os.family} ${inv.os.versionId ?? ''} (${inv.os.source})` : 'not identified'}\n`);
  for (const a of inv.analyzers) {
    io.stderr.write(`debug:   analyzer ${a.analyzer}: ${a.state ?? 'complete'}, ${a.files} file(s), ${a.warnings.length} warning(s)\n`);
    for (const r of (a.reasons ?? []).slice(0, 20)) io.stderr.write(`debug:     ${a.state}: ${r}\n`);
    for (const w of a.warnings.slice(0, 20)) io.stderr.write(`debug:     ${w}\n`);
    if (a.warnings.length > 20) io.stderr.write(`debug:     … ${a.warnings.length - 20} more\n`);
  }
  for (const g of inv.gaps) io.stderr.write(`debug:   not checked: ${g.title}\n`);
}

export function timer(): () => number {
  const t0 = process.hrtime.bigint();
  return () => Number(process.hrtime.bigint() - t0) / 1e6;
}
