// `portcullis compare` output: a table (a summary line, then one row per vulnerability some tool did
// not report, with each absent tool's reason under it) or the CompareResult as JSON.
import type { CompareResult } from './compare.js';
import { sanitize } from '../report/sanitize.js';

export function renderCompareJson(r: CompareResult): string {
  return JSON.stringify(r, null, 2) + '\n';
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

export function renderCompareTable(r: CompareResult): string {
  const out: string[] = [];
  for (const t of r.tools) {
    const what = [t.version ? `${t.name} ${t.version}` : t.name, `${t.findings} finding(s)`, t.artifact ? `of ${sanitize(t.artifact)}` : undefined, `from ${sanitize(t.file)}`];
    out.push(`${what.filter(Boolean).join(', ')}${t.skipped ? `; ${t.skipped} malformed entr${t.skipped === 1 ? 'y' : 'ies'} skipped` : ''}`);
  }
  const names = r.tools.map((t) => t.name);
  out.push('');
  out.push(
    [`reported by all: ${r.agreed}`, ...names.map((n) => `only ${n}: ${r.only[n]}`), ...names.map((n) => `not by ${n}: ${r.missing[n]}`)].join('; '),
  );
  if (r.rows.length === 0) {
    out.push('', 'The reports agree.');
    return out.join('\n') + '\n';
  }
  const cols = [
    { head: 'VULNERABILITY', get: (x: CompareResult['rows'][number]) => x.vulnerability },
    { head: 'PACKAGE', get: (x: CompareResult['rows'][number]) => sanitize(x.package) },
    { head: 'VERSION', get: (x: CompareResult['rows'][number]) => sanitize(x.version) },
    ...names.map((n) => ({ head: n.toUpperCase(), get: (x: CompareResult['rows'][number]) => (x.found[n] ? 'yes' : '-') })),
  ];
  const widths = cols.map((c) => Math.min(48, Math.max(c.head.length, ...r.rows.map((x) => c.get(x).length))));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]!))).join('  ');
  out.push('', line(cols.map((c) => c.head)));
  for (const row of r.rows) {
    out.push(line(cols.map((c) => c.get(row))));
    const aka = row.ids.filter((i) => i !== row.vulnerability);
    if (aka.length) out.push(`    also: ${aka.join(', ')}`);
    if (row.suppressed) out.push(`    suppressed in ${names[0]}: ${sanitize(row.suppressed)}`);
    for (const n of names) if (row.why[n]) out.push(`    not by ${n}: ${sanitize(row.why[n])}`);
  }
  return out.join('\n') + '\n';
}
