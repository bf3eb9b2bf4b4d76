// BENCHMARKS.md as named sections: `npm run bench NAME` replaces only the sections of the modules that ran.
import { cpus, loadavg } from 'node:os';

const HEADER = [
  '# Benchmarks',
  '',
  'Written by `npm run bench [name...]` (bench/run.ts): each `bench/<name>.bench.ts` that returns a section',
  'replaces its own `## <name>` below and leaves the others as they were. Each section says when and on',
  'what it was measured; numbers taken while other jobs shared the machine say so.',
  '',
].join('\n');

/** The `## name` sections of a BENCHMARKS.md, in file order (text before the first section is dropped). */
export function parseSections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | undefined;
  let body: string[] = [];
  const flush = () => {
    if (name !== undefined) out.set(name, body.join('\n').trim());
  };
  for (const line of text.split('\n')) {
    const m = /^## (\S+)\s*$/.exec(line);
    if (m) {
      flush();
      name = m[1]!;
      body = [];
    } else if (name !== undefined) body.push(line);
  }
  flush();
  return out;
}

export function renderSections(sections: Map<string, string>): string {
  const names = [...sections.keys()].sort();
  return `${HEADER}${names.map((n) => `\n## ${n}\n\n${sections.get(n)!.trim()}\n`).join('')}`;
}

/** The line that opens a freshly measured section: date, machine, Node, load at the start. */
export function measuredLine(now: Date, load = loadavg()[0] ?? 0): string {
  const cpu = cpus();
  return `_Measured ${now.toISOString().slice(0, 16)}Z on ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, Node ${process.version}; load average ${load.toFixed(1)} at the start${load >= cpu.length ? ' (machine shared with other jobs: numbers are contended)' : ''}._`;
}
