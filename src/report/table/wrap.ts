// Fitting the table to the terminal: the last column of a block wraps at word boundaries (a word is
// never cut; one longer than the room left stands on its own line), continuation lines start under it.
// `--wide` keeps every cell on one line, whatever the width.

export { DEFAULT_WIDTH, terminalWidth } from '../width.js';
/** Narrowest room kept for the wrapped column, however many columns precede it. */
const MIN_LAST = 24;
/** Titles take at most this many lines unless `--wide`; the rest is cut at a word boundary with `…`. */
export const MAX_TITLE_LINES = 2;

export interface Fit {
  width: number;
  wide: boolean;
}

export function visible(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}

/** Words of `text` packed into lines of at most `width` characters. */
export function wrapWords(text: string, width: number): string[] {
  const words = text.split(/\s+/).filter((w) => w !== '');
  const out: string[] = [];
  let line = '';
  for (const w of words) {
    if (line === '') line = w;
    else if (line.length + 1 + w.length <= width) line += ` ${w}`;
    else {
      out.push(line);
      line = w;
    }
  }
  if (line !== '' || out.length === 0) out.push(line);
  return out;
}

/** At most `maxLines` wrapped lines; when more, the last kept line ends at a word boundary with `…`. */
export function clampLines(lines: string[], maxLines: number, width: number): string[] {
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  let last = kept[maxLines - 1]!;
  while (last.length + 2 > width && last.includes(' ')) last = last.slice(0, last.lastIndexOf(' '));
  kept[maxLines - 1] = `${last} …`;
  return kept;
}

/**
 * Rows aligned in columns; the last column wraps to what is left of `fit.width` (at least MIN_LAST),
 * or stays on one line with `fit.wide`. `maxLines` bounds a wrapped cell (titles).
 */
export function fitColumns(rows: string[][], fit: Fit, maxLines = Infinity, gap = 2): string[] {
  const sep = ' '.repeat(gap);
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(c).length)));
  const out: string[] = [];
  for (const r of rows) {
    const head = r.slice(0, -1).map((c, i) => c + ' '.repeat(widths[i]! - visible(c).length));
    const indent = head.reduce((n, c) => n + visible(c).length + gap, 0);
    const last = r[r.length - 1] ?? '';
    const room = Math.max(MIN_LAST, fit.width - indent);
    const cell = fit.wide || visible(last).length <= room ? [last] : clampLines(wrapWords(last, room), maxLines, room);
    out.push([...head, cell[0]!].join(sep).trimEnd());
    for (const more of cell.slice(1)) out.push(' '.repeat(indent) + more);
  }
  return out;
}
