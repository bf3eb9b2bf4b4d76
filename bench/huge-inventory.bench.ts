// 1e6 packages inventoried and reported in JSON, each case in a child process (its peak RSS is the
// number): a dpkg status file and an npm lockfile of 100k, 300k and 1e6 entries, generated at run time
// under .cache/bench/ (streamed to disk, never committed) and removed afterwards. Target: under 1 GiB RSS
// at 1e6 packages (issue 12). BENCH_HUGE_SIZES=100000,300000 picks the sizes.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SIZES = (process.env.BENCH_HUGE_SIZES ?? '100000,300000,1000000').split(',').map(Number);
const TARGET_MIB = 1024;

async function writeStreamed(file: string, pieces: (i: number) => string, count: number, head = '', tail = ''): Promise<void> {
  mkdirSync(dirname(file), { recursive: true });
  const s = createWriteStream(file);
  s.write(head);
  let buf = '';
  for (let i = 0; i < count; i++) {
    buf += pieces(i);
    if (buf.length > 1 << 20) {
      if (!s.write(buf)) await once(s, 'drain');
      buf = '';
    }
  }
  s.write(buf + tail);
  s.end();
  await once(s, 'finish');
}

interface One {
  packages: number;
  gaps: string[];
  inventoryMs: number;
  reportMs: number;
  maxRssMiB: number;
}

function runChild(image: string, out: string): Promise<One> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'huge', 'run-one.ts'), image, out], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout.trim()) as One) : reject(new Error(`child exited ${code}`))));
  });
}

interface Row {
  kind: string;
  n: number;
  inputMB: number;
  jsonMB: number;
  r: One;
}

async function measure(dir: string, n: number): Promise<Row[]> {
  const dpkg = join(dir, `dpkg-${n}`);
  await writeStreamed(join(dpkg, 'etc', 'os-release'), () => '', 0, 'ID=debian\nVERSION_ID=12\n');
  await writeStreamed(join(dpkg, 'var', 'lib', 'dpkg', 'status'), (i) => `Package: pkg-${i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0.${i}-1\n\n`, n);
  const npm = join(dir, `npm-${n}`);
  await writeStreamed(
    join(npm, 'app', 'package-lock.json'),
    (i) => `,"node_modules/pkg-${i}":{"version":"1.0.${i}"}`,
    n,
    '{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0"}',
    '}}',
  );
  const rows: Row[] = [];
  for (const [kind, root, file] of [
    ['dpkg status', dpkg, join(dpkg, 'var', 'lib', 'dpkg', 'status')],
    ['npm lockfile', npm, join(npm, 'app', 'package-lock.json')],
  ] as const) {
    const out = join(dir, `${kind.replace(' ', '-')}-${n}.json`);
    const r = await runChild(`dir:${root}`, out);
    const row = { kind, n, inputMB: statSync(file).size / 1e6, jsonMB: statSync(out).size / 1e6, r };
    console.log(
      `${kind.padEnd(13)} ${n} entries (${row.inputMB.toFixed(0)} MB): ${r.packages} packages, inventory ${(r.inventoryMs / 1000).toFixed(1)} s, JSON ${row.jsonMB.toFixed(0)} MB in ${(r.reportMs / 1000).toFixed(1)} s, peak RSS ${r.maxRssMiB} MiB${r.gaps.length ? `; gaps: ${r.gaps.join('; ')}` : ''}`,
    );
    rows.push(row);
    rmSync(out, { force: true });
  }
  rmSync(dpkg, { recursive: true, force: true });
  rmSync(npm, { recursive: true, force: true });
  return rows;
}

function section(rows: Row[]): string {
  const lines = [
    `Method: \`bench/huge/run-one.ts\` in a child process per case (Node ${process.version}, ${cpus().length} cores, **shared with other jobs**: times are under contention, RSS is not affected by it): \`collectInventory('dir:…')\` (walk, analyzers, inventory) then the JSON report (\`jsonReporter\`, streamed) to a file. Peak RSS is the child's \`maxRSS\` (includes ~95 MiB of Node + tsx start-up). Inputs: a dpkg status file of N stanzas (Debian 12 os-release) and a package-lock v3 of N entries.`,
    '',
    '| case | packages | input | peak RSS | inventory | JSON report | per package |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.kind} | ${row.r.packages.toLocaleString('en')} | ${row.inputMB.toFixed(0)} MB | ${row.r.maxRssMiB} MiB | ${(row.r.inventoryMs / 1000).toFixed(1)} s | ${row.jsonMB.toFixed(0)} MB in ${(row.r.reportMs / 1000).toFixed(1)} s | ${((row.r.maxRssMiB * 1048576) / row.r.packages).toFixed(0)} B |`,
    );
  }
  lines.push('');
  for (const kind of new Set(rows.map((r) => r.kind))) {
    const mine = rows.filter((r) => r.kind === kind).sort((a, b) => a.n - b.n);
    const lo = mine[0];
    const hi = mine[mine.length - 1];
    if (lo && hi && hi.n > lo.n) {
      const marginal = ((hi.r.maxRssMiB - lo.r.maxRssMiB) * 1048576) / (hi.r.packages - lo.r.packages);
      const verdict = hi.n >= 1_000_000 ? (hi.r.maxRssMiB < TARGET_MIB ? `meets the target (${hi.r.maxRssMiB} < ${TARGET_MIB} MiB at 1e6)` : `**misses the target** (${hi.r.maxRssMiB} MiB at 1e6)`) : 'target not measured (1e6 not run)';
      lines.push(`- ${kind}: ${marginal.toFixed(0)} bytes of peak RSS per additional package (${lo.n.toLocaleString('en')} → ${hi.n.toLocaleString('en')}); ${verdict}.`);
    }
  }
  lines.push(
    '- Before issue 12\'s memory work (same method, 100k packages): dpkg 330 MiB, npm 312 MiB peak RSS, ~2.4 KB per package, so 1e6 would have needed ~3 GB. Where it went: purls built with `+=` (ropes holding every piece), an empty licence array and a location array + object per package, the status text held whole next to its bytes, three copies of every lockfile package, a 1e6-key first-layer map, and a second copy of the inventory to redact layer refs.',
  );
  return lines.join('\n');
}

export async function run(): Promise<string> {
  mkdirSync(join(here, '..', '.cache', 'bench'), { recursive: true });
  const dir = mkdtempSync(join(here, '..', '.cache', 'bench', 'huge-'));
  try {
    const rows: Row[] = [];
    for (const n of SIZES) rows.push(...(await measure(dir, n)));
    return section(rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
