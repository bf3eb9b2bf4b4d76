// `json`: our own documented schema (docs/report-json.md) — the ScanReport with a schemaVersion, keys sorted.
import type { Reporter, ScanReport } from '../../core/report.js';
import { stableJson, write } from '../write.js';

export function toJson(report: ScanReport): string {
  return stableJson(report) + '\n';
}

export const jsonReporter: Reporter = {
  format: 'json',
  modes: ['sbom', 'scan'],
  async render(report, out) {
    await write(out, toJson(report));
  },
};
