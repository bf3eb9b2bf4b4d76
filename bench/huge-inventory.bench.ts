// 1e6 packages inventoried and reported in JSON, in a child process (its peak RSS is the number):
// a dpkg status of 1e6 stanzas and an npm lockfile of 1e6 entries, generated at run time in a private
// temp dir (streamed to disk, never committed), removed afterwards. Target: under 1 GiB RSS.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const N = Number(process.env.BENCH_HUGE_PACKAGES ?? 1_000_000);

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

function runChild(image: string, out: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'huge', 'run-one.ts'), image, out], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('close', (code) => (code === 0 ? resolve(stdout.trim()) : reject(new Error(`child exited ${code}`))));
  });
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-huge-'));
  try {
    const dpkg = join(dir, 'dpkg');
    mkdirSync(join(dpkg, 'etc'), { recursive: true });
    await writeStreamed(join(dpkg, 'etc', 'os-release'), () => '', 0, 'ID=debian\nVERSION_ID=12\n');
    await writeStreamed(join(dpkg, 'var', 'lib', 'dpkg', 'status'), (i) => `Package: pkg-${i}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0.${i}-1\n\n`, N);
    const npm = join(dir, 'npm');
    await writeStreamed(
      join(npm, 'app', 'package-lock.json'),
      (i) => `,"node_modules/pkg-${i}":{"version":"1.0.${i}"}`,
      N,
      '{"name":"app","version":"1.0.0","lockfileVersion":3,"packages":{"":{"name":"app","version":"1.0.0"}',
      '}}',
    );
    for (const [name, root, file] of [
      ['dpkg status', dpkg, join(dpkg, 'var', 'lib', 'dpkg', 'status')],
      ['npm lockfile', npm, join(npm, 'app', 'package-lock.json')],
    ] as const) {
      const out = join(dir, `${name.replace(' ', '-')}.json`);
      const r = JSON.parse(await runChild(`dir:${root}`, out)) as { packages: number; gaps: string[]; inventoryMs: number; reportMs: number; maxRssMiB: number };
      console.log(
        `${name.padEnd(13)} ${N} entries (${(statSync(file).size / 1e6).toFixed(0)} MB): ${r.packages} packages, inventory ${(r.inventoryMs / 1000).toFixed(1)} s, JSON ${(statSync(out).size / 1e6).toFixed(0)} MB in ${(r.reportMs / 1000).toFixed(1)} s, peak RSS ${r.maxRssMiB} MiB${r.gaps.length ? `; gaps: ${r.gaps.join('; ')}` : ''}`,
      );
      rmSync(out, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
