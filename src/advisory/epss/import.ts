// FIRST EPSS scores (https://www.first.org/epss/data_stats): a CSV, optionally gzipped, whose first
// line is `#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z`, then `cve,epss,percentile`.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ImportContext, ImportItem } from '../types.js';

const CVE = /^CVE-\d{4}-\d{4,}$/;

/** `2025-08-25T12:55:00+0000` -> ISO; undefined when unparsable. */
export function parseScoreDate(s: string): string | undefined {
  const fixed = s.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const t = Date.parse(fixed);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

export async function* importEpss(path: string, ctx: ImportContext): AsyncGenerator<ImportItem> {
  let input: Readable = createReadStream(path);
  if (path.toLowerCase().endsWith('.gz')) input = input.pipe(createGunzip());
  const lines = createInterface({ input, crlfDelay: Infinity });
  let date: string | undefined;
  let header = false;
  let n = 0;
  let bytes = 0;
  for await (const line of lines) {
    n++;
    bytes += line.length + 1;
    if (bytes > ctx.limits.maxFeedBytes) throw new Error(`${path}: larger than ${ctx.limits.maxFeedBytes} bytes`);
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /score_date:([^,\s]+)/.exec(line);
      if (m) {
        date = parseScoreDate(m[1] as string);
        if (date) ctx.setUpdatedAt(date);
        else ctx.warn(`${path}:${n}: unparsable score_date ${JSON.stringify(m[1])}`);
      }
      continue;
    }
    if (!header) {
      if (line.trim().toLowerCase() !== 'cve,epss,percentile') throw new Error(`${path}:${n}: expected header "cve,epss,percentile"`);
      header = true;
      continue;
    }
    const [cve, s, p, extra] = line.split(',');
    const score = Number(s);
    const percentile = Number(p);
    if (extra !== undefined || !cve || !CVE.test(cve) || !s || !p || !(score >= 0 && score <= 1) || !(percentile >= 0 && percentile <= 1)) {
      ctx.warn(`${path}:${n}: skipped malformed row ${JSON.stringify(line.slice(0, 80))}`);
      continue;
    }
    yield { type: 'epss', cve, score, percentile, ...(date ? { date: date.slice(0, 10) } : {}) };
  }
  if (!header) throw new Error(`${path}: no "cve,epss,percentile" header found`);
}
