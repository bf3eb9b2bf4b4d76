// Test helper: reads the osv-scalibr style ordering vectors ("a < b", "a = b", "a > b", one per line;
// blank lines and lines starting with "# " or "// " are comments).
import { readFileSync } from 'node:fs';

export interface Vector {
  line: number;
  a: string;
  op: '<' | '=' | '>';
  b: string;
  /** the closest preceding comment, for files that mark sections (e.g. "# invalid") */
  section: string;
}

export function expected(op: Vector['op']): -1 | 0 | 1 {
  return op === '<' ? -1 : op === '=' ? 0 : 1;
}

export function parseVectors(text: string): Vector[] {
  const out: Vector[] = [];
  let section = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = raw.replace(/\r$/, '');
    if (line === '') continue;
    if (line.startsWith('# ') || line.startsWith('// ')) {
      section = line;
      continue;
    }
    const parts = line.split(' ');
    const [a, op, b] = parts;
    if (parts.length !== 3 || a === undefined || b === undefined || (op !== '<' && op !== '=' && op !== '>')) {
      throw new Error(`vector line ${i + 1} is malformed: ${JSON.stringify(line)}`);
    }
    out.push({ line: i + 1, a, op, b, section });
  }
  return out;
}

export function readVectors(path: string): Vector[] {
  return parseVectors(readFileSync(path, 'utf8'));
}
