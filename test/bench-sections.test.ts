import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measuredLine, parseSections, renderSections } from '../bench/sections.js';

test('BENCHMARKS.md sections: one module replaces its own section and keeps the others, sorted by name', () => {
  const first = renderSections(new Map([['match', 'm1'], ['malware', 'x | y\n--|--\n1 | 2']]));
  const parsed = parseSections(first);
  assert.deepEqual([...parsed.keys()], ['malware', 'match']);
  assert.equal(parsed.get('malware'), 'x | y\n--|--\n1 | 2');
  parsed.set('match', 'm2');
  parsed.set('cli', 'c');
  const again = parseSections(renderSections(parsed));
  assert.deepEqual([...again.entries()], [['cli', 'c'], ['malware', 'x | y\n--|--\n1 | 2'], ['match', 'm2']]);
  assert.match(renderSections(again), /^# Benchmarks\n/);
});

test('a section body may hold ### headings and tables; text before the first section is not a section', () => {
  const s = parseSections('# Benchmarks\nintro\n## a\n### sub\n| t |\n## b\n');
  assert.deepEqual([...s.entries()], [['a', '### sub\n| t |'], ['b', '']]);
});

test('the measured line names the date and says when the machine was shared', () => {
  assert.match(measuredLine(new Date('2026-12-05T08:00:00Z'), 0), /^_Measured 2026-12-05T08:00Z on \d+ × .*load average 0\.0 at the start\._$/);
  assert.match(measuredLine(new Date('2026-12-05T08:00:00Z'), 99), /contended/);
});
