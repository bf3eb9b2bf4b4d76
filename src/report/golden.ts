// Golden-file comparison for reporters. `UPDATE_GOLDEN=1 npm test` rewrites the files; review the diff.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';
import assert from 'node:assert/strict';
import type { Reporter, RenderOptions, ScanReport } from '../core/report.js';

export async function renderToString(r: Reporter, report: ScanReport, opts: RenderOptions): Promise<string> {
  let out = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString('utf8');
      cb();
    },
  });
  await r.render(report, sink, opts);
  return out;
}

export function assertGolden(actual: string, goldenPath: string): void {
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(goldenPath)) {
    mkdirSync(dirname(goldenPath), { recursive: true });
    writeFileSync(goldenPath, actual);
    if (process.env.UPDATE_GOLDEN !== '1') assert.fail(`golden file ${goldenPath} was missing and has been written; review it and rerun`);
    return;
  }
  assert.equal(actual, readFileSync(goldenPath, 'utf8'), `output differs from ${goldenPath} (UPDATE_GOLDEN=1 to accept)`);
}
