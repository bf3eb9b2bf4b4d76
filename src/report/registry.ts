// Every output format, listed explicitly. Adding one = a folder under report/ and one line here.
// A reporter's module is imported only when its format is written (the SARIF reporter, for one, pulls
// in the advisory descriptions): choosing and checking formats needs only this table.
// registry.test.ts checks each entry against the reporter it loads.
import type { Reporter } from '../core/report.js';

type Mode = 'sbom' | 'scan';

export const REPORTERS: readonly { format: string; modes: readonly Mode[]; load: () => Promise<Reporter> }[] = [
  { format: 'table', modes: ['sbom', 'scan'], load: async () => (await import('./table/index.js')).tableReporter },
  { format: 'json', modes: ['sbom', 'scan'], load: async () => (await import('./json/index.js')).jsonReporter },
  { format: 'sarif', modes: ['scan'], load: async () => (await import('./sarif/index.js')).sarifReporter },
  { format: 'junit', modes: ['scan'], load: async () => (await import('./junit/index.js')).junitReporter },
  { format: 'markdown', modes: ['scan'], load: async () => (await import('./markdown/index.js')).markdownReporter },
  { format: 'cyclonedx', modes: ['sbom', 'scan'], load: async () => (await import('./cyclonedx/index.js')).cyclonedxReporter },
  { format: 'spdx-json', modes: ['sbom'], load: async () => (await import('./spdx/index.js')).spdxReporter },
  { format: 'html', modes: ['scan'], load: async () => (await import('./html/index.js')).htmlReporter },
  { format: 'openvex', modes: ['scan'], load: async () => (await import('./openvex/index.js')).openvexReporter },
  { format: 'gitlab', modes: ['scan'], load: async () => (await import('./gitlab/index.js')).gitlabReporter },
];

export async function reporterFor(format: string): Promise<Reporter | undefined> {
  return REPORTERS.find((r) => r.format === format)?.load();
}

export function formatsFor(mode: Mode): string[] {
  return REPORTERS.filter((r) => r.modes.includes(mode)).map((r) => r.format);
}
