// `json`: our own documented schema (docs/report-json.md) — the ScanReport with a schemaVersion, keys sorted.
// Written in pieces (report/stream): a 1e6-package report never becomes one string.
import type { Reporter, ScanReport } from '../../core/report.js';
import { stableJson } from '../write.js';
import { writeStableJson } from '../stream.js';

export function toJson(report: ScanReport): string {
  return stableJson(report) + '\n';
}

export const jsonReporter: Reporter = {
  format: 'json',
  modes: ['sbom', 'scan'],
  async render(report, out) {
    await writeStableJson(out, report);
  },
};
