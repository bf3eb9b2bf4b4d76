// Secret scanning throughput (MB/s of text on one core, the default 222 rules) on ordinary text, a 50 MB
// single-line minified file, a CA bundle and a keyword-dense hostile file; peak buffered bytes; the real
// image read with and without the secrets check; 100k small files from a root filesystem.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRules } from '../src/checks/secrets/config.js';
import { makeSecretsCheck, DEFAULT_MAX_FILE_BYTES } from '../src/checks/secrets/index.js';
import { CompiledRules, TextScanner } from '../src/checks/secrets/scan.js';
import { collectWithChecks } from '../src/scan/collect.js';
import { measure, ORDERS_API } from './sbom.bench.js';

function sources(dir: string, out: Buffer[], limit: { bytes: number }): void {
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (limit.bytes <= 0) return;
    if (statSync(p).isDirectory()) sources(p, out, limit);
    else if (n.endsWith('.ts') || n.endsWith('.md') || n.endsWith('.json')) {
      const b = readFileSync(p);
      out.push(b);
      limit.bytes -= b.length;
    }
  }
}

function throughput(compiled: CompiledRules, name: string, data: Buffer, chunk = 64 << 10): void {
  const t0 = process.hrtime.bigint();
  const s = new TextScanner(compiled, '/bench/file.txt');
  let peak = 0;
  for (let i = 0; i < data.length; i += chunk) {
    s.write(data.subarray(i, i + chunk));
    peak = Math.max(peak, s.buffered);
  }
  const hits = s.end().length;
  const sec = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${name.padEnd(44)} ${(data.length / 1e6).toFixed(1).padStart(6)} MB  ${(data.length / 1e6 / sec).toFixed(1).padStart(7)} MB/s  peak buffer ${(peak / 1e6).toFixed(1)} MB  ${hits} hit(s)`);
}

export async function run(): Promise<void> {
  const t0 = process.hrtime.bigint();
  const compiled = new CompiledRules(defaultRules());
  console.log(`rules loaded and translated: ${defaultRules().rules.length} in ${(Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0)} ms`);
  const parts: Buffer[] = [];
  sources(join(process.cwd(), 'src'), parts, { bytes: 8e6 });
  const src = Buffer.concat(parts);
  const code = Buffer.concat(Array.from({ length: Math.ceil(8e6 / src.length) }, () => src)).subarray(0, 8e6);
  throughput(compiled, "source code (this repo's src, 8 MB)", code);
  const modules = join(process.cwd(), 'node_modules', 'typescript', 'lib', 'typescript.js');
  if (existsSync(modules)) throughput(compiled, 'node_modules/typescript/lib/typescript.js', readFileSync(modules));
  const minified = Buffer.alloc(50e6, 'function(a,b){return a.key+b.token};var x={id:1,name:"v"};');
  throughput(compiled, '50 MB single line (minified, keyword-dense)', minified);
  const prose = Buffer.alloc(20e6, 'The quick brown fox jumps over the lazy dog; configuration values follow.\n');
  throughput(compiled, '20 MB ordinary text lines', prose);
  const ca = '/etc/ssl/certs/ca-certificates.crt';
  if (existsSync(ca)) {
    const b = readFileSync(ca);
    throughput(compiled, 'CA bundle ×5', Buffer.concat(Array.from({ length: 5 }, () => b)));
  }
  const hostile = Buffer.alloc(2e6, 'api_key=secret token=');
  throughput(compiled, 'hostile: keywords every 10 bytes (2 MB)', hostile);

  if (existsSync(ORDERS_API)) {
    const plain = await measure(() => collectWithChecks(ORDERS_API, { checks: [] }));
    const check = makeSecretsCheck({ rules: defaultRules(), maxFileBytes: DEFAULT_MAX_FILE_BYTES, skipPaths: [], scanPaths: [] });
    const withSecrets = await measure(() => collectWithChecks(ORDERS_API, { checks: [check] }));
    const st = withSecrets.value.checkResults[0]!.status;
    console.log(`orders-api read without checks: ${plain.ms.toFixed(0)} ms; with secrets: ${withSecrets.ms.toFixed(0)} ms (${st.stats?.filesScanned} text files, ${((st.stats?.bytesScanned ?? 0) / 1e6).toFixed(1)} MB scanned), peak RSS ${withSecrets.maxRssMiB.toFixed(0)} MiB`);
  }

  const root = mkdtempSync(join(tmpdir(), 'secrets-bench-'));
  try {
    for (let d = 0; d < 100; d++) {
      mkdirSync(join(root, `d${d}`));
      for (let i = 0; i < 1000; i++) writeFileSync(join(root, `d${d}`, `f${i}.conf`), `name = file ${i}\nport = ${i}\n`);
    }
    const check = makeSecretsCheck({ rules: defaultRules(), maxFileBytes: DEFAULT_MAX_FILE_BYTES, skipPaths: [], scanPaths: [] });
    const m = await measure(() => collectWithChecks(`dir:${root}`, { checks: [check] }));
    console.log(`100k small files (dir:): ${m.ms.toFixed(0)} ms, ${m.value.checkResults[0]!.status.stats?.filesScanned} scanned, peak RSS ${m.maxRssMiB.toFixed(0)} MiB`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
