// Every output format, listed explicitly. Adding one = a folder under report/ and one line here.
import type { Reporter } from '../core/report.js';
import { jsonReporter } from './json/index.js';
import { tableReporter } from './table/index.js';
import { sarifReporter } from './sarif/index.js';
import { junitReporter } from './junit/index.js';
import { markdownReporter } from './markdown/index.js';
import { cyclonedxReporter } from './cyclonedx/index.js';
import { spdxReporter } from './spdx/index.js';
import { htmlReporter } from './html/index.js';
import { openvexReporter } from './openvex/index.js';
import { gitlabReporter } from './gitlab/index.js';

export const reporters: Reporter[] = [
  tableReporter,
  jsonReporter,
  sarifReporter,
  junitReporter,
  markdownReporter,
  cyclonedxReporter,
  spdxReporter,
  htmlReporter,
  openvexReporter,
  gitlabReporter,
];

export function reporterFor(format: string): Reporter | undefined {
  return reporters.find((r) => r.format === format);
}

export function formatsFor(mode: 'sbom' | 'scan'): string[] {
  return reporters.filter((r) => r.modes.includes(mode)).map((r) => r.format);
}
